//! Command implementations: turn CLI arguments into core requests and print the results.
//!
//! This layer (with `main`) is the only one that prints; it writes through a locked stdout
//! and treats a closed pipe as success.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod add;
mod add_discover;
mod check;
mod coverage;
mod explain;
mod export;
mod fix;
mod host_edit;
mod hosts;
mod list;
mod meta;
mod online;
mod progress;
mod registry_save;
mod remove;
mod rotation;
mod scope;
mod setup;
mod system;
mod why;

use std::io::{self, Write};
use std::process::ExitCode;

use crate::cli::{Cli, Command};

pub use setup::Setup;

/// The outcome of a command: 0 OK, 1 problems found, 2 errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    Success,
    Failure,
    Error,
}

impl From<ExitStatus> for ExitCode {
    fn from(s: ExitStatus) -> ExitCode {
        match s {
            ExitStatus::Success => ExitCode::SUCCESS,
            ExitStatus::Failure => ExitCode::from(1),
            ExitStatus::Error => ExitCode::from(2),
        }
    }
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitStatus> {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let status = match &cli.command {
        Command::Add(a) => add::run(&cli, a, &mut out),
        Command::Remove(r) => remove::run(&cli, r, &mut out),
        Command::List => list::run(&cli, &mut out),
        Command::Check(c) => check::run(&cli, c, &mut out),
        Command::Fix(f) => fix::run(&cli, f, &mut out),
        Command::Why(w) => why::run(&cli, w, &mut out),
        Command::Hosts(h) => hosts::run(&cli, h, &mut out),
        Command::Coverage(c) => coverage::run(&cli, c, &mut out),
        Command::Export(e) => export::run(&cli, e, &mut out),
        Command::Explain { code } => explain::run(code.as_deref(), &mut out),
        Command::Completions { shell } => meta::completions(*shell, &mut out),
        Command::Man => meta::man(&mut out),
    }?;
    out.flush()?;
    Ok(status)
}

/// True when the error is only a closed stdout (e.g. `cachectl list | head -1`).
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| e.downcast_ref::<io::Error>().is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe))
}

/// Prints an error chain as `cachectl: error: outer: cause`.
pub fn print_error(err: &anyhow::Error) {
    let mut msg = err.to_string();
    for cause in err.chain().skip(1) {
        msg.push_str(": ");
        msg.push_str(&cause.to_string());
    }
    eprintln!("cachectl: error: {msg}");
}

/// Prints a note or warning to stderr in `path:line: level: message` form.
pub fn print_note(path: &str, note: &cachectl::nix::plan::Note) {
    let level = if note.warning { "warning" } else { "note" };
    eprintln!("{path}:{}: {level}: {}", note.line, note.message);
}

/// A unified diff of `before` → `after` labelled with `path`, secret keys redacted.
pub fn diff(path: &str, before: &str, after: &str) -> String {
    let d = similar::TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string();
    redact_secrets(&d)
}

