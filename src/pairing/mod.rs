//! Which trusted key plausibly signs which cache: the naming conventions of real
//! configurations, one function each.
//!
//! Nix looks keys up by the name in a narinfo's `Sig:` line; nothing in a configuration
//! says which key belongs to which substituter. cachectl guesses, to warn about a cache
//! that no key signs (`no-trusted-key`) and a key that no cache uses (`unused-key`). A
//! wrong guess in the quiet direction hides a problem; a wrong guess in the loud direction
//! is a false warning, which teaches users to ignore the tool. So a URL and a key pair when
//! *any* of these conventions links them ([`convention`]), and only `check --online`, which
//! reads the real signer names, can say more:
//!
//! | convention | cache URL | key name |
//! |---|---|---|
//! | [`Convention::Host`] | `https://cache.garnix.io` | `cache.garnix.io`, `cache.flakehub.com-10` for `cache.flakehub.com` |
//! | [`Convention::Cachix`] | `https://NAME.cachix.org` | `NAME.cachix.org-1` (`-2` after a rotation) |
//! | [`Convention::Attic`] | `https://host/NAME`, `https://host/sub/NAME/` | `NAME`, `NAME-1` |
//! | [`Convention::FirstLabel`] | `http://magnolia:5000`, `https://magnolia.tail1234.ts.net` | `magnolia.cache`, `magnolia-1`, `magnolia` |
//! | [`Convention::Sibling`] | `https://cache.numtide.com` | `niks3.numtide.com-1` (not under shared hosting) |
//! | [`Convention::Owner`] | `https://nix.example.dev` | `example-1` |
//! | [`Convention::Legacy`] | `https://cache.nixos.org` | `hydra.nixos.org-1` |
//! | [`Convention::NixosMirror`] | `https://mirrors.ustc.edu.cn/nix-channels/store` | `cache.nixos.org-1` |
//! | [`Convention::Published`] | `https://cache.iog.io` | `hydra.iohk.io` (a public cache whose key has another name, [`PUBLISHED`]) |
//!
//! The registry's own pairs (built-in caches and `cachectl.toml` routes) come first; they
//! live in [`crate::registry::Registry::pairing`]. An IP address pairs only through them.
//! Everything here is pure: strings in, an answer out.

pub mod domain;
pub mod observed;

use crate::store_url::StoreUrl;

/// How a key was paired with a cache, from the most to the least specific.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Convention {
    /// cachectl's registry: a built-in cache or a route of `cachectl.toml`.
    Registry,
    /// `NAME.cachix.org` ↔ `NAME.cachix.org-N`.
    Cachix,
    /// The key is named after the host, with or without `-N`.
    Host,
    /// attic: the key is named after the cache, the last segment of the URL's path.
    Attic,
    /// nix-serve and harmonia: the key is named after the host's first label
    /// (`magnolia.cache`, `magnolia-1`, `magnolia`).
    FirstLabel,
    /// `hydra.nixos.org-1` still signs old paths that cache.nixos.org serves.
    Legacy,
    /// A known mirror or pull-through proxy of cache.nixos.org serves its signed paths.
    NixosMirror,
    /// A public cache whose published key is named after something else ([`PUBLISHED`]).
    Published,
    /// The key is named after another host of the same registrable domain.
    Sibling,
    /// The key is named after the owner of the domain (`example-1` for `nix.example.dev`).
    Owner,
}

impl Convention {
    /// A short name, for messages and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Convention::Registry => "registry",
            Convention::Cachix => "cachix",
            Convention::Host => "host name",
            Convention::Attic => "attic cache name",
            Convention::FirstLabel => "first label of the host",
            Convention::Legacy => "legacy cache.nixos.org key",
            Convention::NixosMirror => "mirror of cache.nixos.org",
            Convention::Published => "published key of a public cache",
            Convention::Sibling => "sibling host",
            Convention::Owner => "domain owner",
        }
    }
}

