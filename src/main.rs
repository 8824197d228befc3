//! The `cachectl` binary: parse arguments, run one command, map the typed exit status.

mod cli;
mod commands;
mod fsio;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match commands::run(args) {
        Ok(status) => status.into(),
        Err(err) if commands::is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            commands::print_error(&err);
            commands::ExitStatus::Error.into()
        }
    }
}
