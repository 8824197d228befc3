//! `cachectl explain CODE`: the documentation of a diagnostic code.

use std::io::Write;

use anyhow::{Result, bail};

use super::ExitStatus;

pub fn run(_code: Option<&str>, _out: &mut dyn Write) -> Result<ExitStatus> {
    bail!("explain is not implemented yet")
}
