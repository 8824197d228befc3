//! `mk-force`: `lib.mkForce` on substituters or keys drops NixOS's defaults.

use super::context::{Context, NIXOS_KEY_NAME};
use super::{Diagnostic, Rule, Severity};
use crate::keys;
use crate::nix::model::ListKind;

pub const RULE: Rule = Rule {
    code: "mk-force",
    severity: Severity::Info,
    summary: "lib.mkForce on substituters or keys drops NixOS's default cache.nixos.org",
    doc: "\
`substituters` (or `trusted-public-keys`) is wrapped in `lib.mkForce`. mkForce replaces
every other definition of the option, including the one NixOS itself makes: NixOS adds
`https://cache.nixos.org/` to the substituters (with `mkAfter`) and `cache.nixos.org-1` to
the trusted keys. Other modules' caches are dropped too. A forced key list also makes
`no-trusted-key` report cache.nixos.org, in the files of the same configuration only
(the file itself, and files that it imports, that import it, or that a common file
imports with it): an installer image that forces its keys does not affect the hosts.

Why it matters: this may be intended (an offline or air-gapped machine, a private cache
only), but it often is not: without cache.nixos.org every package not in the listed caches
is built from source, and with the key list forced, cache.nixos.org's paths are rejected
as unsigned.

How to fix: if the intent is to add caches, drop `lib.mkForce` (lists from all modules are
concatenated) or use `lib.mkBefore` to put them first. If the intent is to replace, list
cache.nixos.org and its key explicitly where they are still wanted.",
};

pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let forced = cx.lists.iter().filter(|l| l.domain().is_modules() && l.list.wrapper() == Some("mkForce"));
    for at in forced {
        let values = || at.list.elements().iter().filter_map(|e| e.value.as_str());
        let msg = match at.list.kind {
            ListKind::Substituters | ListKind::BinaryCaches => {
                let listed =
                    values().any(|v| cx.registry.by_url(v).is_some_and(|c| c.key_name() == Some(NIXOS_KEY_NAME)));
                if listed {
                    "`lib.mkForce` replaces the substituters of every other module and NixOS's default (cache.nixos.org is listed here, so it stays)".to_owned()
                } else {
                    "`lib.mkForce` drops NixOS's default substituter https://cache.nixos.org/ and the substituters of every other module".to_owned()
                }
            }
            ListKind::TrustedPublicKeys | ListKind::BinaryCachePublicKeys => {
                let listed = values().any(|v| keys::key_name(v) == Some(NIXOS_KEY_NAME));
                if listed {
                    "`lib.mkForce` replaces the keys of every other module and NixOS's default (cache.nixos.org-1 is listed here, so it stays)".to_owned()
                } else {
                    "`lib.mkForce` drops NixOS's default key cache.nixos.org-1 and the keys of every other module: cache.nixos.org's paths will be rejected".to_owned()
                }
            }
            _ => continue,
        };
        out.push(cx.at_list(at, &RULE, msg));
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;

    #[test]
    fn forced_lists_are_noted() {
        let text = "{ lib, ... }: {\n  nix.settings.substituters = lib.mkForce [ \"http://magnolia:5000\" ];\n  nix.settings.trusted-public-keys = lib.mkForce [\n    \"cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=\"\n  ];\n  nix.settings.extra-substituters = lib.mkForce [ ];\n}\n";
        expect_test::expect![[r#"
            [
                "m.nix:2:3: info[mk-force]: `lib.mkForce` drops NixOS's default substituter https://cache.nixos.org/ and the substituters of every other module",
                "m.nix:3:3: info[mk-force]: `lib.mkForce` replaces the keys of every other module and NixOS's default (cache.nixos.org-1 is listed here, so it stays)",
            ]
        "#]]
        .assert_debug_eq(&lint1(text, "mk-force"));
    }

    #[test]
    fn plain_and_ordered_lists_are_fine() {
        let text = "{ lib, ... }: { nix.settings.substituters = lib.mkBefore [ \"https://cache.nixos.org\" ]; }";
        assert!(lint1(text, "mk-force").is_empty());
    }
}
