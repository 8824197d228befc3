//! Crash safety and racing writers, on the built binary.
//!
//! - `cachectl add` and `remove` are killed with SIGKILL at random moments, many times:
//!   each time the file must be exactly the old version or exactly the complete new one.
//!   The delays are drawn from a seeded generator (`CACHECTL_CRASH_SEED`, `CACHECTL_CRASH_RUNS`
//!   for longer runs), spread over the time a whole run takes, so kills land before the
//!   read, during planning, between the temporary file and the rename, and after.
//! - Rounds of 16 processes started at once on one file, each adding a different cache (and
//!   a mixed round of adds and removes): every change lands, the file stays valid, and no
//!   temporary file is left.

#![allow(clippy::print_stderr)] // the kill statistics show that the window was hit

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use cachectl::keys::encode_b64;

const BASE: &str = "{ lib, ... }:\n{\n  nix.settings = {\n    substituters = [\n      \"https://cache.nixos.org\"\n    ];\n    trusted-public-keys = [\n      \"cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=\"\n    ];\n  };\n}\n";

fn data(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(p)
}

fn cachectl(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cachectl"));
    cmd.current_dir(dir)
        .args(["--config", data("registry.toml").to_str().expect("utf-8 path"), "--file", "base.nix"])
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    cmd
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok()).unwrap_or(default)
}

/// SplitMix64: reproducible kill delays.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

fn key(name: &str, seed: u8) -> String {
    let sk = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
    format!("{name}:{}", encode_b64(sk.verifying_key().as_bytes()))
}

/// Files in `dir` other than `base.nix`.
fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("read dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "base.nix")
        .collect()
}

/// One operation to interrupt: the file before it, the file it writes when it completes,
/// and how long a complete run took.
struct Case {
    name: &'static str,
    args: &'static [&'static str],
    old: String,
    new: String,
    took: Duration,
}

/// Runs the operation to completion on a scratch copy: that is "the complete new version".
fn complete(args: &[&str], old: &str) -> (String, Duration) {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("base.nix"), old).expect("write");
    let start = Instant::now();
    let out = cachectl(dir.path(), args).output().expect("run cachectl");
    let took = start.elapsed();
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    let new = std::fs::read_to_string(dir.path().join("base.nix")).expect("read");
    assert_ne!(new, old, "{args:?} must change the file");
    (new, took)
}

fn cases() -> Vec<Case> {
    // A larger file makes the write itself take a while: kills then land mid-write too.
    let padding: String = (0..3_000).map(|i| format!("  # padding line {i} with some words to copy\n")).collect();
    let big = BASE.replacen("{\n  nix.settings", &format!("{{\n{padding}  nix.settings"), 1);
    let with_mag = complete(&["add", "magnolia"], BASE).0;
    let mut out = Vec::new();
    for (name, args, old) in [
        ("add", &["add", "magnolia"][..], BASE.to_owned()),
        ("add to a large file", &["add", "magnolia"][..], big),
        ("remove", &["remove", "magnolia"][..], with_mag),
    ] {
        let (new, took) = complete(args, &old);
        out.push(Case { name, args, old, new, took });
    }
    out
}

#[test]
fn sigkill_at_any_moment_leaves_the_old_or_the_complete_new_file() {
    let cases = cases();
    let runs = env_u64("CACHECTL_CRASH_RUNS", 210);
    let mut rng = Rng(env_u64("CACHECTL_CRASH_SEED", 0x6b69_6c6c));
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("base.nix");
    let (mut old_seen, mut new_seen, mut temps_left) = (0, 0, 0);
    for run in 0..runs {
        let case = &cases[(run % cases.len() as u64) as usize];
        std::fs::write(&file, &case.old).expect("reset the file");
        // From 0 to 1.2 times what a complete run of this case took.
        let span = u64::try_from(case.took.as_micros()).unwrap_or(u64::MAX).saturating_mul(6) / 5 + 1;
        let delay = Duration::from_micros(rng.next() % span);
        let mut child: Child = cachectl(dir.path(), case.args).spawn().expect("spawn cachectl");
        std::thread::sleep(delay);
        let _ = child.kill(); // SIGKILL; an error means it had already exited
        let status = child.wait().expect("wait");
        let now = std::fs::read_to_string(&file).expect("the file is still there and UTF-8");
        if now == case.old {
            old_seen += 1;
        } else if now == case.new {
            new_seen += 1;
        } else {
            panic!(
                "{} killed after {delay:?} ({status}): the file is neither the old nor the new version:\n{now}",
                case.name
            );
        }
        // A kill between creating the temporary file and renaming it leaves the temporary
        // file behind: hidden, next to the file, and never the file itself.
        for name in leftovers(dir.path()) {
            assert!(name.starts_with(".base.nix.cachectl-") && name.ends_with(".tmp"), "unexpected file {name}");
            temps_left += 1;
            std::fs::remove_file(dir.path().join(&name)).expect("remove temp file");
        }
    }
    let took: Vec<String> = cases.iter().map(|c| format!("{} {:?}", c.name, c.took)).collect();
    eprintln!(
        "crash: {runs} kills (complete runs: {}): {old_seen} left the old file, {new_seen} the new one, {temps_left} left a temporary file",
        took.join(", ")
    );
    assert!(old_seen > 0 && new_seen > 0, "the kills never landed on both sides of the write");
    // The file is intact and cachectl works on it after all of that.
    std::fs::write(&file, BASE).expect("reset");
    let out = cachectl(dir.path(), &["add", "magnolia"]).output().expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}

