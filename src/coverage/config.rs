//! The substituters and trusted keys that one Nix file configures, merged the way NixOS
//! merges list options.
//!
//! NixOS keeps only the definitions with the strongest override (`lib.mkForce` beats a
//! plain definition, which beats `lib.mkDefault`), then orders them by `mkBefore` (500),
//! plain (1000) and `mkAfter` (1500), ties in file order. `extra-substituters` and
//! `extra-trusted-public-keys` come after the base lists, and Nix drops exact duplicates.
//! Values that cannot be known without evaluation, invalid URLs and invalid keys are set
//! aside with their line, so callers can say what they left out.

use crate::keys::PublicKey;
use crate::nix::model::{Element, ListKind};
use crate::nix::syntax::LineIndex;
use crate::nix::{self, SyntaxError};
use crate::store_url::StoreUrl;

/// One configured value and the line that sets it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub value: String,
    pub line: usize,
}

/// A value that was left out, and why (never the value of a key: it may be secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub line: usize,
    pub reason: String,
}

/// What a Nix file configures, in the order Nix sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CacheConfig {
    /// Substituter URLs as written (store parameters kept), duplicates dropped.
    pub substituters: Vec<Entry>,
    /// Valid public keys (`name:base64`), duplicates dropped.
    pub keys: Vec<Entry>,
    pub skipped: Vec<Skipped>,
    /// `require-sigs = false` is set: Nix then takes paths without checking signatures.
    pub unsigned_ok: bool,
}

impl CacheConfig {
    /// The trusted keys, parsed (they were validated when read).
    pub fn public_keys(&self) -> Vec<PublicKey> {
        self.keys.iter().filter_map(|k| PublicKey::parse(&k.value).ok()).collect()
    }

    pub fn substituter_urls(&self) -> Vec<String> {
        self.substituters.iter().map(|e| e.value.clone()).collect()
    }
}

/// One definition of a list option: its module-system priorities and its elements.
struct Definition<'a> {
    override_priority: u32,
    order: u32,
    elements: Vec<&'a Element>,
}

/// `(override priority, order priority)` of a definition wrapped in `wrapper`
/// (NixOS `lib/modules.nix`: mkForce 50, plain 100, mkDefault 1000, mkOptionDefault 1500;
/// mkBefore 500, plain 1000, mkAfter 1500).
fn priorities(wrapper: Option<&str>) -> (u32, u32) {
    match wrapper {
        Some("mkForce") => (50, 1000),
        Some("mkDefault") => (1000, 1000),
        Some("mkOptionDefault") => (1500, 1000),
        Some("mkBefore") => (100, 500),
        Some("mkAfter") => (100, 1500),
        _ => (100, 1000),
    }
}

/// The merged elements of the definitions whose kind is in `kinds`.
fn merge<'a>(defs: &[(ListKind, Definition<'a>)], kinds: &[ListKind]) -> Vec<&'a Element> {
    let mine: Vec<&Definition<'a>> = defs.iter().filter(|(k, _)| kinds.contains(k)).map(|(_, d)| d).collect();
    let Some(strongest) = mine.iter().map(|d| d.override_priority).min() else {
        return Vec::new();
    };
    let mut kept: Vec<&Definition<'a>> = mine.into_iter().filter(|d| d.override_priority == strongest).collect();
    kept.sort_by_key(|d| d.order);
    kept.into_iter().flat_map(|d| d.elements.iter().copied()).collect()
}

