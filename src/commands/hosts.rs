//! `cachectl hosts [--eval]`: which host of the flake uses which cache, as a matrix (one row
//! per cache, one column per host) with the file:line each comes from, or as JSON. `--eval`
//! asks Nix itself (`nix eval --json .#nixosConfigurations.NAME.config.nix.settings`) and
//! reports every difference from the static reading; a host Nix cannot evaluate is an error
//! for that host only.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Result, bail};
use cachectl::fleet::compare::{self, Evaluated};
use cachectl::fleet::{self, Host};
use cachectl::store_url;

use super::{ExitStatus, Setup};
use crate::cli::{Cli, HostsArgs};

/// Files larger than this are not read as modules.
const MAX_MODULE_BYTES: u64 = 4 * 1024 * 1024;

/// The flake.nix in the current directory or an ancestor, and its directory.
pub fn find_flake() -> Result<(PathBuf, String)> {
    let cwd = std::env::current_dir()?;
    let Some(flake) = cwd.ancestors().map(|d| d.join("flake.nix")).find(|p| p.is_file()) else {
        bail!("no flake.nix in this directory or a parent: `hosts` reads a flake's nixosConfigurations");
    };
    let text = crate::fsio::read(&flake)?;
    Ok((flake, text))
}

/// The hosts of the flake at `flake` (its directory is the root for paths).
pub fn load(flake: &Path, text: &str, setup: &Setup) -> Vec<Host> {
    let root = flake.parent().map(Path::to_path_buf).unwrap_or_default();
    let read = |rel: &str| -> Option<String> {
        if rel.starts_with('/') || rel.starts_with("../") {
            return None;
        }
        let p = root.join(rel);
        let meta = std::fs::metadata(&p).ok()?;
        (meta.is_file() && meta.len() <= MAX_MODULE_BYTES).then(|| std::fs::read_to_string(&p).ok())?
    };
    let others = declaring_files(&root);
    let mut sources: Vec<(&str, &str)> = vec![("flake.nix", text)];
    sources.extend(others.iter().map(|(p, t)| (p.as_str(), t.as_str())));
    fleet::hosts_in(&sources, &read, &setup.registry)
}

/// Files the walk never enters: VCS data, build results, dependencies.
const SKIP_DIRS: &[&str] = &[".git", ".direnv", "result", "node_modules", "target"];
/// A walk of a huge tree stops here.
const MAX_WALK: usize = 50_000;

/// The other `.nix` files of the flake that bind a host collection themselves (flake-parts
/// modules such as `hosts/flake-module.nix`), with their text; relative paths, sorted.
/// Directories holding a flake.nix of their own are another flake and are not entered.
fn declaring_files(root: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    let mut seen = 0;
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for e in entries.flatten() {
            seen += 1;
            if seen > MAX_WALK {
                return out;
            }
            let p = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            let Ok(kind) = e.file_type() else { continue };
            if kind.is_dir() {
                if !SKIP_DIRS.contains(&name.as_str()) && !p.join("flake.nix").is_file() {
                    stack.push(p);
                }
            } else if kind.is_file() && name.ends_with(".nix") && !(dir == root && name == "flake.nix") {
                let small = e.metadata().is_ok_and(|m| m.len() <= MAX_MODULE_BYTES);
                let text = if small { std::fs::read_to_string(&p).ok() } else { None };
                if let Some(text) = text.filter(|t| fleet::mentions_hosts(t))
                    && let Ok(rel) = p.strip_prefix(root)
                {
                    out.push((rel.to_string_lossy().into_owned(), text));
                }
            }
        }
    }
    out.sort();
    out
}

pub fn run(cli: &Cli, args: &HostsArgs, out: &mut dyn Write) -> Result<ExitStatus> {
    let setup = Setup::load(cli)?;
    let (flake, text) = find_flake()?;
    let mut hosts = load(&flake, &text, &setup);
    let dir = flake.parent().unwrap_or(Path::new(".")).to_path_buf();
    if args.eval {
        complete(&dir, &mut hosts);
    }
    if hosts.is_empty() {
        bail!(
            "{} declares no nixosConfigurations, darwinConfigurations or homeConfigurations that cachectl can read{}",
            flake.display(),
            if args.eval { "" } else { "; `--eval` asks Nix for them" }
        );
    }
    let evals = match args.eval {
        true => Some(evaluate(&dir, &hosts)),
        false => None,
    };
    if cli.json {
        let mut doc = serde_json::json!({ "hosts": hosts });
        if let Some(evals) = &evals {
            for (h, r) in doc["hosts"].as_array_mut().into_iter().flatten().zip(evals) {
                h["eval"] = match r {
                    Ok(d) => serde_json::json!({ "differences": d }),
                    Err(e) => serde_json::json!({ "error": e }),
                };
            }
        }
        super::write_json(out, &doc)?;
    } else {
        write!(out, "{}", matrix(&hosts))?;
        if let Some(evals) = &evals {
            print_eval(&hosts, evals, out)?;
        }
    }
    Ok(evals.as_deref().map_or(ExitStatus::Success, eval_status))
}

