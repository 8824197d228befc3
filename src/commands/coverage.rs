//! `cachectl coverage`: which store paths the configured caches serve, verified.
//!
//! The paths come from `--paths FILE` (or `-` for stdin), read as they are checked, or
//! from an installable through the local `nix`. The report goes to stdout: totals, the
//! caches in Nix's order, then the untrusted and missing paths by package, largest first.
//! A progress bar is drawn on stderr only when both stdout and stderr are terminals.
//!
//! Exit status: 0 when every path is substitutable (or coverage is at least
//! `--min-percent`), 1 otherwise, 2 on errors.

use std::fs::File;
use std::io::{self, BufRead, BufReader, IsTerminal, Write};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use cachectl::coverage::input::{InputError, PathList};
use cachectl::coverage::report::{Group, path_entry, percent};
use cachectl::coverage::{Answer, CheckError, Options, PathResult, Session, Status, Summary, config, drv};

use super::{ExitStatus, Setup};
use crate::cli::{Cli, CoverageArgs};

/// The paths to check, with their count when it is known in advance.
type Paths = (Box<dyn Iterator<Item = Result<String, InputError>> + Send>, Option<u64>);

/// Validated arguments.
struct Request {
    options: Options,
    min_percent: Option<f64>,
}

fn request(args: &CoverageArgs) -> Result<Request> {
    if !(args.timeout.is_finite() && args.timeout > 0.0 && args.timeout <= 3600.0) {
        bail!("--timeout must be a number of seconds above 0 (got {})", args.timeout);
    }
    if !(1..=1024).contains(&args.jobs) {
        bail!("--jobs must be between 1 and 1024 (got {})", args.jobs);
    }
    if let Some(p) = args.min_percent
        && !(0.0..=100.0).contains(&p)
    {
        bail!("--min-percent must be between 0 and 100 (got {p})");
    }
    let timeout = Duration::from_secs_f64(args.timeout);
    let client = super::client_options(timeout)?;
    let options = Options { timeout, jobs: args.jobs, client, require_sigs: true };
    Ok(Request { options, min_percent: args.min_percent })
}

pub fn run(cli: &Cli, args: &CoverageArgs, out: &mut dyn Write) -> Result<ExitStatus> {
    let mut req = request(args)?;
    let setup = Setup::load(cli)?;
    let mut host_installable = None;
    let (shown, config) = match &args.host {
        Some(name) => {
            let (shown, config, installable) = super::hosts::host_config(&setup, name)?;
            host_installable = Some(installable);
            (shown, config)
        }
        None => {
            let file = setup.nix_file(cli)?;
            let shown = super::setup::display(&file);
            match config::read(&crate::fsio::read(&file)?) {
                Ok(c) => (shown, c),
                Err(e) => {
                    eprintln!("{shown}:{}:{}: error: {}", e.line, e.column, e.message);
                    return Ok(ExitStatus::Error);
                }
            }
        }
    };
    let given = CoverageArgs {
        installable: args.installable.clone().or(if args.paths.is_none() { host_installable } else { None }),
        paths: args.paths.clone(),
        host: None,
        timeout: args.timeout,
        jobs: args.jobs,
        min_percent: args.min_percent,
    };
    let args = &given;
    if args.installable.is_some() == args.paths.is_some() {
        bail!("give either an installable or --paths FILE (`-` for stdin)");
    }
    for s in &config.skipped {
        eprintln!("{shown}:{}: warning: {}", s.line, s.reason);
    }
    req.options.require_sigs = !config.unsigned_ok;
    if config.unsigned_ok {
        eprintln!("{shown}: note: require-sigs = false: Nix takes paths from any cache without checking signatures");
    }
    if config.substituters.is_empty() {
        eprintln!("{shown}: error: no substituters are configured, so no path can be substituted");
        return Ok(ExitStatus::Error);
    }
    let show_bar = !cli.json && io::stdout().is_terminal() && io::stderr().is_terminal();
    if let (true, Some(installable)) = (show_bar, &args.installable) {
        eprintln!("evaluating {installable} with the local nix…");
    }
    let (paths, count) = open_paths(args, show_bar)?;
    let session = Session::open(&config.substituter_urls(), config.public_keys(), &req.options)?;
    let mut bar = progress(show_bar, count);

    // Paths are streamed as they are answered: buffer them, stdout is line-buffered.
    let mut buffered = io::BufWriter::with_capacity(64 * 1024, out);
    let out: &mut dyn Write = &mut buffered;
    let mut writer = cli.json.then_some(JsonPaths { first: true, error: None, buf: Vec::with_capacity(1024) });
    if let Some(w) = &mut writer {
        w.start(out, &shown);
    }
    let caches = session.caches().to_vec();
    let checked = session.check(paths, |r| {
        bar.inc(1);
        if let Some(w) = &mut writer {
            w.entry(out, r, &caches);
        }
    });
    bar.finish_and_clear();
    let summary = match checked {
        Ok(s) => s,
        Err(CheckError::Input(e)) => bail!(e),
        Err(e) => return Err(e.into()),
    };
    match writer {
        Some(w) => w.finish(out, &summary)?,
        None => report(out, &shown, &summary)?,
    }
    out.flush()?;
    let short = match req.min_percent {
        Some(p) => summary.percent() < p,
        None => summary.substitutable < summary.total,
    };
    Ok(if short { ExitStatus::Failure } else { ExitStatus::Success })
}

