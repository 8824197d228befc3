//! `unused-key`: a trusted key that no substituter of the run plausibly uses.

use super::context::Item;
use super::context::{Context, NIXOS_KEY_NAME, show};
use std::collections::HashSet;

use super::no_trusted_key::{ListSide, all_read, unpaired_in_block, unpaired_set};
use super::{Diagnostic, Rule, Severity, key_mismatch};

pub const RULE: Rule = Rule {
    code: "unused-key",
    severity: Severity::Warning,
    summary: "a trusted key pairs with no substituter",
    doc: "\
No substituter in the configuration (the files named, the repository's other tracked
`.nix` files and the files they import) plausibly uses this key (see
`cachectl explain no-trusted-key` for the conventions that pair keys and caches). Never
reported:
- cache.nixos.org's key and the legacy `hydra.nixos.org-1`: NixOS adds
  https://cache.nixos.org/ to the substituters by default (with `mkAfter`);
- a key with the same bytes as a key a cache uses (a cache that renamed its key, as
  `chaotic-nyx.cachix.org-1` and `nyx.chaotic.cx-1`);
- any key when a substituter list is computed (`map`, `mkMerge`, `lib.optional`,
  `++ config.…`): the computed part may use it (`not-checked` says which list).

Why it matters: usually a cache was removed and its key left behind. A trusted key is a
standing permission: anything signed with it is accepted from any substituter, so stale
keys should go.

When to ignore: the key signs paths served by a mirror under another name, by a cache
set outside the repository (or computed, so cachectl cannot read it), or a cache that
users enable from a flake's `nixConfig`. Name mirrors in cachectl.toml to avoid the first
case. With `--online`, a key seen signing a configured cache's narinfo makes this finding
`info`, superseded, with the cache it signs. A key with a bare name (`rocky`, `builder-1`,
`default`) is reported as `info` only: it is usually a machine's signing key, for `nix
copy`, remote builders and deploy tools, which no substituter list shows.

How to fix: remove the key (`cachectl remove CACHE` removes a cache and its key together).",
};

pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    if !all_read(cx, ListSide::StoreUrls) {
        return;
    }
    let unused = unused_set(cx);
    let unpaired = unpaired_set(cx);
    let mut seen: Vec<&str> = Vec::new();
    for item in cx.keys() {
        let Some(name) = item.key_name() else { continue };
        if seen.contains(&name) || !unused.contains(name) {
            continue;
        }
        seen.push(name);
        let orphan = unpaired_in_block(cx, item, &unpaired).filter(|_| !crate::pairing::self_named(name));
        let (rule, msg) = if let Some(url) = orphan {
            (
                &ORPHAN,
                format!(
                    "key `{name}` pairs with no substituter by name; `{}`, in the same block, pairs with no key either and may be signed by it (`cachectl check --online` tells; a cachectl.toml route pairs them)",
                    show(url)
                ),
            )
        } else if names_a_cache(name) {
            (
                &RULE,
                format!(
                    "key `{name}` pairs with no substituter in the files checked: remove it if its cache is gone (fine if it signs a mirror or a cache set elsewhere)"
                ),
            )
        } else {
            (
                &MACHINE,
                format!(
                    "key `{name}` pairs with no substituter in the files checked: fine if it is a machine's signing key (nix copy, remote builds, deploys); remove it if its machine or cache is gone"
                ),
            )
        };
        out.push(cx.at_item(item, rule, msg));
    }
}

/// Names of the well-formed keys that no store URL of the run pairs with, and that are not
/// in use for another reason (cache.nixos.org's keys, a renamed twin of a used key).
/// Computed once per run: the rules ask about every key of every block.
pub(super) fn unused_set<'a>(cx: &Context<'a>) -> HashSet<&'a str> {
    // Key bytes → whether some name carrying them is used, for renamed twins.
    let mut used_bytes: HashSet<[u8; 32]> = HashSet::new();
    for k in cx.keys().filter_map(|i| i.key.as_ref()?.as_ref().ok()) {
        if cx.key_is_used(&k.name) {
            used_bytes.insert(k.key.to_bytes());
        }
    }
    let mut out = HashSet::new();
    for item in cx.keys() {
        let (Some(v), Some(name)) = (item.public_value(), item.key_name()) else { continue };
        if out.contains(name) {
            continue;
        }
        let twin_used = matches!(&item.key, Some(Ok(k)) if used_bytes.contains(&k.key.to_bytes()));
        let well_formed = matches!(item.key, Some(Ok(_))) || key_mismatch::published_differs(cx, v).is_some();
        if well_formed
            && name != NIXOS_KEY_NAME
            && !cx.key_is_used(name)
            && !twin_used
            && !signs_default_cache(cx, name)
        {
            out.insert(name);
        }
    }
    out
}

/// The first key of `url`'s block (same file, same settings block) that could sign a
/// cache of another name (not `x.cachix.org-1`, not cache.nixos.org's): an unused one, or
/// with `any`, also those that pair with another cache (for a URL by address, which no
/// name can match: `http://192.168.1.5:8501` next to `mithlond.lan-1`).
pub(super) fn candidate_in_block<'a>(
    cx: &'a Context<'_>,
    url: &Item<'_>,
    any: bool,
    unused: &HashSet<&str>,
) -> Option<&'a str> {
    let plausible = |k: &Item<'_>| {
        let Some(name) = k.key_name() else { return false };
        let ok = matches!(k.key, Some(Ok(_)));
        if any { ok && name != NIXOS_KEY_NAME && !signs_default_cache(cx, name) } else { unused.contains(name) }
    };
    cx.keys()
        .filter(|k| k.at.file == url.at.file && std::ptr::eq(k.at.site, url.at.site) && plausible(k))
        .filter_map(Item::key_name)
        .find(|k| !crate::pairing::self_named(k))
}

