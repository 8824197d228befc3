//! narinfo and `nix-cache-info` parsing, Nix's base-32 hashes and signature fingerprints.
//!
//! Pure: no I/O. A narinfo is signed over the fingerprint
//! `1;<StorePath>;<NarHash as algo:nix32>;<NarSize>;<references as full paths, sorted, comma-joined>`
//! (NixOS/nix `path-info.cc`), so [`NarInfo::parse`] normalises `NarHash` to nix32 whichever
//! encoding the cache wrote (base16, nix32, base64 or SRI).

use thiserror::Error;

use crate::keys::{self, PublicKey};
use crate::limits;

mod hash;
mod view;

pub use hash::{nix32_decode, nix32_encode, normalize_hash};
pub use view::NarInfoRef;

/// Why a narinfo or a hash is not usable.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NarInfoError {
    #[error("narinfo has no {0} field")]
    Missing(&'static str),
    #[error("narinfo field {field} is not a number: `{value}`")]
    BadNumber { field: &'static str, value: String },
    #[error("`{0}` is not a store path")]
    BadStorePath(String),
    #[error("`{0}` is not a valid hash")]
    BadHash(String),
}

/// A parsed narinfo. `nar_hash` is always `algo:nix32`, the form the fingerprint uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NarInfo {
    pub store_path: String,
    pub url: String,
    pub compression: String,
    pub file_hash: Option<String>,
    pub file_size: Option<u64>,
    pub nar_hash: String,
    pub nar_size: u64,
    /// Base names (`<hash>-<name>`), as the narinfo lists them.
    pub references: Vec<String>,
    pub deriver: Option<String>,
    /// Raw `Sig:` values (`keyname:base64`), in file order.
    pub sigs: Vec<String>,
    pub ca: Option<String>,
}

/// What the signatures of a narinfo prove, given a set of trusted keys.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verdict {
    /// Trusted keys whose signature verifies.
    pub valid: Vec<String>,
    /// Names on signatures from keys that are not trusted (they cannot be checked).
    pub untrusted: Vec<String>,
    /// Trusted key names whose signature does not verify: the narinfo was altered or the
    /// trusted key is wrong.
    pub bad: Vec<String>,
    /// `Sig:` lines that are not `name:base64` of 64 bytes.
    pub malformed: usize,
}

impl Verdict {
    /// True when at least one trusted key signed the narinfo, which is what Nix requires.
    pub fn is_trusted(&self) -> bool {
        !self.valid.is_empty()
    }
}

impl NarInfo {
    /// Parses a narinfo with Nix's rules: `StorePath`, `URL`, `NarHash` and a non-zero
    /// `NarSize` are required, unknown fields are ignored, and a later field wins.
    pub fn parse(text: &str) -> Result<NarInfo, NarInfoError> {
        NarInfoRef::parse(text).map(|info| info.to_owned())
    }

    /// The store directory the path lives in (`/nix/store`).
    pub fn store_dir(&self) -> &str {
        store_dir(&self.store_path)
    }

    /// The string Nix signs: see the module documentation.
    pub fn fingerprint(&self) -> String {
        view::fingerprint(&self.store_path, &self.nar_hash, self.nar_size, self.references.iter().map(String::as_str))
    }

    /// Checks the `Sig:` lines against the trusted keys, looking keys up by name as Nix does.
    /// Only the first [`limits::NARINFO_MAX_SIGNATURES`] are looked at: each check costs
    /// milliseconds, and a hostile narinfo can hold thousands.
    pub fn verify(&self, trusted: &[PublicKey]) -> Verdict {
        let fingerprint = self.fingerprint();
        let mut v = Verdict::default();
        for sig in self.sigs.iter().take(limits::NARINFO_MAX_SIGNATURES) {
            let Some((name, bytes)) = keys::parse_signature(sig) else {
                v.malformed += 1;
                continue;
            };
            let mut candidates = trusted.iter().filter(|k| k.name == name).peekable();
            let list = if candidates.peek().is_none() {
                &mut v.untrusted
            } else if candidates.any(|k| k.verify(fingerprint.as_bytes(), &bytes)) {
                &mut v.valid
            } else {
                &mut v.bad
            };
            if !list.iter().any(|n| n == name) {
                list.push(name.to_owned());
            }
        }
        // A name with one good and one bad signature counts as good.
        v.bad.retain(|n| !v.valid.contains(n));
        v
    }
}

