//! `cachectl hosts`, `--host` edits and `hosts --eval`, on the bundled example fleet and on a
//! small flake of the tests' own that the real `nix eval` evaluates (a path input stands in
//! for nixpkgs: its `lib.nixosSystem` merges the modules' `nix.settings` lists; no network).

#[path = "support/nixenv.rs"]
mod nixenv;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("mkdir");
    for e in fs::read_dir(from).expect("read dir") {
        let p = e.expect("entry").path();
        let dest = to.join(p.file_name().expect("name"));
        if p.is_dir() { copy_dir(&p, &dest) } else { fs::copy(&p, &dest).map(|_| ()).expect("copy") }
    }
}

/// A copy of examples/ in a temp dir.
fn example() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let ex = dir.path().join("examples");
    copy_dir(&root().join("examples"), &ex);
    (dir, ex)
}

fn cachectl(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cachectl")).current_dir(dir).args(args).output().expect("run cachectl")
}

#[test]
fn example_fleet_matrix_and_json() {
    let (_d, ex) = example();
    let out = cachectl(&ex, &["hosts"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    expect_test::expect![[r#"
        cache                             mimosa  lilas  camille
        http://magnolia:5000                ✓       –       –   
        https://cache.nixos.org/            ✓       ✓       –   
        https://nix-community.cachix.org    –       –       ✓   

        http://magnolia:5000: hosts/mimosa.nix:12 (key magnolia.cache)
        https://cache.nixos.org/: modules/base.nix:15 (key cache.nixos.org-1)
        https://nix-community.cachix.org: home/camille.nix:11 (key nix-community.cachix.org-1)
    "#]]
    .assert_eq(&text(&out.stdout));
    let json = cachectl(&ex, &["hosts", "--json"]);
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    let hosts = doc["hosts"].as_array().expect("hosts");
    let names: Vec<&str> = hosts.iter().filter_map(|h| h["name"].as_str()).collect();
    assert_eq!(names, ["mimosa", "lilas", "camille"]);
    let kinds: Vec<&str> = hosts.iter().filter_map(|h| h["kind"].as_str()).collect();
    assert_eq!(kinds, ["nixos", "nixos", "home"]);
    assert_eq!(hosts[0]["files"], serde_json::json!(["hosts/mimosa.nix", "modules/base.nix"]));
    let c = &hosts[0]["caches"][0];
    for field in ["url", "key", "file", "line"] {
        assert!(!c[field].is_null(), "caches[].{field} is missing: {c}");
    }
    assert_eq!(hosts[1]["unresolved"], serde_json::json!([]));
}

#[test]
fn host_edits_go_to_the_host_own_file_and_refuse_shared_ones() {
    let (_d, ex) = example();
    let read = |p: &str| fs::read_to_string(ex.join(p)).expect("read");
    let (base, mimosa) = (read("modules/base.nix"), read("hosts/mimosa.nix"));

    // magnolia on lilas: lilas.nix gets it, nothing else changes.
    let out = cachectl(&ex, &["add", "magnolia", "--via", "lan", "--host", "lilas"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(read("hosts/lilas.nix").contains("http://192.168.1.50:5000"));
    assert_eq!(read("modules/base.nix"), base);
    assert_eq!(read("hosts/mimosa.nix"), mimosa);

    // cache.nixos.org already reaches mimosa through base.nix.
    let out = cachectl(&ex, &["add", "nixos", "--host", "mimosa"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout).trim(), "already on mimosa via modules/base.nix:15");
    assert_eq!(read("hosts/mimosa.nix"), mimosa);

    // Removing it from mimosa alone would take it from lilas too: refused, nothing written.
    let out = cachectl(&ex, &["remove", "nixos", "--host", "mimosa"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("modules/base.nix:15") && err.contains("lilas"), "{err}");
    assert_eq!(read("modules/base.nix"), base);

    // magnolia from mimosa and lilas: each host's own file.
    let out = cachectl(&ex, &["remove", "magnolia", "--host", "mimosa", "--host", "lilas"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(!read("hosts/mimosa.nix").contains("magnolia:5000") && !read("hosts/lilas.nix").contains("192.168.1.50"));
    let hosts = cachectl(&ex, &["hosts"]);
    assert!(!text(&hosts.stdout).contains("magnolia"), "{}", text(&hosts.stdout));

    let out = cachectl(&ex, &["add", "magnolia", "--host", "nosuch"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("hosts: mimosa, lilas, camille"));
}

const STUB_LIB: &str = r#"{
  outputs = _: {
    lib.nixosSystem = { modules, ... }:
      let
        load = m:
          let v0 = if builtins.isPath m then import m else m;
              v = if builtins.isFunction v0 then v0 { } else v0;
          in [ v ] ++ builtins.concatMap load (v.imports or [ ]);
        all = builtins.concatMap load modules;
        get = n: builtins.concatMap (m: (m.nix or { }).settings.${n} or [ ]) all;
      in { config.nix.settings = { substituters = get "substituters"; trusted-public-keys = get "trusted-public-keys"; }; };
  };
}"#;

#[test]
fn eval_asks_real_nix_and_reports_each_difference_per_host() {
    let env = nixenv::NixEnv::new();
    let dir = tempfile::tempdir().expect("temp dir");
    let lib = dir.path().join("lib");
    let fleet = dir.path().join("fleet");
    fs::create_dir_all(&lib).expect("mkdir");
    fs::create_dir_all(fleet.join("hosts")).expect("mkdir");
    fs::write(lib.join("flake.nix"), STUB_LIB).expect("write");
    let flake = format!(
        "{{\n  inputs.nixpkgs.url = \"path:{}\";\n  outputs = {{ self, nixpkgs }}: {{\n    nixosConfigurations.a = nixpkgs.lib.nixosSystem {{ modules = [ ./hosts/a.nix ./base.nix ]; }};\n    nixosConfigurations.b = nixpkgs.lib.nixosSystem {{ modules = [ ./hosts/b.nix ./base.nix ]; }};\n    nixosConfigurations.c = nixpkgs.lib.nixosSystem {{ modules = [ (throw \"c is broken\") ]; }};\n    darwinConfigurations = builtins.listToAttrs [ {{ name = \"d\"; value = nixpkgs.lib.nixosSystem {{ modules = [ ./hosts/a.nix ]; }}; }} ];\n  }};\n}}\n",
        lib.display()
    );
    fs::write(fleet.join("flake.nix"), flake).expect("write");
    fs::write(
        fleet.join("base.nix"),
        "{ nix.settings.trusted-public-keys = [ \"a-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs=\" ]; }",
    )
    .expect("write");
    fs::write(fleet.join("hosts/a.nix"), "{ nix.settings.substituters = [ \"http://127.0.0.1:5000\" ]; }")
        .expect("write");
    fs::write(
        fleet.join("hosts/b.nix"),
        "{ nix.settings.substituters = [ \"https://a.example.org\" ] ++ builtins.map (x: \"https://\" + x) [ \"b.example.org\" ]; }",
    )
    .expect("write");
    let mut cmd = env.command(env!("CARGO_BIN_EXE_cachectl"));
    let out = nixenv::output(cmd.current_dir(&fleet).args(["hosts", "--eval"]));
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "c cannot be evaluated: {stdout}{}", text(&out.stderr));
    assert!(stdout.contains("a: nix eval agrees"), "{stdout}");
    assert!(stdout.contains("b: substituter https://b.example.org is only in nix eval"), "{stdout}");
    assert!(stdout.contains("c: error: nix eval failed") && stdout.contains("c is broken"), "{stdout}");
    // d is computed (`listToAttrs`): Nix names it, and its cache is all Nix's.
    assert!(stdout.contains("d: unresolved: flake.nix:1: found by nix eval only"), "{stdout}");
    assert!(stdout.contains("d: substituter http://127.0.0.1:5000 is only in nix eval"), "{stdout}");
    assert!(!stdout.contains("(darwinConfigurations)"), "the placeholder is replaced: {stdout}");
    let mut cmd = env.command(env!("CARGO_BIN_EXE_cachectl"));
    let out = nixenv::output(cmd.current_dir(&fleet).args(["--json", "hosts", "--eval"]));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(doc["hosts"][0]["eval"]["differences"], serde_json::json!([]));
    assert_eq!(doc["hosts"][1]["eval"]["differences"][0]["side"], "eval-only");
    assert!(doc["hosts"][2]["eval"]["error"].as_str().is_some_and(|e| e.contains("c is broken")));
    // check --eval: the same verdicts after the findings, and the worst exit status.
    let mut cmd = env.command(env!("CARGO_BIN_EXE_cachectl"));
    let out = nixenv::output(cmd.current_dir(&fleet).args(["check", "--eval", "hosts/a.nix"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stdout).contains("b: substituter https://b.example.org is only in nix eval"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn check_pairs_keys_and_judges_fallback_per_host() {
    let (_d, ex) = example();
    // A LAN cache in base.nix: every host gets it, only mimosa trusts its key and sets the
    // fallback settings. The whole-repository reading finds both in mimosa's file.
    let base = fs::read_to_string(ex.join("modules/base.nix")).expect("read");
    let base = base.replace(
        "\"https://cache.nixos.org/\" # le cache officiel",
        "\"https://cache.nixos.org/\" # le cache officiel\n      \"http://192.168.1.50:5000\"",
    );
    fs::write(ex.join("modules/base.nix"), base).expect("write");
    let out = cachectl(&ex, &["check", "modules/base.nix"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "warnings only: {stdout}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(
        lines[0].starts_with("modules/base.nix:16:7: warning[host-drift]:") && lines[0].contains("reaches lilas"),
        "{stdout}"
    );
    assert!(
        lines[1].starts_with("modules/base.nix:16:7: warning[no-fallback]:") && lines[1].contains("lilas sets no"),
        "{stdout}"
    );
    // --isolated reads no flake: the per-host findings need the hosts.
    let out = cachectl(&ex, &["check", "--isolated", "modules/base.nix"]);
    assert!(!text(&out.stdout).contains("host-drift"), "{}", text(&out.stdout));
    let explain = cachectl(&ex, &["explain", "host-drift"]);
    assert!(text(&explain.stdout).contains("cachectl hosts"));
}

#[test]
fn export_and_coverage_take_a_host() {
    let (_d, ex) = example();
    let out = cachectl(&ex, &["export", "--host", "mimosa", "--include-unreachable"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let conf = text(&out.stdout);
    assert!(conf.contains("substituters = http://magnolia:5000 https://cache.nixos.org/"), "{conf}");
    assert!(conf.contains("magnolia.cache:") && conf.contains("cache.nixos.org-1:"), "{conf}");
    let out = cachectl(&ex, &["export", "--host", "lilas"]);
    assert!(!text(&out.stdout).contains("magnolia"), "{}", text(&out.stdout));
    let out = cachectl(&ex, &["coverage", "--host", "nosuch"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no host `nosuch`"), "{}", text(&out.stderr));
}
