//! `completions` and `man`: generated from the clap definitions.

use std::io::Write;

use clap::CommandFactory;

use super::ExitStatus;
use crate::cli::Cli;

pub fn completions(shell: clap_complete::Shell, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let mut cmd = Cli::command();
    clap_complete::generate(shell, &mut cmd, "cachectl", out);
    Ok(ExitStatus::Success)
}

pub fn man(out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    clap_mangen::Man::new(Cli::command()).render(out)?;
    Ok(ExitStatus::Success)
}
