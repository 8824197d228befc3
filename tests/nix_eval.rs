//! The real Nix evaluator judges every file cachectl writes.
//!
//! Each golden module in `tests/data/modules/` is edited by the built binary in a temp dir
//! (add by name, add by route, add a bare URL with --key, remove), then both versions are
//! evaluated with `nix-instantiate --eval` through `tests/data/eval-harness.nix`, and the
//! lists Nix sees must be the old lists plus (or minus) exactly the cache in question.
//! The shapes of `tests/data/shapes/` (vars files, functions returning settings, lists
//! interpolated into nix.conf text, Determinate's `customSettings`) are judged the same way
//! through `tests/data/eval-shapes.nix`, which reads each the way its consumer does.

#[path = "support/nixenv.rs"]
mod nixenv;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const MAG_TS: &str = "http://magnolia:5000";
const MAG_LAN: &str = "http://192.168.1.50:5000";
const MAG_KEY: &str = "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0=";
const HYP_URL: &str = "https://hyprland.cachix.org";
const HYP_KEY: &str = "hyprland.cachix.org-1:a7pgxzMz7+chwVL3/pzj6jIBMioiJM7ypFP8PwtkuGc=";
const NC_URL: &str = "https://nix-community.cachix.org";
const NIXOS_URL: &str = "https://cache.nixos.org";

const URL_LISTS: &[&str] = &["substituters", "extra-substituters", "binaryCaches"];
const KEY_LISTS: &[&str] = &["trusted-public-keys", "extra-trusted-public-keys", "binaryCachePublicKeys"];

fn data(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(p)
}

/// Every list the module sets, as real Nix evaluates it.
fn eval(env: &nixenv::NixEnv, file: &Path) -> BTreeMap<String, Vec<String>> {
    harness(env, "eval-harness.nix", &[("file", file)])
}

/// `nix-instantiate --eval --strict --json HARNESS --arg NAME PATH…`, as JSON lists.
fn harness(env: &nixenv::NixEnv, harness: &str, args: &[(&str, &Path)]) -> BTreeMap<String, Vec<String>> {
    let mut cmd = env.command("nix-instantiate");
    cmd.args(["--eval", "--strict", "--json"]).arg(data(harness));
    for (name, path) in args {
        cmd.arg("--arg").arg(name).arg(path);
    }
    let out = nixenv::output(&mut cmd);
    let file = args.first().map_or(Path::new(""), |(_, p)| *p);
    assert!(
        out.status.success(),
        "nix could not evaluate {}:\n{}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("harness prints JSON")
}

fn norm(u: &str) -> String {
    u.split('?').next().unwrap_or(u).trim_end_matches('/').to_ascii_lowercase()
}

fn family(lists: &BTreeMap<String, Vec<String>>, names: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = names.iter().flat_map(|n| lists.get(*n).cloned().unwrap_or_default()).collect();
    v.sort();
    v
}

fn cachectl(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_cachectl"))
        .current_dir(dir)
        .args(["--config", data("registry.toml").to_str().expect("utf-8 path")])
        .args(args)
        .output()
        .expect("run cachectl")
}

enum Expect {
    Add { url: &'static str, key: &'static str, routes: &'static [&'static str] },
    Remove { urls: &'static [&'static str], key_prefix: &'static str },
}

const OPS: &[(&[&str], Expect)] = &[
    (&["add", "magnolia"], Expect::Add { url: MAG_TS, key: MAG_KEY, routes: &[MAG_TS, MAG_LAN] }),
    (&["add", "magnolia", "--via", "lan"], Expect::Add { url: MAG_LAN, key: MAG_KEY, routes: &[MAG_TS, MAG_LAN] }),
    (&["add", HYP_URL, "--key", HYP_KEY, "--offline"], Expect::Add { url: HYP_URL, key: HYP_KEY, routes: &[HYP_URL] }),
    (&["remove", "nix-community"], Expect::Remove { urls: &[NC_URL], key_prefix: "nix-community.cachix.org-1:" }),
    (&["remove", "nixos"], Expect::Remove { urls: &[NIXOS_URL], key_prefix: "cache.nixos.org-1:" }),
];

