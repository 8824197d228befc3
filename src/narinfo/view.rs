//! A narinfo parsed in place: every field borrowed from the text it came from.
//!
//! `cachectl coverage` parses one narinfo per store path, and an owned [`NarInfo`] costs a
//! dozen allocations (one per field and per reference). [`NarInfoRef`] costs two (the
//! reference and signature lists), and none for the `NarHash` when the cache wrote it in
//! the nix32 form Nix signs, as Nix itself does. [`NarInfo::parse`] is this parser
//! followed by [`NarInfoRef::to_owned`], so both follow the same rules.

use std::borrow::Cow;

use super::hash::{nix32_valid, normalize_hash};
use super::{NarInfo, NarInfoError, is_base_name, store_dir, store_path_hash};

/// A parsed narinfo whose strings point into the narinfo text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NarInfoRef<'a> {
    pub store_path: &'a str,
    pub url: &'a str,
    pub compression: &'a str,
    pub file_hash: Option<&'a str>,
    pub file_size: Option<u64>,
    /// Always `algo:nix32`, borrowed when the narinfo wrote it that way.
    pub nar_hash: Cow<'a, str>,
    pub nar_size: u64,
    /// Base names (`<hash>-<name>`), as the narinfo lists them.
    pub references: Vec<&'a str>,
    pub deriver: Option<&'a str>,
    /// Raw `Sig:` values (`keyname:base64`), in file order.
    pub sigs: Vec<&'a str>,
    pub ca: Option<&'a str>,
}

impl<'a> NarInfoRef<'a> {
    /// Parses a narinfo with Nix's rules: `StorePath`, `URL`, `NarHash` and a non-zero
    /// `NarSize` are required, unknown fields are ignored, and a later field wins.
    pub fn parse(text: &'a str) -> Result<NarInfoRef<'a>, NarInfoError> {
        let (mut path, mut url, mut nar_hash, mut nar_size) = (None, None, None, None);
        let mut info = NarInfoRef {
            store_path: "",
            url: "",
            compression: "bzip2",
            file_hash: None,
            file_size: None,
            nar_hash: Cow::Borrowed(""),
            nar_size: 0,
            references: Vec::new(),
            deriver: None,
            sigs: Vec::new(),
            ca: None,
        };
        for line in text.lines() {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            // ASCII whitespace only, like Nix (which splits on ": " and on spaces): the
            // Unicode-aware trim was a tenth of the parse.
            let value = value.trim_ascii();
            match name {
                "StorePath" => path = Some(value),
                "URL" => url = Some(value),
                "Compression" if !value.is_empty() => info.compression = value,
                "FileHash" => info.file_hash = Some(value),
                "FileSize" => info.file_size = Some(number("FileSize", value)?),
                "NarHash" => nar_hash = Some(value),
                "NarSize" => nar_size = Some(number("NarSize", value)?),
                "References" => {
                    info.references.clear();
                    info.references.extend(value.split_ascii_whitespace());
                }
                "Deriver" if value != "unknown-deriver" => info.deriver = Some(value),
                "Sig" => info.sigs.push(value),
                "CA" => info.ca = Some(value),
                _ => {}
            }
        }
        info.store_path = path.ok_or(NarInfoError::Missing("StorePath"))?;
        store_path_hash(info.store_path).ok_or_else(|| NarInfoError::BadStorePath(info.store_path.to_owned()))?;
        if let Some(bad) = info.references.iter().find(|r| !is_base_name(r)) {
            return Err(NarInfoError::BadStorePath((*bad).to_owned()));
        }
        info.url = url.filter(|u| !u.is_empty()).ok_or(NarInfoError::Missing("URL"))?;
        let raw_hash = nar_hash.ok_or(NarInfoError::Missing("NarHash"))?;
        info.nar_hash =
            if nix32_valid(raw_hash) { Cow::Borrowed(raw_hash) } else { Cow::Owned(normalize_hash(raw_hash)?) };
        info.nar_size = nar_size.filter(|s| *s != 0).ok_or(NarInfoError::Missing("NarSize"))?;
        Ok(info)
    }

    /// The string Nix signs (see [`NarInfo::fingerprint`]).
    pub fn fingerprint(&self) -> String {
        fingerprint(self.store_path, &self.nar_hash, self.nar_size, self.references.iter().copied())
    }

    /// The same narinfo with owned strings.
    pub fn to_owned(&self) -> NarInfo {
        let own = |s: Option<&str>| s.map(str::to_owned);
        NarInfo {
            store_path: self.store_path.to_owned(),
            url: self.url.to_owned(),
            compression: self.compression.to_owned(),
            file_hash: own(self.file_hash),
            file_size: self.file_size,
            nar_hash: self.nar_hash.clone().into_owned(),
            nar_size: self.nar_size,
            references: self.references.iter().map(|r| (*r).to_owned()).collect(),
            deriver: own(self.deriver),
            sigs: self.sigs.iter().map(|s| (*s).to_owned()).collect(),
            ca: own(self.ca),
        }
    }
}

/// `1;<path>;<nar hash>;<nar size>;<references as full paths, sorted, deduplicated, comma-joined>`.
pub(super) fn fingerprint<'r>(
    store_path: &str,
    nar_hash: &str,
    nar_size: u64,
    references: impl Iterator<Item = &'r str>,
) -> String {
    let dir = store_dir(store_path);
    let mut refs: Vec<&str> = references.collect();
    refs.sort_unstable();
    refs.dedup();
    let size = nar_size.to_string();
    let mut out = String::with_capacity(
        8 + store_path.len()
            + nar_hash.len()
            + size.len()
            + refs.iter().map(|r| dir.len() + 2 + r.len()).sum::<usize>(),
    );
    for part in ["1;", store_path, ";", nar_hash, ";", &size, ";"] {
        out.push_str(part);
    }
    for (i, r) in refs.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(dir);
        out.push('/');
        out.push_str(r);
    }
    out
}

