//! `cachectl why` on loopback against caches made by the real Nix, each verdict compared
//! with what the real `nix-store --realise` does with the same caches and keys in an empty
//! store; and `check --system` against a private nix.conf that differs from the module.

#[path = "support/httpd.rs"]
mod httpd;
#[path = "support/nixcache.rs"]
mod nixcache;
#[path = "support/nixenv.rs"]
mod nixenv;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use httpd::{Mode, Server};
use nixcache::nix_cache;

/// A store path no cache has.
const ABSENT: &str = "/nix/store/00000000000000000000000000000000-absent";

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A cache with a content-addressed path (`nix store add-file`), copied unsigned.
fn ca_cache() -> &'static (PathBuf, String) {
    static CA: OnceLock<(PathBuf, String)> = OnceLock::new();
    CA.get_or_init(|| {
        let nc = nix_cache();
        let file = nc.root.join("ca-input.txt");
        std::fs::write(&file, "content-addressed\n").expect("write");
        let path = nc.ok(
            "nix",
            &["--extra-experimental-features", "nix-command", "store", "add-file", file.to_str().expect("utf-8")],
        );
        let dir = nc.root.join("ca-cache");
        let to = format!("file://{}", dir.display());
        nc.ok("nix", &["--extra-experimental-features", "nix-command", "copy", "--to", &to, &path]);
        (dir, path)
    })
}

/// An empty cache: a nix-cache-info and nothing else.
fn empty_cache() -> PathBuf {
    let dir = nix_cache().root.join("empty-cache");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join("nix-cache-info"), "StoreDir: /nix/store\n").expect("write");
    dir
}

/// A Nix environment whose nix.conf uses these caches and keys.
fn env_with(caches: &[String], keys: &[&str]) -> nixenv::NixEnv {
    let env = nixenv::NixEnv::new();
    let conf = env.path().join("conf/nix.conf");
    let mut s = std::fs::read_to_string(&conf).expect("read nix.conf");
    s.push_str(&format!("substituters = {}\ntrusted-public-keys = {}\n", caches.join(" "), keys.join(" ")));
    std::fs::write(&conf, s).expect("write nix.conf");
    env
}

/// `cachectl why PATH --json` in `env` (the running Nix is the env's nix.conf).
fn why(env: &nixenv::NixEnv, path: &str) -> serde_json::Value {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut cmd = env.command(env!("CARGO_BIN_EXE_cachectl"));
    let out = nixenv::output(cmd.current_dir(dir.path()).args(["--json", "why", path, "--timeout", "5"]));
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(doc["config"], "the running Nix");
    doc["paths"][0].clone()
}

/// What the real Nix does: `nix-store --realise PATH` in `env`'s empty store.
fn nix_downloads(env: &nixenv::NixEnv, path: &str) -> bool {
    let out = nixenv::output(env.command("nix-store").args(["--realise", path]));
    out.status.success()
}

/// Runs one scenario: `why` and Nix must agree; returns why's verdict for more asserts.
fn scenario(caches: &[String], keys: &[&str], path: &str) -> serde_json::Value {
    let w = why(&env_with(caches, keys), path);
    let downloaded = w["verdict"] == "downloaded";
    assert_eq!(downloaded, nix_downloads(&env_with(caches, keys), path), "why and Nix disagree on {path}: {w:#}");
    w
}

#[test]
fn a_path_in_a_trusted_cache_is_downloaded_from_it() {
    let nc = nix_cache();
    let (a, b) = (Server::start(Mode::Dir(empty_cache())), Server::start(Mode::Dir(nc.signed.clone())));
    let w = scenario(&[a.url(), b.url()], &[&nc.key1], &nc.hello);
    assert_eq!(w["verdict"], "downloaded");
    assert_eq!(w["from"], b.url());
    assert_eq!(w["caches"][0]["has_narinfo"], false);
    assert_eq!(w["caches"][1]["trusted_signers"], serde_json::json!(["test-1"]));
    assert_eq!(w["caches"][1]["store_dir"], "/nix/store");
}