/// The directory part of a store path (`/nix/store`).
fn store_dir(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}

/// `<32 nix32 chars>-<name>`.
fn is_base_name(s: &str) -> bool {
    let (hash, name) = (s.get(..32), s.get(33..));
    hash.is_some_and(|h| h.bytes().all(hash::is_nix32))
        && s.as_bytes().get(32) == Some(&b'-')
        && name.is_some_and(|n| !n.is_empty() && !n.contains('/'))
}

/// The 32-character hash part of `/nix/store/<hash>-<name>`, used to name its narinfo.
pub fn store_path_hash(path: &str) -> Option<&str> {
    let (dir, base) = path.rsplit_once('/')?;
    (dir.starts_with('/') && is_base_name(base)).then(|| &base[..32])
}

/// Why a `nix-cache-info` is unusable.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CacheInfoError {
    #[error("nix-cache-info has an invalid Priority `{0}`")]
    BadPriority(String),
}

/// The fields of `/nix-cache-info` that Nix reads (`binary-cache-store.cc`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CacheInfo {
    pub store_dir: Option<String>,
    /// True only for `WantMassQuery: 1`.
    pub want_mass_query: bool,
    pub priority: Option<i32>,
}

impl CacheInfo {
    /// Parses `Key: value` lines: split at the first `:`, value trimmed, unknown keys and
    /// lines without a colon ignored. `Priority` is read like C's `stoi` (leading integer).
    pub fn parse(text: &str) -> Result<CacheInfo, CacheInfoError> {
        let mut info = CacheInfo::default();
        for line in text.lines() {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            match name {
                "StoreDir" => info.store_dir = Some(value.to_owned()),
                "WantMassQuery" => info.want_mass_query = value == "1",
                "Priority" => {
                    let end = value
                        .char_indices()
                        .find(|&(i, c)| !(c.is_ascii_digit() || (i == 0 && matches!(c, '-' | '+'))))
                        .map_or(value.len(), |(i, _)| i);
                    let p = value[..end].parse().map_err(|_| CacheInfoError::BadPriority(value.to_owned()))?;
                    info.priority = Some(p);
                }
                _ => {}
            }
        }
        Ok(info)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer, SigningKey};

    /// Written by Nix 2.8 (`nix copy --to file://…`), with a reference added.
    const REAL: &str = "StorePath: /nix/store/mjs27ix6ig2bkbi3s3sm470vrv4lf7ic-hello
URL: nar/09kxyd68d2nylk7ims23pj3i09s4nnv9p3dv6iij1q9canv42w6d.nar.xz
Compression: xz
FileHash: sha256:09kxyd68d2nylk7ims23pj3i09s4nnv9p3dv6iij1q9canv42w6d
FileSize: 124
NarHash: sha256:1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h
NarSize: 120
References: 
Deriver: 76w21n1f03fs5kw8fnffphx7qrqffw6r-hello.drv
Sig: test-1:UPqJBdGBbo0y6RZ4YJzaVGysRloRBO74lHYSxUgIUTXTYsPZt2uOAHqfXZxCRIJiBak+l7kwzRyjAWWuME19DQ==
";
    const REAL_KEY: &str = "test-1:3fSRX65Zwqi/yalMynDmnSl4yHACCzxVsiUdloF6bYs=";
    fn key(sk: &SigningKey, name: &str) -> PublicKey {
        PublicKey::parse(&format!("{name}:{}", keys::encode_b64(sk.verifying_key().as_bytes()))).expect("valid key")
    }

