//! `no-trusted-key`: a substituter that no trusted key of the run plausibly signs.

use super::context::{Context, ListRef, show, store_url};
use super::{Diagnostic, Rule, Severity};
use crate::nix::model::{ElemValue, ListValue, SiteKind};

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
`lib.mkForce`, because NixOS and Nix add it by default. When a key list is computed
(`map`, `mkMerge`, `++ keys`, text interpolation), it may hold any key: no cache is
reported then (`not-checked` says which list).

Why it matters: with `require-sigs = true` (the default), Nix rejects every path the cache
serves that is not signed by a trusted key, so the cache is contacted on every build and
never used.

This is a warning, not an error: a mirror or a LAN route of a cache is legitimately
signed by a key with another name. Name such routes in cachectl.toml and the warning goes
away. Check the files of one configuration together (`cachectl check base.nix
hosts/*.nix`) so keys in one file pair with caches in another. Stores opened with
`?trusted=1` are exempt: Nix accepts their paths unsigned.

With `--online` the signatures decide: when a trusted key is seen signing the cache's
narinfo, this finding is shown as `info`, superseded, with the signer's name, and the
cache's line says `pairing: static pairing guessed no key, but the cache signs with …`.

How to fix: add the cache's public key to `trusted-public-keys` (`cachectl add URL --key
NAME:KEY` does both), or remove the substituter.",
};

pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    if !all_read(cx, ListSide::Keys) {
        return;
    }
    for item in cx.store_urls() {
        let Some(url) = store_url(item) else { continue };
        let trusted =
            url.params.as_deref().is_some_and(|p| p.split('&').any(|kv| kv == "trusted=1" || kv == "trusted=true"));
        if trusted || !needs_signatures(&url.scheme) || cx.key_for(&url.raw).is_some() {
            continue;
        }
        let msg = format!(
            "no trusted key pairs with `{}`: Nix rejects its unsigned paths; add its public key to trusted-public-keys (a mirror signed by another key is fine)",
            show(url.base())
        );
        out.push(cx.at_item(item, &RULE, msg));
    }
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
fn needs_signatures(scheme: &str) -> bool {
    !matches!(scheme, "daemon" | "local" | "unix" | "auto")
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
    fn trusted_and_local_stores_need_no_key() {
        let text = module(&["http://cache.example.org?trusted=1", "daemon", "ssh-ng://builder"], &[], "");
        let lines = lint1(&text, "no-trusted-key");
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(lines[0].contains("ssh-ng://builder"), "{lines:?}");
    }
}
