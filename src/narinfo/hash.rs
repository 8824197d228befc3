//! Nix hashes: its base-32 encoding ("nix32", `printHash32`/`parseHash32` in NixOS/nix
//! `hash.cc`) and the normalisation of `NarHash` to the `algo:nix32` form Nix signs.

use base64::Engine as _;

use super::NarInfoError;

/// Nix's base-32 alphabet: no `e`, `o`, `t`, `u`.
pub(super) const NIX32: &[u8; 32] = b"0123456789abcdfghijklmnpqrsvwxyz";

/// Encodes bytes in Nix's base 32 (`printHash32` in `hash.cc`): the last 5-bit group of
/// the little-endian bit string comes first.
pub fn nix32_encode(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return String::new();
    }
    let len = (bytes.len() * 8 - 1) / 5 + 1;
    (0..len)
        .rev()
        .map(|n| {
            let (i, j) = (n * 5 / 8, n * 5 % 8);
            let lo = bytes.get(i).map_or(0, |b| u16::from(*b) >> j);
            let hi = bytes.get(i + 1).map_or(0, |b| u16::from(*b) << (8 - j));
            char::from(NIX32[usize::from((lo | hi) & 0x1f)])
        })
        .collect()
}

/// The value of each byte as a nix32 digit, or `0xff`: decoding runs for every input path
/// of `cachectl coverage` (and every narinfo it reads), where a linear search of the
/// alphabet showed up in profiles.
const NIX32_VALUE: [u8; 256] = {
    let mut table = [0xffu8; 256];
    let mut i = 0;
    while i < NIX32.len() {
        table[NIX32[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// True for a character of Nix's base-32 alphabet.
pub(super) fn is_nix32(b: u8) -> bool {
    NIX32_VALUE[usize::from(b)] != 0xff
}

/// Decodes Nix base 32 into `size` bytes; `None` on a bad character or overflow.
pub fn nix32_decode(s: &str, size: usize) -> Option<Vec<u8>> {
    let mut out = vec![0u8; size];
    decode_into(s, &mut out).then_some(out)
}

/// Decodes Nix base 32 into `out` (all zeros); false on a bad character or overflow.
fn decode_into(s: &str, out: &mut [u8]) -> bool {
    for (n, c) in s.bytes().rev().enumerate() {
        let digit = match NIX32_VALUE[usize::from(c)] {
            0xff => return false,
            d => u16::from(d),
        };
        let (i, j) = (n * 5 / 8, n * 5 % 8);
        let shifted = digit << j;
        let Some(b) = out.get_mut(i) else { return false };
        *b |= (shifted & 0xff) as u8;
        let carry = (shifted >> 8) as u8;
        match out.get_mut(i + 1) {
            Some(b) => *b |= carry,
            None if carry != 0 => return false,
            None => {}
        }
    }
    true
}

/// True when `s` is already `algo:<nix32>`, the form [`normalize_hash`] gives, so that
/// it can be used as it is (checked without allocating).
pub(super) fn nix32_valid(s: &str) -> bool {
    let Some((algo, digest)) = s.split_once(':') else { return false };
    let Some(size) = digest_size(algo) else { return false };
    let mut buf = [0u8; 64];
    digest.len() == (size * 8 - 1) / 5 + 1 && buf.get_mut(..size).is_some_and(|out| decode_into(digest, out))
}

fn digest_size(algo: &str) -> Option<usize> {
    match algo {
        "md5" => Some(16),
        "sha1" => Some(20),
        "sha256" => Some(32),
        "sha512" => Some(64),
        _ => None,
    }
}

/// Rewrites `algo:<base16|nix32|base64>` or SRI `algo-<base64>` as `algo:<nix32>`.
pub fn normalize_hash(s: &str) -> Result<String, NarInfoError> {
    let bad = || NarInfoError::BadHash(s.to_owned());
    let b64 = &base64::engine::general_purpose::STANDARD;
    let (algo, digest, sri) = match (s.split_once(':'), s.split_once('-')) {
        (Some((a, d)), _) => (a, d, false),
        (None, Some((a, d))) => (a, d, true),
        (None, None) => return Err(bad()),
    };
    let size = digest_size(algo).ok_or_else(bad)?;
    let bytes = if sri {
        b64.decode(digest).ok()
    } else if digest.len() == size * 2 {
        decode_base16(digest)
    } else if digest.len() == (size * 8 - 1) / 5 + 1 {
        nix32_decode(digest, size)
    } else if digest.len() == size.div_ceil(3) * 4 {
        b64.decode(digest).ok()
    } else {
        None
    };
    match bytes {
        Some(b) if b.len() == size => Ok(format!("{algo}:{}", nix32_encode(&b))),
        _ => Err(bad()),
    }
}

fn decode_base16(s: &str) -> Option<Vec<u8>> {
    let hex = |c: u8| char::from(c).to_digit(16).and_then(|d| u8::try_from(d).ok());
    s.as_bytes().chunks(2).map(|p| Some(hex(*p.first()?)? << 4 | hex(*p.get(1)?)?)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys;

    /// `nix hash to-base16` of `sha256:1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h`, the NarHash of a real narinfo.
    const REAL_B16: &str = "sha256:10551daed7fa467d0b58826e7eb9a0f2af7d693de319f2ef775fffcda244b9f6";
    /// `nix hash to-sri` of it.
    const REAL_SRI: &str = "sha256-EFUdrtf6Rn0LWIJufrmg8q99aT3jGfLvd1//zaJEufY=";

    #[test]
    fn nix32_round_trips_and_matches_nix() {
        let nix32 = "1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h";
        let bytes = nix32_decode(nix32, 32).expect("decodes");
        assert_eq!(nix32_encode(&bytes), nix32);
        let b16 = REAL_B16.trim_start_matches("sha256:");
        assert_eq!(decode_base16(b16).as_deref(), Some(bytes.as_slice()), "matches `nix hash to-base16`");
        assert_eq!(nix32_encode(&[0u8; 20]), "0".repeat(32));
        assert_eq!(nix32_decode("zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", 32), None, "overflow");
        assert_eq!(nix32_decode("e", 1), None, "`e` is not in the alphabet");
    }

    #[test]
    fn every_hash_encoding_normalises_to_nix32() {
        let want = "sha256:1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h";
        let bytes = decode_base16(REAL_B16.trim_start_matches("sha256:")).expect("hex");
        let b64 = keys::encode_b64(&bytes);
        for form in [
            want.to_owned(),
            REAL_B16.to_owned(),
            format!("sha256:{b64}"),
            format!("sha256-{b64}"),
            REAL_SRI.to_owned(),
        ] {
            assert_eq!(normalize_hash(&form).as_deref(), Ok(want), "{form}");
        }
        assert!(normalize_hash("sha256:abc").is_err());
        assert!(normalize_hash("md4:00").is_err());
        assert!(normalize_hash("1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h").is_err());
    }
}