/// The best convention pairing `url` with the key named `key_name`, if any (the registry
/// excepted). Case does not matter; store parameters are ignored.
pub fn convention(url: &str, key_name: &str) -> Option<Convention> {
    let target = memo::target(url)?;
    let key = memo::key(key_name);
    let checks: [fn(&Target, &KeyName) -> Option<Convention>; 9] =
        [cachix, host, attic, first_label, legacy, nixos_mirror, published, sibling, owner];
    checks.iter().find_map(|check| check(&target, &key))
}

/// A key name, lowercased, and its base: the name without a `-N` serial.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyName {
    pub full: String,
    pub base: String,
    /// The registrable domain of the base read as a host name, if any.
    pub domain: Option<String>,
}

impl KeyName {
    pub fn new(name: &str) -> KeyName {
        let full = name.trim().to_ascii_lowercase();
        let base = strip_serial(&full).to_owned();
        let domain =
            Some(base.as_str()).filter(|b| domain::is_dns_name(b)).and_then(domain::registrable).map(str::to_owned);
        KeyName { full, base, domain }
    }

    /// The name equals `s`, or `s-N`.
    fn is(&self, s: &str) -> bool {
        !s.is_empty() && (self.full == s || self.base == s)
    }

    /// The base read as a host name (`niks3.numtide.com`), if it looks like one.
    pub fn host(&self) -> Option<&str> {
        Some(self.base.as_str()).filter(|b| domain::is_dns_name(b))
    }
}

/// `name-N` → `name`; anything else unchanged.
pub fn strip_serial(name: &str) -> &str {
    match name.rsplit_once('-') {
        Some((base, n)) if !base.is_empty() && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => base,
        _ => name,
    }
}

/// The parts of a substituter URL that conventions look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub scheme: String,
    /// Lowercase host, without port or brackets; empty for local stores.
    pub host: String,
    /// Non-empty path segments, as written (`["nix-channels", "store"]`).
    pub segments: Vec<String>,
    /// For `s3://bucket?endpoint=host`: the endpoint's host.
    pub endpoint: Option<String>,
    /// The registrable domains of the hosts (see [`domain::registrable`]).
    pub domains: Vec<String>,
    /// The host's first label when it may name a machine (not an address, not generic).
    pub label: Option<String>,
}

impl Target {
    pub fn parse(url: &str) -> Option<Target> {
        let parsed = StoreUrl::parse(url).ok()?;
        let rest = url.split('?').next().unwrap_or(url).split_once("://").map_or("", |(_, r)| r);
        let path = rest.find('/').map_or("", |i| &rest[i..]);
        let segments = path.split('/').filter(|s| !s.is_empty()).map(str::to_owned).collect();
        let endpoint = parsed.params.as_deref().and_then(|p| {
            let value = p.split('&').find_map(|kv| kv.strip_prefix("endpoint="))?;
            let hostport = value.split_once("://").map_or(value, |(_, r)| r).split('/').next()?;
            let host = hostport.rsplit_once(':').map_or(hostport, |(h, _)| h);
            Some(host.to_ascii_lowercase()).filter(|h| !h.is_empty())
        });
        let host = parsed.host.trim_matches(|c| c == '[' || c == ']').to_owned();
        let domains = std::iter::once(host.as_str())
            .chain(endpoint.as_deref())
            .filter_map(domain::registrable)
            .map(str::to_owned)
            .collect();
        let label = Some(host.split('.').next().unwrap_or_default())
            .filter(|l| !is_ip(&host) && l.len() >= 2 && !GENERIC_LABELS.contains(l))
            .map(str::to_owned);
        Some(Target { scheme: parsed.scheme, host, segments, endpoint, domains, label })
    }

    /// The hosts a key may be named after: the URL's host and an S3 endpoint's.
    fn hosts(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.host.as_str()).chain(self.endpoint.as_deref()).filter(|h| !h.is_empty())
    }

    fn is_http(&self) -> bool {
        self.scheme == "http" || self.scheme == "https"
    }
}