/// Reads the caches and keys of a Nix file.
pub fn read(text: &str) -> Result<CacheConfig, SyntaxError> {
    let model = nix::locate(text)?;
    let index = LineIndex::new(text);
    let mut defs = Vec::new();
    let mut unsigned_ok = false;
    for site in &model.sites {
        // `require-sigs = false;`, possibly wrapped (`lib.mkForce false`).
        if site.setting("require-sigs").is_some_and(|s| s.value.split_whitespace().last() == Some("false")) {
            unsigned_ok = true;
        }
        for list in &site.lists {
            let (override_priority, order) = priorities(list.wrapper());
            let elements = list.elements().iter().chain(list.conditional()).collect();
            defs.push((list.kind, Definition { override_priority, order, elements }));
        }
    }
    let line = |e: &Element| index.line(usize::from(e.range.start()));
    let mut config = CacheConfig { unsigned_ok, ..CacheConfig::default() };
    let urls = merge(&defs, &[ListKind::Substituters, ListKind::BinaryCaches]);
    let extra_urls = merge(&defs, &[ListKind::ExtraSubstituters]);
    for e in urls.into_iter().chain(extra_urls) {
        let Some(value) = e.value.as_str() else {
            config.skipped.push(Skipped {
                line: line(e),
                reason: "a substituter is computed; it cannot be read without evaluation".into(),
            });
            continue;
        };
        if let Err(err) = StoreUrl::parse(value) {
            config.skipped.push(Skipped { line: line(e), reason: format!("substituter left out: {err}") });
        } else if !config.substituters.iter().any(|s| s.value == value) {
            config.substituters.push(Entry { value: value.to_owned(), line: line(e) });
        }
    }
    let keys = merge(&defs, &[ListKind::TrustedPublicKeys, ListKind::BinaryCachePublicKeys]);
    let extra_keys = merge(&defs, &[ListKind::ExtraTrustedPublicKeys]);
    for e in keys.into_iter().chain(extra_keys) {
        let Some(value) = e.value.as_str() else {
            config.skipped.push(Skipped {
                line: line(e),
                reason: "a trusted key is computed; it cannot be read without evaluation".into(),
            });
            continue;
        };
        let value = value.trim();
        match PublicKey::parse(value) {
            Err(err) => config.skipped.push(Skipped { line: line(e), reason: format!("trusted key left out: {err}") }),
            Ok(_) if config.keys.iter().any(|k| k.value == value) => {}
            Ok(_) => config.keys.push(Entry { value: value.to_owned(), line: line(e) }),
        }
    }
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    const K1: &str = "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=";
    const K2: &str = "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0=";

    fn values(entries: &[Entry]) -> Vec<&str> {
        entries.iter().map(|e| e.value.as_str()).collect()
    }

    #[test]
    fn lists_merge_in_nixos_order() {
        let text = format!(
            "{{ lib, ... }}: {{\n  nix.settings.substituters = lib.mkAfter [ \"https://after\" ];\n  \
             nix.settings.extra-substituters = [ \"https://extra\" \"https://plain\" ];\n  \
             nix.settings.trusted-public-keys = [ \"{K1}\" \"{K2}\" \"{K1}\" ];\n  \
             nix.binaryCaches = [ \"https://plain\" \"http://magnolia:5000?priority=10\" ];\n  \
             config.nix.settings = {{ substituters = lib.mkBefore [ \"https://before\" ]; }};\n}}\n"
        );
        let c = read(&text).expect("parses");
        assert_eq!(
            values(&c.substituters),
            ["https://before", "https://plain", "http://magnolia:5000?priority=10", "https://after", "https://extra"]
        );
        assert_eq!(values(&c.keys), [K1, K2]);
        assert_eq!(c.keys.first().map(|k| k.line), Some(4));
        assert!(c.skipped.is_empty(), "{:?}", c.skipped);
        assert_eq!(c.public_keys().len(), 2);
    }

    #[test]
    fn mk_force_replaces_other_definitions() {
        let text = "{ lib, ... }: {\n  nix.settings.substituters = [ \"https://a\" ];\n  \
                    config.nix.settings = { substituters = lib.mkForce [ \"https://b\" ]; };\n  \
                    nix.settings.trusted-public-keys = lib.mkDefault [ ];\n}\n";
        let c = read(text).expect("parses");
        assert_eq!(values(&c.substituters), ["https://b"]);
        assert!(!c.unsigned_ok);
        let c = read("{ lib, ... }: { nix.settings = { substituters = [ ]; require-sigs = lib.mkForce false; }; }")
            .expect("parses");
        assert!(c.unsigned_ok);
    }

    #[test]
    fn unreadable_values_are_set_aside_without_key_material() {
        let secret = crate::keys::encode_b64(&[7u8; 64]);
        let text = format!(
            "{{ host, ... }}: {{\n  nix.settings.substituters = [ \"http://${{host}}:5000\" \"ftp://x\" \"https://ok\" ];\n  \
             nix.settings.trusted-public-keys = [ \"leak-1:{secret}\" \"{K2}\" ];\n}}\n"
        );
        let c = read(&text).expect("parses");
        assert_eq!(values(&c.substituters), ["https://ok"]);
        assert_eq!(values(&c.keys), [K2]);
        let reasons: Vec<String> = c.skipped.iter().map(|s| format!("{}: {}", s.line, s.reason)).collect();
        assert_eq!(reasons.len(), 3, "{reasons:?}");
        assert!(reasons.iter().all(|r| !r.contains(&secret[..10])), "{reasons:?}");
        assert!(
            reasons.iter().any(|r| r.starts_with("3: trusted key left out") && r.contains("secret")),
            "{reasons:?}"
        );
    }
}
