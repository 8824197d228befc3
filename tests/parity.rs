//! Differential test: cachectl's parser and `nix-instantiate --parse` accept and reject the
//! same files.
//!
//! Seeds: every `tests/data/**/*.nix`, the fuzz corpus (`tests/data/fuzz/corpus/`), the
//! small programs in `tests/data/parity/*.nix` (scoping and merging shapes), and the files
//! of `CACHECTL_PARITY_SEEDS` (a directory, for local runs over real configurations; never
//! committed). Each seed is judged as it is, then mutated (see [`mutate`]): duplicated and
//! dropped bindings and formals, misspelt identifiers (`true`→`tre`, `lib.mkIf`→`ib.mkIf`,
//! `pkgs.x`→`pkgsx`), `with` added and removed, `inherit` inserted, `rec` toggled, dotted
//! paths turned into sets, foreign whitespace (NBSP, VT, FF, U+0085, …), swapped lines.
//!
//! Every disagreement fails: one verdict accepts and the other rejects, or both reject with
//! a different kind of error (syntax, duplicate, undefined), or with a duplicate or an
//! undefined variable on a line where cachectl finds none of that kind. (Grammar errors are
//! compared by verdict only: rnix and Nix's bison parser recover at different tokens.)
//!
//! Budget: `CACHECTL_PARITY_CASES` mutants (default 300) from `CACHECTL_PARITY_SEED`.

#![allow(clippy::print_stderr)] // the disagreements and statistics are the point of a long run

#[path = "support/mutate.rs"]
mod mutate;
#[path = "support/nixenv.rs"]
mod nixenv;
#[path = "../fuzz/oracle.rs"]
mod oracle;

use std::fs;
use std::path::{Path, PathBuf};

use cachectl::nix::syntax::{diagnose, diagnose_before_2_26};
use cachectl::nix::{ErrorKind, SyntaxError};
use mutate::mutate;
use oracle::Rng;
use rnix::SyntaxKind as K;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn seeds() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let mut files = Vec::new();
    collect(&root, &mut files, &|p| {
        p.extension().is_some_and(|e| e == "nix") || p.parent().is_some_and(|d| d.ends_with("fuzz/corpus"))
    });
    if let Ok(dir) = std::env::var("CACHECTL_PARITY_SEEDS") {
        collect(Path::new(&dir), &mut files, &|p| p.extension().is_some_and(|e| e == "nix"));
    }
    files.sort();
    let seeds: Vec<(String, String)> = files
        .into_iter()
        .filter_map(|p| Some((p.display().to_string(), fs::read_to_string(&p).ok()?)))
        .filter(|(_, t)| t.len() < 200_000)
        .collect();
    assert!(seeds.len() > 40, "the seed files are missing: {}", seeds.len());
    seeds
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>, keep: &dyn Fn(&Path) -> bool) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out, keep);
        } else if keep(&p) {
            out.push(p);
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Ok,
    Err(ErrorKind, usize),
}

/// Nix's verdict from `nix-instantiate --parse`'s status and message.
fn nix_verdict(ok: bool, stderr: &str) -> Verdict {
    if ok {
        return Verdict::Ok;
    }
    let first = stderr.lines().find(|l| l.starts_with("error:")).unwrap_or_default();
    assert!(stderr.contains(".nix:"), "nix-instantiate failed without a parse error: {stderr}");
    let kind = if first.contains("undefined variable") {
        ErrorKind::UndefinedVariable
    } else if first.contains("already defined") || first.contains("duplicate formal") {
        ErrorKind::DuplicateAttribute
    } else {
        ErrorKind::Syntax
    };
    // `       at /path/case.nix:LINE:COL:`
    let line = stderr
        .lines()
        .map(str::trim)
        .find_map(|l| l.strip_prefix("at ")?.strip_suffix(':')?.rsplit(':').nth(1)?.parse().ok())
        .unwrap_or(0);
    Verdict::Err(kind, line)
}

