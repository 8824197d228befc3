//! `cachectl coverage`: which store paths the configured caches serve, verified.

use std::io::Write;

use anyhow::{Result, bail};

use super::ExitStatus;
use crate::cli::{Cli, CoverageArgs};

pub fn run(_cli: &Cli, _args: &CoverageArgs, _out: &mut dyn Write) -> Result<ExitStatus> {
    bail!("coverage is not implemented yet")
}
