//! Known caches: the built-in ones plus those of a `cachectl.toml` registry file.
//!
//! ```toml
//! file = "modules/base.nix"          # optional: the default Nix file
//! [caches.magnolia]
//! key = "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0="
//! probe = "/nix/store/…-hello-2.12"  # optional: a path the cache is known to serve
//! aliases = ["mag"]                  # optional
//! [caches.magnolia.via]              # routes, first is the default
//! tailscale = "http://magnolia:5000"
//! lan = "http://192.168.1.50:5000"
//! ```
//! A `url = "…"` entry is shorthand for a single route named `default`.

use serde::Deserialize;
use thiserror::Error;

use crate::keys::{self, PublicKey};
use crate::pairing::{self, Convention};
use crate::store_url::{self, StoreUrl};

/// One known cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cache {
    pub name: String,
    pub aliases: Vec<String>,
    /// The published public key.
    pub key: String,
    /// Routes in order; the first one is the default.
    pub routes: Vec<(String, String)>,
    /// A store path the cache is known to serve, for `check --online`.
    pub probe: Option<String>,
}

impl Cache {
    /// The URL of `route`, or of the first route.
    pub fn url(&self, route: Option<&str>) -> Result<&str, RegistryError> {
        match route {
            None => self
                .routes
                .first()
                .map(|(_, u)| u.as_str())
                .ok_or_else(|| RegistryError::NoRoutes { cache: self.name.clone() }),
            Some(r) => self.routes.iter().find(|(n, _)| n == r).map(|(_, u)| u.as_str()).ok_or_else(|| {
                RegistryError::UnknownRoute {
                    cache: self.name.clone(),
                    route: r.to_owned(),
                    known: self.routes.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>().join(", "),
                }
            }),
        }
    }

    /// True when `url` is one of this cache's routes (ignoring parameters and a trailing slash).
    pub fn has_url(&self, url: &str) -> bool {
        let k = store_url::normalize(url);
        self.routes.iter().any(|(_, u)| store_url::normalize(u) == k)
    }