/// The path source named by the arguments.
fn open_paths(args: &CoverageArgs, count_lines: bool) -> Result<Paths> {
    if let Some(installable) = &args.installable {
        let outputs = drv::installable_outputs(installable)?;
        let n = outputs.len() as u64;
        return Ok((Box::new(outputs.into_iter().map(Ok)), Some(n)));
    }
    let Some(path) = &args.paths else { bail!("no paths given") };
    if path.as_os_str() == "-" {
        return Ok((Box::new(PathList::new(BufReader::new(io::stdin()), "stdin")), None));
    }
    let shown = path.display().to_string();
    let open = || File::open(path).with_context(|| format!("cannot open {shown}"));
    let count = if count_lines {
        Some(BufReader::new(open()?).lines().map_while(Result::ok).filter(|l| !l.trim().is_empty()).count() as u64)
    } else {
        None
    };
    Ok((Box::new(PathList::new(BufReader::new(open()?), &shown)), count))
}

fn progress(show: bool, count: Option<u64>) -> super::progress::Progress {
    super::progress::Progress::new(show, count)
}

/// Streams `--json`: the `paths` array is written as answers arrive, the totals after it.
struct JsonPaths {
    first: bool,
    error: Option<io::Error>,
    /// One entry, serialized here and written at once: serde_json writing piece by piece
    /// through `dyn Write` cost more than the entry itself.
    buf: Vec<u8>,
}

impl JsonPaths {
    fn start(&mut self, out: &mut dyn Write, file: &str) {
        let file = serde_json::Value::from(file);
        self.write(out, format_args!("{{\n  \"file\": {file},\n  \"paths\": ["));
    }

    fn entry(&mut self, out: &mut dyn Write, r: &PathResult, caches: &[cachectl::coverage::CacheTotals]) {
        let sep = if std::mem::take(&mut self.first) { "" } else { "," };
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        buf.extend_from_slice(sep.as_bytes());
        buf.extend_from_slice(b"\n    ");
        self.attempt(|| {
            serde_json::to_writer(&mut buf, &path_entry(r, caches)).map_err(io::Error::from)?;
            out.write_all(&buf)
        });
        self.buf = buf;
    }

    fn write(&mut self, out: &mut dyn Write, args: std::fmt::Arguments<'_>) {
        self.attempt(|| out.write_fmt(args));
    }

    /// Runs `step` unless an earlier write failed, and keeps its error.
    fn attempt(&mut self, step: impl FnOnce() -> io::Result<()>) {
        if self.error.is_none()
            && let Err(e) = step()
        {
            self.error = Some(e);
        }
    }

    fn finish(mut self, out: &mut dyn Write, summary: &Summary) -> Result<()> {
        let totals = serde_json::to_string_pretty(&summary.totals_json())?;
        let fields = totals.strip_prefix("{\n").unwrap_or(&totals);
        let close = if self.first { "]" } else { "\n  ]" };
        self.write(out, format_args!("{close},\n{fields}\n"));
        match self.error {
            Some(e) => Err(e.into()),
            None => Ok(()),
        }
    }
}

