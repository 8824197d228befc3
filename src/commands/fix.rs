//! `cachectl fix [FILES…]` (and `check --fix`): apply the safe repairs of what `check`
//! finds, then report what is left.
//!
//! The run is the same as `check`'s (the files named, with the rest of the configuration as
//! context). Each round lints the run, and each named file applies the earliest stage of
//! its fixes in memory (see [`cachectl::fix`]); rounds repeat until nothing fixable is left.
//! Every stage is verified like an `add`; a stage that cannot be verified is dropped and its
//! findings are reported as not fixable, with the reason. Each changed file is then written
//! once, atomically and under the lock, and only if it still holds the text that was linted.
//! `--diff` prints the change and writes nothing.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use anyhow::{Context as _, Result};
use cachectl::lint::{self, Diagnostic, Report};

use super::{ExitStatus, Setup};
use crate::cli::{Cli, FixArgs};

/// More rounds than any file needs (each round applies at least one fix or drops one).
const MAX_ROUNDS: usize = 64;

pub fn run(cli: &Cli, args: &FixArgs, out: &mut dyn Write) -> Result<ExitStatus> {
    let setup = Setup::load(cli)?;
    let paths = if args.files.is_empty() { vec![setup.nix_file(cli)?] } else { args.files.clone() };
    let scope = super::scope::gather(&paths, args.isolated)?;
    if let Some(note) = &scope.note {
        eprintln!("cachectl: note: {note}");
    }
    let originals: Vec<&str> = scope.files.iter().map(|f| f.text.as_str()).collect();
    let mut texts: Vec<String> = originals.iter().map(|t| (*t).to_owned()).collect();
    let mut analyses = Some(scope.analyses);
    let mut fixed: Vec<Diagnostic> = Vec::new();
    let mut failed: HashMap<String, String> = HashMap::new();
    let mut report = Report::default();
    for _ in 0..MAX_ROUNDS {
        let analysed = match analyses.take() {
            Some(a) => a,
            None => super::scope::par_map(&scope.files.iter().zip(&texts).collect::<Vec<_>>(), |(f, t)| {
                lint::analyse(t, f.named)
            }),
        };
        let inputs = scope.files.iter().zip(&texts).zip(analysed).map(|((f, text), analysis)| lint::Input {
            path: &f.path,
            text,
            named: f.named,
            analysis,
        });
        report = lint::check_run(inputs.collect(), scope.merge.clone(), &setup.registry);
        if !apply_round(&scope.files, &mut texts, &report, &mut fixed, &mut failed) {
            break;
        }
    }
    let changed: Vec<usize> = (0..texts.len()).filter(|&i| texts[i] != originals[i]).collect();
    let order: HashMap<&str, usize> = scope.files.iter().enumerate().map(|(i, f)| (f.path.as_str(), i)).collect();
    fixed.sort_by_key(|d| (order.get(d.file.as_str()).copied(), d.line, d.column));
    let mut status = super::check::status_of(&report, args.deny_warnings);
    let mut files_json = Vec::new();
    for &i in &changed {
        let path = &scope.files[i].path;
        let patch = super::diff(path, originals[i], &texts[i]);
        let written = !args.diff && write(Path::new(path), originals[i], &texts[i])?;
        if !args.diff && !written {
            eprintln!("{path}: error: the file changed while it was being fixed; nothing was written");
            status = ExitStatus::Error;
        }
        if args.diff && !cli.json {
            write!(out, "{patch}")?;
        }
        files_json.push(serde_json::json!({"file": path, "changed": true, "written": written, "diff": patch}));
    }
    if args.diff && !changed.is_empty() && status == ExitStatus::Success {
        status = ExitStatus::Failure;
    }
    let remaining: Vec<&Diagnostic> = report.diagnostics.iter().collect();
    let reason = |d: &Diagnostic| {
        failed.get(&d.to_string()).cloned().unwrap_or_else(|| cachectl::fix::unfixable_reason(d.code).to_owned())
    };
    if cli.json {
        let rest: Vec<serde_json::Value> = remaining
            .iter()
            .map(|d| {
                let mut v = serde_json::to_value(d).unwrap_or_default();
                v["reason"] = reason(d).into();
                v
            })
            .collect();
        let doc = serde_json::json!({"files": files_json, "fixed": fixed, "remaining": rest});
        super::write_json(out, &doc).context("cannot write the report")?;
        return Ok(status);
    }
    let verb = if args.diff { "fixable" } else { "fixed" };
    for d in &fixed {
        writeln!(out, "{}:{}:{}: {verb}[{}]: {}", d.file, d.line, d.column, d.code, d.message)?;
        if d.code == "secret-key" && !args.diff {
            writeln!(
                out,
                "{}:{}: note: the secret key is gone from the file but not from its history: it has leaked, rotate it (`cachectl explain secret-key`)",
                d.file, d.line
            )?;
        }
    }
    for d in &remaining {
        writeln!(out, "{d} (not fixable automatically: {})", reason(d))?;
    }
    if !args.diff {
        for &i in &changed {
            writeln!(out, "{}: updated", scope.files[i].path)?;
        }
    }
    out.flush()?;
    let n = |count: usize, word: &str| format!("{count} {word}{}", if count == 1 { "" } else { "s" });
    eprintln!(
        "cachectl: {} {} in {}; {} left",
        if args.diff { "would fix" } else { "fixed" },
        n(fixed.len(), "finding"),
        n(changed.len(), "file"),
        remaining.len()
    );
    Ok(status)
}

