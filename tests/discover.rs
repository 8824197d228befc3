//! `cachectl add` with key discovery, on loopback: a stand-in Cachix API and a stand-in attic
//! API in front of caches made by the real Nix (signed by `test-1` or `test-2`). Every key
//! must be proven on a real narinfo signature before it is written.

#[path = "support/api.rs"]
mod api;
#[path = "support/httpd.rs"]
mod httpd;
#[path = "support/nixcache.rs"]
mod nixcache;

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use api::{Api, Reply};
use httpd::{Mode, Server};
use nixcache::nix_cache;

const BASE: &str = "{ ... }:\n{\n  nix.settings = {\n    substituters = [ \"https://cache.nixos.org/\" ];\n    trusted-public-keys = [ \"cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=\" ];\n  };\n}\n";

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("modules")).expect("mkdir");
    std::fs::write(dir.path().join("modules/base.nix"), BASE).expect("write");
    dir
}

fn base(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("modules/base.nix")).expect("read")
}

fn cachectl(dir: &Path, api: Option<&str>, token: Option<&str>, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cachectl"));
    cmd.current_dir(dir)
        .env_remove("CACHIX_AUTH_TOKEN")
        .env("CACHECTL_CACHIX_API", api.unwrap_or("http://127.0.0.1:9/none"));
    if let Some(t) = token {
        cmd.env("CACHIX_AUTH_TOKEN", t);
    }
    cmd.args(args).output().expect("run cachectl")
}

fn cachix(name: &str, uri: &str, keys: &[&str]) -> (String, Reply) {
    let keys: Vec<String> = keys.iter().map(|k| format!("\"{k}\"")).collect();
    (
        format!("/api/v1/cache/{name}"),
        Reply::Json(200, format!("{{\"uri\":\"{uri}\",\"publicSigningKeys\":[{}],\"isPublic\":true}}", keys.join(","))),
    )
}

fn empty_cache() -> std::path::PathBuf {
    let dir = nix_cache().root.join("discover-empty");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join("nix-cache-info"), "StoreDir: /nix/store\n").expect("write");
    dir
}

