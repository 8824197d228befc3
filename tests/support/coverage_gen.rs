//! Generated binary caches: fake input-addressed store paths whose narinfos are signed with
//! ed25519-dalek exactly as Nix signs them, for tests and for `scripts/bench-coverage`
//! (through `benches/gen_cache.rs`).
//!
//! Everything is deterministic for a given seed. The narinfos are complete (URL, hashes,
//! sizes, references to earlier paths), so the real Nix accepts them: `nix store verify`
//! checks their signatures and `nix-store --realise --dry-run` plans to fetch them. The
//! NARs themselves are not written.

#![allow(dead_code)]

use std::fmt::Write as _;
use std::path::Path;

use cachectl::keys::encode_b64;
use cachectl::narinfo::nix32_encode;
use ed25519_dalek::{Signer, SigningKey};

/// A deterministic pseudo-random generator (SplitMix64).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn bytes<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        for chunk in out.chunks_mut(8) {
            let v = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
        out
    }
}

/// A signing key with its Nix name.
pub struct Key {
    pub name: String,
    pub signing: SigningKey,
}

impl Key {
    pub fn new(name: &str, seed: u8) -> Key {
        Key { name: name.to_owned(), signing: SigningKey::from_bytes(&[seed; 32]) }
    }

    /// `name:base64` of the public key, as `trusted-public-keys` lists it.
    pub fn public(&self) -> String {
        format!("{}:{}", self.name, encode_b64(self.signing.verifying_key().as_bytes()))
    }

    /// `name:base64` of the 64-byte secret key, as `nix-store --generate-binary-cache-key` writes it.
    pub fn secret(&self) -> String {
        let mut bytes = self.signing.to_bytes().to_vec();
        bytes.extend_from_slice(self.signing.verifying_key().as_bytes());
        format!("{}:{}", self.name, encode_b64(&bytes))
    }
}

/// One fake store path and the facts its narinfo states.
#[derive(Clone, Debug)]
pub struct FakePath {
    pub path: String,
    pub nar_hash: String,
    pub nar_size: u64,
    pub file_size: u64,
    /// Base names of earlier paths it refers to.
    pub references: Vec<String>,
}

impl FakePath {
    pub fn hash(&self) -> &str {
        &self.base()[..32]
    }

    pub fn base(&self) -> &str {
        &self.path["/nix/store/".len()..]
    }

    /// The narinfo text, signed by `keys` (none for an unsigned one).
    pub fn narinfo(&self, keys: &[&Key]) -> String {
        let file_hash = nix32_encode(&sha256_like(self.nar_hash.as_bytes()));
        let mut text = String::new();
        let _ = writeln!(text, "StorePath: {}", self.path);
        let _ = writeln!(text, "URL: nar/{file_hash}.nar.xz");
        let _ = writeln!(text, "Compression: xz");
        let _ = writeln!(text, "FileHash: sha256:{file_hash}");
        let _ = writeln!(text, "FileSize: {}", self.file_size);
        let _ = writeln!(text, "NarHash: {}", self.nar_hash);
        let _ = writeln!(text, "NarSize: {}", self.nar_size);
        let _ = writeln!(text, "References: {}", self.references.join(" "));
        for key in keys {
            let sig = key.signing.sign(self.fingerprint().as_bytes());
            let _ = writeln!(text, "Sig: {}:{}", key.name, encode_b64(&sig.to_bytes()));
        }
        text
    }

    /// What Nix signs: `1;path;narHash;narSize;sorted full reference paths`.
    pub fn fingerprint(&self) -> String {
        let mut refs: Vec<String> = self.references.iter().map(|r| format!("/nix/store/{r}")).collect();
        refs.sort();
        format!("1;{};{};{};{}", self.path, self.nar_hash, self.nar_size, refs.join(","))
    }
}

/// Not a real SHA-256: 32 bytes derived from the input, enough for a plausible FileHash.
fn sha256_like(input: &[u8]) -> [u8; 32] {
    let seed = input.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3));
    Rng::new(seed).bytes()
}

/// `n` fake paths named `<prefix>-<i>-1.0`, each referring to up to two earlier ones.
pub fn fake_paths(n: usize, prefix: &str, seed: u64) -> Vec<FakePath> {
    let mut rng = Rng::new(seed);
    let mut out: Vec<FakePath> = Vec::with_capacity(n);
    for i in 0..n {
        let hash = nix32_encode(&rng.bytes::<20>());
        let nar_hash = format!("sha256:{}", nix32_encode(&rng.bytes::<32>()));
        let nar_size = 1024 + rng.next_u64() % 4_000_000;
        let mut references = Vec::new();
        for back in [1, 7] {
            if let Some(r) = i.checked_sub(back).and_then(|j| out.get(j)) {
                references.push(r.base().to_owned());
            }
        }
        out.push(FakePath {
            path: format!("/nix/store/{hash}-{prefix}-{i}-1.0"),
            nar_hash,
            nar_size,
            file_size: nar_size / 3 + 1,
            references,
        });
    }
    out
}

/// Writes a cache directory: `nix-cache-info` (with `Priority` when given) and one narinfo
/// per path, signed by `keys`.
pub fn write_cache(dir: &Path, paths: &[FakePath], keys: &[&Key], priority: Option<i32>) {
    std::fs::create_dir_all(dir).expect("create cache dir");
    let mut info = "StoreDir: /nix/store\nWantMassQuery: 1\n".to_owned();
    if let Some(p) = priority {
        let _ = writeln!(info, "Priority: {p}");
    }
    std::fs::write(dir.join("nix-cache-info"), info).expect("write nix-cache-info");
    for p in paths {
        std::fs::write(dir.join(format!("{}.narinfo", p.hash())), p.narinfo(keys)).expect("write narinfo");
    }
}

/// Changes `NarSize` in the narinfo of `p` in `dir`, so that its signature no longer verifies.
pub fn tamper(dir: &Path, p: &FakePath) {
    let file = dir.join(format!("{}.narinfo", p.hash()));
    let text = std::fs::read_to_string(&file).expect("read narinfo");
    let changed = text.replace(&format!("NarSize: {}\n", p.nar_size), &format!("NarSize: {}\n", p.nar_size + 1));
    assert_ne!(text, changed, "NarSize was changed");
    std::fs::write(&file, changed).expect("write narinfo");
}

/// The store paths, one per line.
pub fn path_list(paths: &[FakePath]) -> String {
    paths.iter().map(|p| format!("{}\n", p.path)).collect()
}