/// Starts all commands at once and waits for them; each must succeed.
fn race(dir: &Path, commands: Vec<Vec<String>>) {
    let children: Vec<(Vec<String>, Child)> = commands
        .into_iter()
        .map(|args| {
            let refs: Vec<&str> = args.iter().map(String::as_str).collect();
            let child = cachectl(dir, &refs).spawn().expect("spawn");
            (args, child)
        })
        .collect();
    for (args, child) in children {
        let out = child.wait_with_output().expect("wait");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
}

fn url(i: u8) -> String {
    format!("https://race{i}.cachix.org")
}

fn race_key(i: u8) -> String {
    key(&format!("race{i}.cachix.org-1"), i)
}

/// The URLs and keys the file's lists hold, as cachectl's reader sees them.
fn lists(text: &str) -> (Vec<String>, Vec<String>) {
    let model = cachectl::nix::locate(text).expect("the file parses");
    let (mut urls, mut keys) = (Vec::new(), Vec::new());
    for l in model.sites.iter().flat_map(|s| s.lists.iter()) {
        let vals = l.elements().iter().filter_map(|e| e.value.as_str().map(str::to_owned));
        if l.kind.is_substituters() {
            urls.extend(vals);
        } else if l.kind.is_keys() {
            keys.extend(vals);
        }
    }
    urls.sort();
    keys.sort();
    (urls, keys)
}

#[test]
fn racing_writers_lose_no_update_round_after_round() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("base.nix");
    std::fs::write(&file, BASE).expect("write");
    let mut want_urls = vec!["https://cache.nixos.org".to_owned()];
    let mut want_keys = vec!["cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=".to_owned()];
    // Four rounds of 16 adds, each cache different.
    for round in 0..4u8 {
        let ids: Vec<u8> = (1..=16).map(|k| round * 16 + k).collect();
        race(
            dir.path(),
            ids.iter()
                .map(|&i| vec!["add".to_owned(), url(i), "--key".to_owned(), race_key(i), "--offline".to_owned()])
                .collect(),
        );
        want_urls.extend(ids.iter().map(|&i| url(i)));
        want_keys.extend(ids.iter().map(|&i| race_key(i)));
        want_urls.sort();
        want_keys.sort();
        let text = std::fs::read_to_string(&file).expect("read");
        assert_eq!(lists(&text), (want_urls.clone(), want_keys.clone()), "after round {round}:\n{text}");
        assert!(leftovers(dir.path()).is_empty(), "round {round} left {:?}", leftovers(dir.path()));
    }
    // A mixed round: 8 removes of caches added above and 8 new adds, all at once.
    let gone: Vec<u8> = (1..=8).map(|k| k * 7).collect();
    let added: Vec<u8> = (65..=72).collect();
    let mut cmds: Vec<Vec<String>> = gone.iter().map(|&i| vec!["remove".to_owned(), url(i)]).collect();
    cmds.extend(
        added.iter().map(|&i| vec!["add".to_owned(), url(i), "--key".to_owned(), race_key(i), "--offline".to_owned()]),
    );
    race(dir.path(), cmds);
    want_urls.retain(|u| !gone.iter().any(|&i| *u == url(i)));
    want_keys.retain(|k| !gone.iter().any(|&i| *k == race_key(i)));
    want_urls.extend(added.iter().map(|&i| url(i)));
    want_keys.extend(added.iter().map(|&i| race_key(i)));
    want_urls.sort();
    want_keys.sort();
    let text = std::fs::read_to_string(&file).expect("read");
    assert_eq!(lists(&text), (want_urls, want_keys), "after the mixed round:\n{text}");
    assert!(leftovers(dir.path()).is_empty(), "the mixed round left {:?}", leftovers(dir.path()));
}
