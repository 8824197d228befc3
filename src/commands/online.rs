//! `check --online`: contact every configured substituter at once and print the verdicts
//! in the order Nix will try the caches.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use anyhow::{Result, bail};
use cachectl::keys::PublicKey;
use cachectl::lint::CacheEntry;
use cachectl::net::{self, CacheReport, CacheTarget};
use cachectl::registry::Registry;
use cachectl::store_url;

use super::ExitStatus;
use crate::cli::CheckArgs;

/// Local store paths tried as probes when the user gives none.
const LOCAL_PROBES: usize = 3;

/// The `--timeout` as a duration, refusing nonsense.
pub fn timeout(args: &CheckArgs) -> Result<Duration> {
    if !args.timeout.is_finite() || args.timeout <= 0.0 || args.timeout > cachectl::limits::MAX_TIMEOUT_SECS {
        bail!("--timeout must be a number of seconds between 0 and 600");
    }
    Ok(Duration::from_secs_f64(args.timeout))
}

/// Checks every distinct substituter of the run; reports come back in `caches` order.
pub fn check(
    args: &CheckArgs,
    caches: &[CacheEntry],
    trusted: &[PublicKey],
    registry: &Registry,
) -> Result<Vec<(CacheReport, Option<&'static str>)>> {
    let deadline = timeout(args)?;
    let local = net::local_probes(LOCAL_PROBES);
    let mut seen = Vec::new();
    let mut targets = Vec::new();
    for c in caches {
        let key = store_url::normalize(&c.url);
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        let mut probes = args.probe.clone();
        probes.extend(registry.by_url(&c.url).and_then(|r| r.probe.clone()));
        probes.extend(local.iter().cloned());
        targets.push(CacheTarget { url: c.url.clone(), probes });
    }
    let tty = std::io::stderr().is_terminal();
    if tty {
        eprint!("checking {} cache(s)…\r", targets.len());
    }
    let options = super::client_options(deadline)?;
    let reports = net::run_blocking(&options, targets, trusted, deadline)?;
    if tty {
        eprint!("\x1b[2K\r");
    }
    Ok(reports
        .into_iter()
        .map(|r| {
            let hint = r.error.is_some().then(|| tailnet_hint(&r.url)).flatten();
            (r, hint)
        })
        .collect())
}

fn tailnet_hint(url: &str) -> Option<&'static str> {
    let u = store_url::StoreUrl::parse(url).ok()?;
    (u.is_tailnet() || u.is_lan()).then_some(
        "a LAN or tailnet cache that is down stalls nixos-rebuild unless `connect-timeout` and `fallback = true` are set",
    )
}

/// True when a cache failed or served a path without a valid trusted signature.
pub fn failed(r: &CacheReport) -> bool {
    r.error.is_some() || r.key_verified == Some(false)
}

/// Prints one line per cache in effective order, then the order itself.
pub fn print(reports: &[(CacheReport, Option<&'static str>)], out: &mut dyn Write) -> Result<ExitStatus> {
    let plain: Vec<CacheReport> = reports.iter().map(|(r, _)| r.clone()).collect();
    let order = net::effective_order(&plain);
    let width = plain.iter().map(|r| r.url.len()).max().unwrap_or(0);
    for &i in &order {
        let (r, hint) = &reports[i];
        let prio = r.effective_priority();
        match &r.error {
            Some(e) => writeln!(out, "{:width$}  error: {e}", r.url)?,
            None => {
                let latency = r.latency_ms.map_or(String::new(), |l| format!(", {l} ms"));
                let level = if r.key_verified == Some(false) { "error" } else { "ok" };
                writeln!(out, "{:width$}  {level} (priority {prio}{latency}): {}", r.url, r.verdict)?;
            }
        }
        if let Some(h) = hint {
            writeln!(out, "{:width$}  hint: {h}", "")?;
        }
    }
    let names: Vec<&str> = order.iter().map(|&i| plain[i].url.as_str()).collect();
    if !names.is_empty() {
        writeln!(out, "nix tries them in this order: {}", names.join(" → "))?;
    }
    Ok(if plain.iter().any(failed) { ExitStatus::Failure } else { ExitStatus::Success })
}

/// The `caches` entries of `check --online --json`: the online fields plus where each cache
/// is configured and its place in Nix's order.
pub fn json(reports: &[(CacheReport, Option<&'static str>)], caches: &[CacheEntry]) -> Vec<serde_json::Value> {
    let plain: Vec<CacheReport> = reports.iter().map(|(r, _)| r.clone()).collect();
    let order = net::effective_order(&plain);
    order
        .iter()
        .enumerate()
        .map(|(rank, &i)| {
            let r = &plain[i];
            let mut v = serde_json::to_value(r).unwrap_or_default();
            if let Some(obj) = v.as_object_mut() {
                let at = caches.iter().find(|c| store_url::normalize(&c.url) == store_url::normalize(&r.url));
                obj.insert("file".into(), at.map(|c| c.file.clone()).into());
                obj.insert("line".into(), at.map(|c| c.line).into());
                obj.insert("order".into(), (rank + 1).into());
            }
            v
        })
        .collect()
}
