//! `check --online`: a cache whose narinfos are signed by a key name the configuration does
//! not trust, while its Cachix or attic API publishes that very key, has rotated its key.
//! Reported as `key-rotation`, with the `cachectl add` that writes the new key.

use std::time::{Duration, Instant};

use cachectl::lint::{CacheEntry, Diagnostic, Severity};
use cachectl::net::CacheReport;
use cachectl::net::discover;
use cachectl::store_url;

use super::add_discover::{CACHIX_API, attic_parts, cachix_name};

/// The published key names of the cache at `url`, with what to pass to `cachectl add`.
fn published(
    url: &str,
    options: &cachectl::net::ClientOptions,
    deadline: Instant,
) -> Option<(Vec<String>, String, &'static str)> {
    if let Some(name) = cachix_name(url).filter(|_| url.contains("://")) {
        let api = std::env::var("CACHECTL_CACHIX_API")
            .ok()
            .filter(|a| !a.is_empty())
            .unwrap_or_else(|| CACHIX_API.to_owned());
        let token = std::env::var("CACHIX_AUTH_TOKEN").ok().filter(|t| !t.is_empty());
        let d = discover::cachix(options, &api, &name, token.as_deref(), deadline).ok()?;
        return Some((d.keys.into_iter().map(|k| k.name).collect(), name, "Cachix API"));
    }
    let (base, name) = attic_parts(url)?;
    let d = discover::attic(options, &base, &name, deadline).ok()??;
    Some((d.keys.into_iter().map(|k| k.name).collect(), url.to_owned(), "attic API"))
}

/// One finding per cache that rotated its key.
pub fn findings(reports: &[&CacheReport], caches: &[CacheEntry], timeout: Duration) -> Vec<Diagnostic> {
    let Ok(options) = super::client_options(timeout) else { return Vec::new() };
    let mut out = Vec::new();
    for r in reports {
        let Some(sig) = &r.signatures else { continue };
        if !sig.valid.is_empty() || sig.untrusted.is_empty() {
            continue;
        }
        let deadline = Instant::now() + timeout;
        let Some((names, target, api)) = published(&r.url, &options, deadline) else { continue };
        let Some(new) = sig.untrusted.iter().find(|n| names.contains(n)) else { continue };
        let Some(at) = caches.iter().find(|c| store_url::normalize(&c.url) == store_url::normalize(&r.url)) else {
            continue;
        };
        let old = at.key.as_deref().map_or("no key for it".to_owned(), |k| format!("`{k}`"));
        out.push(Diagnostic {
            file: at.file.clone(),
            line: at.line,
            column: 1,
            severity: Severity::Warning,
            code: "key-rotation",
            message: format!(
                "`{}` is signed by `{new}`, which its {api} publishes, but the configuration trusts {old}: the cache rotated its key; run `cachectl add {target}` to write the new one",
                store_url::redact_credentials(&r.url)
            ),
            fix: None,
        });
    }
    out
}
