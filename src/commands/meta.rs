//! `completions` and `man`: generated from the clap definitions.

use std::io::Write;

use super::ExitStatus;
use crate::cli::Shell;

/// Rendered by build.rs from the same clap definitions.
const BASH: &str = include_str!(concat!(env!("OUT_DIR"), "/cachectl.bash"));
const ZSH: &str = include_str!(concat!(env!("OUT_DIR"), "/cachectl.zsh"));
const FISH: &str = include_str!(concat!(env!("OUT_DIR"), "/cachectl.fish"));
const MAN: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/cachectl.1"));

pub fn completions(shell: Shell, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let text = match shell {
        Shell::Bash => BASH,
        Shell::Zsh => ZSH,
        Shell::Fish => FISH,
    };
    out.write_all(text.as_bytes())?;
    Ok(ExitStatus::Success)
}

pub fn man(out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    out.write_all(MAN)?;
    Ok(ExitStatus::Success)
}