/// The same finding, as `info`, when a substituter of the same block pairs with no key
/// either (see `no-trusted-key`).
const ORPHAN: Rule = Rule { severity: Severity::Info, ..RULE };

/// NixOS adds https://cache.nixos.org/ to every configuration, so a key that pairs with it
/// (`hydra.nixos.org-1`, the legacy key that old paths carry) is in use even when no file
/// lists that cache.
fn signs_default_cache(cx: &Context<'_>, name: &str) -> bool {
    cx.registry.pairs(DEFAULT_CACHE, name)
}

const DEFAULT_CACHE: &str = "https://cache.nixos.org";

/// The same finding, as `info`, for a key that is likely a machine's (see [`names_a_cache`]).
const MACHINE: Rule = Rule { severity: Severity::Info, ..RULE };

/// Only a key named after a host (`x.cachix.org-1`, `cache.example.org`) is a cache's key.
/// A bare name (`tomas`, `rocky`, `default`, `builder-1`) is usually a machine's or a
/// person's signing key: it signs what `nix copy`, remote builders and deploy tools send,
/// which no substituter list shows, so its finding is only `info`.
fn names_a_cache(name: &str) -> bool {
    crate::pairing::strip_serial(name).contains('.')
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;

    /// A valid public key (cache.nixos.org's bytes) under another name.
    fn named(name: &str) -> String {
        let key = format!("{name}:{}", NIXOS_KEY.split_once(':').map_or("", |(_, b)| b));
        assert!(crate::keys::PublicKey::parse(&key).is_ok(), "{key}");
        key
    }

    #[test]
    fn leftover_key_is_reported_once() {
        let text = module(&["https://cache.nixos.org/"], &[NIXOS_KEY, NC_KEY, NC_KEY], "");
        expect_test::expect![[r#"
            [
                "m.nix:5:94: warning[unused-key]: key `nix-community.cachix.org-1` pairs with no substituter in the files checked: remove it if its cache is gone (fine if it signs a mirror or a cache set elsewhere)",
            ]
        "#]]
        .assert_debug_eq(&lint1(&text, "unused-key"));
    }

    #[test]
    fn computed_substituter_lists_may_use_any_key() {
        let keys = format!("nix.settings.trusted-public-keys = [ \"{MAG_KEY}\" ];");
        for subs in [
            "lib.optional (config.networking.hostName != \"magnolia\") \"http://magnolia:5000\"",
            "[ \"https://cache.nixos.org\" ] ++ config.extraSubstituters",
            "lib.mkMerge [ [ \"https://a.example.org\" ] (lib.mkIf c [ \"http://magnolia:5000\" ]) ]",
        ] {
            let text = format!("{{ config, lib, ... }}: {{ nix.settings.substituters = {subs}; {keys} }}");
            assert_eq!(lint1(&text, "unused-key"), Vec::<String>::new(), "{text}");
        }
        let text = format!("{{ lib, ... }}: {{ nix.settings.substituters = [ \"https://cache.nixos.org\" ]; {keys} }}");
        assert_eq!(lint1(&text, "unused-key").len(), 1);
    }

    #[test]
    fn nixos_key_is_never_unused() {
        let text = module(&[], &[NIXOS_KEY], "");
        assert!(lint1(&text, "unused-key").is_empty());
    }

    #[test]
    fn legacy_hydra_key_is_never_unused() {
        let hydra = &named("hydra.nixos.org-1");
        assert!(lint1(&module(&[], &[NIXOS_KEY, hydra], ""), "unused-key").is_empty());
        let text = module(&["https://mirrors.ustc.edu.cn/nix-channels/store"], &[hydra], "");
        assert!(lint1(&text, "unused-key").is_empty());
    }

    #[test]
    fn keys_paired_only_by_a_convention_are_used() {
        let (numtide, attic) = (&named("niks3.numtide.com-1"), &named("oss"));
        let text = module(&["https://cache.numtide.com", "https://attic.example.com/oss/"], &[numtide, attic], "");
        assert!(lint1(&text, "unused-key").is_empty(), "{:?}", lint1(&text, "unused-key"));
        let text = module(&["https://nobody.cachix.org"], &[NC_KEY], "");
        assert_eq!(lint1(&text, "unused-key").len(), 1);
    }

    #[test]
    fn machine_keys_with_bare_names_are_only_info() {
        let (rocky, builder, cache) = (&named("rocky"), &named("builder-1"), &named("cache.example.org-1"));
        let text = module(&["https://nix-community.cachix.org"], &[NC_KEY, rocky, builder, cache], "");
        let lines = lint1(&text, "unused-key");
        let levels: Vec<(&str, bool)> = lines
            .iter()
            .map(|l| (if l.contains(": warning[") { "warning" } else { "info" }, l.contains("machine")))
            .collect();
        assert_eq!(levels, [("info", true), ("info", true), ("warning", false)], "{lines:?}");
        assert!(lines[2].contains("`cache.example.org-1`"), "{lines:?}");
    }

    #[test]
    fn a_renamed_key_is_used_when_its_twin_is() {
        let twin = format!("nix-community.old.org-1:{}", NC_KEY.split_once(':').map_or("", |(_, b)| b));
        let text = module(&["https://nix-community.cachix.org"], &[NC_KEY, &twin], "");
        assert!(lint1(&text, "unused-key").is_empty());
        let text = module(&["https://cache.nixos.org"], &[NC_KEY, &twin], "");
        assert_eq!(lint1(&text, "unused-key").len(), 2);
    }

    #[test]
    fn substituters_in_other_files_and_trusted_substituters_use_keys() {
        let base = module(&[], &[MAG_KEY, NC_KEY], "");
        let host = "{ nix.settings.substituters = [ \"http://magnolia:5000\" ];\n  nix.settings.trusted-substituters = [ \"https://nix-community.cachix.org\" ]; }";
        assert!(lint(&[("base.nix", &base), ("host.nix", host)], "unused-key").is_empty());
    }
}