    pub fn key_name(&self) -> Option<&str> {
        keys::key_name(&self.key)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RegistryError {
    #[error("unknown route `{route}` for cache `{cache}`; known routes: {known}")]
    UnknownRoute { cache: String, route: String, known: String },
    #[error("cache `{cache}` has no routes (give it `url` or `[caches.{cache}.via]`)")]
    NoRoutes { cache: String },
    #[error("{path}: {message}")]
    Parse { path: String, message: String },
    #[error("{path}: cache `{cache}`: {message}")]
    Invalid { path: String, cache: String, message: String },
}

/// All known caches, built-ins first, overridden or extended by a registry file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registry {
    pub caches: Vec<Cache>,
    /// The `file = "…"` default from `cachectl.toml`.
    pub default_file: Option<String>,
    /// Normalised route URL → index into `caches`, so lookups normalise only the query.
    index: Vec<(String, usize)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    file: Option<String>,
    #[serde(default)]
    caches: toml::Table,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCache {
    key: Option<String>,
    url: Option<String>,
    #[serde(default)]
    via: toml::Table,
    #[serde(default)]
    aliases: Vec<String>,
    probe: Option<String>,
}

impl Default for Registry {
    fn default() -> Self {
        Registry::builtin()
    }
}

fn cache(name: &str, aliases: &[&str], key: &str, routes: &[(&str, &str)]) -> Cache {
    Cache {
        name: name.into(),
        aliases: aliases.iter().map(|s| (*s).into()).collect(),
        key: key.into(),
        routes: routes.iter().map(|(a, b)| ((*a).into(), (*b).into())).collect(),
        probe: None,
    }
}

impl Registry {
    /// The caches cachectl knows without any configuration.
    pub fn builtin() -> Registry {
        Registry {
            caches: vec![
                cache(
                    "cache.nixos.org",
                    &["nixos"],
                    "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=",
                    &[("default", "https://cache.nixos.org")],
                ),
                cache(
                    "nix-community",
                    &["nix-community.cachix.org"],
                    "nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs=",
                    &[("default", "https://nix-community.cachix.org")],
                ),
                cache(
                    "magnolia",
                    &[],
                    "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0=",
                    &[("tailscale", "http://magnolia:5000")],
                ),
            ],
            default_file: None,
            index: Vec::new(),
        }
        .indexed()
    }

    fn indexed(mut self) -> Registry {
        self.index = self
            .caches
            .iter()
            .enumerate()
            .flat_map(|(i, c)| c.routes.iter().map(move |(_, u)| (store_url::normalize(u), i)))
            .collect();
        self
    }

    /// Built-ins overridden and extended by the contents of a `cachectl.toml`.
    pub fn with_file(path: &str, text: &str) -> Result<Registry, RegistryError> {
        let mut reg = Registry::builtin();
        let raw: RawFile = toml::from_str(text)
            .map_err(|e| RegistryError::Parse { path: path.into(), message: first_line(&e.to_string()) })?;
        reg.default_file = raw.file;
        for (name, value) in raw.caches {
            let invalid = |message: String| RegistryError::Invalid { path: path.into(), cache: name.clone(), message };
            let rc: RawCache = value.try_into().map_err(|e: toml::de::Error| invalid(first_line(&e.to_string())))?;
            let mut routes: Vec<(String, String)> = Vec::new();
            if let Some(u) = rc.url {
                routes.push(("default".into(), u));
            }
            for (route, url) in rc.via {
                let url = url.as_str().ok_or_else(|| invalid(format!("route `{route}` must be a string")))?;
                routes.push((route, url.to_owned()));
            }
            for (route, url) in &routes {
                StoreUrl::parse(url).map_err(|e| invalid(format!("route `{route}`: {e}")))?;
            }
            let existing = reg.caches.iter().position(|c| c.name == name);
            let base = existing.map(|i| reg.caches[i].clone());
            let key = match (rc.key, &base) {
                (Some(k), _) => {
                    PublicKey::parse(&k).map_err(|e| invalid(e.to_string()))?;
                    k
                }
                (None, Some(b)) => b.key.clone(),
                (None, None) => return Err(invalid("missing `key`".into())),
            };
            let routes = match (routes.is_empty(), &base) {
                (true, Some(b)) => b.routes.clone(),
                (true, None) => return Err(invalid("missing `url` or `[via]` routes".into())),
                (false, _) => routes,
            };
            let mut aliases = base.as_ref().map(|b| b.aliases.clone()).unwrap_or_default();
            aliases.extend(rc.aliases);
            let probe = rc.probe.or_else(|| base.as_ref().and_then(|b| b.probe.clone()));
            let c = Cache { name: name.clone(), aliases, key, routes, probe };
            match existing {
                Some(i) => reg.caches[i] = c,
                None => reg.caches.push(c),
            }
        }
        Ok(reg.indexed())
    }

    /// Looks a cache up by name or alias.
    pub fn get(&self, name: &str) -> Option<&Cache> {
        self.caches.iter().find(|c| c.name == name || c.aliases.iter().any(|a| a == name))
    }

    /// The known cache serving `url` on any route.
    pub fn by_url(&self, url: &str) -> Option<&Cache> {
        let k = store_url::normalize(url);
        self.index.iter().find(|(u, _)| *u == k).and_then(|(_, i)| self.caches.get(*i))
    }

    /// The known cache whose key has this name.
    pub fn by_key_name(&self, name: &str) -> Option<&Cache> {
        self.caches.iter().find(|c| c.key_name() == Some(name))
    }

    /// True when a key named `key_name` plausibly signs the cache at `url`: the registry
    /// pairs them, or one of the naming conventions of [`crate::pairing`] does.
    pub fn pairs(&self, url: &str, key_name: &str) -> bool {
        self.pairing(url, key_name).is_some()
    }

    /// How a key named `key_name` pairs with the cache at `url`: through the registry (a
    /// route of a known cache and that cache's key), or by a naming convention.
    pub fn pairing(&self, url: &str, key_name: &str) -> Option<Convention> {
        // The key-name test first: it is cheap, and most pairs fail it.
        let known = self.caches.iter().any(|c| c.key_name() == Some(key_name));
        if known && self.by_url(url).is_some_and(|c| c.key_name() == Some(key_name)) {
            return Some(Convention::Registry);
        }
        pairing::convention(url, key_name)
    }

    /// Of `key_names`, the one that pairs best with `url` (the registry first, then the most
    /// specific convention, then list order).
    pub fn best_key<'k>(&self, url: &str, key_names: &[&'k str]) -> Option<(&'k str, Convention)> {
        key_names.iter().filter_map(|&k| self.pairing(url, k).map(|c| (k, c))).min_by_key(|&(_, c)| c)
    }