fn check_add(
    before: &BTreeMap<String, Vec<String>>,
    after: &BTreeMap<String, Vec<String>>,
    url: &str,
    key: &str,
    routes: &[&str],
) -> Result<(), String> {
    let (bu, au) = (family(before, URL_LISTS), family(after, URL_LISTS));
    let routes: Vec<String> = routes.iter().map(|r| norm(r)).collect();
    let had = bu.iter().any(|u| routes.contains(&norm(u)));
    let mut want: Vec<String> =
        bu.iter().filter(|u| !routes.contains(&norm(u)) || norm(u) == norm(url)).cloned().collect();
    let kept_route = bu.iter().any(|u| norm(u) == norm(url));
    let replaced: Vec<&String> = bu.iter().filter(|u| routes.contains(&norm(u)) && norm(u) != norm(url)).collect();
    if !kept_route {
        // A new URL, or another route replaced in place (its store parameters kept).
        match replaced.first() {
            Some(old) => want.push(match old.split_once('?') {
                Some((_, p)) => format!("{url}?{p}"),
                None => url.to_owned(),
            }),
            None => want.push(url.to_owned()),
        }
        want.extend(replaced.iter().skip(1).map(|s| s.to_string()));
    }
    want.sort();
    let _ = had;
    if au != want {
        return Err(format!("substituters: expected {want:?}, nix sees {au:?}"));
    }
    let (bk, ak) = (family(before, KEY_LISTS), family(after, KEY_LISTS));
    let mut want_k = bk.clone();
    if !bk.iter().any(|k| k == key) {
        want_k.push(key.to_owned());
    }
    want_k.sort();
    if ak != want_k {
        return Err(format!("keys: expected {want_k:?}, nix sees {ak:?}"));
    }
    Ok(())
}

fn check_remove(
    before: &BTreeMap<String, Vec<String>>,
    after: &BTreeMap<String, Vec<String>>,
    urls: &[&str],
    key_prefix: &str,
) -> Result<(), String> {
    let gone: Vec<String> = urls.iter().map(|u| norm(u)).collect();
    let want: Vec<String> = family(before, URL_LISTS).into_iter().filter(|u| !gone.contains(&norm(u))).collect();
    let got = family(after, URL_LISTS);
    if got != want {
        return Err(format!("substituters: expected {want:?}, nix sees {got:?}"));
    }
    let want_k: Vec<String> = family(before, KEY_LISTS).into_iter().filter(|k| !k.starts_with(key_prefix)).collect();
    let got_k = family(after, KEY_LISTS);
    if got_k != want_k {
        return Err(format!("keys: expected {want_k:?}, nix sees {got_k:?}"));
    }
    Ok(())
}