/// The line Nix gives an offset: it counts a lone CR as a line break too (its lexer's
/// `adjustLoc`), where cachectl counts LF only.
fn nix_line(text: &str, offset: usize) -> usize {
    let before = text.as_bytes().get(..offset).unwrap_or(text.as_bytes());
    let lf = before.iter().filter(|&&b| b == b'\n').count();
    let lone_cr = before.windows(2).filter(|w| w[0] == b'\r' && w[1] != b'\n').count();
    1 + lf + lone_cr + usize::from(before.last() == Some(&b'\r') && text.as_bytes().get(offset) != Some(&b'\n'))
}

/// Why not to compare a case: the pipe operators `|>` and `<|` came with Nix 2.24 (as the
/// experimental feature `pipe-operators`); rnix and real configurations have them, the
/// Nix 2.8 that judges here does not. cachectl accepts them, as the newer Nix does.
fn excluded(text: &str) -> Option<&'static str> {
    let root = rnix::Root::parse(text).syntax();
    root.descendants_with_tokens()
        .filter_map(|e| e.into_token())
        .any(|t| matches!(t.kind(), K::TOKEN_PIPE_LEFT | K::TOKEN_PIPE_RIGHT))
        .then_some("pipe operators")
}

/// cachectl's errors as Nix 2.8 sees the file: nested sets defined twice are duplicates
/// there (Nix 2.26 and later merge them, so `check` only warns with `nested-merge`).
fn as_nix_2_8_sees_it(text: &str) -> Vec<SyntaxError> {
    diagnose_before_2_26(text)
}

/// Why cachectl's errors disagree with Nix's verdict, if they do.
fn disagreement(text: &str, ours: &[SyntaxError], nix: Verdict) -> Option<String> {
    match (ours.first(), nix) {
        (None, Verdict::Ok) => None,
        (Some(e), Verdict::Ok) => Some(format!("cachectl rejects ({e}), Nix accepts")),
        (None, Verdict::Err(..)) => Some("cachectl accepts, Nix rejects".into()),
        (Some(e), Verdict::Err(kind, _)) if e.kind != kind => Some(format!("kinds differ: cachectl {e}")),
        (Some(_), Verdict::Err(ErrorKind::Syntax, _)) => None,
        (Some(e), Verdict::Err(kind, line)) => {
            let lines: Vec<usize> = ours.iter().filter(|o| o.kind == kind).map(|o| nix_line(text, o.offset)).collect();
            (!lines.contains(&line))
                .then(|| format!("Nix's line {line} is not among cachectl's {lines:?} (first: {e})"))
        }
    }
}

struct Case {
    name: String,
    text: String,
}

#[test]
fn cachectl_and_nix_agree_on_what_parses() {
    let cases_wanted = env_usize("CACHECTL_PARITY_CASES", 300);
    let seed = env_usize("CACHECTL_PARITY_SEED", 11) as u64;
    let seeds = seeds();
    let mut rng = Rng::new(seed);
    let mut cases: Vec<Case> = seeds.iter().map(|(n, t)| Case { name: n.clone(), text: t.clone() }).collect();
    let mut tries = 0;
    while cases.len() < seeds.len() + cases_wanted && tries < cases_wanted * 20 {
        tries += 1;
        let (name, text) = &seeds[rng.below(seeds.len())];
        let mut t = text.clone();
        let mut applied = false;
        for _ in 0..1 + rng.below(2) {
            if let Some(m) = mutate(&t, &mut rng) {
                t = m;
                applied = true;
            }
        }
        if applied && t != *text {
            cases.push(Case { name: format!("{name} (mutant {})", cases.len()), text: t });
        }
    }

    let dir = tempfile::tempdir().expect("a case dir");
    let verdicts = judge_all(dir.path(), &cases);

    let keep = Path::new(env!("CARGO_TARGET_TMPDIR")).join("parity-failures");
    let _ = fs::remove_dir_all(&keep);
    let mut failures = Vec::new();
    let mut stats = std::collections::BTreeMap::<String, usize>::new();
    for (case, nix) in cases.iter().zip(&verdicts) {
        if let Some(why) = excluded(&case.text) {
            *stats.entry(format!("excluded: {why}")).or_default() += 1;
            continue;
        }
        let ours = as_nix_2_8_sees_it(&case.text);
        *stats
            .entry(format!("{nix:?}").split('(').next().unwrap_or_default().to_owned() + &kind_name(nix))
            .or_default() += 1;
        if let Some(why) = disagreement(&case.text, &ours, *nix) {
            let _ = fs::create_dir_all(&keep);
            let _ = fs::write(keep.join(format!("case{}.nix", failures.len())), &case.text);
            failures.push(format!("{}: {why}\n--- text ---\n{}\n------------", case.name, case.text));
        }
    }
    eprintln!("parity: {} cases ({} seeds), Nix verdicts: {stats:?}", cases.len(), seeds.len());
    for f in failures.iter().take(20) {
        eprintln!("{f}");
    }
    if !failures.is_empty() {
        eprintln!("the disagreeing texts are in {}", keep.display());
    }
    assert!(failures.is_empty(), "{} of {} cases disagree with nix-instantiate --parse", failures.len(), cases.len());
    // The mutations must reach every kind of error, or the test proves nothing.
    for kind in ["Syntax", "DuplicateAttribute", "UndefinedVariable"] {
        assert!(stats.keys().any(|k| k.ends_with(kind)), "no mutant made Nix report {kind}: {stats:?}");
    }
}