    #[test]
    fn real_nix_narinfo_parses_and_verifies() {
        let info = NarInfo::parse(REAL).expect("parses");
        assert_eq!(info.store_dir(), "/nix/store");
        assert_eq!(info.references, Vec::<String>::new());
        assert_eq!(info.deriver.as_deref(), Some("76w21n1f03fs5kw8fnffphx7qrqffw6r-hello.drv"));
        expect_test::expect!["1;/nix/store/mjs27ix6ig2bkbi3s3sm470vrv4lf7ic-hello;sha256:1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h;120;"]
            .assert_eq(&info.fingerprint());
        let v = info.verify(&[PublicKey::parse(REAL_KEY).expect("key")]);
        assert_eq!(v.valid, ["test-1"]);
        assert!(v.is_trusted());
    }

    #[test]
    fn fingerprint_sorts_full_reference_paths() {
        let text = REAL.replace(
            "References: ",
            "References: zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz-b 00000000000000000000000000000000-a",
        );
        let info = NarInfo::parse(&text).expect("parses");
        assert!(info.fingerprint().ends_with(
            ";120;/nix/store/00000000000000000000000000000000-a,/nix/store/zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz-b"
        ));
    }

    #[test]
    fn own_signature_verifies_and_tampered_size_fails() {
        let sk = SigningKey::from_bytes(&[3u8; 32]);
        let unsigned = NarInfo::parse(REAL).map(|mut i| {
            i.sigs.clear();
            i
        });
        let mut info = unsigned.expect("parses");
        let sig = sk.sign(info.fingerprint().as_bytes()).to_bytes();
        info.sigs.push(format!("mine-1:{}", keys::encode_b64(&sig)));
        let trusted = [key(&sk, "mine-1")];
        assert_eq!(info.verify(&trusted).valid, ["mine-1"]);

        let mut tampered = info.clone();
        tampered.nar_size = 121;
        let v = tampered.verify(&trusted);
        assert_eq!((v.valid.len(), v.bad.as_slice()), (0, &["mine-1".to_owned()][..]));

        // The right bytes under another name are not trusted: Nix looks keys up by name.
        let v = info.verify(&[key(&sk, "other-1")]);
        assert_eq!((v.valid.len(), v.untrusted.as_slice()), (0, &["mine-1".to_owned()][..]));
        info.sigs.push("junk".to_owned());
        assert_eq!(info.verify(&trusted).malformed, 1);
    }

    #[test]
    fn missing_and_invalid_fields_are_named() {
        let err = |from: &str, to: &str| {
            NarInfo::parse(&REAL.replace(from, to)).map_or_else(|e| e.to_string(), |_| "parsed".into())
        };
        assert_eq!(err("NarSize: 120", "NarSize: 0"), "narinfo has no NarSize field");
        assert_eq!(err("NarSize: 120", "NarSize: x"), "narinfo field NarSize is not a number: `x`");
        assert_eq!(err("URL:", "Url:"), "narinfo has no URL field");
        assert!(err("StorePath: /nix/store/mjs", "StorePath: /nix/store/").contains("not a store path"));
        assert!(err("NarHash: sha256:1", "NarHash: sha256:").contains("not a valid hash"));
        assert_eq!(
            store_path_hash("/nix/store/mjs27ix6ig2bkbi3s3sm470vrv4lf7ic-hello"),
            Some("mjs27ix6ig2bkbi3s3sm470vrv4lf7ic")
        );
        assert_eq!(store_path_hash("/nix/store/short-hello"), None);
    }

    #[test]
    fn cache_info_follows_nix() {
        let info = CacheInfo::parse("StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 30\njunk\nX: y\n");
        assert_eq!(
            info,
            Ok(CacheInfo { store_dir: Some("/nix/store".into()), want_mass_query: true, priority: Some(30) })
        );
        let info = CacheInfo::parse("WantMassQuery: true\nPriority: 41x").expect("stoi-like");
        assert_eq!((info.store_dir, info.want_mass_query, info.priority), (None, false, Some(41)));
        assert!(CacheInfo::parse("Priority: high").is_err());
    }
}
