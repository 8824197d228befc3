//! `check --online` against real caches made by the real Nix, served from 127.0.0.1.
//!
//! Every client here has DNS replaced by a resolver that fails for every name, so no test
//! can reach anything but loopback addresses.

#[path = "support/checking.rs"]
mod checking;
#[path = "support/httpd.rs"]
mod httpd;
#[path = "support/nixcache.rs"]
mod nixcache;
#[path = "support/tls.rs"]
mod tls;

use std::time::Duration;

use cachectl::narinfo::NarInfo;
use cachectl::net::{CacheReport, ClientOptions, run_blocking};
use checking::{NoDns, TIMEOUT, check_with, key, options, target};
use httpd::{Mode, Options, Server};
use nixcache::{NixCache, nix_cache};

/// Checks one cache with `test-1` trusted.
async fn check_one(url: &str, probes: &[&str]) -> CacheReport {
    let trusted = [key(&nix_cache().key1)];
    let mut reports = check_with(&options(&NoDns::default()), vec![target(url, probes)], &trusted, TIMEOUT).await;
    assert_eq!(reports.len(), 1);
    reports.remove(0)
}

fn error(r: &CacheReport) -> &str {
    r.error.as_deref().unwrap_or("<no error>")
}

/// A store path that no cache has.
const ABSENT: &str = "/nix/store/00000000000000000000000000000000-absent";

#[tokio::test]
async fn trusted_cache_is_verified() {
    let nc = nix_cache();
    let server = Server::start(Mode::Dir(nc.signed.clone()));
    let r = check_one(&server.url(), &[ABSENT, &nc.hello]).await;
    assert_eq!(r.error, None);
    assert!(r.reachable);
    assert_eq!(r.store_dir.as_deref(), Some("/nix/store"));
    assert_eq!(r.want_mass_query, Some(false), "Nix 2.8 writes only StoreDir");
    assert_eq!(r.key_verified, Some(true));
    assert!(r.signed_by.contains(&"test-1".to_owned()), "{:?}", r.signed_by);
    assert_eq!(r.verdict, "signed by trusted key test-1");
    assert_eq!(r.probe.as_deref(), Some(nc.hello.as_str()), "the absent probe was skipped");
    assert!(r.latency_ms.is_some());

    // A path with a reference: the fingerprint lists it as a full store path.
    let r = check_one(&server.url(), &[&nc.greeting]).await;
    assert_eq!((r.key_verified, r.error), (Some(true), None));
}

#[tokio::test]
async fn cache_signed_by_another_key_is_untrusted() {
    let nc = nix_cache();
    let server = Server::start(Mode::Dir(nc.other.clone()));
    let r = check_one(&server.url(), &[&nc.hello]).await;
    assert!(r.reachable, "{}", error(&r));
    assert_eq!(r.key_verified, Some(false));
    assert_eq!(r.signed_by, ["test-2"]);
    assert!(r.verdict.contains("untrusted"), "{}", r.verdict);
    assert!(r.verdict.contains("test-2"), "{}", r.verdict);
}

/// A copy of the signed cache named `name` (one per test: tests run in parallel), with
/// `NarSize` of `hello` changed.
fn tampered_cache(nc: &NixCache, name: &str) -> std::path::PathBuf {
    let dir = nc.copy_cache(&nc.signed, name);
    let file = NixCache::narinfo_file(&dir, &nc.hello);
    let text = std::fs::read_to_string(&file).expect("read narinfo");
    let changed: String = text
        .lines()
        .map(|l| if l.starts_with("NarSize:") { "NarSize: 4096".to_owned() } else { l.to_owned() })
        .collect::<Vec<_>>()
        .join("\n");
    assert_ne!(text.trim_end(), changed, "NarSize was changed");
    std::fs::write(&file, changed + "\n").expect("write narinfo");
    dir
}