/// Host labels too generic to name a cache's owner: `cache.a.org` and `cache.b.org` share
/// nothing.
const GENERIC_LABELS: &[&str] = &[
    "cache",
    "caches",
    "nix",
    "nixos",
    "nixcache",
    "nix-cache",
    "binarycache",
    "binary-cache",
    "binary-caches",
    "attic",
    "store",
    "mirror",
    "mirrors",
    "substituter",
    "hydra",
    "harmonia",
    "nix-serve",
    "www",
    "cdn",
    "s3",
    "api",
    "public",
    "local",
    "localhost",
    "main",
    "default",
];

/// True for a literal IPv4 or IPv6 address.
fn is_ip(host: &str) -> bool {
    host.parse::<std::net::IpAddr>().is_ok()
}

/// `NAME.cachix.org` ↔ `NAME.cachix.org-N`.
pub fn cachix(t: &Target, k: &KeyName) -> Option<Convention> {
    (domain::under(&t.host, "cachix.org") && t.host != "cachix.org" && k.is(&t.host)).then_some(Convention::Cachix)
}

/// The key is named after the host (or an S3 endpoint's host): `cache.garnix.io`,
/// `cache.nixos.org-1`, the series `cache.flakehub.com-3` … `-10`, `s3://bucket` ↔ `bucket-1`.
pub fn host(t: &Target, k: &KeyName) -> Option<Convention> {
    t.hosts().any(|h| k.is(h)).then_some(Convention::Host)
}

/// attic serves cache `NAME` at `https://host/NAME` (also under a sub-path, and with a
/// trailing slash), signed by a key named `NAME` (or `NAME-N`).
pub fn attic(t: &Target, k: &KeyName) -> Option<Convention> {
    let last = t.segments.last()?;
    (t.is_http() && k.is(&last.to_ascii_lowercase())).then_some(Convention::Attic)
}

/// nix-serve and harmonia keys are named after the machine: `HOST.cache`, `HOST-1`, `HOST`,
/// `HOST.tail1234.ts.net`, where HOST is the host's first label (`http://magnolia:5000`,
/// `https://magnolia.tail1234.ts.net`). Generic labels (`cache`, `nix`, …) and addresses
/// never pair this way.
pub fn first_label(t: &Target, k: &KeyName) -> Option<Convention> {
    let label = t.label.as_deref()?;
    let named = |base: &str| {
        base == label || base.strip_prefix(label).is_some_and(|rest| rest.starts_with('.') || rest.starts_with('-'))
    };
    named(&k.base).then_some(Convention::FirstLabel)
}

/// Hosts that serve cache.nixos.org under its own key.
fn is_cache_nixos_org(t: &Target) -> bool {
    t.host == "cache.nixos.org" && t.segments.is_empty()
}

/// `hydra.nixos.org-1` signed cache.nixos.org's paths before `cache.nixos.org-1`; old
/// paths still carry it, so it pairs with cache.nixos.org and its mirrors.
pub fn legacy(t: &Target, k: &KeyName) -> Option<Convention> {
    (k.base == "hydra.nixos.org" && (is_cache_nixos_org(t) || is_nixos_mirror(t))).then_some(Convention::Legacy)
}

/// Mirrors and pull-through proxies of cache.nixos.org that serve its narinfos as they are,
/// so its keys sign them: the `…/nix-channels/store` layout of the TUNA, USTC, SJTU, NJU,
/// BFSU and ISCAS mirrors, numtide's pull-through cache and aseipp's Fastly mirror.
pub fn is_nixos_mirror(t: &Target) -> bool {
    const PROXIES: &[&str] =
        &["hetzner-cache.numtide.com", "aseipp-nix-cache.freetls.fastly.net", "aseipp-nix-cache.global.ssl.fastly.net"];
    let channels = matches!(t.segments.as_slice(), [.., a, b] if a == "nix-channels" && b == "store");
    t.is_http() && (channels || PROXIES.contains(&t.host.as_str()))
}

/// A mirror of cache.nixos.org pairs with the keys of cache.nixos.org.
pub fn nixos_mirror(t: &Target, k: &KeyName) -> Option<Convention> {
    (is_nixos_mirror(t) && k.base == "cache.nixos.org").then_some(Convention::NixosMirror)
}

