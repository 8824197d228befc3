//! Property: any fix of any file keeps it parseable, changes only cache settings the way the
//! finding said, and a second pass finds nothing more to fix.
//!
//! Seeds are the check fixtures, the fix fixtures and the golden modules; each mutant gets
//! random changes from the edit fuzzer's mutator (`fuzz/oracle.rs`: comments, CRLF, tabs,
//! joined lines, rewritten cache strings…). Then the fixes are applied stage by stage as
//! `cachectl fix` does, and: every stage's text parses (rnix, and a sample with the real
//! `nix-instantiate --parse`), no stage panics, and the end result has no fixable finding
//! left unless its stage was refused. Budget: `CACHECTL_FUZZ_CASES` (default 400).

#[path = "support/nixenv.rs"]
mod nixenv;
#[path = "../fuzz/oracle.rs"]
mod oracle;

use std::path::{Path, PathBuf};

use cachectl::lint;
use cachectl::registry::Registry;
use oracle::Rng;

fn data(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(p)
}

fn seeds() -> Vec<String> {
    let mut out = Vec::new();
    for dir in ["check", "fix", "modules"] {
        for e in std::fs::read_dir(data(dir)).expect("dir") {
            let p = e.expect("entry").path();
            if p.extension().is_some_and(|x| x == "nix") {
                let text = std::fs::read_to_string(p).expect("utf-8");
                // Files with findings are what a fixer is for: they count four times.
                let weight = if dir == "modules" { 1 } else { 4 };
                out.extend(std::iter::repeat_n(text, weight));
            }
        }
    }
    assert!(out.len() >= 40, "seed corpus missing: {}", out.len());
    out
}

/// Fixes `text` as `cachectl fix --isolated` does; returns every intermediate text, and
/// whether some stage was refused (its findings are then left).
fn fix_stages(text: &str) -> (Vec<String>, bool) {
    let mut texts = vec![text.to_owned()];
    let mut refused: Vec<String> = Vec::new();
    for _ in 0..64 {
        let cur = texts.last().expect("one text").clone();
        let report = lint::check(&[("m.nix".to_owned(), cur.clone())], &Registry::builtin());
        let diags: Vec<_> =
            report.diagnostics.iter().filter(|d| d.fix.is_some() && !refused.contains(&d.to_string())).collect();
        let fixes: Vec<_> = diags.iter().filter_map(|d| d.fix.as_ref()).collect();
        match cachectl::fix::apply(&cur, &fixes) {
            Ok(None) => break,
            Ok(Some(a)) => texts.push(a.text),
            Err((which, _)) => refused.extend(which.iter().map(|&i| diags[i].to_string())),
        }
    }
    (texts, !refused.is_empty())
}

#[test]
fn any_fix_of_any_mutant_keeps_the_file_parseable_and_is_idempotent() {
    let cases: u64 = std::env::var("CACHECTL_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(400);
    let corpus = seeds();
    let mut rng = Rng::new(0x6669_785f_6675_7a7a);
    let env = nixenv::NixEnv::new();
    let (mut fixed, mut nix_checked) = (0, 0);
    let mut failures = Vec::new();
    for case in 0..cases {
        let seed = &corpus[rng.below(corpus.len())];
        let mutant = oracle::mutate(seed, &mut rng, &corpus);
        let (texts, refused) = fix_stages(&mutant);
        if texts.len() == 1 {
            continue;
        }
        fixed += 1;
        for t in &texts[1..] {
            let parsed = rnix::Root::parse(t);
            if !parsed.errors().is_empty() {
                failures.push(format!("case {case}: a fix broke the parse:\n{mutant:?}\n=>\n{t:?}"));
            }
        }
        let last = texts.last().expect("a text");
        let left: Vec<String> = lint::check(&[("m.nix".to_owned(), last.clone())], &Registry::builtin())
            .diagnostics
            .iter()
            .filter(|d| d.fix.is_some())
            .map(ToString::to_string)
            .collect();
        if !refused && !left.is_empty() {
            failures.push(format!("case {case}: fixable findings left: {left:?}\n{last:?}"));
        }
        if nix_checked < 25 {
            nix_checked += 1;
            let file = env.path().join(format!("case{case}.nix"));
            std::fs::write(&file, last).expect("write");
            let out = nixenv::output(env.command("nix-instantiate").arg("--parse").arg(&file));
            if !out.status.success() {
                failures
                    .push(format!("case {case}: Nix rejects the fixed file: {}", String::from_utf8_lossy(&out.stderr)));
            }
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n\n"));
    assert!(fixed >= cases / 8, "only {fixed} of {cases} mutants had something to fix");
}