/// Per host, the result of `nix eval` against the static reading.
pub type Evals = Vec<Result<Vec<compare::Difference>, String>>;

/// `check --eval`: the flake's hosts, each evaluated by Nix.
pub fn eval_fleet(setup: &Setup) -> Result<(Vec<Host>, Evals)> {
    let (flake, text) = find_flake()?;
    let mut hosts = load(&flake, &text, setup);
    let dir = flake.parent().unwrap_or(Path::new(".")).to_path_buf();
    complete(&dir, &mut hosts);
    let evals = evaluate(&dir, &hosts);
    Ok((hosts, evals))
}

/// 2 when a host could not be evaluated, 1 when one differs, else 0.
pub fn eval_status(evals: &[Result<Vec<compare::Difference>, String>]) -> ExitStatus {
    if evals.iter().any(Result::is_err) {
        ExitStatus::Error
    } else if evals.iter().any(|r| matches!(r, Ok(d) if !d.is_empty())) {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    }
}

/// One line per difference (or "agrees", or the error) per host.
pub fn print_eval(hosts: &[Host], evals: &Evals, out: &mut dyn Write) -> Result<()> {
    for (h, r) in hosts.iter().zip(evals) {
        match r {
            Ok(d) if d.is_empty() => writeln!(out, "{}: nix eval agrees", h.name)?,
            Ok(d) => {
                for x in d {
                    let side = if x.side == "eval-only" { "only in nix eval" } else { "only in the static reading" };
                    writeln!(out, "{}: {} {} is {side}", h.name, x.what, store_url::redact_credentials(&x.value))?;
                }
            }
            Err(e) => writeln!(out, "{}: error: {e}", h.name)?,
        }
    }
    Ok(())
}

/// The JSON of `eval_fleet`'s results: `[{"host", "differences"} | {"host", "error"}]`.
pub fn eval_json(hosts: &[Host], evals: &Evals) -> serde_json::Value {
    hosts
        .iter()
        .zip(evals)
        .map(|(h, r)| match r {
            Ok(d) => serde_json::json!({ "host": h.name, "differences": d }),
            Err(e) => serde_json::json!({ "host": h.name, "error": e }),
        })
        .collect()
}

/// The caches of host `name`, merged from its files in order, for `coverage`/`export
/// --host`; with the host's system as an installable. Errors name the file and line.
pub fn host_config(setup: &Setup, name: &str) -> Result<(String, cachectl::coverage::config::CacheConfig, String)> {
    let (flake, text) = find_flake()?;
    let hosts = load(&flake, &text, setup);
    let Some(host) = hosts.iter().find(|h| h.name == name) else {
        let known: Vec<&str> = hosts.iter().map(|h| h.name.as_str()).collect();
        bail!("no host `{name}` in {}; hosts: {}", flake.display(), known.join(", "));
    };
    let dir = flake.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut merged = cachectl::coverage::config::CacheConfig::default();
    for f in host.files.iter().filter(|f| *f != "flake.nix") {
        let c = match cachectl::coverage::config::read(&crate::fsio::read(&dir.join(f))?) {
            Ok(c) => c,
            Err(e) => bail!("{f}:{}:{}: {}", e.line, e.column, e.message),
        };
        for e in c.substituters {
            if !merged.substituters.iter().any(|m| store_url::normalize(&m.value) == store_url::normalize(&e.value)) {
                merged.substituters.push(e);
            }
        }
        for e in c.keys {
            if !merged.keys.iter().any(|m| m.value == e.value) {
                merged.keys.push(e);
            }
        }
        merged.skipped.extend(c.skipped);
        merged.unsigned_ok |= c.unsigned_ok;
    }
    let installable = match host.kind {
        fleet::HostKind::Nixos => format!(".#nixosConfigurations.\"{name}\".config.system.build.toplevel"),
        fleet::HostKind::Darwin => format!(".#darwinConfigurations.\"{name}\".system"),
        fleet::HostKind::Home => format!(".#homeConfigurations.\"{name}\".activationPackage"),
    };
    Ok((format!("host {name}"), merged, installable))
}

/// The fleet's findings (`host-drift`, per-host `no-fallback`) in the named files, when a
/// flake is found upwards. Positions are mapped to the named files' display paths.
pub fn check_findings(named: &[&str], setup: &Setup) -> Vec<cachectl::lint::Diagnostic> {
    use cachectl::lint::{Diagnostic, Severity};
    let Ok((flake, text)) = find_flake() else { return Vec::new() };
    let hosts = load(&flake, &text, setup);
    if hosts.len() < 2 {
        return Vec::new();
    }
    let dir = flake.parent().map(Path::to_path_buf).unwrap_or_default();
    let named: Vec<(PathBuf, &str)> =
        named.iter().filter_map(|p| std::fs::canonicalize(p).ok().map(|abs| (abs, *p))).collect();
    cachectl::fleet::drift::findings(&hosts)
        .into_iter()
        .filter_map(|f| {
            let abs = std::fs::canonicalize(dir.join(&f.file)).ok()?;
            let shown = named.iter().find(|(a, _)| *a == abs)?.1;
            Some(Diagnostic {
                file: shown.to_owned(),
                line: f.line,
                column: f.column,
                severity: Severity::Warning,
                code: f.code,
                message: f.message,
                fix: None,
            })
        })
        .collect()
}

