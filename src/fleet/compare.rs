//! `--eval`: what Nix itself evaluates for a host, against the static reading.

use serde::Serialize;

use crate::store_url;

/// The cache settings of one host as `nix eval --json …config.nix.settings` gives them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Evaluated {
    pub substituters: Vec<String>,
    pub trusted_public_keys: Vec<String>,
}

impl Evaluated {
    /// Reads `substituters`, `trusted-public-keys` and their `extra-` forms from the JSON of
    /// a settings attribute set. Anything else in it is ignored.
    pub fn from_json(v: &serde_json::Value) -> Evaluated {
        let list = |name: &str| -> Vec<String> {
            v.get(name)
                .and_then(|l| l.as_array())
                .map_or(Vec::new(), |a| a.iter().filter_map(|s| s.as_str().map(str::to_owned)).collect())
        };
        let mut e = Evaluated { substituters: list("substituters"), trusted_public_keys: list("trusted-public-keys") };
        e.substituters.extend(list("extra-substituters"));
        e.trusted_public_keys.extend(list("extra-trusted-public-keys"));
        e
    }
}

/// One difference between the static reading and Nix's evaluation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// `substituter` or `key`.
    pub what: &'static str,
    pub value: String,
    /// `eval-only` (Nix has it, the static reading missed it) or `static-only`.
    pub side: &'static str,
}

/// NixOS adds cache.nixos.org and its key by default: not a difference.
fn nixos_default(v: &str) -> bool {
    store_url::normalize(v) == "https://cache.nixos.org" || v.starts_with("cache.nixos.org-1:")
}

/// Every substituter (by its normalised URL) and key (by value) on one side only.
pub fn compare(static_urls: &[String], static_keys: &[String], eval: &Evaluated) -> Vec<Difference> {
    let mut out = Vec::new();
    let norm = |v: &[String]| v.iter().map(|u| store_url::normalize(u)).collect::<Vec<_>>();
    let (s, e) = (norm(static_urls), norm(&eval.substituters));
    for (i, u) in eval.substituters.iter().enumerate() {
        if !s.contains(&e[i]) && !nixos_default(u) && !out.iter().any(|d: &Difference| d.value == *u) {
            out.push(Difference { what: "substituter", value: u.clone(), side: "eval-only" });
        }
    }
    for (i, u) in static_urls.iter().enumerate() {
        if !e.contains(&s[i]) && !out.iter().any(|d: &Difference| d.value == *u) {
            out.push(Difference { what: "substituter", value: u.clone(), side: "static-only" });
        }
    }
    let trim = |v: &[String]| v.iter().map(|k| k.trim().to_owned()).collect::<Vec<_>>();
    let (sk, ek) = (trim(static_keys), trim(&eval.trusted_public_keys));
    for k in &ek {
        if !sk.contains(k) && !nixos_default(k) && !out.iter().any(|d: &Difference| d.value == *k) {
            out.push(Difference { what: "key", value: k.clone(), side: "eval-only" });
        }
    }
    for k in &sk {
        if !ek.contains(k) && !out.iter().any(|d: &Difference| d.value == *k) {
            out.push(Difference { what: "key", value: k.clone(), side: "static-only" });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_ignore_spelling_and_nixos_defaults() {
        let eval = Evaluated::from_json(&serde_json::json!({
            "substituters": ["https://cache.nixos.org/", "http://magnolia:5000/"],
            "extra-substituters": ["https://b.example.org"],
            "trusted-public-keys": ["cache.nixos.org-1:x", "b-1:y"],
            "max-jobs": 4
        }));
        let d = compare(&["http://magnolia:5000".into(), "https://a.example.org".into()], &["a-1:z".into()], &eval);
        let got: Vec<String> = d.iter().map(|d| format!("{} {} {}", d.side, d.what, d.value)).collect();
        assert_eq!(
            got,
            [
                "eval-only substituter https://b.example.org",
                "static-only substituter https://a.example.org",
                "eval-only key b-1:y",
                "static-only key a-1:z"
            ]
        );
    }
}