/// Replaces every `name:base64` word that is a secret key (64 bytes), and the credentials
/// of every `https://user:password@…` URL, with a redaction, so diffs of files that hold a
/// leaked key or password never print it.
pub fn redact_secrets(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if word.contains("://") {
            out.push_str(&cachectl::store_url::redact_credentials(word));
        } else if word.contains(':') && cachectl::keys::looks_secret(word) {
            out.push_str(&cachectl::keys::redacted(word));
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in text.chars() {
        if c.is_whitespace() || matches!(c, '"' | '\'' | ';' | '[' | ']' | '(' | ')') {
            flush(&mut word, &mut out);
            out.push(c);
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// HTTP client options for the online commands: `timeout` to connect, and the
/// certificates of `NIX_SSL_CERT_FILE` trusted on top of the system roots. Nix reads its CA
/// bundle from that file, so a private CA that Nix is told about is one cachectl trusts too.
/// (`SSL_CERT_FILE` and `SSL_CERT_DIR` replace the system roots, as for other programs.)
pub(crate) fn client_options(timeout: std::time::Duration) -> anyhow::Result<cachectl::net::ClientOptions> {
    use anyhow::Context as _;
    let mut options = cachectl::net::ClientOptions { connect_timeout: timeout, ..Default::default() };
    if let Some(file) = std::env::var_os("NIX_SSL_CERT_FILE").filter(|f| !f.is_empty()) {
        let pem = std::fs::read(&file)
            .with_context(|| format!("cannot read NIX_SSL_CERT_FILE {}", std::path::Path::new(&file).display()))?;
        options.extra_roots_pem.push(pem);
    }
    Ok(options)
}

pub(crate) fn write_json(out: &mut dyn Write, value: &serde_json::Value) -> anyhow::Result<()> {
    // As an io::Error, so a closed pipe is recognised as one (`is_broken_pipe`).
    serde_json::to_writer_pretty(&mut *out, value).map_err(io::Error::from)?;
    writeln!(out)?;
    Ok(())
}

/// Prints an edit refusal as `path:line[:col]: error: message`.
pub fn print_edit_error(path: &str, err: &cachectl::nix::plan::EditError) {
    use cachectl::nix::plan::EditError as E;
    match err {
        E::Syntax(s) => eprintln!("{path}:{}:{}: error: {}", s.line, s.column, s.message),
        E::Refused { line, reason } => eprintln!("{path}:{line}: error: {reason}"),
        E::NothingAt { line, .. } => eprintln!("{path}:{line}: error: {err}"),
        other => eprintln!("{path}: error: {other}"),
    }
    eprintln!("{path}: nothing was written");
}

/// Plans an edit of `path`, then either shows it (`--dry-run`) or writes it under a lock.
pub fn edit_file(
    path: &std::path::Path,
    dry_run: bool,
    json: bool,
    out: &mut dyn Write,
    plan: impl Fn(&str) -> Result<cachectl::nix::plan::Outcome, cachectl::nix::plan::EditError>,
) -> anyhow::Result<ExitStatus> {
    edit_file_with(path, dry_run, json, None, out, plan).map(|(s, _)| s)
}

/// [`edit_file`] with more fields for its JSON document; also says whether the text changed.
pub fn edit_file_with(
    path: &std::path::Path,
    dry_run: bool,
    json: bool,
    extra: Option<&serde_json::Value>,
    out: &mut dyn Write,
    plan: impl Fn(&str) -> Result<cachectl::nix::plan::Outcome, cachectl::nix::plan::EditError>,
) -> anyhow::Result<(ExitStatus, bool)> {
    use cachectl::nix::plan::Outcome;
    let shown = setup::display(path);
    let (before, outcome) = if dry_run {
        let text = crate::fsio::read(path)?;
        let r = plan(&text);
        (text, r)
    } else {
        crate::fsio::edit_locked(path, |text| match plan(text) {
            Ok(o) => Ok((o.new_text.clone(), (text.to_owned(), Ok(o)))),
            Err(e) => Ok((None, (text.to_owned(), Err(e)))),
        })?
    };
    let Outcome { new_text, notes } = match outcome {
        Ok(o) => o,
        Err(e) => {
            if json {
                let mut doc = serde_json::json!({"file": shown, "changed": false, "error": e.to_string()});
                merge(&mut doc, extra);
                write_json(out, &doc)?;
            }
            print_edit_error(&shown, &e);
            return Ok((ExitStatus::Error, false));
        }
    };
    for n in &notes {
        print_note(&shown, n);
    }
    let patch = new_text.as_deref().map(|t| diff(&shown, &before, t));
    if json {
        let notes: Vec<serde_json::Value> = notes
            .iter()
            .map(|n| serde_json::json!({"line": n.line, "severity": if n.warning {"warning"} else {"note"}, "message": n.message}))
            .collect();
        let mut doc = serde_json::json!({
            "file": shown, "changed": new_text.is_some(), "written": new_text.is_some() && !dry_run,
            "diff": patch, "notes": notes,
        });
        merge(&mut doc, extra);
        write_json(out, &doc)?;
        return Ok((ExitStatus::Success, new_text.is_some()));
    }
    let changed = patch.is_some();
    match (patch, dry_run) {
        (Some(p), true) => write!(out, "{p}")?,
        (Some(_), false) => writeln!(out, "{shown}: updated")?,
        (None, _) => writeln!(out, "{shown}: already up to date")?,
    }
    Ok((ExitStatus::Success, changed))
}

fn merge(doc: &mut serde_json::Value, extra: Option<&serde_json::Value>) {
    if let (Some(obj), Some(serde_json::Value::Object(more))) = (doc.as_object_mut(), extra) {
        for (k, v) in more {
            obj.insert(k.clone(), v.clone());
        }
    }
}