#[test]
fn a_path_only_in_a_cache_signed_by_an_untrusted_key_is_built() {
    let nc = nix_cache();
    let (a, b) = (Server::start(Mode::Dir(empty_cache())), Server::start(Mode::Dir(nc.other.clone())));
    let w = scenario(&[a.url(), b.url()], &[&nc.key1], &nc.hello);
    assert_eq!(w["verdict"], "built");
    let causes = w["causes"].to_string();
    assert!(causes.contains("does not have it (404)"), "{causes}");
    assert!(causes.contains("signed by test-2, which is not a trusted key (trusted: test-1)"), "{causes}");
}

#[test]
fn a_path_missing_everywhere_is_built_and_a_dead_cache_does_not_stop_the_others() {
    let nc = nix_cache();
    let a = Server::start(Mode::Dir(nc.signed.clone()));
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        format!("http://127.0.0.1:{}", l.local_addr().expect("addr").port())
    };
    let w = scenario(&[dead.clone(), a.url()], &[&nc.key1], ABSENT);
    assert_eq!(w["verdict"], "built");
    assert_eq!(w["caches"].as_array().map(Vec::len), Some(2));
    let w = scenario(&[dead.clone(), a.url()], &[&nc.key1], &nc.hello);
    assert_eq!(w["verdict"], "downloaded", "{w:#}");
    let d =
        w["caches"].as_array().expect("caches").iter().find(|c| c["url"] == dead).expect("dead cache listed").clone();
    assert_eq!(d["reachable"], false);
    assert!(d["reason"].as_str().is_some_and(|r| r.contains("unreachable")), "{d}");
}

#[test]
fn a_content_addressed_path_needs_no_signature() {
    let nc = nix_cache();
    let (dir, path) = ca_cache();
    let s = Server::start(Mode::Dir(dir.clone()));
    let w = scenario(&[s.url()], &[&nc.key1], path);
    assert_eq!(w["verdict"], "downloaded", "{w:#}");
    assert_eq!(w["caches"][0]["content_addressed"], true);
    assert_eq!(w["caches"][0]["trusted_signers"], serde_json::json!([]));
}

#[test]
fn text_output_names_each_cache_and_the_verdict() {
    let nc = nix_cache();
    let (a, b) = (Server::start(Mode::Dir(nc.other.clone())), Server::start(Mode::Dir(nc.signed.clone())));
    let env = env_with(&[a.url(), b.url()], &[&nc.key1]);
    let dir = tempfile::tempdir().expect("temp dir");
    let mut cmd = env.command(env!("CARGO_BIN_EXE_cachectl"));
    let out = nixenv::output(cmd.current_dir(dir.path()).args(["why", &nc.hello]));
    assert_eq!(out.status.code(), Some(0));
    let s = text(&out.stdout);
    assert!(s.starts_with(&format!("{}\n  1. {}", nc.hello, a.url())), "{s}");
    assert!(s.contains("signed by test-2, which is not a trusted key"), "{s}");
    assert!(s.contains(&format!("verdict: downloaded from {}", b.url())), "{s}");
    let out =
        nixenv::output(env.command(env!("CARGO_BIN_EXE_cachectl")).current_dir(dir.path()).args(["why", "/tmp/x"]));
    assert_eq!(out.status.code(), Some(2), "not a store path");
}

// ---- check --system: the running Nix against the module ----

fn module(dir: &Path, subs: &[&str], keys: &[&str], extra: &str) -> PathBuf {
    let q = |v: &[&str]| v.iter().map(|s| format!("\"{s}\"")).collect::<Vec<_>>().join(" ");
    let file = dir.join("base.nix");
    std::fs::write(&file, format!("{{\n  nix.settings = {{\n    substituters = [ {} ];\n    trusted-public-keys = [ {} ];\n{extra}  }};\n}}\n", q(subs), q(keys))).expect("write");
    file
}