    /// Names and aliases, for error messages.
    pub fn names(&self) -> String {
        self.caches.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ")
    }
}

fn first_line(s: &str) -> String {
    s.lines().filter(|l| !l.trim().is_empty()).collect::<Vec<_>>().join(" ").trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOML: &str = r#"
[caches.magnolia]
key = "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0="
[caches.magnolia.via]
tailscale = "http://magnolia:5000"
lan = "http://192.168.1.50:5000"
"#;

    #[test]
    fn builtins_resolve_by_name_alias_and_url() {
        let r = Registry::builtin();
        assert_eq!(r.get("nixos").map(|c| c.name.as_str()), Some("cache.nixos.org"));
        assert_eq!(r.by_url("https://cache.nixos.org/").map(|c| c.name.as_str()), Some("cache.nixos.org"));
        assert!(r.get("magnolia").is_some_and(|c| c.url(None) == Ok("http://magnolia:5000")));
    }

    #[test]
    fn pairing_conventions() {
        let r = Registry::builtin();
        assert!(r.pairs("https://cache.nixos.org/", "cache.nixos.org-1"));
        assert!(r.pairs("https://hyprland.cachix.org", "hyprland.cachix.org-1"));
        assert!(r.pairs("http://magnolia:5000", "magnolia.cache"));
        assert!(!r.pairs("http://192.168.1.50:5000", "magnolia.cache"));
        assert!(!r.pairs("https://hyprland.cachix.org", "nix-community.cachix.org-1"));
        assert!(!r.pairs("https://cache.example.org", "cache.nixos.org-1"));
        assert!(!r.pairs("https://nobody.cachix.org", "hyprland.cachix.org-1"));
    }

    #[test]
    fn registry_routes_pair_where_no_convention_does() {
        let r = Registry::with_file("cachectl.toml", TOML).expect("parses");
        assert_eq!(r.pairing("http://192.168.1.50:5000/", "magnolia.cache"), Some(Convention::Registry));
        assert_eq!(Registry::builtin().pairing("http://192.168.1.50:5000", "magnolia.cache"), None);
        let keys = ["hydra.nixos.org-1", "nix-community.cachix.org-1", "cache.nixos.org-1"];
        assert_eq!(r.best_key("https://cache.nixos.org", &keys), Some(("cache.nixos.org-1", Convention::Registry)));
        assert_eq!(r.best_key("https://x.cachix.org", &keys), None);
    }

    #[test]
    fn file_overrides_routes_in_order() {
        let r = Registry::with_file("cachectl.toml", TOML).expect("parses");
        let m = r.get("magnolia").expect("magnolia");
        assert_eq!(m.url(None), Ok("http://magnolia:5000"));
        assert_eq!(m.url(Some("lan")), Ok("http://192.168.1.50:5000"));
        let err = m.url(Some("wifi")).unwrap_err().to_string();
        assert_eq!(err, "unknown route `wifi` for cache `magnolia`; known routes: tailscale, lan");
    }

    #[test]
    fn bad_entries_are_rejected_with_the_cache_name() {
        let bad = "[caches.x]\nkey = \"x:AAAA\"\nurl = \"https://x.org\"\n";
        let err = Registry::with_file("c.toml", bad).unwrap_err().to_string();
        assert!(err.starts_with("c.toml: cache `x`:"), "{err}");
        let bad = "[caches.y]\nkey = \"cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=\"\nurl = \"https://y.org\\\"\"\n";
        assert!(Registry::with_file("c.toml", bad).is_err());
    }
}