#[test]
fn nix_counts_a_lone_cr_as_a_line_break() {
    assert_eq!(nix_line("a\r\nb\rc\nd", 0), 1);
    assert_eq!(nix_line("a\r\nb\rc\nd", 3), 2);
    assert_eq!(nix_line("a\r\nb\rc\nd", 5), 3);
    assert_eq!(nix_line("a\r\nb\rc\nd", 7), 4);
}

fn kind_name(v: &Verdict) -> String {
    match v {
        Verdict::Ok => String::new(),
        Verdict::Err(k, _) => format!(" {k:?}"),
    }
}

/// `nix-instantiate --parse` on every case, two processes at a time, each with a Nix
/// environment of its own (two at once on one store can fail to open its database).
fn judge_all(dir: &Path, cases: &[Case]) -> Vec<Verdict> {
    let paths: Vec<PathBuf> = cases
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let p = dir.join(format!("case{i}.nix"));
            fs::write(&p, &c.text).expect("write a case");
            p
        })
        .collect();
    let half = paths.len().div_ceil(2);
    std::thread::scope(|s| {
        let handles: Vec<_> = paths
            .chunks(half.max(1))
            .map(|chunk| {
                s.spawn(move || {
                    let env = nixenv::NixEnv::new();
                    chunk
                        .iter()
                        .map(|p| {
                            let out = nixenv::output(env.command("nix-instantiate").arg("--parse").arg(p));
                            nix_verdict(out.status.success(), &String::from_utf8_lossy(&out.stderr))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().expect("a judging thread")).collect()
    })
}

/// The verification after an edit re-parses with the same checks: an edit that Nix would
/// reject is an internal error and nothing is written, and a file Nix rejects is refused.
#[test]
fn edits_never_produce_or_touch_a_file_nix_rejects() {
    use cachectl::nix::plan::{self, AddRequest, EditError};
    let req = AddRequest {
        url: "https://nix-community.cachix.org".into(),
        key: "nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs=".into(),
        alternatives: vec![],
        at: None,
    };
    let computed = "{ lib, ... }:\n{\n  nix.settings = lib.foldl' (a: b: a // b) { } [ ];\n}\n";
    match plan::add(computed, &req) {
        Err(EditError::Verify(msg)) => assert!(msg.contains("attribute 'nix.settings' already defined"), "{msg}"),
        Err(_) => {} // refused for another reason: nothing written either
        Ok(out) => {
            let new = out.new_text.expect("an edit");
            assert!(diagnose(&new).1.is_empty(), "the edit made a file Nix rejects:\n{new}");
        }
    }
    let typo = "{ pkgs, ... }:\n{\n  nix.settings.substituters = [ ];\n  nix.gc.automatic = tre;\n}\n";
    let Err(EditError::Syntax(e)) = plan::add(typo, &req) else {
        panic!("a file with an undefined variable was edited")
    };
    assert_eq!(
        (e.line, e.column, e.kind, e.message.as_str()),
        (4, 22, ErrorKind::UndefinedVariable, "undefined variable 'tre'")
    );
}