/// True when a URL or a key name says by itself which cache it is: a host (or a key named
/// after a host) under shared hosting such as `x.cachix.org`, whose key can only be
/// `x.cachix.org-N`. Such a URL and such a key never belong to a differently named partner.
pub fn self_named(url_or_key: &str) -> bool {
    match memo::target(url_or_key) {
        Some(t) => !t.host.is_empty() && domain::is_shared(&t.host),
        None => memo::key(url_or_key).host().is_some_and(domain::is_shared),
    }
}

/// Public caches whose published key is named after another host or organisation, as their
/// own documentation gives them: (cache host, key name without `-N`).
pub const PUBLISHED: &[(&str, &str)] = &[
    // Determinate Systems: the Determinate Nix binaries, signed by FlakeHub's keys.
    ("install.determinate.systems", "cache.flakehub.com"),
    // IOG (haskell.nix): the cache moved from hydra.iohk.io; the key kept its name.
    ("cache.iog.io", "hydra.iohk.io"),
    // flox.
    ("cache.flox.dev", "flox-cache-public"),
    // Flying Circus: their hydra's cache in their object store.
    ("s3.whq.fcio.net", "flyingcircus.io"),
    // Chaotic-Nyx moved from Cachix to its own host and kept its key (same bytes, both names).
    ("nyx.chaotic.cx", "chaotic-nyx.cachix.org"),
];

/// A public cache and its published key ([`PUBLISHED`]).
pub fn published(t: &Target, k: &KeyName) -> Option<Convention> {
    PUBLISHED.iter().any(|&(host, key)| t.host == host && k.base == key).then_some(Convention::Published)
}

/// The key is named after another host of the same registrable domain
/// (`https://cache.numtide.com` ↔ `niks3.numtide.com-1`). Never under shared hosting:
/// `nobody.cachix.org` does not pair with `hyprland.cachix.org-1`.
pub fn sibling(t: &Target, k: &KeyName) -> Option<Convention> {
    let key_domain = k.domain.as_deref()?;
    t.domains.iter().any(|d| d == key_domain).then_some(Convention::Sibling)
}

/// The key is named after the owner of the domain: the first label of the registrable
/// domain (`https://nix.example.dev` ↔ `example-1`).
pub fn owner(t: &Target, k: &KeyName) -> Option<Convention> {
    t.domains
        .iter()
        .filter_map(|d| d.split('.').next())
        .any(|o| o.len() >= 3 && !GENERIC_LABELS.contains(&o) && k.base == o)
        .then_some(Convention::Owner)
}

/// Parsed URLs and key names, kept per thread: `Registry::pairs` is asked about every URL
/// with every key of a run, and parsing each pair again would make a large configuration
/// slow. The caches only ever hold what the pure parsers return, and are cleared when
/// they grow large.
mod memo {
    use std::cell::RefCell;
    use std::collections::HashMap;
    use std::rc::Rc;

    use super::{KeyName, Target};

    const LIMIT: usize = 4096;

    thread_local! {
        static TARGETS: RefCell<HashMap<String, Option<Rc<Target>>>> = RefCell::new(HashMap::new());
        static KEYS: RefCell<HashMap<String, Rc<KeyName>>> = RefCell::new(HashMap::new());
    }

    pub fn target(url: &str) -> Option<Rc<Target>> {
        TARGETS.with(|m| {
            let mut m = m.borrow_mut();
            if let Some(t) = m.get(url) {
                return t.clone();
            }
            if m.len() >= LIMIT {
                m.clear();
            }
            let t = Target::parse(url).map(Rc::new);
            m.insert(url.to_owned(), t.clone());
            t
        })
    }

    pub fn key(name: &str) -> Rc<KeyName> {
        KEYS.with(|m| {
            let mut m = m.borrow_mut();
            if let Some(k) = m.get(name) {
                return Rc::clone(k);
            }
            if m.len() >= LIMIT {
                m.clear();
            }
            let k = Rc::new(KeyName::new(name));
            m.insert(name.to_owned(), Rc::clone(&k));
            k
        })
    }
}

#[cfg(test)]
mod tests;