#[test]
fn every_edit_of_every_golden_module_reads_back_right_in_real_nix() {
    let env = nixenv::NixEnv::new();
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(data("modules")).expect("modules dir").map(|e| e.expect("entry").path()).collect();
    files.sort();
    assert!(files.len() >= 20, "the golden modules are missing");
    let mut failures = Vec::new();
    let mut edits = 0;
    for file in &files {
        let name = file.file_name().and_then(|n| n.to_str()).expect("name").to_owned();
        let original = std::fs::read(file).expect("read module");
        for (args, expect) in OPS {
            let dir = tempfile::tempdir().expect("tempdir");
            let target = dir.path().join(&name);
            std::fs::write(&target, &original).expect("copy module");
            let before = eval(&env, &target);
            let mut full: Vec<&str> = vec!["--file", &name];
            full.extend_from_slice(args);
            let out = cachectl(dir.path(), &full);
            let label = format!("{name}: cachectl {}", args.join(" "));
            if out.status.code() != Some(0) {
                failures.push(format!(
                    "{label}: exit {:?}: {}",
                    out.status.code(),
                    String::from_utf8_lossy(&out.stderr)
                ));
                continue;
            }
            let after = eval(&env, &target);
            let verdict = match expect {
                Expect::Add { url, key, routes } => check_add(&before, &after, url, key, routes),
                Expect::Remove { urls, key_prefix } => check_remove(&before, &after, urls, key_prefix),
            };
            if let Err(e) = verdict {
                failures.push(format!("{label}: {e}\n{}", std::fs::read_to_string(&target).unwrap_or_default()));
            }
            if std::fs::read(&target).expect("read") != original {
                edits += 1;
            }
            // Idempotent: the same command again changes nothing.
            let written = std::fs::read(&target).expect("read");
            let again = cachectl(dir.path(), &full);
            assert_eq!(again.status.code(), Some(0), "{label} (second run)");
            if std::fs::read(&target).expect("read") != written {
                failures.push(format!("{label}: not idempotent"));
            }
            let leftovers: Vec<_> =
                std::fs::read_dir(dir.path()).expect("dir").filter_map(|e| e.ok()).map(|e| e.file_name()).collect();
            assert_eq!(leftovers.len(), 1, "{label}: temp files left behind: {leftovers:?}");
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n\n"));
    assert!(edits > files.len() * 2, "too few edits happened ({edits}): the cases are not testing anything");
}

/// The shapes beyond `nix.settings` (issue #11): each fixture says on its first line how
/// its lists are consumed (`# eval: EXPR`), and real Nix reads them back before and after.
fn eval_shape(env: &nixenv::NixEnv, file: &Path, reader: &Path) -> BTreeMap<String, Vec<String>> {
    harness(env, "eval-shapes.nix", &[("file", file), ("reader", reader)])
}

#[test]
fn every_edit_of_every_shape_reads_back_right_in_real_nix() {
    let env = nixenv::NixEnv::new();
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(data("shapes")).expect("shapes dir").map(|e| e.expect("entry").path()).collect();
    files.sort();
    assert!(files.len() >= 10, "the shape fixtures are missing");
    let (mut failures, mut edits, mut refusals) = (Vec::new(), 0, 0);
    for file in &files {
        let name = file.file_name().and_then(|n| n.to_str()).expect("name").to_owned();
        let original = std::fs::read_to_string(file).expect("read shape");
        let expr = original.lines().next().and_then(|l| l.strip_prefix("# eval: ")).expect("`# eval:` header");
        for (args, expect) in OPS {
            let dir = tempfile::tempdir().expect("tempdir");
            let (target, reader) = (dir.path().join(&name), dir.path().join("reader.nix"));
            std::fs::write(&target, &original).expect("copy shape");
            std::fs::write(&reader, format!("{{ m, call, conf, lib }}: {expr}\n")).expect("reader");
            let before = eval_shape(&env, &target, &reader);
            let mut full: Vec<&str> = vec!["--file", &name];
            full.extend_from_slice(args);
            let out = cachectl(dir.path(), &full);
            let label = format!("{name}: cachectl {}", args.join(" "));
            let stderr = String::from_utf8_lossy(&out.stderr);
            let unchanged = std::fs::read_to_string(&target).expect("read") == original;
            // A cache that is (also) literal nix.conf text is refused with its lines.
            if out.status.code() == Some(2) && stderr.contains("where cachectl cannot edit") && unchanged {
                refusals += 1;
                continue;
            }
            if out.status.code() != Some(0) {
                failures.push(format!("{label}: exit {:?}: {stderr}", out.status.code()));
                continue;
            }
            let after = eval_shape(&env, &target, &reader);
            let verdict = match expect {
                Expect::Add { url, key, routes } => check_add(&before, &after, url, key, routes),
                Expect::Remove { urls, key_prefix } => check_remove(&before, &after, urls, key_prefix),
            };
            if let Err(e) = verdict {
                failures.push(format!("{label}: {e}\n{}", std::fs::read_to_string(&target).unwrap_or_default()));
            }
            edits += usize::from(std::fs::read_to_string(&target).expect("read") != original);
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n\n"));
    assert!(edits > files.len() * 2, "too few edits happened ({edits}): the cases are not testing anything");
    assert!(refusals <= 2, "{refusals} refusals: the shapes are meant to be editable");
}
