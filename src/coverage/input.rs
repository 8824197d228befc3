//! Store path lists, one path per line as `nix path-info -r` prints them, read lazily so
//! that memory does not grow with the list; and the package name of a store path.

use std::collections::HashSet;
use std::io::BufRead;

use thiserror::Error;

use crate::narinfo::{nix32_decode, store_path_hash};

/// The store directory every cache serves.
pub const STORE_DIR: &str = "/nix/store";

/// A line of a path list that is not a store path, or a read error.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{source_name}:{line}: {message}")]
pub struct InputError {
    pub source_name: String,
    pub line: usize,
    pub message: String,
}

/// Store paths read from a list, one per line.
///
/// Blank lines and `#` comments are skipped, and only the first word of a line counts
/// (`nix path-info -rsS` appends sizes). A path seen before is skipped. Each path must be
/// `/nix/store/<32 nix32 chars>-<name>`.
pub struct PathList<R> {
    reader: R,
    source_name: String,
    line: usize,
    buf: String,
    /// 128 bits of each hash seen: 16 bytes a path, so a million paths cost about 20 MB.
    seen: HashSet<u128>,
    failed: bool,
}

impl<R: BufRead> PathList<R> {
    /// `source_name` names the list in errors (a file name, or `stdin`).
    pub fn new(reader: R, source_name: &str) -> PathList<R> {
        PathList {
            reader,
            source_name: source_name.to_owned(),
            line: 0,
            buf: String::new(),
            seen: HashSet::new(),
            failed: false,
        }
    }

    fn error(&mut self, message: String) -> Option<Result<String, InputError>> {
        self.failed = true;
        Some(Err(InputError { source_name: self.source_name.clone(), line: self.line, message }))
    }
}

impl<R: BufRead> Iterator for PathList<R> {
    type Item = Result<String, InputError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.failed {
            self.buf.clear();
            self.line += 1;
            match self.reader.read_line(&mut self.buf) {
                Ok(0) => return None,
                Ok(_) => {}
                Err(e) => return self.error(format!("cannot read: {e}")),
            }
            let Some(word) = self.buf.split_whitespace().next() else { continue };
            if word.starts_with('#') {
                continue;
            }
            let word = word.to_owned();
            match check_path(&word) {
                Ok(key) if self.seen.insert(key) => return Some(Ok(word)),
                Ok(_) => {}
                Err(message) => return self.error(message),
            }
        }
        None
    }
}

/// 128 of the 160 bits of a valid store path's hash, or why it is not one.
fn check_path(word: &str) -> Result<u128, String> {
    let not_a_path = || format!("`{word}` is not a store path");
    let hash = store_path_hash(word).ok_or_else(not_a_path)?;
    if word.rsplit_once('/').map(|(dir, _)| dir) != Some(STORE_DIR) {
        return Err(format!("`{word}` is not in {STORE_DIR}, the store the caches serve"));
    }
    let bytes = nix32_decode(hash, 20).ok_or_else(not_a_path)?;
    let mut key = [0u8; 16];
    key.copy_from_slice(bytes.get(..16).ok_or_else(not_a_path)?);
    Ok(u128::from_le_bytes(key))
}

/// The package name of a store path, by Nix's rule for derivation names (`DrvName`): the
/// name part up to the first `-` that is followed by a non-letter, so that
/// `…-firefox-120.0-man` and `…-firefox-120.0` are both `firefox`.
pub fn package_name(path: &str) -> &str {
    let base = path.rsplit('/').next().unwrap_or(path);
    let name = base.get(33..).unwrap_or(base);
    let name = name.strip_suffix(".drv").unwrap_or(name);
    let bytes = name.as_bytes();
    let end = (0..bytes.len())
        .find(|&i| bytes[i] == b'-' && bytes.get(i + 1).is_some_and(|c| !c.is_ascii_alphabetic()))
        .unwrap_or(bytes.len());
    name.get(..end).filter(|n| !n.is_empty()).unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HELLO: &str = "/nix/store/mjs27ix6ig2bkbi3s3sm470vrv4lf7ic-hello";

    #[test]
    fn lists_skip_blanks_comments_sizes_and_repeats() {
        let text =
            format!("{HELLO}\t120\t240\n\n# a comment\n  {HELLO}\n/nix/store/00000000000000000000000000000000-a\n");
        let paths: Vec<_> = PathList::new(text.as_bytes(), "list").collect();
        assert_eq!(paths, [Ok(HELLO.to_owned()), Ok("/nix/store/00000000000000000000000000000000-a".to_owned())]);
    }

    #[test]
    fn a_bad_line_is_an_error_with_its_line_and_ends_the_list() {
        let text = format!("{HELLO}\nhello\n{HELLO}\n");
        let got: Vec<_> = PathList::new(text.as_bytes(), "paths.txt").collect();
        assert_eq!(got.len(), 2);
        let err = got.last().cloned().and_then(Result::err).map(|e| e.to_string());
        assert_eq!(err.as_deref(), Some("paths.txt:2: `hello` is not a store path"));
        let other = "/gnu/store/mjs27ix6ig2bkbi3s3sm470vrv4lf7ic-hello\n";
        let err = PathList::new(other.as_bytes(), "stdin").next().and_then(Result::err).map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some(
                "stdin:1: `/gnu/store/mjs27ix6ig2bkbi3s3sm470vrv4lf7ic-hello` is not in /nix/store, the store the caches serve"
            )
        );
    }

    #[test]
    fn package_names_follow_nix() {
        let p = |name: &str| format!("/nix/store/mjs27ix6ig2bkbi3s3sm470vrv4lf7ic-{name}");
        for (name, want) in [
            ("hello-2.12.1", "hello"),
            ("firefox-120.0-man", "firefox"),
            ("python3.11-requests-2.31.0", "python3.11-requests"),
            ("nixos-system-mimosa-24.05.20240101.abcdef", "nixos-system-mimosa"),
            ("source", "source"),
            ("linux-6.1.drv", "linux"),
            ("etc-", "etc-"),
        ] {
            assert_eq!(package_name(&p(name)), want, "{name}");
        }
    }
}
