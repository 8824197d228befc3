//! `cachectl fix`: golden before ⇒ after files, the real Nix evaluator as the judge of every
//! fixed fixture, idempotence, secrets, and the run's context (a host file's duplicate of
//! base.nix goes, base.nix is not touched).

#[path = "support/nixenv.rs"]
mod nixenv;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn data(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(p)
}

fn cachectl(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cachectl"))
        .current_dir(dir)
        .args(["--config", data("registry.toml").to_str().expect("utf-8 path")])
        .args(args)
        .output()
        .expect("run cachectl")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A temp dir holding a copy of `tests/data/fix/NAME` under the same name.
fn copy(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let to = dir.path().join(name);
    fs::copy(data("fix").join(name), &to).expect("copy fixture");
    (dir, to)
}

#[test]
fn golden_files_are_fixed_exactly_and_a_second_run_finds_nothing() {
    for name in ["messy.nix", "merge.nix", "nixconfig-lan.nix", "crlf.nix"] {
        let (dir, file) = copy(name);
        let out = cachectl(dir.path(), &["fix", "--isolated", name]);
        assert_eq!(out.status.code(), Some(0), "{name}: {}", text(&out.stderr));
        let want = fs::read_to_string(data("fix").join(name.replace(".nix", ".fixed"))).expect("golden");
        assert_eq!(fs::read_to_string(&file).expect("read"), want, "{name}");
        let again = cachectl(dir.path(), &["fix", "--isolated", "--diff", name]);
        assert_eq!(again.status.code(), Some(0), "{name}: second run: {}", text(&again.stdout));
        assert!(!text(&again.stdout).contains("fixable["), "{name}: {}", text(&again.stdout));
        assert_eq!(fs::read_to_string(&file).expect("read"), want, "{name}: --diff wrote");
    }
}

#[test]
fn messy_module_reports_each_fix_and_never_prints_the_secret() {
    let (dir, file) = copy("messy.nix");
    let before = fs::read(&file).expect("read");
    let diff = cachectl(dir.path(), &["fix", "--diff", "--isolated", "messy.nix"]);
    assert_eq!(diff.status.code(), Some(1), "something to fix: exit 1");
    assert_eq!(fs::read(&file).expect("read"), before, "--diff writes nothing");
    let shown = text(&diff.stdout);
    assert!(shown.contains("+  nix.settings.substituters = [") && shown.contains("-  nix.binaryCaches = ["), "{shown}");
    assert!(shown.contains("fixable[secret-key]"), "{shown}");
    let out = cachectl(dir.path(), &["fix", "messy.nix", "--isolated"]);
    let stdout = text(&out.stdout);
    for s in [&shown, &stdout, &text(&out.stderr), &text(&diff.stderr)] {
        assert!(!s.contains("AAAAAAAAAAAAAAAAAAAA"), "secret bytes printed:\n{s}");
    }
    let codes: Vec<&str> =
        stdout.lines().filter_map(|l| l.split("fixed[").nth(1)).filter_map(|r| r.split(']').next()).collect();
    assert_eq!(
        codes,
        [
            "deprecated-option",
            "insecure-http",
            "no-trusted-key",
            "no-fallback",
            "duplicate",
            "key-mismatch",
            "secret-key"
        ]
    );
    assert!(stdout.contains("rotate it"), "{stdout}");
    assert!(stdout.contains("messy.nix:5:5: fixed[insecure-http]"), "positions are the original file's: {stdout}");
    let check = cachectl(dir.path(), &["check", "--isolated", "messy.nix"]);
    assert_eq!(check.status.code(), Some(0));
    assert!(text(&check.stdout).is_empty(), "check is clean after fix: {}", text(&check.stdout));
}

#[test]
fn check_fix_is_fix_and_json_lists_fixed_and_remaining() {
    let (dir, file) = copy("nixconfig-lan.nix");
    let out = cachectl(dir.path(), &["check", "--fix", "--isolated", "nixconfig-lan.nix"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let want = fs::read_to_string(data("fix/nixconfig-lan.fixed")).expect("golden");
    assert_eq!(fs::read_to_string(&file).expect("read"), want);
    let (dir, _) = copy("nixconfig-lan.nix");
    let out = cachectl(dir.path(), &["--json", "fix", "--diff", "--isolated", "nixconfig-lan.nix"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(doc["fixed"].as_array().map(|a| a.len()), Some(1), "{doc}");
    assert_eq!(doc["fixed"][0]["code"], "no-fallback");
    assert_eq!(doc["files"][0]["written"], false);
    let remaining = doc["remaining"].as_array().expect("remaining");
    assert!(
        remaining.iter().any(|d| d["code"] == "flake-untrusted" && d["reason"].as_str().is_some_and(|r| !r.is_empty()))
    );
}

#[test]
fn a_host_file_loses_its_copy_of_base_nix_and_base_nix_is_untouched() {
    let dir = tempfile::tempdir().expect("temp dir");
    for f in ["modules/base.nix", "hosts/mimosa.nix", "hosts/lilas.nix"] {
        let to = dir.path().join(f);
        fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        fs::copy(data("fix/fleet").join(f), to).expect("copy");
    }
    let base = fs::read(dir.path().join("modules/base.nix")).expect("read");
    let lilas = fs::read(dir.path().join("hosts/lilas.nix")).expect("read");
    let out = cachectl(dir.path(), &["fix", "hosts/mimosa.nix", "hosts/lilas.nix"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let want = fs::read_to_string(data("fix/fleet/mimosa.fixed")).expect("golden");
    assert_eq!(fs::read_to_string(dir.path().join("hosts/mimosa.nix")).expect("read"), want);
    assert_eq!(fs::read(dir.path().join("modules/base.nix")).expect("read"), base, "context files are never written");
    assert_eq!(fs::read(dir.path().join("hosts/lilas.nix")).expect("read"), lilas, "lilas does not import base.nix");
}

#[test]
fn credentials_in_a_url_are_an_error_never_printed_and_add_refuses_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    let module = "{\n  nix.settings.substituters = [ \"https://alice:hunter2@cache.example.org\" ];\n}\n";
    fs::write(dir.path().join("m.nix"), module).expect("write");
    let out = cachectl(dir.path(), &["check", "--isolated", "m.nix"]);
    assert_eq!(out.status.code(), Some(1));
    let json = cachectl(dir.path(), &["--json", "check", "--isolated", "m.nix"]);
    let fix = cachectl(dir.path(), &["fix", "--isolated", "--diff", "m.nix"]);
    for o in [&out, &json, &fix] {
        let all = format!("{}{}", text(&o.stdout), text(&o.stderr));
        assert!(!all.contains("hunter2") && !all.contains("alice"), "credentials printed:\n{all}");
    }
    assert!(text(&out.stdout).contains("error[url-credentials]"), "{}", text(&out.stdout));
    assert!(text(&fix.stdout).contains("not fixable automatically"), "{}", text(&fix.stdout));
    let add = cachectl(
        dir.path(),
        &[
            "-f",
            "m.nix",
            "add",
            "https://bob:s3cret@other.example.org",
            "--key",
            "other-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs=",
        ],
    );
    assert_eq!(add.status.code(), Some(2));
    let err = text(&add.stderr);
    assert!(err.contains("netrc-file") && !err.contains("s3cret") && !err.contains("bob"), "{err}");
    assert_eq!(fs::read_to_string(dir.path().join("m.nix")).expect("read"), module, "nothing written");
    let explain = cachectl(dir.path(), &["explain", "url-credentials"]);
    assert!(text(&explain.stdout).contains("netrc-file"));
}

// ---- the real evaluator judges every fixed fixture ----

const URLS: &[&str] = &["substituters", "extra-substituters", "binaryCaches"];
const KEYS: &[&str] = &["trusted-public-keys", "extra-trusted-public-keys", "binaryCachePublicKeys"];
const PUBLISHED: &[&str] = &[
    "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=",
    "nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs=",
    "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0=",
];

fn eval(env: &nixenv::NixEnv, file: &Path) -> BTreeMap<String, Vec<String>> {
    let mut cmd = env.command("nix-instantiate");
    cmd.args(["--eval", "--strict", "--json"]).arg(data("eval-harness.nix")).arg("--arg").arg("file").arg(file);
    let out = nixenv::output(&mut cmd);
    assert!(out.status.success(), "nix could not evaluate {}:\n{}", file.display(), text(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("harness prints JSON")
}

/// What a fix may not change about a substituter: the cache (public caches may go https).
fn cache_id(u: &str) -> String {
    let base = u.split('?').next().unwrap_or(u).trim_end_matches('/').to_ascii_lowercase();
    match base.strip_prefix("http://") {
        Some(rest)
            if rest.starts_with("cache.nixos.org")
                || rest.split('/').next().is_some_and(|h| h.ends_with(".cachix.org")) =>
        {
            format!("https://{rest}")
        }
        _ => base,
    }
}

fn family(lists: &BTreeMap<String, Vec<String>>, names: &[&str]) -> Vec<String> {
    names.iter().flat_map(|n| lists.get(*n).cloned().unwrap_or_default()).collect()
}

fn is_secret(k: &str) -> bool {
    k.split_once(':').is_some_and(|(_, b)| b.trim_end_matches('=').len() >= 85)
}

#[test]
fn every_fixture_with_findings_is_fixed_and_reads_back_right_in_real_nix() {
    let env = nixenv::NixEnv::new();
    let mut fixtures: Vec<PathBuf> = Vec::new();
    for d in ["check", "modules", "fix"] {
        let entries = fs::read_dir(data(d)).expect("dir").map(|e| e.expect("entry").path());
        fixtures.extend(entries.filter(|p| p.extension().is_some_and(|e| e == "nix")));
    }
    let mut changed = 0;
    for src in &fixtures {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join(src.file_name().expect("name"));
        fs::copy(src, &file).expect("copy");
        let name = file.file_name().and_then(|n| n.to_str()).expect("utf-8");
        let before_text = fs::read_to_string(&file).expect("read");
        let out = cachectl(dir.path(), &["fix", "--isolated", name]);
        assert!(matches!(out.status.code(), Some(0 | 1)), "{name}: {}", text(&out.stderr));
        let after_text = fs::read_to_string(&file).expect("read");
        if after_text == before_text {
            assert!(!text(&out.stdout).contains("fixed["), "{name}: reported a fix but wrote nothing");
            continue;
        }
        changed += 1;
        let before = {
            let orig = dir.path().join("orig.nix");
            fs::write(&orig, &before_text).expect("write");
            eval(&env, &orig)
        };
        let after = eval(&env, &file);
        let ids = |l: &BTreeMap<String, Vec<String>>| {
            let mut v: Vec<String> = family(l, URLS).iter().map(|u| cache_id(u)).collect();
            v.sort();
            v.dedup();
            v
        };
        assert_eq!(ids(&after), ids(&before), "{name}: the caches changed:\n{after_text}");
        assert!(family(&after, URLS).len() <= family(&before, URLS).len(), "{name}: a substituter was added");
        let names = |l: &BTreeMap<String, Vec<String>>| -> Vec<String> {
            let mut v: Vec<String> = family(l, KEYS)
                .iter()
                .filter(|k| !is_secret(k))
                .filter_map(|k| k.split_once(':').map(|(n, _)| n.to_owned()))
                .collect();
            v.sort();
            v.dedup();
            v
        };
        let (nb, na) = (names(&before), names(&after));
        assert!(nb.iter().all(|n| na.contains(n)), "{name}: a key was lost: {nb:?} → {na:?}");
        for k in family(&after, KEYS) {
            assert!(!is_secret(&k), "{name}: a secret key is left");
            let published = PUBLISHED.iter().find(|p| p.split(':').next() == k.split(':').next());
            assert!(published.is_none_or(|p| *p == k), "{name}: `{k}` is not the published key");
        }
        let legacy = ["binaryCaches", "binaryCachePublicKeys", "trustedBinaryCaches"];
        assert!(legacy.iter().all(|l| after.get(*l).is_none_or(Vec::is_empty)), "{name}: a deprecated option is left");
        let again = cachectl(dir.path(), &["--json", "fix", "--isolated", "--diff", name]);
        let doc: serde_json::Value = serde_json::from_slice(&again.stdout).expect("json");
        assert_eq!(doc["fixed"], serde_json::json!([]), "{name}: a second fix finds more:\n{after_text}");
    }
    assert!(changed >= 10, "only {changed} fixtures had something to fix");
}
