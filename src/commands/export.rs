//! `cachectl export`: the configured caches as nix.conf lines or JSON.

use std::io::Write;

use anyhow::{Result, bail};

use super::ExitStatus;
use crate::cli::{Cli, ExportArgs};

pub fn run(_cli: &Cli, _args: &ExportArgs, _out: &mut dyn Write) -> Result<ExitStatus> {
    bail!("export is not implemented yet")
}
