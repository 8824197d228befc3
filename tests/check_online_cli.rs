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

/// A copy of the cache signed by `test-1`, re-signed in the cache by a new key named
/// `key_name` (whose `name:…` public key is returned), under `<fixture>/<dir>`.
fn resigned_cache(dir: &str, key_name: &str) -> (std::path::PathBuf, String) {
    let nc = nix_cache();
    let copy = nc.copy_cache(&nc.signed, dir);
    let (sec, public) = (format!("{dir}.sec"), format!("{dir}.pub"));
    nc.ok("nix-store", &["--generate-binary-cache-key", key_name, &sec, &public]);
    let store = format!("file://{}", copy.display());
    nc.ok("nix", &["store", "sign", "--store", &store, "-k", &sec, &nc.hello, &nc.greeting]);
    let key = std::fs::read_to_string(nc.root.join(&public)).expect("read public key").trim().to_owned();
    (copy, key)
}

#[test]
fn observed_signers_supersede_static_pairing_warnings() {
    let nc = nix_cache();
    // A key named so that no convention pairs it with a cache on 127.0.0.1.
    let (cache, key) = resigned_cache("resigned-signer", "signer.example.org-1");
    let server = Server::start(Mode::Dir(cache));
    let dir = tempfile::tempdir().expect("tempdir");
    // The key in another module than the cache (in one block, an unpaired cache and an
    // unused key would only be `info`: they may belong together).
    let module = format!("{{\n  nix.settings.substituters = [ \"{}\" ];\n}}\n", server.url());
    std::fs::write(dir.path().join("m.nix"), module).expect("write");
    let keys = format!("{{\n  nix.settings.trusted-public-keys = [ \"{key}\" ];\n}}\n");
    std::fs::write(dir.path().join("keys.nix"), keys).expect("write");

    // Offline, the static pairing warns about the key, and notes the cache (on loopback, a
    // private network, it may be a proxy signed by its upstream).
    let out = run(dir.path(), &["check", "m.nix", "keys.nix", "--deny-warnings"]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("info[no-trusted-key]") && stdout.contains("proxy"), "{stdout}");
    assert!(stdout.contains("warning[unused-key]: key `signer.example.org-1`"), "{stdout}");

    // Online, the narinfo's signer settles it: both findings are superseded.
    let args = ["check", "m.nix", "keys.nix", "--deny-warnings", "--online", "--timeout", "5", "--probe", &nc.hello];
    let out = run(dir.path(), &args);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let finding = |code: &str| stdout.lines().find(|l| l.contains(code)).unwrap_or_default().to_owned();
    let url = server.url();
    assert_eq!(
        finding("[no-trusted-key]").split_once(": info").map(|(_, m)| m.to_owned()).unwrap_or_default(),
        format!(
            "[no-trusted-key]: no trusted key pairs with `{url}` by name, but --online saw it signed by trusted key signer.example.org-1: superseded"
        )
    );
    assert!(finding("[unused-key]").contains(&format!("info[unused-key]: key `signer.example.org-1` pairs with no substituter by name, but --online saw it sign `{url}`")), "{stdout}");
    assert!(
        stdout.contains(
            "pairing: static pairing guessed no key, but the cache signs with signer.example.org-1 (trusted)"
        ),
        "{stdout}"
    );

    let json = ["--json", "check", "m.nix", "keys.nix", "--online", "--timeout", "5", "--probe", &nc.hello];
    let out = run(dir.path(), &json);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    let c = &v["caches"][0];
    assert_eq!((c["pairing"].as_str(), c["static_key"].is_null()), (Some("corrected"), true), "{v}");
    assert_eq!(c["observed_keys"], serde_json::json!(["signer.example.org-1"]));
    let severities: Vec<&str> =
        v["diagnostics"].as_array().expect("diagnostics").iter().filter_map(|d| d["severity"].as_str()).collect();
    assert!(!severities.contains(&"warning"), "{v}");
}

#[test]
fn a_wrong_static_guess_is_named_with_the_real_signer() {
    let nc = nix_cache();
    // attic-style URLs ending in `/test`: the convention pairs them with `test-1` and
    // `test-2` alike, so the static guess is the first listed key, `test-1`. The cache is
    // the one signed only by `test-2`.
    let root = nc.root.join("attic-like");
    nc.copy_cache(&nc.other, "attic-like/test");
    let server = Server::start(Mode::Dir(root));
    let url = format!("{}/test", server.url());
    let dir = tempfile::tempdir().expect("tempdir");
    let write = |keys: &[&str]| {
        let keys: Vec<String> = keys.iter().map(|k| format!("\"{k}\"")).collect();
        let module = format!(
            "{{\n  nix.settings.substituters = [ \"{url}\" ];\n  nix.settings.trusted-public-keys = [ {} ];\n}}\n",
            keys.join(" ")
        );
        std::fs::write(dir.path().join("m.nix"), module).expect("write");
    };
    let online = ["--json", "check", "m.nix", "--online", "--timeout", "5", "--probe", &nc.hello];

    write(&[&nc.key1, &nc.key2]);
    let out = run(dir.path(), &online);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    let c = &v["caches"][0];
    assert_eq!(c["static_key"], "test-1", "{v}");
    assert_eq!(c["static_convention"], "attic cache name", "{v}");
    assert_eq!(c["pairing"], "corrected", "{v}");
    assert_eq!(c["pairing_note"], "static pairing guessed test-1, the cache signs with test-2 (trusted)");
    assert_eq!(out.status.code(), Some(0), "{v}");

    // With only `test-1` trusted the guess is refuted, and the cache fails.
    write(&[&nc.key1]);
    let out = run(dir.path(), &online[1..]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("pairing: static pairing guessed test-1, but the cache signs with test-2 (not trusted)"),
        "{stdout}"
    );
}