#[tokio::test]
async fn tampered_narinfo_is_not_verified() {
    let nc = nix_cache();
    let server = Server::start(Mode::Dir(tampered_cache(nc, "tampered-http")));
    let r = check_one(&server.url(), &[&nc.hello]).await;
    assert!(r.reachable, "{}", error(&r));
    assert_eq!(r.key_verified, Some(false));
    assert!(r.signed_by.is_empty(), "a bad signature is no signer: {:?}", r.signed_by);
    assert!(r.verdict.contains("bad signature from trusted key(s) test-1"), "{}", r.verdict);
}

#[tokio::test]
async fn file_urls_are_read_from_the_directory() {
    let nc = nix_cache();
    let r = check_one(&format!("file://{}", nc.signed.display()), &[&nc.greeting]).await;
    assert_eq!((r.reachable, r.key_verified, r.error.clone()), (true, Some(true), None));
    let r = check_one(&format!("file://{}", tampered_cache(nc, "tampered-file").display()), &[&nc.hello]).await;
    assert_eq!(r.key_verified, Some(false));
}

#[test]
fn real_nix_agrees_with_our_verifier() {
    let nc = nix_cache();
    let trusted = [key(&nc.key1)];
    let tampered = tampered_cache(nc, "tampered-nix");
    let cases = [
        (&nc.signed, &nc.hello, true),
        (&nc.signed, &nc.greeting, true),
        (&nc.other, &nc.hello, false),
        (&nc.other, &nc.greeting, false),
        (&tampered, &nc.hello, false),
        (&tampered, &nc.greeting, true),
    ];
    for (dir, path, want) in cases {
        let store = format!("file://{}", dir.display());
        let args = ["store", "verify", "--no-contents", "--store", &store, "--trusted-public-keys", &nc.key1, path];
        let nix_says = nc.run("nix", &args).status.success();
        let text = std::fs::read_to_string(NixCache::narinfo_file(dir, path)).expect("narinfo");
        let ours = NarInfo::parse(&text).expect("narinfo parses").verify(&trusted).is_trusted();
        assert_eq!((nix_says, ours), (want, want), "nix and cachectl on {path} in {}", dir.display());
    }
}

#[tokio::test]
async fn refused_port_is_reported() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("bind").port();
    let r = check_one(&format!("http://127.0.0.1:{port}"), &[]).await;
    assert!(!r.reachable);
    assert_eq!(error(&r), "connection refused");
    assert_eq!(r.verdict, "unreachable: connection refused");
}

#[tokio::test]
async fn silent_server_times_out_without_holding_up_the_others() {
    let nc = nix_cache();
    let (silent, good) = (Server::start(Mode::Silent), Server::start(Mode::Dir(nc.signed.clone())));
    let caches = vec![target(&silent.url(), &[&nc.hello]), target(&good.url(), &[&nc.hello])];
    let trusted = [key(&nc.key1)];
    let reports = check_with(&options(&NoDns::default()), caches, &trusted, Duration::from_secs(1)).await;
    let [dead, ok] = reports.as_slice() else { panic!("two reports expected: {reports:?}") };
    assert_eq!(dead.url, silent.url(), "reports keep input order");
    assert_eq!(error(dead), "timed out after 1s");
    assert_eq!((ok.reachable, ok.key_verified, ok.error.clone()), (true, Some(true), None));
}

/// A directory holding only `nix-cache-info` with this content.
fn cache_info_dir(content: &[u8]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("nix-cache-info"), content).expect("write");
    dir
}

#[tokio::test]
async fn foreign_store_dir_is_refused() {
    let dir = cache_info_dir(b"StoreDir: /gnu/store\nWantMassQuery: 1\nPriority: 30\n");
    let server = Server::start(Mode::Dir(dir.path().to_owned()));
    let r = check_one(&server.url(), &[]).await;
    assert_eq!(error(&r), "foreign store: serves store /gnu/store, not /nix/store");
    assert_eq!((r.store_dir.as_deref(), r.priority, r.want_mass_query), (Some("/gnu/store"), Some(30), Some(true)));
}

