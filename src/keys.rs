//! Nix signing keys: `name:base64` public keys, leaked secret keys and narinfo signatures.
//!
//! Nix splits a key at the first `:`, looks it up by name, and expects 32 bytes of ed25519
//! public key after base64 decoding. A 64-byte value is a secret key (seed ‖ public key)
//! pasted by mistake: it is reported as secret and never echoed.

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use ed25519_dalek::{Signature, VerifyingKey};
use thiserror::Error;

/// Base64 as Nix writes it (standard alphabet), accepting missing padding like Nix does.
const B64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Why a string is not a usable public key. Messages never contain the key material.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum KeyError {
    #[error("key has no `name:` prefix (expected `name:base64`)")]
    NoName,
    #[error("key name is empty (expected `name:base64`)")]
    EmptyName,
    #[error("key `{name}` is not valid base64")]
    NotBase64 { name: String },
    #[error(
        "key `{name}` is a secret signing key (64 bytes), not a public key: remove it and rotate it, it has leaked"
    )]
    Secret { name: String },
    #[error("key `{name}` decodes to {len} bytes, a public key has 32")]
    WrongLength { name: String, len: usize },
    #[error("key `{name}` is not a valid ed25519 public key (not a curve point)")]
    NotOnCurve { name: String },
}

impl KeyError {
    /// Short machine-readable code for diagnostics.
    pub fn code(&self) -> &'static str {
        match self {
            KeyError::Secret { .. } => "secret-key",
            _ => "invalid-key",
        }
    }
}

/// A checked ed25519 public key with its Nix name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    pub name: String,
    pub key: VerifyingKey,
}

impl PublicKey {
    /// Parses and fully validates a `name:base64` public key.
    pub fn parse(s: &str) -> Result<PublicKey, KeyError> {
        let s = s.trim();
        let (name, b64) = s.split_once(':').ok_or(KeyError::NoName)?;
        if name.is_empty() {
            return Err(KeyError::EmptyName);
        }
        let name = name.to_owned();
        let bytes = B64.decode(b64.trim()).map_err(|_| KeyError::NotBase64 { name: name.clone() })?;
        match bytes.len() {
            32 => {}
            64 => return Err(KeyError::Secret { name }),
            len => return Err(KeyError::WrongLength { name, len }),
        }
        let arr: [u8; 32] =
            bytes.as_slice().try_into().map_err(|_| KeyError::WrongLength { name: name.clone(), len: bytes.len() })?;
        let key = VerifyingKey::from_bytes(&arr).map_err(|_| KeyError::NotOnCurve { name: name.clone() })?;
        Ok(PublicKey { name, key })
    }

    /// The key in Nix's `name:base64` form.
    pub fn to_nix_string(&self) -> String {
        format!("{}:{}", self.name, base64::engine::general_purpose::STANDARD.encode(self.key.as_bytes()))
    }

    /// Verifies a detached signature (raw 64 bytes) over `message`.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        let Ok(sig) = Signature::from_slice(signature) else {
            return false;
        };
        self.key.verify_strict(message, &sig).is_ok()
    }
}

/// The name part of a key-like string (`name:…`), if it has one. Safe to print.
pub fn key_name(s: &str) -> Option<&str> {
    s.trim().split_once(':').map(|(n, _)| n).filter(|n| !n.is_empty())
}

/// True when the string decodes to 64 bytes: a leaked secret key. Never print such a value.
pub fn looks_secret(s: &str) -> bool {
    matches!(PublicKey::parse(s), Err(KeyError::Secret { .. }))
}

/// A printable form of a key-like string: the value itself, unless it is secret.
pub fn redacted(s: &str) -> String {
    if looks_secret(s) {
        match key_name(s) {
            Some(name) => format!("{name}:<secret redacted>"),
            None => "<secret redacted>".to_owned(),
        }
    } else {
        s.to_owned()
    }
}