fn number(field: &'static str, value: &str) -> Result<u64, NarInfoError> {
    value.parse().map_err(|_| NarInfoError::BadNumber { field, value: value.to_owned() })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "StorePath: /nix/store/mjs27ix6ig2bkbi3s3sm470vrv4lf7ic-hello\nURL: nar/x.nar\n\
                        NarHash: sha256:1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h\nNarSize: 120\n\
                        References: zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz-b 00000000000000000000000000000000-a\n\
                        Sig: a-1:x\nSig: b-1:y\n";

    #[test]
    fn borrows_a_nix32_hash_and_converts_any_other() {
        let info = NarInfoRef::parse(TEXT).expect("parses");
        assert!(matches!(info.nar_hash, Cow::Borrowed(_)));
        assert_eq!((info.sigs.as_slice(), info.compression), (&["a-1:x", "b-1:y"][..], "bzip2"));
        let b16 = "sha256:10551daed7fa467d0b58826e7eb9a0f2af7d693de319f2ef775fffcda244b9f6";
        let text = TEXT.replace("sha256:1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h", b16);
        let converted = NarInfoRef::parse(&text).expect("parses");
        assert!(matches!(converted.nar_hash, Cow::Owned(_)));
        assert_eq!(converted.nar_hash, info.nar_hash);
        // nix32 of the right length, but with bits set beyond 256: not a hash.
        let text = TEXT.replace("sha256:1xmr", "sha256:zxmr");
        assert!(matches!(NarInfoRef::parse(&text), Err(NarInfoError::BadHash(_))));
    }

    #[test]
    fn agrees_with_the_owned_narinfo() {
        let view = NarInfoRef::parse(TEXT).expect("parses");
        let owned = view.to_owned();
        assert_eq!(view.fingerprint(), owned.fingerprint());
        assert_eq!(owned.references.len(), 2);
        // A later References line replaces the earlier one, as in the owned parser.
        let twice = format!("{TEXT}References: 00000000000000000000000000000000-a\n");
        assert_eq!(NarInfoRef::parse(&twice).expect("parses").references, ["00000000000000000000000000000000-a"]);
    }
}
