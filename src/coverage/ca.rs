//! Nix's content-addressed exception: a narinfo with a `CA:` field is accepted without a
//! trusted signature when the store path is the one its content address computes to
//! (`ValidPathInfo::isContentAddressed` in NixOS/nix `path-info.cc`, `store-api.cc`).
//!
//! A store path is `<store>/<nix32(compress20(sha256(s)))>-<name>` with
//! `s = "<type>:sha256:<base16 inner hash>:<store>:<name>"` (`makeStorePath`), where
//! - `text:sha256:H` gives type `text` plus `:<reference>` for each reference;
//! - `fixed:r:sha256:H` gives type `source` plus its references and `:self` if it refers
//!   to itself;
//! - any other `fixed:` address gives type `output:out` and the inner hash
//!   `sha256("fixed:out:[r:]<algo>:<base16 H>:")`, with no references allowed.

use sha2::{Digest, Sha256};

use crate::narinfo::{NarInfo, nix32_decode, nix32_encode, normalize_hash};

/// True when the narinfo's `CA:` field computes to exactly its store path.
pub fn matches(info: &NarInfo) -> bool {
    info.ca.as_deref().and_then(|ca| computed_path(info, ca)).is_some_and(|p| p == info.store_path)
}

/// The store path a content address gives for the narinfo's name and references.
fn computed_path(info: &NarInfo, ca: &str) -> Option<String> {
    let dir = info.store_dir();
    let base = info.store_path.rsplit('/').next()?;
    let name = base.get(33..)?;
    let refs: Vec<String> = {
        let mut r: Vec<String> = info.references.iter().map(|r| format!("{dir}/{r}")).collect();
        r.sort();
        r.dedup();
        r
    };
    let self_ref = refs.contains(&info.store_path);
    let others: Vec<&String> = refs.iter().filter(|r| **r != info.store_path).collect();
    if let Some(hash) = ca.strip_prefix("text:") {
        let hex = base16(hash, "sha256")?;
        let mut ty = "text".to_owned();
        for r in &others {
            ty.push(':');
            ty.push_str(r);
        }
        return (!self_ref).then(|| store_path(&ty, &hex, dir, name));
    }
    let fixed = ca.strip_prefix("fixed:")?;
    let (recursive, hash) = match fixed.strip_prefix("r:") {
        Some(h) => (true, h),
        None => (false, fixed),
    };
    let algo = hash.split(':').next()?;
    let hex = base16(hash, algo)?;
    if recursive && algo == "sha256" {
        let mut ty = "source".to_owned();
        for r in &others {
            ty.push(':');
            ty.push_str(r);
        }
        if self_ref {
            ty.push_str(":self");
        }
        return Some(store_path(&ty, &hex, dir, name));
    }
    if !refs.is_empty() {
        return None;
    }
    let inner = format!("fixed:out:{}{hex}:", if recursive { "r:" } else { "" });
    let outer = format!("sha256:{}", to_hex(&Sha256::digest(inner.as_bytes())));
    Some(store_path("output:out", &outer, dir, name))
}

