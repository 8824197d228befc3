//! Mutation fuzzing of the editor: real module shapes, mutated, edited, checked.
//!
//! The seeds are the golden modules (`tests/data/modules/`), the refused shapes
//! (`tests/data/refuse/`) and `tests/data/fuzz/corpus/*.input` (odd shapes the golden
//! modules lack: CR or mixed line ends, a BOM, tabs, one long line, deep nesting). Each mutant gets one to four random
//! changes (comments, tabs, CRLF, joined lines, block comments, deleted and inserted bytes,
//! unicode, spliced lines, rewritten cache strings; see `fuzz/oracle.rs`), then every
//! operation of `oracle::ops()` runs on it and must keep every property listed there.
//!
//! Budgets (environment variables, defaults for CI):
//! - `CACHECTL_FUZZ_CASES` mutants (default 1000), from `CACHECTL_FUZZ_SEED` (fixed by
//!   default, so CI is reproducible; `scripts/fuzz` picks a random one);
//! - `CACHECTL_FUZZ_NIX_SAMPLES` edits checked with `nix-instantiate --eval` (default 30).
//!
//! A failure is minimised and written to `$CARGO_TARGET_TMPDIR/fuzz-failures/`; copy it to
//! `tests/data/fuzz/regressions/` with a note once understood.

#![allow(clippy::print_stderr)] // the fuzz statistics are the point of a long run

#[path = "support/nixenv.rs"]
mod nixenv;
#[path = "../fuzz/oracle.rs"]
mod oracle;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use oracle::{Answer, NamedOp, Rng};

const DEFAULT_SEED: u64 = 0x6361_6368_6563_746c;

fn data(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(p)
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok()).unwrap_or(default)
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> =
        std::fs::read_dir(dir).map(|rd| rd.filter_map(|e| e.ok()).map(|e| e.path()).collect()).unwrap_or_default();
    // `.input` files are fuzz cases: exact bytes, often not valid Nix (so not `.nix`, which
    // tests/nix_files.rs parses).
    v.retain(|p| p.extension().is_some_and(|e| e == "nix" || e == "broken" || e == "input"));
    v.sort();
    v
}

/// The seed corpus: name and text.
fn seeds() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for dir in ["modules", "refuse", "fuzz/corpus"] {
        for p in files_in(&data(dir)) {
            let text = std::fs::read_to_string(&p).expect("seed is UTF-8");
            out.push((format!("{dir}/{}", p.file_name().and_then(|n| n.to_str()).unwrap_or("?")), text));
        }
    }
    assert!(out.len() >= 25, "the seed corpus is missing: {}", out.len());
    out
}

/// `count` mutants from `seed`: (seed file, mutant text).
fn mutants(seed: u64, count: u64) -> Vec<(String, String)> {
    let corpus = seeds();
    let donors: Vec<String> = corpus.iter().map(|(_, t)| t.clone()).collect();
    let mut rng = Rng::new(seed);
    (0..count)
        .map(|_| {
            let (name, text) = &corpus[rng.below(corpus.len())];
            (name.clone(), oracle::mutate(text, &mut rng, &donors))
        })
        .collect()
}

/// Minimises a failing case and writes it where a developer can pick it up.
fn report(text: &str, op: &NamedOp, why: &str) -> String {
    let small = oracle::minimize(text, &op.op);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-failures");
    let _ = std::fs::create_dir_all(&dir);
    let hash = small.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    let file = dir.join(format!("{}-{hash:016x}.input", op.name.replace([' ', '-'], "_")));
    let _ = std::fs::write(&file, &small);
    let why_small = match oracle::check(&small, &op.op) {
        Err(e) | Ok(Answer::Refused { message: e, .. }) => e,
        _ => why.to_owned(),
    };
    format!("`cachectl {}` on {} ({why_small}):\n{small:?}", op.cli.join(" "), file.display())
}

#[derive(Default, Debug)]
struct Stats {
    edited: u64,
    unchanged: u64,
    refused: u64,
    internal: u64,
}

