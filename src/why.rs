//! `cachectl why`: would Nix download a store path, and from which cache, or build it, and
//! why. Pure: the facts about each cache come from `net::check` (one probe: the path).
//!
//! Nix's rules, as in Nix 2.8's `Store::querySubstitutablePathInfos` and
//! `ValidPathInfo::checkSignatures`: caches are tried by priority (lower first; ties in
//! list order); a cache whose `StoreDir` is not `/nix/store` is skipped; a narinfo is
//! accepted when a trusted key's signature verifies, or when the path is content-addressed
//! (`CA:`), or when `require-sigs = false`. The first cache with an acceptable narinfo wins;
//! if none has one, the path is built locally.

use serde::Serialize;

use crate::net::CacheReport;

/// What one cache says about the path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CacheFacts {
    pub url: String,
    pub priority: i32,
    pub reachable: bool,
    /// Why it could not be asked (DNS, refused, timeout, not a cache, foreign StoreDir).
    pub error: Option<String>,
    pub hint: Option<String>,
    pub store_dir: Option<String>,
    /// `Some(true)` when the cache has a narinfo for the path, `Some(false)` on 404.
    pub has_narinfo: Option<bool>,
    /// Trusted keys whose signature verifies.
    pub trusted_signers: Vec<String>,
    /// Key names on signatures that are not trusted.
    pub untrusted_signers: Vec<String>,
    /// Trusted names whose signature does not verify.
    pub bad_signers: Vec<String>,
    pub content_addressed: bool,
    /// Nix would take the path from this cache.
    pub accepted: bool,
    /// Why not, when it would not.
    pub reason: Option<String>,
}

/// The verdict for one path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Why {
    pub path: String,
    /// Caches in the order Nix tries them.
    pub caches: Vec<CacheFacts>,
    /// `downloaded` or `built`.
    pub verdict: &'static str,
    pub from: Option<String>,
    /// Every cause, when it is built.
    pub causes: Vec<String>,
}

/// Judges `reports` (one per cache, each probed with `path`, in list order) as Nix would.
/// `trusted` are the trusted key names; `hints` gives a hint per report (Tailscale…).
pub fn decide(
    path: &str,
    reports: &[CacheReport],
    hints: &[Option<String>],
    trusted: &[String],
    require_sigs: bool,
) -> Why {
    let order = crate::net::effective_order(reports);
    let mut caches = Vec::with_capacity(reports.len());
    for &i in &order {
        let r = &reports[i];
        let sig = r.signatures.clone().unwrap_or_default();
        let has = if r.error.is_some() || !r.checked { None } else { Some(r.probe.is_some()) };
        let mut f = CacheFacts {
            url: r.url.clone(),
            priority: r.effective_priority(),
            reachable: r.reachable,
            error: r.error.clone(),
            hint: hints.get(i).cloned().flatten(),
            store_dir: r.store_dir.clone(),
            has_narinfo: has,
            trusted_signers: sig.valid.clone(),
            untrusted_signers: sig.untrusted.clone(),
            bad_signers: sig.bad.clone(),
            content_addressed: r.content_addressed,
            accepted: false,
            reason: None,
        };
        f.reason = reason(&f, r.checked, trusted, require_sigs);
        f.accepted = f.reason.is_none();
        caches.push(f);
    }
    let winner = caches.iter().find(|c| c.accepted).map(|c| c.url.clone());
    let mut causes: Vec<String> =
        caches.iter().filter_map(|c| c.reason.as_ref().map(|r| format!("{}: {r}", c.url))).collect();
    if caches.is_empty() {
        causes.push("no substituter is configured".into());
    }
    match winner {
        Some(from) => Why { path: path.into(), caches, verdict: "downloaded", from: Some(from), causes: Vec::new() },
        None => Why { path: path.into(), caches, verdict: "built", from: None, causes },
    }
}

fn reason(f: &CacheFacts, checked: bool, trusted: &[String], require_sigs: bool) -> Option<String> {
    if !checked {
        return Some("not asked: cachectl cannot query this kind of store".into());
    }
    if let Some(e) = &f.error {
        let hint = f.hint.as_ref().map_or(String::new(), |h| format!(" ({h})"));
        return Some(format!("unreachable or unusable: {e}{hint}"));
    }
    if f.store_dir.as_deref() != Some(crate::net::check::NIX_STORE) {
        return Some(format!("its StoreDir is {}, not /nix/store", f.store_dir.as_deref().unwrap_or("missing")));
    }
    match f.has_narinfo {
        Some(false) => return Some("does not have it (404)".into()),
        None => return Some("its answer could not be read".into()),
        Some(true) => {}
    }
    if !f.trusted_signers.is_empty() || f.content_addressed || !require_sigs {
        return None;
    }
    let names = if trusted.is_empty() { "none".to_owned() } else { trusted.join(", ") };
    if !f.bad_signers.is_empty() {
        return Some(format!(
            "the signature of trusted key {} does not verify: the narinfo was altered or the configured key is wrong",
            f.bad_signers.join(", ")
        ));
    }
    if f.untrusted_signers.is_empty() {
        return Some(format!("has it, but unsigned, and require-sigs is on (trusted keys: {names})"));
    }
    Some(format!(
        "has it, signed by {}, which is not a trusted key (trusted: {names}): Nix rejects it",
        f.untrusted_signers.join(", ")
    ))
}
