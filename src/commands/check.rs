//! `cachectl check [FILES…]`: lint cache settings offline (and, with `--online`, check the
//! caches themselves).
//!
//! The files named are linted with the rest of their configuration as context (see
//! `scope.rs`): keys, caches and settings of other files count, findings are reported for
//! the named files only, and duplicates need files that NixOS merges (by the import graph).
//! `--isolated` lints the named files alone, as one configuration. Each finding is one
//! line, `path:line:col: level[code]: message`, on stdout; a summary goes to stderr when
//! there are findings. `--json` prints one `{"diagnostics": […], "caches": […]}` document;
//! its caches, and those `--online` contacts, are the named files' substituters, paired
//! with keys from the whole configuration.
//! Exit status: 0 clean or only warnings/infos, 1 errors (or warnings with
//! `--deny-warnings`), 2 usage or I/O errors. A file that does not parse is a finding.

use std::io::Write;

use anyhow::{Context as _, Result, bail};
use cachectl::lint::{self, Report, Severity};

use super::{ExitStatus, Setup};
use crate::cli::{CheckArgs, Cli, FixArgs};

pub fn run(cli: &Cli, args: &CheckArgs, out: &mut dyn Write) -> Result<ExitStatus> {
    if args.fix {
        let fix = FixArgs {
            files: args.files.clone(),
            isolated: args.isolated,
            diff: false,
            deny_warnings: args.deny_warnings,
        };
        return super::fix::run(cli, &fix, out);
    }
    if !args.online && !args.probe.is_empty() {
        bail!("--probe needs --online");
    }
    if args.online {
        super::online::timeout(args)?;
    }
    let setup = Setup::load(cli)?;
    let paths = if args.files.is_empty() { vec![setup.nix_file(cli)?] } else { args.files.clone() };
    let scope = super::scope::gather(&paths, args.isolated)?;
    if let Some(note) = &scope.note {
        eprintln!("cachectl: note: {note}");
    }
    let named = scope.files.iter().filter(|f| f.named).count();
    let inputs = scope.files.iter().zip(scope.analyses).map(|(f, analysis)| lint::Input {
        path: &f.path,
        text: &f.text,
        named: f.named,
        analysis,
    });
    let mut report = lint::check_run(inputs.collect(), scope.merge, &setup.registry);
    if !args.isolated {
        // A flake's hosts are merge units of their own: what only a per-host reading shows.
        let names: Vec<&str> = scope.files.iter().filter(|f| f.named).map(|f| f.path.as_str()).collect();
        for d in super::hosts::check_findings(&names, &setup) {
            let dup = report.diagnostics.iter().any(|o| o.code == d.code && o.file == d.file && o.line == d.line);
            if !dup {
                report.diagnostics.push(d);
            }
        }
        let order: Vec<&str> = names.clone();
        report.diagnostics.sort_by_key(|d| (order.iter().position(|n| *n == d.file), d.line, d.column));
    }
    // Online results join the one JSON document, so they are gathered before printing; the
    // signers they observe supersede offline pairing findings they contradict.
    let online = match args.online {
        true => Some(super::online::check(args, &report.caches, &report.trusted_keys, &setup.registry)?),
        false => None,
    };
    if let Some(checked) = &online {
        super::online::supersede(&mut report.diagnostics, checked);
        let reports: Vec<&cachectl::net::CacheReport> = checked.iter().map(|c| &c.report).collect();
        report.diagnostics.extend(super::rotation::findings(&reports, &report.caches, super::online::timeout(args)?));
    }
    if args.system {
        let files: Vec<(&str, &str)> =
            scope.files.iter().filter(|f| f.named).map(|f| (f.path.as_str(), f.text.as_str())).collect();
        let first = std::path::Path::new(files.first().map_or("", |f| f.0));
        report.diagnostics.extend(super::system::diagnostics(&files, first)?);
    }
    let mut status = status_of(&report, args.deny_warnings);
    let evals = match args.eval {
        true => Some(super::hosts::eval_fleet(&setup)?),
        false => None,
    };
    if cli.json {
        let mut doc = serde_json::to_value(&report).context("cannot serialise the report")?;
        if let (Some((hosts, evals)), Some(obj)) = (&evals, doc.as_object_mut()) {
            obj.insert("eval".into(), super::hosts::eval_json(hosts, evals));
        }
        if let (Some(reports), Some(obj)) = (&online, doc.as_object_mut()) {
            obj.insert("caches".into(), super::online::json(reports, &report.caches).into());
        }
        super::write_json(out, &doc)?;
    } else {
        for d in &report.diagnostics {
            writeln!(out, "{d}")?;
        }
        if !report.diagnostics.is_empty() {
            out.flush()?;
            eprintln!("{}", summary(&report, named));
        }
    }
    if let Some((hosts, evals)) = &evals {
        if !cli.json {
            super::hosts::print_eval(hosts, evals, out)?;
        }
        status = worst(status, super::hosts::eval_status(evals));
    }
    if let Some(reports) = &online {
        let mut sink = std::io::sink();
        let target: &mut dyn Write = if cli.json { &mut sink } else { out };
        status = worst(status, super::online::print(reports, target)?);
    }
    Ok(status)
}

pub(super) fn status_of(report: &Report, deny_warnings: bool) -> ExitStatus {
    let errors = report.count(Severity::Error);
    let warnings = report.count(Severity::Warning);
    if errors > 0 || (deny_warnings && warnings > 0) { ExitStatus::Failure } else { ExitStatus::Success }
}

fn worst(a: ExitStatus, b: ExitStatus) -> ExitStatus {
    let rank = |s| match s {
        ExitStatus::Success => 0,
        ExitStatus::Failure => 1,
        ExitStatus::Error => 2,
    };
    if rank(b) > rank(a) { b } else { a }
}

/// `cachectl: 2 files checked: 1 error, 3 warnings, 1 info`.
fn summary(report: &Report, files: usize) -> String {
    let n = |count: usize, word: &str| format!("{count} {word}{}", if count == 1 { "" } else { "s" });
    let parts: Vec<String> = [(Severity::Error, "error"), (Severity::Warning, "warning"), (Severity::Info, "info")]
        .into_iter()
        .filter_map(|(s, word)| Some(report.count(s)).filter(|&c| c > 0).map(|c| n(c, word)))
        .collect();
    format!("cachectl: {} checked: {}", n(files, "file"), parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_counts_each_level() {
        let files = vec![(
            "a.nix".to_owned(),
            "{ nix.settings.substituters = [ \"http://x.org\" \"nope\" ]; nix.binaryCaches = [ ]; }".to_owned(),
        )];
        let report = lint::check(&files, &cachectl::registry::Registry::builtin());
        assert_eq!(summary(&report, 1), "cachectl: 1 file checked: 1 error, 3 warnings");
        assert_eq!(status_of(&report, false), ExitStatus::Failure);
        assert_eq!(worst(ExitStatus::Failure, ExitStatus::Error), ExitStatus::Error);
    }
}