/// The human report.
fn report(out: &mut dyn Write, file: &str, s: &Summary) -> Result<()> {
    let used = s.caches.iter().filter(|c| c.dropped.is_none()).count();
    let plural = |n: usize, word: &str| if n == 1 { format!("{n} {word}") } else { format!("{n} {word}s") };
    let paths = plural(usize::try_from(s.total).unwrap_or(usize::MAX), "store path");
    let caches = if used == s.caches.len() {
        plural(used, "cache")
    } else {
        format!("{used} of the {}", plural(s.caches.len(), "cache"))
    };
    writeln!(out, "{paths} checked against {caches} of {file}")?;
    writeln!(out)?;
    let w = s.total.to_string().len();
    for (n, name, what) in [
        (s.substitutable, "substitutable", "Nix accepts them: will be downloaded"),
        (s.untrusted, "untrusted", "found, but without a signature Nix accepts: will be built"),
        (s.missing, "missing", "in no cache: will be built"),
    ] {
        writeln!(out, "  {name:<13}  {n:>w$}  {:>6}  {what}", pct(n, s.total))?;
    }
    writeln!(out)?;
    writeln!(out, "caches, in the order Nix asks them:")?;
    let uw = s.caches.iter().map(|c| c.url.len()).max().unwrap_or(0);
    for c in &s.caches {
        if let Some(why) = &c.dropped {
            writeln!(out, "  {:<uw$}  not used: {why}", c.url)?;
            continue;
        }
        let mut line = format!(
            "  {:<uw$}  priority {:<3}  serves {} {}, {} to download ({} unpacked)",
            c.url,
            c.priority,
            c.verified,
            if c.verified == 1 { "path" } else { "paths" },
            size(c.bytes),
            size(c.nar_bytes)
        );
        if c.found > c.verified {
            line.push_str(&format!("; {} more without a valid trusted signature", c.found - c.verified));
        }
        if c.errors > 0 {
            line.push_str(&format!("; {} failed requests", c.errors));
        }
        if c.trusted {
            line.push_str("; trusted cache: Nix checks no signature from it");
        }
        if let Some(why) = &c.died {
            line.push_str(&format!("; given up: {why}"));
        }
        writeln!(out, "{line}")?;
    }
    for (status, title) in [
        (Status::Untrusted, "untrusted (Nix will refuse these and build them)"),
        (Status::Missing, "missing (these will be built)"),
    ] {
        let groups = s.groups(status);
        if !groups.is_empty() {
            writeln!(out)?;
            writeln!(out, "{title}, by package:")?;
            write_groups(out, &groups, s)?;
        }
    }
    Ok(())
}

fn write_groups(out: &mut dyn Write, groups: &[Group<'_>], s: &Summary) -> Result<()> {
    for g in groups {
        let n = g.paths.len();
        let plural = if n == 1 { "path" } else { "paths" };
        let bytes = if g.nar_bytes > 0 { format!(", {} unpacked", size(g.nar_bytes)) } else { String::new() };
        writeln!(out, "  {}: {n} {plural}{bytes}", g.name)?;
        for r in &g.paths {
            writeln!(out, "    {}", r.path)?;
            for v in &r.visits {
                let url = s.caches.get(v.cache).map_or("?", |c| c.url.as_str());
                if let Answer::Untrusted { reason, .. } | Answer::Failed(reason) = &v.answer {
                    writeln!(out, "      {url}: {reason}")?;
                }
            }
        }
    }
    Ok(())
}

/// A percentage with one decimal that shows neither 100.0 nor 0.0 for a partial share, and
/// a dash when there are no paths at all.
fn pct(part: u64, total: u64) -> String {
    if total == 0 {
        return "-".to_owned();
    }
    let p = percent(part, total);
    let p = if part < total && p > 99.9 {
        99.9
    } else if part > 0 && p < 0.1 {
        0.1
    } else {
        p
    };
    format!("{p:.1}%")
}

fn size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 { format!("{bytes} B") } else { format!("{value:.1} {}", UNITS[unit]) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_and_sizes_read_well() {
        assert_eq!(pct(9999, 10000), "99.9%");
        assert_eq!(pct(1, 10000), "0.1%");
        assert_eq!(pct(5, 10), "50.0%");
        assert_eq!(pct(0, 0), "-");
        assert_eq!(size(532), "532 B");
        assert_eq!(size(3 * 1024 * 1024 / 2), "1.5 MiB");
    }
}