/// The text matrix: one row per cache (by normalised URL), ✓ or – per host, then where
/// each cache comes from and what could not be followed.
pub fn matrix(hosts: &[Host]) -> String {
    let mut rows: Vec<(String, String)> = Vec::new();
    for h in hosts {
        for c in &h.caches {
            let id = store_url::normalize(&c.url);
            if !rows.iter().any(|(i, _)| *i == id) {
                rows.push((id, store_url::redact_credentials(&c.url).into_owned()));
            }
        }
    }
    let wide = rows.iter().map(|(_, u)| u.chars().count()).max().unwrap_or(5).max(5);
    let mut s = format!("{:wide$}", "cache");
    for h in hosts {
        s.push_str(&format!("  {}", h.name));
    }
    s.push('\n');
    for (id, shown) in &rows {
        s.push_str(&format!("{shown:wide$}"));
        for h in hosts {
            let has = h.caches.iter().any(|c| store_url::normalize(&c.url) == *id);
            let w = h.name.chars().count();
            s.push_str(&format!("  {:^w$}", if has { "✓" } else { "–" }));
        }
        s.push('\n');
    }
    s.push('\n');
    for (id, shown) in &rows {
        let mut seen: Vec<String> = Vec::new();
        for h in hosts {
            for c in h.caches.iter().filter(|c| store_url::normalize(&c.url) == *id) {
                let key = c.key.as_deref().map_or("no trusted key".to_owned(), |k| format!("key {k}"));
                let at = format!("{}:{} ({key})", c.file, c.line);
                if !seen.contains(&at) {
                    seen.push(at);
                }
            }
        }
        s.push_str(&format!("{shown}: {}\n", seen.join(", ")));
    }
    for h in hosts.iter().filter(|h| !h.unresolved.is_empty()) {
        for u in &h.unresolved {
            s.push_str(&format!("{}: unresolved: {}:{}: {}\n", h.name, u.file, u.line, u.reason));
        }
    }
    s
}

/// Runs `nix eval --json` on an attribute of the flake at `dir`, with `--apply F` if given.
fn nix_eval(dir: &Path, attr: &str, apply: Option<&str>) -> Result<serde_json::Value, String> {
    let mut cmd = Command::new("nix");
    cmd.args(["--extra-experimental-features", "nix-command flakes", "eval", "--json", "--no-write-lock-file"]);
    cmd.arg(format!("path:{}#{attr}", dir.display()));
    if let Some(f) = apply {
        cmd.args(["--apply", f]);
    }
    let out = cmd.output().map_err(|e| format!("cannot run nix: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let last = err.lines().rev().find(|l| l.contains("error")).unwrap_or("evaluation failed").trim();
        return Err(format!("nix eval failed: {last}"));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("nix eval printed no JSON: {e}"))
}

/// The fallback for what the static reading could not list: the hosts Nix knows
/// (`builtins.attrNames` of each collection) are added, and the placeholders of computed
/// collections dropped. Such a host has no static files; `--eval` then shows its caches.
fn complete(dir: &Path, hosts: &mut Vec<Host>) {
    for kind in [fleet::HostKind::Nixos, fleet::HostKind::Darwin, fleet::HostKind::Home] {
        let Ok(names) = nix_eval(dir, kind.collection(), Some("builtins.attrNames")) else { continue };
        let names: Vec<String> =
            names.as_array().into_iter().flatten().filter_map(|n| n.as_str().map(str::to_owned)).collect();
        hosts.retain(|h| h.kind != kind || !h.name.starts_with('(') || names.is_empty());
        for name in names {
            if !hosts.iter().any(|h| h.kind == kind && h.name == name) {
                hosts.push(Host {
                    name,
                    kind,
                    files: Vec::new(),
                    caches: Vec::new(),
                    keys: Vec::new(),
                    settings: Vec::new(),
                    unresolved: vec![fleet::Unresolved {
                        file: "flake.nix".into(),
                        line: 1,
                        reason: "found by nix eval only: its files could not be followed statically".into(),
                    }],
                });
            }
        }
    }
}

/// `nix eval` for each host; each result independent of the others.
fn evaluate(dir: &Path, hosts: &[Host]) -> Vec<Result<Vec<compare::Difference>, String>> {
    hosts
        .iter()
        .map(|h| {
            let attr = format!("{}.\"{}\".config.nix.settings", h.kind.collection(), h.name);
            let v = nix_eval(dir, &attr, None)?;
            let urls: Vec<String> = h.caches.iter().map(|c| c.url.clone()).collect();
            let keys: Vec<String> = h.keys.iter().map(|(k, _, _)| k.clone()).collect();
            Ok(compare::compare(&urls, &keys, &Evaluated::from_json(&v)))
        })
        .collect()
}
