//! `cachectl export`: the configured caches as nix.conf lines or JSON, for an install
//! script to write before `nixos-install`.
//!
//! Exit status: 0, or 1 when something in the file could not be exported (a computed
//! value, an invalid URL or key); a tailnet cache left out on purpose is not a failure.

use std::io::Write;

use anyhow::Result;
use cachectl::coverage::{config, export};

use super::{ExitStatus, Setup};
use crate::cli::{Cli, ExportArgs, ExportFormat};

pub fn run(cli: &Cli, args: &ExportArgs, out: &mut dyn Write) -> Result<ExitStatus> {
    let setup = Setup::load(cli)?;
    let (shown, config) = match &args.host {
        Some(name) => {
            let (shown, config, _) = super::hosts::host_config(&setup, name)?;
            (shown, config)
        }
        None => {
            let path = setup.nix_file(cli)?;
            let shown = super::setup::display(&path);
            let text = crate::fsio::read(&path)?;
            match config::read(&text) {
                Ok(c) => (shown, c),
                Err(e) => {
                    eprintln!("{shown}:{}:{}: error: {}", e.line, e.column, e.message);
                    return Ok(ExitStatus::Error);
                }
            }
        }
    };
    let plan = export::plan(&config, args.include_unreachable);
    for l in &plan.left_out {
        eprintln!("{shown}:{}: note: left out {}: {}", l.line, l.url, l.reason);
    }
    for s in &plan.skipped {
        eprintln!("{shown}:{}: warning: {}", s.line, s.reason);
    }
    if cli.json || args.format == ExportFormat::Json {
        super::write_json(out, &export::json(&plan, args.extra, &shown))?;
    } else {
        write!(out, "{}", export::nix_conf(&plan, args.extra, &shown))?;
    }
    Ok(if plan.skipped.is_empty() { ExitStatus::Success } else { ExitStatus::Failure })
}
