//! `cachectl check`: offline lint (and `--online` cache checks).

use std::io::Write;

use anyhow::{Result, bail};

use super::ExitStatus;
use crate::cli::{CheckArgs, Cli};

pub fn run(_cli: &Cli, _args: &CheckArgs, _out: &mut dyn Write) -> Result<ExitStatus> {
    bail!("check is not implemented yet")
}