/// `algo:<base16>` of a hash written in any encoding Nix accepts, if its algorithm is `algo`.
fn base16(hash: &str, algo: &str) -> Option<String> {
    let normal = normalize_hash(hash).ok()?;
    let (got, digest) = normal.split_once(':')?;
    if got != algo {
        return None;
    }
    let size = match algo {
        "md5" => 16,
        "sha1" => 20,
        "sha256" => 32,
        "sha512" => 64,
        _ => return None,
    };
    Some(format!("{algo}:{}", to_hex(&nix32_decode(digest, size)?)))
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `makeStorePath`: the hash part is the SHA-256 of the description, folded to 20 bytes.
fn store_path(ty: &str, hash: &str, dir: &str, name: &str) -> String {
    let digest = Sha256::digest(format!("{ty}:{hash}:{dir}:{name}").as_bytes());
    let mut folded = [0u8; 20];
    for (i, b) in digest.iter().enumerate() {
        folded[i % 20] ^= b;
    }
    format!("{dir}/{}-{name}", nix32_encode(&folded))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Narinfos written by Nix 2.8: `nix-store --add` of a file and of a directory,
    /// `builtins.toFile` with and without a reference, and `nix-store --add-fixed sha256`.
    fn narinfo(path: &str, nar_hash: &str, refs: &str, ca: &str) -> NarInfo {
        let text = format!(
            "StorePath: {path}\nURL: nar/x.nar\nNarHash: {nar_hash}\nNarSize: 120\nReferences: {refs}\nCA: {ca}\n"
        );
        NarInfo::parse(&text).expect("narinfo parses")
    }

    #[test]
    fn real_content_addresses_match() {
        let cases = [
            narinfo(
                "/nix/store/i9pmrzmpshapij2kin22pff6fc2adavx-hello.txt",
                "sha256:04zwf782yjwnh3q6hz5izfd6jyip8kgw6g6yj43fiqhbyhdd0dqw",
                "",
                "fixed:r:sha256:04zwf782yjwnh3q6hz5izfd6jyip8kgw6g6yj43fiqhbyhdd0dqw",
            ),
            narinfo(
                "/nix/store/8wdqnjljlpismfxa21pj1wlbwf3l2kvx-dirsrc",
                "sha256:1f1layi40aar7sfj6mbwpp9r02pp8i0zzcv9nxb15zhkdag66bv4",
                "",
                "fixed:r:sha256:1f1layi40aar7sfj6mbwpp9r02pp8i0zzcv9nxb15zhkdag66bv4",
            ),
            narinfo(
                "/nix/store/6bnp8avm52g4wvkywss7jci154wbv1vq-t.txt",
                "sha256:18ldr0390d6j8yr5fdy8qkwyasfn6krkgjk0hli3ciqy5bvbl8h0",
                "",
                "text:sha256:1jnfcavqwxjqdqhylbi8yfzv0ckwk6scbsmp020vz1x2573gjjr3",
            ),
            narinfo(
                "/nix/store/6l80plrsnx574g5l824hj8897hxb8xn6-b.txt",
                "sha256:160432x8b5h807iy51qqi1ibskm4rpk3k6m8fpzrlc43bfvr3yn9",
                "l82nr4gna33sc2g8m4hkkr6r983dlbd6-a.txt",
                "text:sha256:0q8d7v7fivnpnq2zfmbws4zwvnxm69m4ws4r9464x4kgid6nbkwp",
            ),
            narinfo(
                "/nix/store/gy454w1cxaq731grqwylhzf4pp9r5izh-hello.txt",
                "sha256:04zwf782yjwnh3q6hz5izfd6jyip8kgw6g6yj43fiqhbyhdd0dqw",
                "",
                "fixed:sha256:00xyyr3fi8l6hb839bv3f7yb86yjv7xi1cgh1xnhipym4asvb4aq",
            ),
        ];
        for info in &cases {
            assert!(matches(info), "{}", info.store_path);
        }
    }

    #[test]
    fn a_changed_address_name_or_reference_does_not_match() {
        let path = "/nix/store/6l80plrsnx574g5l824hj8897hxb8xn6-b.txt";
        let hash = "sha256:160432x8b5h807iy51qqi1ibskm4rpk3k6m8fpzrlc43bfvr3yn9";
        let ca = "text:sha256:0q8d7v7fivnpnq2zfmbws4zwvnxm69m4ws4r9464x4kgid6nbkwp";
        let reference = "l82nr4gna33sc2g8m4hkkr6r983dlbd6-a.txt";
        assert!(!matches(&narinfo(path, hash, "", ca)), "reference dropped");
        assert!(!matches(&narinfo(path, hash, reference, &ca.replace("0q8d", "1q8d"))), "address changed");
        assert!(!matches(&narinfo(&path.replace("-b.txt", "-c.txt"), hash, reference, ca)), "renamed");
        assert!(!matches(&narinfo(path, hash, reference, "nonsense")), "unknown kind");
        let mut unsigned = narinfo(path, hash, reference, ca);
        unsigned.ca = None;
        assert!(!matches(&unsigned), "no CA field");
    }
}
