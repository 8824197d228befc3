//! `check --online`: probe every cache concurrently, each within its own deadline.
//!
//! For each cache: read `/nix-cache-info` (it must name `StoreDir: /nix/store`), then fetch
//! `<hash>.narinfo` for the probe paths in turn (404 means "not here, try the next") and
//! verify its signatures with the trusted keys. A dead cache only ever costs its own
//! deadline: the caches run as separate tasks and the results keep the input order.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Client;
use serde::Serialize;

use super::client::{CACHE_INFO_LIMIT, ClientOptions, NARINFO_LIMIT, build_client};
use super::error::NetError;
use super::fetch::{Fetched, Source};
use crate::keys::PublicKey;
use crate::narinfo::{CacheInfo, NarInfo, Verdict, store_path_hash};
use crate::store_url::StoreUrl;

pub use super::order::{DEFAULT_PRIORITY, effective_order, local_probes, probes_in};

/// The store directory every cache must serve.
pub const NIX_STORE: &str = "/nix/store";

/// One cache to check: its substituter URL and store paths it is expected to serve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheTarget {
    pub url: String,
    pub probes: Vec<String>,
}

/// The result for one cache. Serialises to exactly the fields of `check --online --json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CacheReport {
    pub url: String,
    /// The cache answered `/nix-cache-info` (whatever it said).
    pub reachable: bool,
    pub error: Option<String>,
    pub store_dir: Option<String>,
    pub want_mass_query: Option<bool>,
    pub priority: Option<i32>,
    /// Time to read `/nix-cache-info`.
    pub latency_ms: Option<u64>,
    /// `None` when no narinfo could be checked.
    pub key_verified: Option<bool>,
    /// Trusted keys with a valid signature, then untrusted key names.
    pub signed_by: Vec<String>,
    pub verdict: String,
    #[serde(skip)]
    pub error_kind: Option<NetError>,
    /// The store path whose narinfo was checked.
    #[serde(skip)]
    pub probe: Option<String>,
    #[serde(skip)]
    pub signatures: Option<Verdict>,
    /// False for schemes that are not checked online (ssh, s3, …).
    #[serde(skip)]
    pub checked: bool,
    /// The checked narinfo has a `CA:` field (Nix accepts such a path unsigned).
    #[serde(skip)]
    pub content_addressed: bool,
}

impl CacheReport {
    pub(super) fn new(url: &str) -> CacheReport {
        CacheReport {
            url: url.to_owned(),
            reachable: false,
            error: None,
            store_dir: None,
            want_mass_query: None,
            priority: None,
            latency_ms: None,
            key_verified: None,
            signed_by: Vec::new(),
            verdict: String::new(),
            error_kind: None,
            probe: None,
            signatures: None,
            checked: true,
            content_addressed: false,
        }
    }

    fn fail(&mut self, err: NetError) {
        self.error = Some(err.to_string());
        self.verdict = if self.reachable { err.to_string() } else { format!("unreachable: {err}") };
        self.error_kind = Some(err);
    }
}

/// Checks all caches concurrently; each is bounded by `timeout`. Reports keep input order.
pub async fn check_caches(
    client: &Client,
    caches: Vec<CacheTarget>,
    trusted: &[PublicKey],
    timeout: Duration,
) -> Vec<CacheReport> {
    check_caches_with(client, caches, trusted, timeout, ClientOptions::default().connect_timeout).await
}

/// [`check_caches`] for a client built with a non-default connect timeout (used only to
/// word timeout errors).
pub async fn check_caches_with(
    client: &Client,
    caches: Vec<CacheTarget>,
    trusted: &[PublicKey],
    timeout: Duration,
    connect_timeout: Duration,
) -> Vec<CacheReport> {
    let trusted: Arc<[PublicKey]> = trusted.into();
    let tasks: Vec<_> = caches
        .into_iter()
        .map(|target| {
            let (client, trusted) = (client.clone(), Arc::clone(&trusted));
            let url = target.url.clone();
            let task =
                tokio::spawn(async move { check_one(&client, &target, &trusted, timeout, connect_timeout).await });
            (url, task)
        })
        .collect();
    let mut reports = Vec::with_capacity(tasks.len());
    for (url, task) in tasks {
        reports.push(task.await.unwrap_or_else(|e| {
            let mut r = CacheReport::new(&url);
            r.fail(NetError::Other(format!("internal error: check task failed: {e}")));
            r
        }));
    }
    reports
}

async fn check_one(
    client: &Client,
    target: &CacheTarget,
    trusted: &[PublicKey],
    timeout: Duration,
    connect_timeout: Duration,
) -> CacheReport {
    let mut report = CacheReport::new(&target.url);
    let source = match Source::new(&target.url, client, connect_timeout) {
        Ok(Some(source)) => source,
        Ok(None) => {
            let scheme = StoreUrl::parse(&target.url).map(|u| u.scheme).unwrap_or_default();
            report.checked = false;
            report.verdict = format!("not checked: scheme {scheme}");
            return report;
        }
        Err(e) => {
            report.fail(e);
            return report;
        }
    };
    match tokio::time::timeout(timeout, probe(&source, target, trusted, &mut report)).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => report.fail(e),
        Err(_) => report.fail(NetError::timed_out(timeout)),
    }
    report
}