/// Applies one stage of fixes to each named file; false when nothing was tried.
fn apply_round(
    files: &[super::scope::File],
    texts: &mut [String],
    report: &Report,
    fixed: &mut Vec<Diagnostic>,
    failed: &mut HashMap<String, String>,
) -> bool {
    let mut progress = false;
    for (i, f) in files.iter().enumerate().filter(|(_, f)| f.named) {
        let diags: Vec<&Diagnostic> = report
            .diagnostics
            .iter()
            .filter(|d| d.file == f.path && d.fix.is_some() && !failed.contains_key(&d.to_string()))
            .collect();
        let fixes: Vec<&cachectl::fix::Fix> = diags.iter().filter_map(|d| d.fix.as_ref()).collect();
        match cachectl::fix::apply(&texts[i], &fixes) {
            Ok(None) => {}
            Ok(Some(applied)) => {
                // Later rounds see edited text: positions are mapped back to the file as it was.
                let original = &f.text;
                fixed.extend(applied.done.iter().map(|&j| {
                    let mut d = diags[j].clone();
                    d.line = original_line(original, &texts[i], d.line);
                    d
                }));
                texts[i] = applied.text;
                progress = true;
            }
            Err((which, e)) => {
                for j in which {
                    failed.insert(diags[j].to_string(), e.to_string());
                }
                progress = true;
            }
        }
    }
    progress
}

/// The line of `now` (an edited `original`) that `line` was on before the edits.
fn original_line(original: &str, now: &str, line: usize) -> usize {
    if original == now {
        return line;
    }
    let diff = similar::TextDiff::from_lines(original, now);
    let at = line.saturating_sub(1);
    for op in diff.ops() {
        let (old, new) = (op.old_range(), op.new_range());
        if new.contains(&at) {
            return match op.tag() {
                similar::DiffTag::Equal => old.start + (at - new.start) + 1,
                _ => old.start + 1,
            };
        }
    }
    line
}

/// Writes `new` if the file still holds `old`; false when it changed meanwhile.
fn write(path: &Path, old: &str, new: &str) -> Result<bool> {
    crate::fsio::edit_locked(path, |now| match now == old {
        true => Ok((Some(new.to_owned()), true)),
        false => Ok((None, false)),
    })
}