#[tokio::test]
async fn missing_cache_info_is_not_a_binary_cache() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start(Mode::Dir(dir.path().to_owned()));
    let r = check_one(&server.url(), &[]).await;
    assert!(error(&r).starts_with("not a binary cache"), "{}", error(&r));
    let html = cache_info_dir(b"<html>welcome</html>");
    let server = Server::start(Mode::Dir(html.path().to_owned()));
    let r = check_one(&server.url(), &[]).await;
    assert_eq!(error(&r), "not a binary cache: /nix-cache-info has no StoreDir");
}

#[tokio::test]
async fn server_errors_and_redirect_loops_are_named() {
    let server = Server::start(Mode::Status(500));
    assert_eq!(error(&check_one(&server.url(), &[]).await), "http 500");
    let server = Server::start(Mode::RedirectLoop);
    assert_eq!(error(&check_one(&server.url(), &[]).await), "too many redirects");
}

#[tokio::test]
async fn dns_failure_of_a_tailnet_name_suggests_tailscale() {
    let dns = NoDns::default();
    let caches = vec![target("http://magnolia:5000", &[]), target("https://cache.example.org", &[])];
    let reports = check_with(&options(&dns), caches, &[], TIMEOUT).await;
    let [tailnet, public] = reports.as_slice() else { panic!("two reports expected") };
    assert_eq!(error(tailnet), "dns lookup of magnolia failed: is Tailscale up?");
    assert_eq!(error(public), "dns lookup of cache.example.org failed");
    let mut asked = dns.0.lock().map(|a| a.clone()).unwrap_or_default();
    asked.sort();
    assert_eq!(asked, ["cache.example.org", "magnolia"], "the injected resolver answered");
}

#[tokio::test]
async fn oversize_cache_info_is_too_large() {
    let mut big = b"StoreDir: /nix/store\n".to_vec();
    big.resize(100 * 1024, b'#');
    let dir = cache_info_dir(&big);
    for no_length in [false, true] {
        let server = Server::start_with(Mode::Dir(dir.path().to_owned()), Options { no_length, tls: None });
        let r = check_one(&server.url(), &[]).await;
        assert_eq!(error(&r), "response too large (over 65536 bytes)", "no_length={no_length}");
    }
    let r = check_one(&format!("file://{}", dir.path().display()), &[]).await;
    assert_eq!(error(&r), "response too large (over 65536 bytes)");
}

#[tokio::test]
async fn https_needs_a_trusted_ca() {
    let nc = nix_cache();
    let pki = tls::Pki::new();
    let opts = Options { tls: Some(pki.server_config()), no_length: false };
    let server = Server::start_with(Mode::Dir(nc.signed.clone()), opts);
    let trusted = [key(&nc.key1)];
    let dns = NoDns::default();
    let caches = || vec![target(&server.url(), &[&nc.hello])];

    let plain = check_with(&options(&dns), caches(), &trusted, TIMEOUT).await;
    let r = plain.first().expect("report");
    assert!(!r.reachable);
    assert_eq!(error(r), "tls error: invalid peer certificate: UnknownIssuer");

    let with_ca = ClientOptions { extra_roots_pem: vec![pki.ca_pem.clone().into_bytes()], ..options(&dns) };
    let r = check_with(&with_ca, caches(), &trusted, TIMEOUT).await.remove(0);
    assert_eq!((r.reachable, r.key_verified, r.error.clone()), (true, Some(true), None));
}

#[test]
fn run_blocking_serves_sync_callers() {
    let nc = nix_cache();
    let server = Server::start(Mode::Dir(nc.signed.clone()));
    let caches = vec![target("ssh://builder", &[]), target(&server.url(), &[&nc.hello])];
    let reports = run_blocking(&options(&NoDns::default()), caches, &[key(&nc.key1)], TIMEOUT).expect("runs");
    let verdicts: Vec<&str> = reports.iter().map(|r| r.verdict.as_str()).collect();
    assert_eq!(verdicts, ["not checked: scheme ssh", "signed by trusted key test-1"]);
    let json = serde_json::to_value(&reports[1]).expect("json");
    assert_eq!(json["key_verified"], true);
    assert_eq!(json["signed_by"], serde_json::json!(["test-1"]));
}