#[test]
fn seeds_keep_every_property() {
    let mut failures = Vec::new();
    for (name, text) in seeds() {
        for op in oracle::ops() {
            match oracle::check(&text, &op.op) {
                Ok(Answer::Refused { internal: true, message }) => {
                    failures.push(format!("{name}: {}: {message}", op.name))
                }
                Ok(_) => {}
                Err(why) => failures.push(format!("{name}: {}: {why}", op.name)),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn mutants_never_break_an_edit_property() {
    let seed = env_u64("CACHECTL_FUZZ_SEED", DEFAULT_SEED);
    let cases = env_u64("CACHECTL_FUZZ_CASES", 1000);
    let ops = oracle::ops();
    let mut stats = Stats::default();
    let mut failures: Vec<String> = Vec::new();
    let mut internal: Vec<String> = Vec::new();
    for (i, (origin, text)) in mutants(seed, cases).into_iter().enumerate() {
        for op in &ops {
            match oracle::check(&text, &op.op) {
                Ok(Answer::Edited(_)) => stats.edited += 1,
                Ok(Answer::Unchanged) => stats.unchanged += 1,
                Ok(Answer::Refused { internal: false, .. }) => stats.refused += 1,
                Ok(Answer::Refused { internal: true, message }) => {
                    // The editor's own verifier caught a bad plan: nothing is written, but
                    // it is a bug all the same.
                    stats.internal += 1;
                    if internal.len() < 3 {
                        internal.push(format!(
                            "mutant {i} of {origin}: `cachectl {}`: {message}: {text:?}",
                            op.cli.join(" ")
                        ));
                    }
                }
                Err(why) => {
                    if failures.len() < 5 {
                        failures.push(format!("mutant {i} of {origin}: {}", report(&text, op, &why)));
                    }
                }
            }
        }
    }
    eprintln!("fuzz_edit: seed {seed:#x}, {cases} mutants: {stats:?}");
    for i in &internal {
        eprintln!("fuzz_edit: internal refusal: {i}");
    }
    assert!(failures.is_empty(), "seed {seed:#x}: {} failures:\n{}", failures.len(), failures.join("\n\n"));
    let strict = std::env::var_os("CACHECTL_FUZZ_STRICT").is_some();
    assert!(!strict || internal.is_empty(), "internal refusals (CACHECTL_FUZZ_STRICT is set)");
    let tries = stats.edited + stats.unchanged + stats.refused + stats.internal;
    // One mutant in eight at least must be edited. Fewer than one in five are since the
    // refusal fixtures became seeds and files Nix rejects (a byte mutation easily makes an
    // undefined variable or a duplicate attribute) are refused like syntax errors.
    assert!(stats.edited * 8 > tries, "too few edits to test anything: {stats:?}");
    assert!(stats.refused * 10 > tries, "too few refusals: the mutator is too gentle: {stats:?}");
}

/// Regression cases: each `tests/data/fuzz/regressions/NAME.input` (exact bytes matter) with
/// a note `NAME.md` saying what broke. Cases whose note has a line `status: open` are
/// editor bugs not fixed yet: they run, and must not panic, but their properties are only
/// enforced by `open_regressions_are_fixed` (ignored until the editor is fixed).
fn regressions() -> Vec<(String, String, bool)> {
    let dir = data("fuzz/regressions");
    files_in(&dir)
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("regression case is UTF-8");
            let note = std::fs::read_to_string(p.with_extension("md")).unwrap_or_default();
            let open = note.lines().any(|l| l.trim() == "status: open");
            (p.file_name().and_then(|n| n.to_str()).unwrap_or("?").to_owned(), text, open)
        })
        .collect()
}

fn check_regressions(include_open: bool) {
    let cases = regressions();
    assert!(!cases.is_empty(), "tests/data/fuzz/regressions/ is empty");
    let mut failures = Vec::new();
    for (name, text, open) in cases {
        for op in oracle::ops() {
            let r = oracle::check(&text, &op.op);
            let broken = match &r {
                Err(why) if why.starts_with("panicked") => Some(why.clone()),
                Err(why) if !open || include_open => Some(why.clone()),
                Ok(Answer::Refused { internal: true, message }) if !open || include_open => Some(message.clone()),
                _ => None,
            };
            if let Some(why) = broken {
                failures.push(format!("{name}: `cachectl {}`: {why}", op.cli.join(" ")));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn regressions_keep_every_property() {
    check_regressions(false);
}

#[test]
#[ignore = "editor bugs reported in tests/data/fuzz/regressions/*.md with `status: open`"]
fn open_regressions_are_fixed() {
    check_regressions(true);
}

// ---- the real Nix evaluator as the judge ---------------------------------------------

const URL_LISTS: &[&str] = &["substituters", "extra-substituters", "binaryCaches"];
const KEY_LISTS: &[&str] = &["trusted-public-keys", "extra-trusted-public-keys", "binaryCachePublicKeys"];

/// The cache lists real Nix sees (through `tests/data/eval-harness.nix`), or why not.
fn nix_lists(env: &nixenv::NixEnv, file: &Path) -> Result<oracle::Lists, String> {
    let out = nixenv::output(
        env.command("nix-instantiate")
            .args(["--eval", "--strict", "--json"])
            .arg(data("eval-harness.nix"))
            .arg("--arg")
            .arg("file")
            .arg(file),
    );
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_owned());
    }
    let lists: BTreeMap<String, Vec<String>> =
        serde_json::from_slice(&out.stdout).map_err(|e| format!("harness printed no list JSON: {e}"))?;
    let family = |names: &[&str]| {
        let mut v: Vec<String> = names.iter().flat_map(|n| lists.get(*n).cloned().unwrap_or_default()).collect();
        v.sort();
        v
    };
    Ok(oracle::Lists { urls: family(URL_LISTS), keys: family(KEY_LISTS) })
}

/// Evaluates every file, two at a time.
fn nix_lists_all(env: &nixenv::NixEnv, files: &[PathBuf]) -> Vec<Result<oracle::Lists, String>> {
    let half = files.len().div_ceil(2).max(1);
    std::thread::scope(|s| {
        let jobs: Vec<_> = files
            .chunks(half)
            .map(|c| s.spawn(move || c.iter().map(|f| nix_lists(env, f)).collect::<Vec<_>>()))
            .collect();
        jobs.into_iter().flat_map(|j| j.join().expect("eval thread")).collect()
    })
}

/// A module that is a function returning a function (`{ lib, ... }: { config, ... }: { … }`,
/// as a duplicated first line makes it): the harness calls one level only, so Nix would
/// see no lists at all. Such samples are left out; they are not modules NixOS accepts.
fn curried(text: &str) -> bool {
    let mut expr = rnix::Root::parse(text).tree().expr();
    let mut lambdas = 0;
    while let Some(e) = expr {
        expr = match e {
            rnix::ast::Expr::Lambda(l) => {
                lambdas += 1;
                l.body()
            }
            rnix::ast::Expr::Paren(p) => p.expr(),
            _ => None,
        };
    }
    lambdas > 1
}

#[test]
fn sampled_edits_agree_with_real_nix() {
    let seed = env_u64("CACHECTL_FUZZ_SEED", DEFAULT_SEED) ^ 0x5a5a;
    let samples = usize::try_from(env_u64("CACHECTL_FUZZ_NIX_SAMPLES", 30)).unwrap_or(30);
    let ops = oracle::ops();
    let mut rng = Rng::new(seed);
    // Candidates: one random successful edit per mutant, three times as many as needed (many
    // mutants use names the harness does not provide, so Nix cannot evaluate them).
    let mut cands: Vec<(String, usize, String, String)> = Vec::new();
    for (origin, text) in mutants(seed, 200 + 40 * samples as u64) {
        if cands.len() >= samples * 3 {
            break;
        }
        let start = rng.below(ops.len());
        let found =
            (0..ops.len()).map(|k| (start + k) % ops.len()).find_map(|k| match oracle::check(&text, &ops[k].op) {
                Ok(Answer::Edited(new)) => Some((k, new)),
                _ => None,
            });
        if let Some((k, new)) = found.filter(|_| !curried(&text)) {
            cands.push((origin, k, text, new));
        }
    }
    let env = nixenv::NixEnv::new();
    let dir = tempfile::tempdir().expect("tempdir");
    let write = |tag: &str, i: usize, text: &str| {
        let p = dir.path().join(format!("{tag}-{i}.nix"));
        std::fs::write(&p, text).expect("write sample");
        p
    };
    let befores: Vec<PathBuf> = cands.iter().enumerate().map(|(i, c)| write("before", i, &c.2)).collect();
    let afters: Vec<PathBuf> = cands.iter().enumerate().map(|(i, c)| write("after", i, &c.3)).collect();
    let before_lists = nix_lists_all(&env, &befores);
    let chosen: Vec<usize> = (0..cands.len()).filter(|&i| before_lists[i].is_ok()).take(samples).collect();
    let after_files: Vec<PathBuf> = chosen.iter().map(|&i| afters[i].clone()).collect();
    let after_lists = nix_lists_all(&env, &after_files);
    let mut failures = Vec::new();
    for (n, &i) in chosen.iter().enumerate() {
        let (origin, k, before_text, after_text) = &cands[i];
        let op = &ops[*k];
        let (Ok(nb), Some(na)) = (&before_lists[i], after_lists.get(n)) else { continue };
        let verdict = na.as_ref().map_err(|e| format!("nix cannot evaluate the edited file: {e}")).and_then(|na| {
            // What the editor changed, as its own reader sees it, must be what Nix sees change.
            let lb = oracle::lists_of(&cachectl::nix::locate(before_text).map_err(|e| e.to_string())?);
            let la = oracle::lists_of(&cachectl::nix::locate(after_text).map_err(|e| e.to_string())?);
            let ours = (oracle::delta(&lb.urls, &la.urls), oracle::delta(&lb.keys, &la.keys));
            let nix = (oracle::delta(&nb.urls, &na.urls), oracle::delta(&nb.keys, &na.keys));
            if ours != nix {
                return Err(format!("cachectl changed {ours:?}, nix sees {nix:?}"));
            }
            match &op.op {
                oracle::Op::Add(r) => oracle::expect_add(nb, na, r, true),
                oracle::Op::Remove(r) => oracle::expect_remove(nb, na, r),
            }
        });
        if let Err(e) = verdict {
            failures.push(format!(
                "mutant of {origin}: `cachectl {}`: {e}\n--- before\n{before_text}\n--- after\n{after_text}",
                op.cli.join(" ")
            ));
        }
    }
    eprintln!("fuzz_edit: {} edits judged by nix ({} candidates)", chosen.len(), cands.len());
    assert!(chosen.len() >= samples.min(10), "only {} mutants evaluate in nix: the sample is too small", chosen.len());
    assert!(failures.is_empty(), "{} disagreements with nix:\n{}", failures.len(), failures.join("\n\n"));
}

// ---- the binary writes exactly the planned text, or nothing ----------------------------

fn cachectl(dir: &Path, file: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_cachectl"))
        .current_dir(dir)
        .args(["--config", data("registry.toml").to_str().expect("utf-8 path"), "--file", file])
        .args(args)
        .output()
        .expect("run cachectl")
}

#[test]
fn the_binary_writes_the_planned_text_or_leaves_the_file_byte_identical() {
    let seed = env_u64("CACHECTL_FUZZ_SEED", DEFAULT_SEED) ^ 0xc11;
    let ops = oracle::ops();
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut refused, mut edited) = (0, 0);
    let mut inputs: Vec<Vec<u8>> = mutants(seed, 60).into_iter().map(|(_, t)| t.into_bytes()).collect();
    // Not UTF-8, and a lone NUL byte: refused before any parsing.
    inputs.push(b"{ nix.settings.substituters = [ \"\xff\" ]; }\n".to_vec());
    inputs.push(b"{ nix.settings.substituters = [ \"a\0\" ]; }\n".to_vec());
    for (i, input) in inputs.iter().enumerate() {
        let op = &ops[i % ops.len()];
        let name = format!("m{i}.nix");
        let path = dir.path().join(&name);
        std::fs::write(&path, input).expect("write mutant");
        let planned = std::str::from_utf8(input).ok().map(|t| oracle::check(t, &op.op));
        let out = cachectl(dir.path(), &name, op.cli);
        let now = std::fs::read(&path).expect("read back");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let label = format!("`cachectl {}` on {:?}", op.cli.join(" "), String::from_utf8_lossy(input));
        match planned {
            Some(Ok(Answer::Edited(new))) => {
                assert_eq!(out.status.code(), Some(0), "{label}: {stderr}");
                assert_eq!(String::from_utf8_lossy(&now), new, "{label}: the file is not the planned text");
                edited += 1;
            }
            Some(Ok(Answer::Unchanged)) => {
                assert_eq!(out.status.code(), Some(0), "{label}: {stderr}");
                assert_eq!(&now, input, "{label}: nothing to do, yet the file changed");
            }
            Some(Err(why)) => panic!("{label}: {why}"),
            Some(Ok(Answer::Refused { .. })) => {
                assert_eq!(out.status.code(), Some(2), "{label}: a refusal exits 2: {stderr}");
                assert_eq!(&now, input, "{label}: refused, yet the file changed");
                assert!(stderr.contains("nothing was written"), "{label}: {stderr}");
                refused += 1;
            }
            None => {
                assert_ne!(out.status.code(), Some(0), "{label}: not UTF-8, yet accepted");
                assert_eq!(&now, input, "{label}: not UTF-8, yet the file changed");
            }
        }
        let left: Vec<_> =
            std::fs::read_dir(dir.path()).expect("dir").filter_map(|e| e.ok()).map(|e| e.file_name()).collect();
        assert_eq!(left.len(), i + 1, "{label}: a temporary file was left: {left:?}");
    }
    assert!(refused >= 5 && edited >= 5, "too few of each kind: {refused} refused, {edited} edited");
}

/// `CACHECTL_FUZZ_FILE=path cargo test --test fuzz_edit minimize_a_file -- --ignored
/// --nocapture`: runs every operation on the file and prints a minimised input for each one
/// that misbehaves (`scripts/fuzz minimize FILE` does this).
#[test]
#[ignore = "a tool for developers: set CACHECTL_FUZZ_FILE"]
fn minimize_a_file() {
    let Some(path) = std::env::var_os("CACHECTL_FUZZ_FILE") else { return };
    let text = std::fs::read_to_string(&path).expect("read CACHECTL_FUZZ_FILE");
    for op in oracle::ops() {
        let verdict = oracle::check(&text, &op.op);
        if oracle::misbehaves(&text, &op.op) {
            let small = oracle::minimize(&text, &op.op);
            eprintln!(
                "`cachectl {}`: {verdict:?}\nminimised:\n{small:?}\n{:?}\n",
                op.cli.join(" "),
                oracle::check(&small, &op.op)
            );
        } else {
            eprintln!("`cachectl {}`: ok: {verdict:?}", op.cli.join(" "));
        }
    }
}
