//! `completions` and `man`: generated from the clap definitions.

use std::io::Write;

use clap::CommandFactory;

use super::ExitStatus;
use crate::cli::{Cli, Shell};

pub fn completions(shell: Shell, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    use clap_complete::{generate, shells};
    let mut cmd = Cli::command();
    match shell {
        Shell::Bash => generate(shells::Bash, &mut cmd, "cachectl", out),
        Shell::Zsh => generate(shells::Zsh, &mut cmd, "cachectl", out),
        Shell::Fish => generate(shells::Fish, &mut cmd, "cachectl", out),
    }
    Ok(ExitStatus::Success)
}

pub fn man(out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    clap_mangen::Man::new(Cli::command()).render(out)?;
    Ok(ExitStatus::Success)
}