/// Fills `report` step by step, so that a timeout keeps what was learnt before it.
async fn probe(
    source: &Source,
    target: &CacheTarget,
    trusted: &[PublicKey],
    report: &mut CacheReport,
) -> Result<(), NetError> {
    let start = Instant::now();
    let body = match source.get("nix-cache-info", CACHE_INFO_LIMIT).await {
        Ok(Fetched::Body(body)) => body,
        Ok(Fetched::Missing(code)) => {
            report.reachable = true;
            let why =
                code.map_or_else(|| "no nix-cache-info file".to_owned(), |c| format!("no /nix-cache-info (http {c})"));
            return Err(NetError::NotACache(why));
        }
        Err(e) => {
            report.reachable = matches!(e, NetError::TooLarge { .. } | NetError::Status(_));
            return Err(e);
        }
    };
    report.reachable = true;
    report.latency_ms = Some(u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX));
    let info = CacheInfo::parse(&String::from_utf8_lossy(&body)).map_err(|e| NetError::NotACache(e.to_string()))?;
    report.want_mass_query = Some(info.want_mass_query);
    report.priority = info.priority;
    report.store_dir.clone_from(&info.store_dir);
    match info.store_dir.as_deref() {
        None => {
            return Err(NetError::NotACache("/nix-cache-info has no StoreDir".to_owned()));
        }
        Some(NIX_STORE) => {}
        Some(other) => return Err(NetError::ForeignStore(other.to_owned())),
    }

    for path in &target.probes {
        let Some(hash) = store_path_hash(path) else {
            continue;
        };
        let body = match source.get(&format!("{hash}.narinfo"), NARINFO_LIMIT).await? {
            Fetched::Missing(_) => continue,
            Fetched::Body(body) => body,
        };
        let bad = |reason: String| NetError::BadNarInfo { path: path.clone(), reason };
        let narinfo = NarInfo::parse(&String::from_utf8_lossy(&body)).map_err(|e| bad(e.to_string()))?;
        if narinfo.store_path != *path {
            return Err(bad(format!("it describes {}", narinfo.store_path)));
        }
        let verdict = narinfo.verify(trusted);
        report.probe = Some(path.clone());
        report.key_verified = Some(verdict.is_trusted());
        report.signed_by = verdict.valid.iter().chain(&verdict.untrusted).cloned().collect();
        report.verdict = describe(&verdict, narinfo.ca.is_some());
        report.content_addressed = narinfo.ca.is_some();
        report.signatures = Some(verdict);
        return Ok(());
    }
    report.verdict = "not verified: no probe path found".to_owned();
    Ok(())
}

fn describe(v: &Verdict, content_addressed: bool) -> String {
    if !v.valid.is_empty() {
        let s = if v.valid.len() == 1 { "" } else { "s" };
        return format!("signed by trusted key{s} {}", v.valid.join(", "));
    }
    if !v.bad.is_empty() {
        return format!(
            "bad signature from trusted key(s) {}: the narinfo was altered or the key is wrong",
            v.bad.join(", ")
        );
    }
    if !v.untrusted.is_empty() {
        return format!("signed only by untrusted key(s) {}", v.untrusted.join(", "));
    }
    if content_addressed {
        "not signed (content-addressed path, Nix accepts it without a signature)".to_owned()
    } else {
        "not signed".to_owned()
    }
}

/// Runs [`check_caches`] from synchronous code on a private tokio runtime.
pub fn run_blocking(
    options: &ClientOptions,
    caches: Vec<CacheTarget>,
    trusted: &[PublicKey],
    timeout: Duration,
) -> Result<Vec<CacheReport>, NetError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| NetError::Other(format!("cannot start async runtime: {e}")))?;
    let reports = runtime.block_on(async {
        let client = build_client(options)?;
        Ok(check_caches_with(&client, caches, trusted, timeout, options.connect_timeout).await)
    });
    // Dropping the runtime would wait for its blocking tasks: a `file://` read stuck in the
    // kernel (a FIFO, a hung network mount) would then hold the caller long after the cache
    // was reported as timed out. Leave such reads behind instead.
    runtime.shutdown_background();
    reports
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_has_exactly_the_documented_fields() {
        let json = serde_json::to_value(CacheReport::new("http://a")).expect("serialises");
        let keys: Vec<&str> = json.as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default();
        expect_test::expect![[r#"["error", "key_verified", "latency_ms", "priority", "reachable", "signed_by", "store_dir", "url", "verdict", "want_mass_query"]"#]]
            .assert_eq(&format!("{keys:?}"));
    }

    #[test]
    fn unsupported_schemes_are_skipped_quickly() {
        let caches = vec![CacheTarget { url: "ssh://builder".into(), probes: vec![] }];
        let reports = run_blocking(&ClientOptions::default(), caches, &[], Duration::from_secs(1)).expect("runs");
        assert_eq!(reports.first().map(|r| (r.checked, r.verdict.as_str())), Some((false, "not checked: scheme ssh")));
    }
}