#[test]
fn a_cachix_cache_by_name_is_discovered_proven_and_written() {
    let nc = nix_cache();
    let cache = Server::start(Mode::Dir(nc.signed.clone()));
    let api = Api::start(vec![cachix("hyprtest", &cache.url(), &[&nc.key1])], None);
    let dir = repo();
    let out =
        cachectl(dir.path(), Some(&format!("{}/api/v1", api.url())), None, &["add", "hyprtest", "--probe", &nc.hello]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains(&format!("url: {}", cache.url())), "{stdout}");
    assert!(stdout.contains("key: test-1 (from the Cachix API)"), "{stdout}");
    assert!(stdout.contains(&format!("proof: test-1 verifies the signature of {}", nc.hello)), "{stdout}");
    let b = base(dir.path());
    assert!(b.contains(&cache.url()) && b.contains(&nc.key1), "{b}");

    // JSON, and by URL (`https://NAME.cachix.org` means Cachix name NAME); idempotent.
    let dir = repo();
    let out = cachectl(
        dir.path(),
        Some(&format!("{}/api/v1", api.url())),
        None,
        &["--json", "add", "https://hyprtest.cachix.org", "--probe", &nc.hello],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(doc["source"], "cachix");
    assert_eq!(doc["url"], cache.url());
    assert_eq!(doc["key"], nc.key1.as_str());
    assert_eq!(doc["verified_on"], nc.hello.as_str());
    assert_eq!(doc["changed"], true);
    assert!(doc["file"].as_str().is_some_and(|f| f.ends_with("base.nix")));
}

#[test]
fn an_attic_cache_by_url_is_discovered_from_its_api() {
    let nc = nix_cache();
    let cache = Server::start(Mode::Dir(nc.signed.clone()));
    let body = format!(
        "{{\"public_key\":\"{}\",\"substituter_endpoint\":\"{}\",\"priority\":41,\"is_public\":true,\"store_dir\":\"/nix/store\"}}",
        nc.key1,
        cache.url()
    );
    let attic = Api::start(vec![("/_api/v1/cache-config/homelab".into(), Reply::Json(200, body))], None);
    let dir = repo();
    let out =
        cachectl(dir.path(), None, None, &["--json", "add", &format!("{}/homelab", attic.url()), "--probe", &nc.hello]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!((doc["source"].as_str(), doc["url"].as_str()), (Some("attic"), Some(cache.url().as_str())));
    assert_eq!(doc["verified_on"], nc.hello.as_str());
}

#[test]
fn unproven_keys_need_trust_and_wrong_keys_are_refused() {
    let nc = nix_cache();
    let empty = Server::start(Mode::Dir(empty_cache()));
    let signed = Server::start(Mode::Dir(nc.signed.clone()));
    let api = Api::start(
        vec![cachix("emptytest", &empty.url(), &[&nc.key1]), cachix("wrongtest", &signed.url(), &[&nc.key2])],
        None,
    );
    let api_url = format!("{}/api/v1", api.url());
    let dir = repo();
    let out = cachectl(dir.path(), Some(&api_url), None, &["add", "emptytest", "--probe", &nc.hello]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--trust"), "{}", text(&out.stderr));
    assert_eq!(base(dir.path()), BASE, "nothing written");
    let out =
        cachectl(dir.path(), Some(&api_url), None, &["--json", "add", "emptytest", "--probe", &nc.hello, "--trust"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(doc["verified_on"], serde_json::Value::Null);
    assert!(base(dir.path()).contains(&empty.url()));

    // The API lists test-2, the cache signs with test-1: refused, naming the real signer.
    let dir = repo();
    let out = cachectl(dir.path(), Some(&api_url), None, &["add", "wrongtest", "--probe", &nc.hello]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("signed by test-1, not by test-2"), "{err}");
    assert_eq!(base(dir.path()), BASE);
    // A pinned --key is proven the same way when the cache answers.
    let out = cachectl(dir.path(), None, None, &["add", &signed.url(), "--key", &nc.key2, "--probe", &nc.hello]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("signed by test-1"), "{}", text(&out.stderr));
    let out = cachectl(dir.path(), None, None, &["add", &signed.url(), "--key", &nc.key1, "--probe", &nc.hello]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("proof: test-1 verifies"), "{}", text(&out.stdout));
}

#[test]
fn a_plain_cache_names_its_signer_and_asks_for_the_key() {
    let nc = nix_cache();
    let other = Server::start(Mode::Dir(nc.other.clone()));
    let dir = repo();
    let out = cachectl(dir.path(), None, None, &["add", &other.url(), "--probe", &nc.hello]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("signed by test-2") && err.contains("pass --key test-2:"), "{err}");
    let out = cachectl(dir.path(), None, None, &["add", &other.url(), "--offline"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--offline allows no discovery"));
}

#[test]
fn a_key_named_like_another_cache_key_is_refused() {
    let nc = nix_cache();
    let cache = Server::start(Mode::Dir(nc.signed.clone()));
    let fake = format!("cache.nixos.org-1:{}", nc.key1.split_once(':').map(|(_, b)| b).unwrap_or_default());
    let api = Api::start(vec![cachix("collide", &cache.url(), &[&fake])], None);
    let dir = repo();
    let out =
        cachectl(dir.path(), Some(&format!("{}/api/v1", api.url())), None, &["add", "collide", "--probe", &nc.hello]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cache.nixos.org-1"), "{}", text(&out.stderr));
    assert_eq!(base(dir.path()), BASE);
}

#[test]
fn a_private_cache_uses_the_token_and_never_prints_it() {
    let nc = nix_cache();
    let cache = Server::start(Mode::Dir(nc.signed.clone()));
    let token = "s3cr3t-t0ken-value";
    let api = Api::start(vec![cachix("private", &cache.url(), &[&nc.key1])], Some(token.into()));
    let api_url = format!("{}/api/v1", api.url());
    let dir = repo();
    let out = cachectl(dir.path(), Some(&api_url), None, &["add", "private", "--probe", &nc.hello]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("CACHIX_AUTH_TOKEN"), "{}", text(&out.stderr));
    for args in [
        &["add", "private", "--probe", &nc.hello][..],
        &["--json", "add", "private", "--probe", &nc.hello, "--dry-run"][..],
    ] {
        let out = cachectl(dir.path(), Some(&api_url), Some(token), args);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert!(!all.contains(token), "token printed:\n{all}");
    }
    let seen = api.seen.lock().expect("lock");
    assert!(seen.iter().any(|(_, ok)| *ok) && seen.iter().any(|(_, ok)| !*ok));
}

#[test]
fn hostile_api_answers_are_clear_errors_and_write_nothing() {
    let nc = nix_cache();
    let api = Api::start(
        vec![
            ("/api/v1/cache/huge".into(), Reply::Huge(200 * 1024)),
            ("/api/v1/cache/slow".into(), Reply::Slow(Duration::from_secs(30))),
            ("/api/v1/cache/bad".into(), Reply::Json(200, "{\"uri\": [1, 2".into())),
            (
                "/api/v1/cache/wrongtype".into(),
                Reply::Json(200, "{\"uri\":\"http://x\",\"publicSigningKeys\":\"k\"}".into()),
            ),
            ("/api/v1/cache/loop".into(), Reply::Redirect("/api/v1/cache/loop".into())),
            (
                "/api/v1/cache/badkey".into(),
                Reply::Json(200, "{\"uri\":\"http://x\",\"publicSigningKeys\":[\"x-1:AAAA\"]}".into()),
            ),
        ],
        None,
    );
    let api_url = format!("{}/api/v1", api.url());
    let dir = repo();
    for (name, want) in [
        ("huge", "too large"),
        ("slow", "longer than"),
        ("bad", "malformed JSON"),
        ("wrongtype", "not a list"),
        ("loop", "redirect"),
        ("badkey", "invalid key"),
        ("absent", "has no cache `absent`"),
    ] {
        let started = std::time::Instant::now();
        let out = cachectl(dir.path(), Some(&api_url), None, &["add", name, "--probe", &nc.hello, "--timeout", "2"]);
        assert_eq!(out.status.code(), Some(2), "{name}: {}", text(&out.stdout));
        let err = text(&out.stderr);
        assert!(err.contains(want), "{name}: {err}");
        assert_eq!(err.lines().count(), 1, "{name}: one clear message: {err}");
        assert!(started.elapsed() < Duration::from_secs(20), "{name}: the deadline holds");
        assert_eq!(base(dir.path()), BASE, "{name}: nothing written");
    }
}

#[test]
fn save_records_the_cache_for_the_team() {
    let nc = nix_cache();
    let cache = Server::start(Mode::Dir(nc.signed.clone()));
    let api = Api::start(vec![cachix("teamtest", &cache.url(), &[&nc.key1])], None);
    let dir = repo();
    let toml = dir.path().join("cachectl.toml");
    std::fs::write(&toml, "# our caches\nfile = \"modules/base.nix\"\n").expect("write");
    let out = cachectl(
        dir.path(),
        Some(&format!("{}/api/v1", api.url())),
        None,
        &["add", "teamtest", "--probe", &nc.hello, "--save"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let saved = std::fs::read_to_string(&toml).expect("read");
    assert!(saved.starts_with("# our caches\nfile = \"modules/base.nix\"\n"), "{saved}");
    assert!(saved.contains("[caches.teamtest]") && saved.contains(&nc.key1), "{saved}");
    // The registry now knows it: a teammate adds it offline, by name.
    std::fs::write(dir.path().join("modules/base.nix"), BASE).expect("reset");
    let out = cachectl(dir.path(), None, None, &["add", "teamtest", "--offline"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(base(dir.path()).contains(&cache.url()));
}

#[test]
fn check_online_reports_a_rotated_key_that_the_api_publishes() {
    let nc = nix_cache();
    // One server: attic's API, and the cache itself under /homelab, signed by test-2 only.
    let narinfo_file = nixcache::NixCache::narinfo_file(&nc.other, &nc.hello);
    let narinfo_name = narinfo_file.file_name().and_then(|n| n.to_str()).expect("name").to_owned();
    let read = |p: &Path| std::fs::read_to_string(p).expect("read cache file");
    let config = format!("{{\"public_key\":\"{}\",\"substituter_endpoint\":\"{{SELF}}/homelab\"}}", nc.key2);
    let server = Api::start(
        vec![
            ("/homelab/nix-cache-info".into(), Reply::Json(200, read(&nc.other.join("nix-cache-info")))),
            (format!("/homelab/{narinfo_name}"), Reply::Json(200, read(&narinfo_file))),
            ("/_api/v1/cache-config/homelab".into(), Reply::Json(200, config)),
        ],
        None,
    );
    let dir = repo();
    let url = format!("{}/homelab", server.url());
    let module = format!(
        "{{\n  nix.settings.substituters = [ \"{url}\" ];\n  nix.settings.trusted-public-keys = [ \"{}\" ];\n}}\n",
        nc.key1
    );
    std::fs::write(dir.path().join("modules/base.nix"), &module).expect("write");
    let out = cachectl(dir.path(), None, None, &["check", "--online", "--probe", &nc.hello]);
    let stdout = text(&out.stdout);
    let line = stdout.lines().find(|l| l.contains("[key-rotation]")).unwrap_or_else(|| panic!("no rotation: {stdout}"));
    assert!(line.contains("signed by `test-2`, which its attic API publishes"), "{line}");
    assert!(line.contains(&format!("cachectl add {url}")), "{line}");
    // The suggested command discovers the new key, proves it, and writes it.
    let out = cachectl(dir.path(), None, None, &["add", &url, "--probe", &nc.hello]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(base(dir.path()).contains(&nc.key2));
    let out = cachectl(dir.path(), None, None, &["check", "--online", "--probe", &nc.hello]);
    assert!(!text(&out.stdout).contains("[key-rotation]"), "{}", text(&out.stdout));
    let explain = cachectl(dir.path(), None, None, &["explain", "key-rotation"]);
    assert!(text(&explain.stdout).contains("publicSigningKeys"));
}

#[test]
fn save_creates_the_registry_when_missing() {
    let nc = nix_cache();
    let cache = Server::start(Mode::Dir(nc.signed.clone()));
    let api = Api::start(vec![cachix("newteam", &cache.url(), &[&nc.key1])], None);
    let dir = repo();
    let out = cachectl(
        dir.path(),
        Some(&format!("{}/api/v1", api.url())),
        None,
        &["add", "newteam", "--probe", &nc.hello, "--save"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let saved = std::fs::read_to_string(dir.path().join("cachectl.toml")).expect("created");
    assert_eq!(saved, format!("[caches.newteam]\nurl = \"{}\"\nkey = \"{}\"\n", cache.url(), nc.key1));
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "no temporary file is left");
}
