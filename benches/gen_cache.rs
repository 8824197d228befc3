//! Writes a generated binary cache for `scripts/bench-coverage` (not a benchmark itself:
//! `harness = false`, run as `cargo bench --bench gen_cache -- DIR N`).
//!
//! DIR receives `cache/` (nix-cache-info and N signed narinfos), `paths.txt` (the N store
//! paths), `public-key` and `secret-key` (Nix's `name:base64` forms).

#![allow(clippy::print_stdout, clippy::print_stderr)]

#[path = "../tests/support/coverage_gen.rs"]
mod coverage_gen;

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    // cargo adds `--bench`; only the positional arguments count.
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let (Some(dir), Some(n)) = (args.first(), args.get(1).and_then(|n| n.parse::<usize>().ok())) else {
        eprintln!("usage: cargo bench --bench gen_cache -- DIR N");
        return ExitCode::from(2);
    };
    let dir = PathBuf::from(dir);
    let key = coverage_gen::Key::new("bench-cache-1", 42);
    let paths = coverage_gen::fake_paths(n, "bench", 1);
    coverage_gen::write_cache(&dir.join("cache"), &paths, &[&key], Some(30));
    let write = |name: &str, text: String| std::fs::write(dir.join(name), text).map_err(|e| format!("{name}: {e}"));
    let written = write("paths.txt", coverage_gen::path_list(&paths))
        .and_then(|()| write("public-key", key.public() + "\n"))
        .and_then(|()| write("secret-key", key.secret() + "\n"));
    if let Err(e) = written {
        eprintln!("gen_cache: cannot write {e}");
        return ExitCode::from(2);
    }
    println!("gen_cache: {n} signed narinfos in {}", dir.join("cache").display());
    ExitCode::SUCCESS
}
