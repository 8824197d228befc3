//! `check --online`: contact every configured substituter at once and print the verdicts
//! in the order Nix will try the caches.
//!
//! The `Sig:` names on the narinfos decide the pairing: each cache's static key (the one
//! the offline pairing chose) is judged by what signs it (see [`cachectl::pairing::observed`]),
//! and an offline `no-trusted-key` / `unused-key` finding that a real signature contradicts
//! is superseded: shown as `info`, with the observed signer.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use anyhow::{Result, bail};
use cachectl::keys::PublicKey;
use cachectl::lint::{CacheEntry, Diagnostic, Severity};
use cachectl::net::{self, CacheReport, CacheTarget};
use cachectl::pairing::Convention;
use cachectl::pairing::observed::{self, Outcome};
use cachectl::registry::Registry;
use cachectl::store_url;

use super::ExitStatus;
use crate::cli::CheckArgs;

/// Local store paths tried as probes when the user gives none.
const LOCAL_PROBES: usize = 3;

/// The `--timeout` as a duration, refusing nonsense.
pub fn timeout(args: &CheckArgs) -> Result<Duration> {
    seconds(args.timeout)
}

/// A `--timeout` value as a duration, refusing nonsense (shared by the online commands).
pub fn seconds(secs: f64) -> Result<Duration> {
    if !secs.is_finite() || secs <= 0.0 || secs > cachectl::limits::MAX_TIMEOUT_SECS {
        bail!("--timeout must be a number of seconds between 0 and 600");
    }
    Ok(Duration::from_secs_f64(secs))
}

/// One cache checked online, with its static pairing and what the narinfo made of it.
pub struct Checked {
    pub report: CacheReport,
    hint: Option<&'static str>,
    /// The trusted key the offline pairing chose, and by which convention.
    static_key: Option<(String, Convention)>,
    outcome: Outcome,
}

impl Checked {
    fn static_name(&self) -> Option<&str> {
        self.static_key.as_ref().map(|(k, _)| k.as_str())
    }

    /// Trusted keys whose signature on the probe narinfo verifies.
    fn observed(&self) -> &[String] {
        self.report.signatures.as_ref().map_or(&[], |v| v.valid.as_slice())
    }

    /// The sentence saying the static guess was wrong, if it was.
    fn pairing_note(&self) -> Option<String> {
        observed::explain(self.static_name(), self.report.signatures.as_ref(), self.outcome)
    }
}

/// The static pairing of `url`: the best trusted key by the registry and the conventions,
/// else the key the lint context chose.
fn static_key(
    url: &str,
    entry: &CacheEntry,
    trusted: &[PublicKey],
    registry: &Registry,
) -> Option<(String, Convention)> {
    let names: Vec<&str> = trusted.iter().map(|k| k.name.as_str()).collect();
    if let Some((k, c)) = registry.best_key(url, &names) {
        return Some((k.to_owned(), c));
    }
    let k = entry.key.as_deref()?;
    Some((k.to_owned(), registry.pairing(url, k)?))
}

/// Checks every distinct substituter of the run; reports come back in `caches` order.
pub fn check(
    args: &CheckArgs,
    caches: &[CacheEntry],
    trusted: &[PublicKey],
    registry: &Registry,
) -> Result<Vec<Checked>> {
    let deadline = timeout(args)?;
    let local = net::local_probes(LOCAL_PROBES);
    let mut seen = Vec::new();
    let mut targets = Vec::new();
    let mut statics = Vec::new();
    for c in caches {
        let key = store_url::normalize(&c.url);
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        statics.push(static_key(&c.url, c, trusted, registry));
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
        .zip(statics)
        .map(|(report, static_key)| {
            let hint = report.error.is_some().then(|| tailnet_hint(&report.url)).flatten();
            let name = static_key.as_ref().map(|(k, _)| k.as_str());
            let outcome = observed::judge(name, report.signatures.as_ref(), report.content_addressed);
            Checked { report, hint, static_key, outcome }
        })
        .collect())
}

