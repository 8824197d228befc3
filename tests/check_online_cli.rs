//! `cachectl check --online` end to end: the built binary against real Nix-made caches
//! served on 127.0.0.1, next to a refused port and a server that never answers.

#[path = "support/httpd.rs"]
mod httpd;
#[path = "support/nixcache.rs"]
mod nixcache;

use std::process::{Command, Output};

use httpd::{Mode, Server};
use nixcache::nix_cache;

fn run(dir: &std::path::Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cachectl"));
    for v in ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"] {
        cmd.env_remove(v);
    }
    cmd.current_dir(dir).args(args).output().expect("run cachectl")
}

fn refused_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

#[test]
fn online_check_reports_each_cache_in_nix_order() {
    let cache = nix_cache();
    let good = Server::start(Mode::Dir(cache.signed.clone()));
    let other = Server::start(Mode::Dir(cache.other.clone()));
    let silent = Server::start(Mode::Silent);
    let dead = format!("http://127.0.0.1:{}", refused_port());
    let dir = tempfile::tempdir().expect("tempdir");
    let module = format!(
        "{{\n  nix.settings.substituters = [\n    \"{}\"\n    \"{}?priority=10\"\n    \"{dead}\"\n    \"{}\"\n  ];\n  nix.settings.trusted-public-keys = [ \"{}\" ];\n}}\n",
        good.url(),
        other.url(),
        silent.url(),
        cache.key1
    );
    std::fs::write(dir.path().join("m.nix"), module).expect("write");
    let out = run(dir.path(), &["check", "m.nix", "--online", "--timeout", "2", "--probe", &cache.hello]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let line = |url: &str| stdout.lines().find(|l| l.starts_with(url)).unwrap_or_default().to_owned();
    assert!(line(&good.url()).contains("ok (priority"), "{stdout}");
    assert!(line(&good.url()).contains("signed by trusted key test-1"), "{stdout}");
    assert!(line(&format!("{}?priority=10", other.url())).contains("untrusted key(s) test-2"), "{stdout}");
    assert!(line(&dead).contains("error: connection refused"), "{stdout}");
    assert!(line(&silent.url()).contains("error: timed out"), "{stdout}");
    let order = stdout.lines().find(|l| l.starts_with("nix tries them in this order:")).expect("order line");
    // A cache without Priority counts as 0 (Nix's default), so priority=10 comes last even
    // though it is listed second; ties keep list order.
    assert!(order.ends_with("?priority=10"), "{order}");
    assert!(order.find(&good.url()) < order.find(&dead), "{order}");

    let out = run(dir.path(), &["--json", "check", "m.nix", "--online", "--timeout", "2", "--probe", &cache.hello]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    let caches = v["caches"].as_array().expect("caches");
    assert_eq!(caches.len(), 4);
    for field in [
        "url",
        "reachable",
        "error",
        "store_dir",
        "want_mass_query",
        "priority",
        "latency_ms",
        "key_verified",
        "signed_by",
    ] {
        assert!(caches.iter().all(|c| c.get(field).is_some()), "missing {field}: {v}");
    }
    let by =
        |u: &str| caches.iter().find(|c| c["url"].as_str().is_some_and(|x| x.starts_with(u))).expect("entry").clone();
    assert_eq!(by(&good.url())["key_verified"], true);
    assert_eq!(by(&good.url())["store_dir"], "/nix/store");
    assert_eq!(by(&other.url())["key_verified"], false);
    assert_eq!(by(&dead)["reachable"], false);
    assert!(v["diagnostics"].is_array());
}

#[test]
fn plain_check_never_touches_the_network_and_bad_timeouts_are_usage_errors() {
    let silent = Server::start(Mode::Silent);
    let dir = tempfile::tempdir().expect("tempdir");
    let module = format!("{{ nix.settings.substituters = [ \"{}\" ]; }}\n", silent.url());
    std::fs::write(dir.path().join("m.nix"), module).expect("write");
    // Offline: returns at once with lint findings only, though the server never answers.
    let out = run(dir.path(), &["check", "m.nix"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(!String::from_utf8_lossy(&out.stdout).contains("timed out"));
    let out = run(dir.path(), &["check", "m.nix", "--online", "--timeout", "0"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--timeout must be"));
}
