//! Writes generated binary caches for `scripts/bench-coverage` (not a benchmark itself:
//! `harness = false`, run as `cargo bench --bench gen_cache -- DIR N`).
//!
//! DIR receives `cache/` (nix-cache-info and N signed narinfos), `paths.txt` (the N store
//! paths), `public-key` and `secret-key` (Nix's `name:base64` forms).
//!
//! It also writes a mixed closure of N other paths spread over two caches, for the
//! side-by-side run with Nix on caches that are not all good: `cache/mixed/a` (priority
//! 30) and `cache/mixed/b` (priority 40), `mixed-paths.txt`, and `mixed-expected` (the
//! substitutable, untrusted and missing counts Nix's rules give, and the list of each
//! kind of bad path in `mixed-tampered`, `mixed-untrusted`, `mixed-missing`). Per 100 paths:
//! - 70 are in both caches, validly signed (Nix takes them from `a`);
//! - 2 are only in `a`, with a narinfo altered after signing (Nix refuses them);
//! - 20 are only in `b`, validly signed;
//! - 3 are only in `b`, signed by a key that is not trusted (Nix refuses them);
//! - 5 are in neither.

#![allow(clippy::print_stdout, clippy::print_stderr)]

#[path = "../tests/support/coverage_gen.rs"]
mod coverage_gen;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use coverage_gen::{FakePath, Key, fake_paths, path_list, tamper, write_cache};

fn main() -> ExitCode {
    // cargo adds `--bench`; only the positional arguments count.
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let (Some(dir), Some(n)) = (args.first(), args.get(1).and_then(|n| n.parse::<usize>().ok())) else {
        eprintln!("usage: cargo bench --bench gen_cache -- DIR N");
        return ExitCode::from(2);
    };
    let dir = PathBuf::from(dir);
    let key = Key::new("bench-cache-1", 42);
    let paths = fake_paths(n, "bench", 1);
    write_cache(&dir.join("cache"), &paths, &[&key], Some(30));
    let written = write(&dir, "paths.txt", path_list(&paths))
        .and_then(|()| write(&dir, "public-key", key.public() + "\n"))
        .and_then(|()| write(&dir, "secret-key", key.secret() + "\n"))
        .and_then(|()| mixed(&dir, n, &key));
    if let Err(e) = written {
        eprintln!("gen_cache: cannot write {e}");
        return ExitCode::from(2);
    }
    println!("gen_cache: {n} signed narinfos in {}, and a mixed closure of {n} paths", dir.join("cache").display());
    ExitCode::SUCCESS
}

fn write(dir: &Path, name: &str, text: String) -> Result<(), String> {
    std::fs::write(dir.join(name), text).map_err(|e| format!("{name}: {e}"))
}

/// The mixed closure described in the module documentation.
fn mixed(dir: &Path, n: usize, trusted: &Key) -> Result<(), String> {
    let other = Key::new("bench-other-1", 43);
    let paths = fake_paths(n, "mixed", 2);
    let pick = |range: std::ops::Range<usize>| -> Vec<FakePath> {
        paths.iter().enumerate().filter(|(i, _)| range.contains(&(i % 100))).map(|(_, p)| p.clone()).collect()
    };
    let (both, tampered, only_b, untrusted, missing) =
        (pick(0..70), pick(70..72), pick(72..92), pick(92..95), pick(95..100));
    let (a, b) = (dir.join("cache/mixed/a"), dir.join("cache/mixed/b"));
    write_cache(&a, &[both.as_slice(), &tampered].concat(), &[trusted], Some(30));
    write_cache(&b, &[both.as_slice(), &only_b].concat(), &[trusted], Some(40));
    for p in &tampered {
        tamper(&a, p);
    }
    for p in &untrusted {
        let file = b.join(format!("{}.narinfo", p.hash()));
        std::fs::write(&file, p.narinfo(&[&other])).map_err(|e| format!("{}: {e}", file.display()))?;
    }
    let expected = format!("{} {} {}\n", both.len() + only_b.len(), tampered.len() + untrusted.len(), missing.len());
    write(dir, "mixed-paths.txt", path_list(&paths))
        .and_then(|()| write(dir, "mixed-expected", expected))
        .and_then(|()| write(dir, "mixed-tampered", path_list(&tampered)))
        .and_then(|()| write(dir, "mixed-untrusted", path_list(&untrusted)))
        .and_then(|()| write(dir, "mixed-missing", path_list(&missing)))
}
