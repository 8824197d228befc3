//! The words that let `check` skip the locator must never hide a cache setting.

use super::*;

fn nix_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read_dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            nix_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "nix") {
            out.push(path);
        }
    }
}

/// The words that let a file skip the locator and the import scan must never hide
/// anything: on every module of tests/data (and the repository's own .nix files), a file
/// without them has no cache list, no setting a rule reads, and no imports.
/// (`CACHECTL_PREFILTER_CORPUS=DIR` adds a directory: the survey's 43,000 files pass.)
#[test]
fn files_that_skip_the_locator_have_nothing_to_locate() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["tests/data", "examples", "nix"] {
        nix_files(&root.join(dir), &mut files);
    }
    let extra = std::env::var_os("CACHECTL_PREFILTER_CORPUS");
    if let Some(dir) = &extra {
        nix_files(std::path::Path::new(dir), &mut files);
    }
    assert!(files.len() > 40, "{}", files.len());
    let (mut skipped, mut scanned) = (0, 0);
    for path in &files {
        let Ok(text) = std::fs::read_to_string(path) else { continue };
        let root = rnix::Root::parse(&text).syntax();
        if !mentions_cache_settings(&text) {
            let model = locate::locate_root(&root);
            let read = |s: &crate::nix::model::Site| {
                !s.lists.is_empty() || s.setting("connect-timeout").is_some() || s.setting("fallback").is_some()
            };
            assert!(!model.sites.iter().any(read), "{}", path.display());
            // Refusals are findings in named files, which are also located for these words.
            assert!(mentions_cache_blocks(&text) || model.refusals.is_empty(), "{}", path.display());
            skipped += 1;
        }
        if !imports::mentions_imports(&text) {
            assert_eq!(imports::imports(&root, &text), [], "{}", path.display());
            scanned += 1;
        }
    }
    assert!(skipped > 0 && scanned > 0, "{skipped} {scanned}");
}