#[test]
fn check_system_reports_each_difference_and_passes_when_switched() {
    let nc = nix_cache();
    let dir = tempfile::tempdir().expect("temp dir");
    let file = module(
        dir.path(),
        &["https://cache.nixos.org", "http://127.0.0.1:5000"],
        &[&nc.key1],
        "    connect-timeout = 5;\n    fallback = true;\n",
    );
    // The running Nix: only cache.nixos.org, another key, no timeout or fallback.
    let env = env_with(&["https://cache.nixos.org".into()], &[&nc.key2]);
    let run = |env: &nixenv::NixEnv| {
        let mut cmd = env.command(env!("CARGO_BIN_EXE_cachectl"));
        nixenv::output(cmd.current_dir(dir.path()).args([
            "check",
            "--isolated",
            "--system",
            file.to_str().expect("utf-8"),
        ]))
    };
    let out = run(&env);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let lines: Vec<String> =
        text(&out.stdout).lines().filter(|l| l.contains("system-drift")).map(str::to_owned).collect();
    assert_eq!(lines.len(), 4, "{lines:#?}");
    assert!(
        lines[0].contains("base.nix:3:")
            && lines[0].contains("http://127.0.0.1:5000")
            && lines[0].contains("nixos-rebuild switch")
    );
    assert!(lines[1].contains("base.nix:4:") && lines[1].contains("key `test-1`"));
    assert!(lines[2].contains("connect-timeout is 5 here but 0"));
    assert!(lines[3].contains("fallback is `true` here but `false`"));
    // After the switch: the same settings in nix.conf, nothing to report.
    let env = env_with(&["https://cache.nixos.org".into(), "http://127.0.0.1:5000".into()], &[&nc.key1]);
    let conf = env.path().join("conf/nix.conf");
    let mut s = std::fs::read_to_string(&conf).expect("read");
    s.push_str("connect-timeout = 5\nfallback = true\n");
    std::fs::write(&conf, s).expect("write");
    let out = run(&env);
    assert_eq!(out.status.code(), Some(0), "{}{}", text(&out.stdout), text(&out.stderr));
    assert!(!text(&out.stdout).contains("system-drift"), "{}", text(&out.stdout));
}

/// The fixture's derivations (same expression, so the same store paths) plus one that no
/// cache has.
const EXPR: &str = r#"
let f = import ./fixture.nix; in {
  inherit (f) hello;
  unique = builtins.derivation {
    name = "why-unique";
    system = builtins.currentSystem;
    builder = "/bin/sh";
    args = [ "-c" "echo ${f.hello} unique > $out" ];
  };
}
"#;

#[test]
fn installables_and_builds_go_through_the_local_nix() {
    let nc = nix_cache();
    let s = Server::start(Mode::Dir(nc.signed.clone()));
    let env = env_with(&[s.url()], &[&nc.key1]);
    let expr = env.path().join("expr.nix");
    std::fs::write(&expr, EXPR).expect("write");
    std::fs::write(env.path().join("fixture.nix"), nixcache::DRV).expect("write");
    let drv = |attr: &str| {
        let out = nixenv::output(env.command("nix-instantiate").arg(&expr).args(["-A", attr]));
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout).trim().to_owned()
    };
    let (hello_drv, unique_drv) = (drv("hello"), drv("unique"));
    let dir = tempfile::tempdir().expect("temp dir");
    let cachectl = |args: &[&str]| {
        let mut cmd = env.command(env!("CARGO_BIN_EXE_cachectl"));
        nixenv::output(cmd.current_dir(dir.path()).args(args))
    };
    // The installable's own output: the fixture's `hello`, which the cache serves.
    let out = cachectl(&["--json", "why", &hello_drv]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(doc["paths"][0]["path"], nc.hello.as_str(), "{doc:#}");
    assert_eq!(doc["paths"][0]["verdict"], "downloaded");
    // --builds: Nix would fetch hello and build only why-unique, which no cache has.
    let out = cachectl(&["--json", "why", "--builds", &unique_drv]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let paths: Vec<&str> = doc["paths"].as_array().expect("paths").iter().filter_map(|p| p["path"].as_str()).collect();
    assert_eq!(paths.len(), 1, "only why-unique is built: {paths:?}");
    assert!(paths[0].ends_with("-why-unique"), "{paths:?}");
    assert_eq!(doc["paths"][0]["verdict"], "built");
    assert!(doc["paths"][0]["causes"].to_string().contains("does not have it (404)"));
    assert!(!nix_downloads(&env_with(&[s.url()], &[&nc.key1]), paths[0]), "Nix cannot download it either");
}
