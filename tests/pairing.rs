//! Key ↔ cache pairing end to end: the built binary checks one fixture per naming
//! convention (tests/data/pairing/pairs, and registry/ with its cachectl.toml) and must not
//! warn `no-trusted-key` or `unused-key` (machine keys may be `info`); the near misses in
//! warns/ must still warn.
//!
//! The fixtures are written for these tests (fresh keys from `nix-store
//! --generate-binary-cache-key`), each one after a convention seen in real configurations.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use expect_test::expect;

const CODES: [&str; 2] = ["[no-trusted-key]", "[unused-key]"];

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/pairing")
}

/// Copies `sub` of the fixtures into a temp dir, so that paths in the output are relative
/// and no cachectl.toml of a parent directory is found.
fn workdir(sub: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for entry in std::fs::read_dir(fixtures().join(sub)).expect("read fixtures") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).expect("copy");
    }
    dir
}

fn check(dir: &Path, files: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cachectl"))
        .current_dir(dir)
        .arg("check")
        .args(files)
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("run cachectl")
}

/// The `no-trusted-key` / `unused-key` lines of a run.
fn pairing_lines(out: &Output) -> Vec<String> {
    let stdout = String::from_utf8_lossy(&out.stdout);
    stdout.lines().filter(|l| CODES.iter().any(|c| l.contains(c))).map(str::to_owned).collect()
}

fn nix_files(dir: &Path) -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".nix"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_convention_pairs_its_fixture() {
    let dir = workdir("pairs");
    let files = nix_files(dir.path());
    assert!(files.len() >= 9, "{files:?}");
    for file in &files {
        let out = check(dir.path(), &[file]);
        assert_eq!(out.status.code(), Some(0), "{file}: {}", String::from_utf8_lossy(&out.stderr));
        let warnings: Vec<String> = pairing_lines(&out).into_iter().filter(|l| l.contains(": warning[")).collect();
        assert_eq!(warnings, Vec::<String>::new(), "{file}");
        // Each fixture does set caches: the silence is not that of an empty file.
        let list = Command::new(env!("CARGO_BIN_EXE_cachectl"))
            .current_dir(dir.path())
            .args(["--json", "list", "-f", file])
            .output()
            .expect("run list");
        assert!(String::from_utf8_lossy(&list.stdout).contains("\"url\": \"http"), "{file}");
    }
}

#[test]
fn a_lan_address_pairs_through_a_registry_route_only() {
    let dir = workdir("registry");
    assert_eq!(pairing_lines(&check(dir.path(), &["lan.nix"])), Vec::<String>::new());
    std::fs::remove_file(dir.path().join("cachectl.toml")).expect("rm registry");
    assert_eq!(pairing_lines(&check(dir.path(), &["lan.nix"])).len(), 2);
}

#[test]
fn near_misses_still_warn() {
    let dir = workdir("warns");
    // One run per file, so that no fixture pairs with another's keys.
    let lines: Vec<String> =
        nix_files(dir.path()).iter().flat_map(|f| pairing_lines(&check(dir.path(), &[f]))).collect();
    expect![[r#"
        lan-address.nix:4:22: info[no-trusted-key]: no trusted key pairs with `http://192.168.7.20:5000` by name; `lilas.cache`, in the same block, pairs with no substituter either and may sign it (`cachectl check --online` tells; a cachectl.toml route pairs them)
        lan-address.nix:5:29: info[unused-key]: key `lilas.cache` pairs with no substituter by name; `http://192.168.7.20:5000`, in the same block, pairs with no key either and may be signed by it (`cachectl check --online` tells; a cachectl.toml route pairs them)
        leftover.nix:8:29: warning[unused-key]: key `tilleul.cachix.org-1` pairs with no substituter in the files checked: remove it if its cache is gone (fine if it signs a mirror or a cache set elsewhere)
        near-misses.keys.nix:4:5: info[unused-key]: key `main` pairs with no substituter in the files checked: fine if it is a machine's signing key (nix copy, remote builds, deploys); remove it if its machine or cache is gone
        near-misses.keys.nix:5:5: warning[unused-key]: key `cache.potager.co.uk-1` pairs with no substituter in the files checked: remove it if its cache is gone (fine if it signs a mirror or a cache set elsewhere)
        near-misses.keys.nix:6:5: warning[unused-key]: key `cerisier.tail2222.ts.net-1` pairs with no substituter in the files checked: remove it if its cache is gone (fine if it signs a mirror or a cache set elsewhere)
        near-misses.urls.nix:5:5: warning[no-trusted-key]: no trusted key pairs with `https://attic.jardin.dev/oss`: Nix rejects its unsigned paths; add its public key to trusted-public-keys (a mirror signed by another key is fine)
        near-misses.urls.nix:6:5: warning[no-trusted-key]: no trusted key pairs with `https://cache.verger.co.uk`: Nix rejects its unsigned paths; add its public key to trusted-public-keys (a mirror signed by another key is fine)
        near-misses.urls.nix:7:5: info[no-trusted-key]: no trusted key pairs with `https://pommier.tail1111.ts.net` by name; a cache on a private network is often a pull-through proxy or router whose paths carry the upstream's signature (`cachectl check --online` tells; otherwise add its key, or a cachectl.toml route)
        shared-hosting.nix:3:33: warning[no-trusted-key]: no trusted key pairs with `https://personne.cachix.org`: Nix rejects its unsigned paths; add its public key to trusted-public-keys (a mirror signed by another key is fine)
        shared-hosting.nix:4:40: warning[unused-key]: key `lilas.cachix.org-1` pairs with no substituter in the files checked: remove it if its cache is gone (fine if it signs a mirror or a cache set elsewhere)"#]].assert_eq(&lines.join("\n"));
}
