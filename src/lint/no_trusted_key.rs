//! `no-trusted-key`: a substituter that no trusted key of the run plausibly signs.

use std::collections::HashSet;

use super::context::{Context, Item, ListRef, show, store_url};
use super::{Diagnostic, Rule, Severity, unused_key};
use crate::fix::Fix;
use crate::nix::model::{ElemValue, ListValue, SiteKind};
use crate::pairing;
use crate::store_url::StoreUrl;

pub const RULE: Rule = Rule {
    code: "no-trusted-key",
    severity: Severity::Warning,
    summary: "no trusted key pairs with this substituter",
    doc: "\
No key in any of the files checked together plausibly belongs to this substituter. Nix
finds a key by the name in a narinfo's `Sig:` line, and nothing in a configuration says
which key signs which cache, so cachectl pairs them by the conventions real
configurations follow. A key pairs with a cache when any of these links them:
- cachectl's registry: a built-in cache, or a route in cachectl.toml (`[caches.NAME.via]`);
  the only way a LAN address such as `http://192.168.1.50:5000` pairs;
- Cachix: `https://x.cachix.org` and `x.cachix.org-1` (`-2` after a rotation);
- the host name, with or without `-N`: `cache.garnix.io`, `cache.nixos.org-1`, the series
  `cache.flakehub.com-3` … `-10`; for `s3://bucket`, `bucket-1` or the endpoint's host;
- attic: `https://host/NAME` (also `…/NAME/`, and under a sub-path) and a key `NAME`/`NAME-1`;
- nix-serve and harmonia: the host's first label, `http://magnolia:5000` or
  `magnolia.tail1234.ts.net` and `magnolia.cache`, `magnolia-1`, `magnolia`;
- a sibling host of the same registrable domain: `https://cache.numtide.com` and
  `niks3.numtide.com-1`, but never on shared hosting where every subdomain is someone
  else's (cachix.org, github.io, pages.dev, amazonaws.com, r2.dev, … ; a tailnet
  `*.tailNNNN.ts.net` is one owner);
- the domain's owner: `https://nix.example.dev` and `example-1`;
- cache.nixos.org's keys, the legacy `hydra.nixos.org-1` included, pair with it and with
  its mirrors (`…/nix-channels/store`, numtide's pull-through cache);
- public caches whose published key has another name (`cache.iog.io` and `hydra.iohk.io`,
  `install.determinate.systems` and `cache.flakehub.com-3`, `cache.flox.dev` and
  `flox-cache-public-1`).
cache.nixos.org always has its key unless a module forces `trusted-public-keys` with
`lib.mkForce`, because NixOS and Nix add it by default. Likewise FlakeHub's cache
(`cache.flakehub.com`, `install.determinate.systems`) needs no key in a configuration that
uses Determinate Nix (a file of the run mentions `determinate`): Determinate's own nix.conf
trusts `cache.flakehub.com-3` … `-10`. When a key list is computed
(`map`, `mkMerge`, `++ keys`, text interpolation), it may hold any key: no cache is
reported then (`not-checked` says which list).

Why it matters: with `require-sigs = true` (the default), Nix rejects every path the cache
serves that is not signed by a trusted key, so the cache is contacted on every build and
never used.

This is a warning, not an error: a mirror or a LAN route of a cache is legitimately
signed by a key with another name. Name such routes in cachectl.toml and the warning goes
away. Keys in any file of the configuration count, not only in the files named:
`cachectl check hosts/a.nix` also reads the repository's other tracked `.nix` files and
the files they import, so a key in base.nix pairs with a host's cache (`--isolated` reads
the named files only). Stores opened with `?trusted=1` are exempt: Nix accepts their
paths unsigned; so are local stores.
When a key of the same block pairs with no substituter either, the finding is `info`:
the two probably belong together under names no convention links (`http://10.0.0.8:5000`
and `vladof.example.com-1`); `check --online` tells. It is `info` too for a cache on a
private network that the registry does not know (an IP address, a name without a dot, a
tailnet, `.lan`, `.home.arpa` and other names the internet does not resolve): such caches
are often pull-through proxies or routers (nginx, ncps, ncro) whose paths carry the
upstream's signature, which no name can tell. A registry cache (magnolia) still warns.