/// Describes where two public keys with the same name differ, without printing either in
/// full: the first differing character position in the base64 part.
pub fn describe_difference(found: &str, expected: &str) -> String {
    let f = found.trim().split_once(':').map_or(found, |(_, b)| b);
    let e = expected.trim().split_once(':').map_or(expected, |(_, b)| b);
    let pos = f.chars().zip(e.chars()).position(|(a, b)| a != b);
    match pos {
        Some(i) => {
            let got: String = f.chars().skip(i).take(4).collect();
            let want: String = e.chars().skip(i).take(4).collect();
            format!("differs at base64 character {} (`{got}…` instead of `{want}…`)", i + 1)
        }
        None => format!("has length {} instead of {}", f.len(), e.len()),
    }
}

/// A narinfo `Sig:` value split into key name and raw signature bytes.
pub fn parse_signature(s: &str) -> Option<(&str, [u8; 64])> {
    let (name, b64) = s.trim().split_once(':')?;
    // Room for any base64 that could decode to 64 bytes (decode_slice refuses a buffer
    // shorter than its estimate, which is at most 2 bytes over the decoded length).
    let mut buf = [0u8; 72];
    let len = B64.decode_slice(b64.trim(), &mut buf).ok()?;
    let bytes: [u8; 64] = buf.get(..len)?.try_into().ok()?;
    (!name.is_empty()).then_some((name, bytes))
}

/// Base64-encodes bytes the way Nix does (for tests and tools that create keys).
pub fn encode_b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NIXOS: &str = "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=";

    #[test]
    fn published_key_parses_and_round_trips() {
        let k = PublicKey::parse(NIXOS).expect("valid");
        assert_eq!(k.name, "cache.nixos.org-1");
        assert_eq!(k.to_nix_string(), NIXOS);
    }

    #[test]
    fn each_defect_is_named() {
        assert_eq!(PublicKey::parse("abc"), Err(KeyError::NoName));
        assert_eq!(PublicKey::parse(":abc"), Err(KeyError::EmptyName));
        assert!(matches!(PublicKey::parse("n:!!!"), Err(KeyError::NotBase64 { .. })));
        assert!(matches!(PublicKey::parse("n:AAAA"), Err(KeyError::WrongLength { len: 3, .. })));
        let secret = format!("n:{}", encode_b64(&[7u8; 64]));
        let err = PublicKey::parse(&secret).unwrap_err();
        assert!(matches!(err, KeyError::Secret { .. }));
        assert!(!err.to_string().contains(&secret[2..12]));
        assert!(looks_secret(&secret));
        assert_eq!(redacted(&secret), "n:<secret redacted>");
    }

    #[test]
    fn non_point_is_rejected() {
        // y = 2 has no x on the curve, so these 32 bytes are not a point.
        let mut b = [0u8; 32];
        b[0] = 2;
        let k = format!("x:{}", encode_b64(&b));
        assert!(matches!(PublicKey::parse(&k), Err(KeyError::NotOnCurve { .. })));
    }

    #[test]
    fn signature_verifies_and_tampering_fails() {
        use ed25519_dalek::{Signer, SigningKey};
        let sk = SigningKey::from_bytes(&[9u8; 32]);
        let pk = format!("t-1:{}", encode_b64(sk.verifying_key().as_bytes()));
        let k = PublicKey::parse(&pk).expect("valid");
        let sig = sk.sign(b"hello").to_bytes();
        assert!(k.verify(b"hello", &sig));
        assert!(!k.verify(b"hellp", &sig));
        let s = format!("t-1:{}", encode_b64(&sig));
        let (name, bytes) = parse_signature(&s).expect("sig");
        assert_eq!(name, "t-1");
        assert!(k.verify(b"hello", &bytes));
        // 63 and 65 bytes, a name missing, and a long value are not signatures.
        for bad in [encode_b64(&[7u8; 63]), encode_b64(&[7u8; 65]), encode_b64(&[7u8; 300])] {
            assert_eq!(parse_signature(&format!("t-1:{bad}")), None, "{} bytes", bad.len());
        }
        assert_eq!(parse_signature(&format!(":{}", encode_b64(&sig))), None);
        assert_eq!(parse_signature(&format!(" t-1: {} ", encode_b64(&sig))).map(|(n, _)| n), Some("t-1"));
    }

    #[test]
    fn difference_is_located_without_full_values() {
        let typo = NIXOS.replace("6NCH", "6NCX");
        let d = describe_difference(&typo, NIXOS);
        assert!(d.contains("character 4"), "{d}");
    }
}
