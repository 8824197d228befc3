//! `cachectl export`: the caches of a Nix file as nix.conf lines (or JSON), for an install
//! script to write to `/mnt/etc/nix/nix.conf` before `nixos-install`.
//!
//! A cache reachable only over Tailscale ([`StoreUrl::is_tailnet`]) is left out by default,
//! with a comment: Tailscale is not up while installing, and an unreachable substituter
//! can stall Nix. Keys are all kept: trusting a key without its cache is harmless.

use serde_json::{Value, json};

use super::config::{CacheConfig, Entry, Skipped};
use crate::store_url::StoreUrl;

/// A cache that is not written, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftOut {
    pub url: String,
    pub line: usize,
    pub reason: String,
}

/// What `export` writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    pub substituters: Vec<Entry>,
    pub keys: Vec<Entry>,
    pub left_out: Vec<LeftOut>,
    /// Values that could not be read from the file (computed or invalid).
    pub skipped: Vec<Skipped>,
}

/// Why a tailnet cache is left out.
pub const TAILNET_REASON: &str = "reachable only over Tailscale, which is not up during an install";

/// Decides what to write: everything, minus tailnet-only caches unless `include_unreachable`.
pub fn plan(config: &CacheConfig, include_unreachable: bool) -> Export {
    let mut export = Export {
        substituters: Vec::new(),
        keys: config.keys.clone(),
        left_out: Vec::new(),
        skipped: config.skipped.clone(),
    };
    for s in &config.substituters {
        let tailnet = StoreUrl::parse(&s.value).is_ok_and(|u| u.is_tailnet());
        if tailnet && !include_unreachable {
            export.left_out.push(LeftOut { url: s.value.clone(), line: s.line, reason: TAILNET_REASON.to_owned() });
        } else {
            export.substituters.push(s.clone());
        }
    }
    export
}

fn option_names(extra: bool) -> (&'static str, &'static str) {
    if extra { ("extra-substituters", "extra-trusted-public-keys") } else { ("substituters", "trusted-public-keys") }
}

/// nix.conf text. An empty list is not written (an empty `substituters =` would turn off
/// the installer's default cache); a comment says so instead.
pub fn nix_conf(export: &Export, extra: bool, source: &str) -> String {
    let (subs, keys) = option_names(extra);
    let mut out = format!("# Binary caches of {source}, written by cachectl export.\n");
    for l in &export.left_out {
        out.push_str(&format!(
            "# left out {} ({source}:{}): {} (--include-unreachable keeps it)\n",
            l.url, l.line, l.reason
        ));
    }
    for s in &export.skipped {
        out.push_str(&format!("# not exported ({source}:{}): {}\n", s.line, s.reason));
    }
    for (name, entries) in [(subs, &export.substituters), (keys, &export.keys)] {
        if entries.is_empty() {
            out.push_str(&format!("# no {name} to write\n"));
        } else {
            let values: Vec<&str> = entries.iter().map(|e| e.value.as_str()).collect();
            out.push_str(&format!("{name} = {}\n", values.join(" ")));
        }
    }
    out
}

/// `--format json`: the option names used, the values, and what was left out.
pub fn json(export: &Export, extra: bool, source: &str) -> Value {
    let (subs, keys) = option_names(extra);
    let values = |entries: &[Entry]| entries.iter().map(|e| e.value.clone()).collect::<Vec<_>>();
    json!({
        "file": source,
        "extra": extra,
        "options": { "substituters": subs, "trusted-public-keys": keys },
        "substituters": values(&export.substituters),
        "trusted-public-keys": values(&export.keys),
        "left_out": export.left_out.iter().map(|l| json!({"url": l.url, "line": l.line, "reason": l.reason})).collect::<Vec<_>>(),
        "skipped": export.skipped.iter().map(|s| json!({"line": s.line, "reason": s.reason})).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> CacheConfig {
        let text = "{ ... }: {\n  nix.settings.substituters = [\n    \"http://magnolia:5000\"\n    \
                    \"http://192.168.1.50:5000\"\n    \"https://cache.nixos.org\"\n  ];\n  \
                    nix.settings.trusted-public-keys = [ \"magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0=\" ];\n}\n";
        super::super::config::read(text).expect("parses")
    }

    #[test]
    fn tailnet_caches_are_left_out_with_a_comment() {
        let text = nix_conf(&plan(&config(), false), false, "base.nix");
        expect_test::expect![[r#"
            # Binary caches of base.nix, written by cachectl export.
            # left out http://magnolia:5000 (base.nix:3): reachable only over Tailscale, which is not up during an install (--include-unreachable keeps it)
            substituters = http://192.168.1.50:5000 https://cache.nixos.org
            trusted-public-keys = magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0=
        "#]]
        .assert_eq(&text);
        let all = plan(&config(), true);
        assert!(all.left_out.is_empty());
        let extra = nix_conf(&all, true, "base.nix");
        assert!(
            extra.contains(
                "\nextra-substituters = http://magnolia:5000 http://192.168.1.50:5000 https://cache.nixos.org\n"
            ),
            "{extra}"
        );
        assert!(extra.contains("\nextra-trusted-public-keys = magnolia.cache:"), "{extra}");
    }

    #[test]
    fn empty_lists_are_not_written() {
        let text = nix_conf(&plan(&CacheConfig::default(), false), false, "x.nix");
        assert!(!text.lines().any(|l| l.starts_with("substituters")), "{text}");
        assert!(text.contains("# no substituters to write"), "{text}");
        let j = json(&plan(&config(), false), true, "x.nix");
        assert_eq!(j["options"]["substituters"], "extra-substituters");
        assert_eq!(j["left_out"][0]["url"], "http://magnolia:5000");
        assert_eq!(j["substituters"].as_array().map(Vec::len), Some(2));
    }
}
