//! Every Nix file in the repository parses with the real Nix parser (`nix-instantiate
//! --parse`), so a broken flake.nix, package or fixture fails `cargo test` and not a user's
//! `nix build`.
//!
//! Fixtures that are broken on purpose are listed in `MUST_NOT_PARSE`, and Nix must reject
//! them, so that they keep testing what they were written for.

#[path = "support/nixenv.rs"]
mod nixenv;

use std::path::{Path, PathBuf};

/// Fixtures with a syntax error on purpose, relative to the repository root.
const MUST_NOT_PARSE: &[&str] = &[
    // `cachectl check` reports syntax errors (tests/check_cli.rs)
    "tests/data/check/syntax-error.nix",
];

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The repository's `.nix` files, without build output, VCS data, hidden directories
/// (.direnv, …) and symlinks (`result` links into /nix/store).
fn nix_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("read {}: {e}", dir.display()));
    for entry in entries {
        let entry = entry.expect("read a directory entry");
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let file_type = entry.file_type().expect("stat a directory entry");
        if file_type.is_symlink() || name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        if file_type.is_dir() {
            if name != "target" {
                nix_files(&path, found);
            }
        } else if name.ends_with(".nix") {
            found.push(path);
        }
    }
}

#[test]
fn every_nix_file_in_the_repository_parses() {
    let root = repo_root();
    let mut files = Vec::new();
    nix_files(&root, &mut files);
    files.sort();

    // Guard against a walk that silently finds nothing.
    for expected in ["flake.nix", "nix/package.nix", "nix/git-hooks.nix"] {
        assert!(files.contains(&root.join(expected)), "{expected} not found among {files:?}");
    }

    let env = nixenv::NixEnv::new();
    let mut failures = Vec::new();
    for file in &files {
        let rel = file.strip_prefix(&root).unwrap_or(file);
        let out = nixenv::output(env.command("nix-instantiate").arg("--parse").arg(file));
        let broken_on_purpose = MUST_NOT_PARSE.iter().any(|p| rel == Path::new(p));
        match (out.status.success(), broken_on_purpose) {
            (true, false) | (false, true) => {}
            (false, false) => failures.push(format!(
                "{}: {}\n(if it is broken on purpose, add it to MUST_NOT_PARSE)",
                rel.display(),
                String::from_utf8_lossy(&out.stderr).trim()
            )),
            (true, true) => failures.push(format!("{}: parses, but is in MUST_NOT_PARSE", rel.display())),
        }
    }
    assert!(failures.is_empty(), "{} of {} Nix files are wrong:\n{}", failures.len(), files.len(), failures.join("\n"));
}