/// Offline findings that a real signature contradicts become `info`, with the observed
/// fact: a `no-trusted-key` cache that a trusted key was seen signing, an `unused-key` key
/// that was seen signing a cache. Findings the observation confirms, or cannot judge, stay.
pub fn supersede(diagnostics: &mut [Diagnostic], checked: &[Checked]) {
    for d in diagnostics.iter_mut().filter(|d| d.severity != Severity::Error) {
        let Some(subject) = quoted(&d.message) else { continue };
        let note = match d.code {
            "no-trusted-key" => checked
                .iter()
                .find(|c| c.outcome == Outcome::Corrected && same_cache(&c.report.url, subject))
                .map(|c| {
                    format!(
                        "no trusted key pairs with `{subject}` by name, but --online saw it signed by trusted key {}: superseded",
                        c.observed().join(", ")
                    )
                }),
            "unused-key" => checked.iter().find(|c| c.observed().iter().any(|k| k == subject)).map(|c| {
                format!(
                    "key `{subject}` pairs with no substituter by name, but --online saw it sign `{}`: in use, superseded",
                    c.report.url.split('?').next().unwrap_or_default()
                )
            }),
            _ => None,
        };
        if let Some(message) = note {
            d.severity = Severity::Info;
            d.message = message;
        }
    }
}

/// The first `…` span of a message: the URL or key name the finding is about.
fn quoted(message: &str) -> Option<&str> {
    message.split_once('`').and_then(|(_, rest)| rest.split_once('`')).map(|(q, _)| q)
}

fn same_cache(a: &str, b: &str) -> bool {
    store_url::normalize(a) == store_url::normalize(b)
}

pub fn tailnet_hint(url: &str) -> Option<&'static str> {
    let u = store_url::StoreUrl::parse(url).ok()?;
    (u.is_tailnet() || u.is_lan()).then_some(
        "a LAN or tailnet cache that is down stalls nixos-rebuild unless `connect-timeout` and `fallback = true` are set",
    )
}

/// True when a cache failed or served a path without a valid trusted signature.
pub fn failed(r: &CacheReport) -> bool {
    r.error.is_some() || r.key_verified == Some(false)
}

/// Prints one line per cache in effective order (with a `pairing:` line when the static
/// guess was wrong), then the order itself.
pub fn print(checked: &[Checked], out: &mut dyn Write) -> Result<ExitStatus> {
    let plain: Vec<CacheReport> = checked.iter().map(|c| c.report.clone()).collect();
    let order = net::effective_order(&plain);
    let width = plain.iter().map(|r| store_url::redact_credentials(&r.url).len()).max().unwrap_or(0);
    for &i in &order {
        let (r, hint) = (&checked[i].report, &checked[i].hint);
        let url = store_url::redact_credentials(&r.url);
        let prio = r.effective_priority();
        match &r.error {
            Some(e) => writeln!(out, "{url:width$}  error: {e}")?,
            None => {
                let latency = r.latency_ms.map_or(String::new(), |l| format!(", {l} ms"));
                let level = if r.key_verified == Some(false) { "error" } else { "ok" };
                writeln!(out, "{url:width$}  {level} (priority {prio}{latency}): {}", r.verdict)?;
            }
        }
        if let Some(note) = checked[i].pairing_note() {
            writeln!(out, "{:width$}  pairing: {note}", "")?;
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
/// is configured, its place in Nix's order, and its pairing: `static_key` (the offline
/// guess), `static_convention`, `observed_keys` (trusted keys whose signature verifies),
/// `pairing` (`confirmed`, `corrected`, `refuted`, `missing` or `unknown`) and
/// `pairing_note` (the sentence saying the guess was wrong, or null).
pub fn json(checked: &[Checked], caches: &[CacheEntry]) -> Vec<serde_json::Value> {
    let plain: Vec<CacheReport> = checked.iter().map(|c| c.report.clone()).collect();
    let order = net::effective_order(&plain);
    order
        .iter()
        .enumerate()
        .map(|(rank, &i)| {
            let r = &plain[i];
            let mut v = serde_json::to_value(r).unwrap_or_default();
            if let Some(obj) = v.as_object_mut() {
                let at = caches.iter().find(|c| store_url::normalize(&c.url) == store_url::normalize(&r.url));
                obj.insert("url".into(), store_url::redact_credentials(&r.url).into_owned().into());
                obj.insert("file".into(), at.map(|c| c.file.clone()).into());
                obj.insert("line".into(), at.map(|c| c.line).into());
                obj.insert("order".into(), (rank + 1).into());
                let c = &checked[i];
                obj.insert("static_key".into(), c.static_name().into());
                obj.insert("static_convention".into(), c.static_key.as_ref().map(|(_, v)| v.as_str()).into());
                obj.insert("observed_keys".into(), c.observed().to_vec().into());
                obj.insert("pairing".into(), c.outcome.as_str().into());
                obj.insert("pairing_note".into(), c.pairing_note().into());
            }
            v
        })
        .collect()
}