With `--online` the signatures decide: when a trusted key is seen signing the cache's
narinfo, this finding is shown as `info`, superseded, with the signer's name, and the
cache's line says `pairing: static pairing guessed no key, but the cache signs with …`.

How to fix: add the cache's public key to `trusted-public-keys` (`cachectl add URL --key
NAME:KEY` does both), or remove the substituter.",
};

/// The same finding, as `info`, when a key of the same block pairs with no substituter
/// either: the two probably belong together under names no convention links.
const ORPHAN: Rule = Rule { severity: Severity::Info, ..RULE };

pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    if !all_read(cx, ListSide::Keys) {
        return;
    }
    let unused = unused_key::unused_set(cx);
    for item in cx.store_urls() {
        if !unpaired(cx, item) {
            continue;
        }
        let Some(url) = store_url(item) else { continue };
        let shown = show(url.base());
        let by_address = url.host.trim_matches(|c| c == '[' || c == ']').parse::<std::net::IpAddr>().is_ok();
        match unused_key::candidate_in_block(cx, item, by_address, &unused).filter(|_| !pairing::self_named(&url.raw)) {
            Some(key) => {
                let msg = format!(
                    "no trusted key pairs with `{shown}` by name; `{key}`, in the same block, pairs with no substituter either and may sign it (`cachectl check --online` tells; a cachectl.toml route pairs them)"
                );
                out.push(cx.at_item(item, &ORPHAN, msg));
            }
            None if cx.registry.by_url(&url.raw).is_none() && (by_address || url.is_private_host()) => {
                let msg = format!(
                    "no trusted key pairs with `{shown}` by name; a cache on a private network is often a pull-through proxy or router whose paths carry the upstream's signature (`cachectl check --online` tells; otherwise add its key, or a cachectl.toml route)"
                );
                out.push(cx.at_item(item, &ORPHAN, msg));
            }
            None => {
                let msg = format!(
                    "no trusted key pairs with `{shown}`: Nix rejects its unsigned paths; add its public key to trusted-public-keys (a mirror signed by another key is fine)"
                );
                let d = cx.at_item(item, &RULE, msg);
                let known = cx.registry.by_url(&url.raw).map(|c| c.key.trim().to_owned());
                let editable = !item.conditional && !item.at.site.kind.is_text();
                out.push(match known.filter(|_| editable) {
                    Some(key) => {
                        d.with_fix(Fix::AddKey { site: item.at.site.range, kind: item.at.list.kind.partner(), key })
                    }
                    None => d,
                });
            }
        }
    }
}

/// A store URL that needs signatures and that no trusted key pairs with.
pub(super) fn unpaired(cx: &Context<'_>, item: &Item<'_>) -> bool {
    let Some(url) = store_url(item) else { return false };
    let trusted =
        url.params.as_deref().is_some_and(|p| p.split('&').any(|kv| kv == "trusted=1" || kv == "trusted=true"));
    !trusted && needs_signatures(&url) && cx.key_for(item.at.file, &url.raw).is_none()
}

/// The store URLs (as written) that no key pairs with, computed once per run.
pub(super) fn unpaired_set<'a>(cx: &Context<'a>) -> HashSet<&'a str> {
    cx.store_urls().filter(|u| unpaired(cx, u)).filter_map(Item::public_value).collect()
}

/// The first store URL of `key`'s block (same file, same settings block) that no key pairs
/// with and that could be signed by a key of another name (not `x.cachix.org`).
pub(super) fn unpaired_in_block<'a>(cx: &'a Context<'_>, key: &Item<'_>, unpaired: &HashSet<&str>) -> Option<&'a str> {
    cx.store_urls()
        .filter(|u| u.at.file == key.at.file && std::ptr::eq(u.at.site, key.at.site))
        .filter_map(Item::public_value)
        .find(|u| unpaired.contains(u) && !pairing::self_named(u))
}

/// Which lists [`all_read`] looks at.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum ListSide {
    Keys,
    StoreUrls,
}

/// True when every list of this side in the run was read in full. A list computed with a
/// function (`map`, `mkMerge`, `lists.optional`), with operands after `++` that are not
/// literal, with elements that are not plain strings, or interpolated into nix.conf text
/// may hold any key or URL: then no cache can be called unpaired, nor any key unused.
pub(super) fn all_read(cx: &Context<'_>, side: ListSide) -> bool {
    cx.lists.iter().filter(|l| l.is_keys() == (side == ListSide::Keys)).all(|l| read_in_full(cx, l))
}

fn read_in_full(cx: &Context<'_>, l: &ListRef<'_>) -> bool {
    let plain = l.list.elements().iter().chain(l.list.conditional()).all(|e| matches!(e.value, ElemValue::Str(_)));
    plain
        && match &l.list.value {
            ListValue::Literal { dynamic, .. } => !dynamic,
            ListValue::Refused { elements, .. } => {
                l.site.kind == SiteKind::ExtraOptions && !elements.is_empty() && !interpolated_line(cx, l)
            }
        }
}

/// A nix.conf line whose text goes on after an interpolation (`extra-substituters = ${…}`).
fn interpolated_line(cx: &Context<'_>, l: &ListRef<'_>) -> bool {
    let Some(text) = cx.files.get(l.file).map(|f| f.text) else { return true };
    let rest = text.get(usize::from(l.list.binding.end())..).unwrap_or_default();
    rest.split('\n').next().unwrap_or_default().contains("${")
}

/// Local stores (`daemon`, `local`, `unix://`, `auto`) hold paths this machine already trusts.
fn needs_signatures(url: &StoreUrl) -> bool {
    !matches!(url.scheme.as_str(), "daemon" | "local" | "unix" | "auto")
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;

    #[test]
    fn unpaired_cache_is_reported() {
        let text = module(
            &["https://cache.nixos.org", "https://hyprland.cachix.org", "https://cache.example.org/x?priority=5"],
            &[NC_KEY],
            "",
        );
        expect_test::expect![[r#"
            [
                "m.nix:4:48: warning[no-trusted-key]: no trusted key pairs with `https://hyprland.cachix.org`: Nix rejects its unsigned paths; add its public key to trusted-public-keys (a mirror signed by another key is fine)",
                "m.nix:4:78: warning[no-trusted-key]: no trusted key pairs with `https://cache.example.org/x`: Nix rejects its unsigned paths; add its public key to trusted-public-keys (a mirror signed by another key is fine)",
            ]
        "#]]
        .assert_debug_eq(&lint1(&text, "no-trusted-key"));
    }

    #[test]
    fn keys_pair_across_files() {
        let base = module(&["https://cache.nixos.org/"], &[NIXOS_KEY, MAG_KEY], "");
        let host = "{ nix.settings.substituters = [ \"http://magnolia:5000\" ]; nix.settings.connect-timeout = 5; nix.settings.fallback = true; }";
        assert!(lint(&[("base.nix", &base), ("host.nix", host)], "no-trusted-key").is_empty());
        assert_eq!(lint(&[("host.nix", host)], "no-trusted-key").len(), 1);
    }

    #[test]
    fn forcing_the_keys_drops_the_default_nixos_key() {
        let text = "{ lib, ... }: {\n  nix.settings.substituters = [ \"https://cache.nixos.org\" ];\n  nix.settings.trusted-public-keys = lib.mkForce [ ];\n}\n";
        assert_eq!(lint1(text, "no-trusted-key").len(), 1);
        let text = "{ nix.settings.substituters = [ \"https://cache.nixos.org\" ]; }";
        assert!(lint1(text, "no-trusted-key").is_empty());
    }

    #[test]
    fn computed_key_lists_may_hold_any_key() {
        let computed = [
            "{ lib, ... }: { nix.settings.substituters = [ \"https://a.example.org\" ]; nix.settings.trusted-public-keys = [ ] ++ keys; }",
            "{ lib, ... }: { nix.settings.substituters = [ \"https://a.example.org\" ]; nix.settings.trusted-public-keys = map (c: c.key) caches; }",
            "{ lib, ... }: { nix.settings.substituters = [ \"https://a.example.org\" ]; nix.settings.trusted-public-keys = [ k ]; }",
            "{ lib, ... }: { nix.settings.substituters = [ \"https://a.example.org\" ]; nix.extraOptions = ''\n  trusted-public-keys = ${k} \n''; }",
            "{ nix.settings.substituters = [ \"https://a.example.org\" ]; nix.extraOptions = ''\n  trusted-public-keys = b.example.com:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY= ${k}\n''; }",
        ];
        for text in computed {
            assert_eq!(lint1(text, "no-trusted-key"), Vec::<String>::new(), "{text}");
        }
        let text = "{ nix.settings.substituters = [ \"https://a.example.org\" ]; nix.extraOptions = ''\n  trusted-public-keys = b.example.com:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=\n''; }";
        assert_eq!(lint1(text, "no-trusted-key").len(), 1);
    }

    #[test]
    fn an_orphan_pair_in_one_block_is_only_info_on_both_sides() {
        let vladof = format!("vladof.example.com-1:{}", MAG_KEY.split_once(':').map_or("", |(_, b)| b));
        let text = module(&["http://10.42.0.8:5000"], &[&vladof], "    connect-timeout = 5;\n    fallback = true;\n");
        let lines = all(&[("m.nix", &text)]);
        expect_test::expect![[r#"
            [
                "m.nix:4:22: info[no-trusted-key]: no trusted key pairs with `http://10.42.0.8:5000` by name; `vladof.example.com-1`, in the same block, pairs with no substituter either and may sign it (`cachectl check --online` tells; a cachectl.toml route pairs them)",
                "m.nix:5:29: info[unused-key]: key `vladof.example.com-1` pairs with no substituter by name; `http://10.42.0.8:5000`, in the same block, pairs with no key either and may be signed by it (`cachectl check --online` tells; a cachectl.toml route pairs them)",
            ]
        "#]]
        .assert_debug_eq(&lines);
        // A URL by address may be signed by a key of its block that pairs with another URL.
        let text = module(
            &["http://10.42.0.8:5000", "http://vladof.example.com"],
            &[&vladof],
            "    connect-timeout = 5;\n    fallback = true;\n",
        );
        let lines = lint1(&text, "no-trusted-key");
        assert!(lines.len() == 1 && lines[0].contains("info[no-trusted-key]"), "{lines:?}");
        // In two different files they stay warnings, for a public host.
        let subs = module(&["https://nix.acme.io"], &[], "");
        let keys = module(&[], &[&vladof], "");
        let lines = all(&[("a.nix", &subs), ("b.nix", &keys)]);
        assert_eq!(lines.iter().filter(|l| l.contains(": warning[")).count(), 2, "{lines:?}");
        // A cache on a private network may be a proxy signed by its upstream: info.
        let subs = module(&["http://10.42.0.8:5000"], &[], "    connect-timeout = 5;\n    fallback = true;\n");
        let lines = all(&[("a.nix", &subs), ("b.nix", &keys)]);
        assert!(
            lines.iter().any(|l| l.contains("a.nix:4:22: info[no-trusted-key]") && l.contains("proxy")),
            "{lines:?}"
        );
        // The registry's own caches still warn (magnolia's key is known).
        let subs = module(&["http://magnolia:5000"], &[], "    connect-timeout = 5;\n    fallback = true;\n");
        let lines = lint1(&subs, "no-trusted-key");
        assert!(lines.len() == 1 && lines[0].contains("warning[no-trusted-key]"), "{lines:?}");
    }

    #[test]
    fn flakehub_needs_no_key_under_determinate_nix() {
        let subs = "{ nix.settings.extra-substituters = [ \"https://cache.flakehub.com\" ]; }";
        assert_eq!(lint1(subs, "no-trusted-key").len(), 1);
        let det = "{ determinate.enable = true; }";
        assert!(lint(&[("a.nix", subs), ("b.nix", det)], "no-trusted-key").is_empty());
    }

    #[test]
    fn trusted_and_local_stores_need_no_key() {
        let text = module(&["http://cache.example.org?trusted=1", "daemon", "ssh-ng://builder"], &[], "");
        let lines = lint1(&text, "no-trusted-key");
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(lines[0].contains("ssh-ng://builder"), "{lines:?}");
    }
}
