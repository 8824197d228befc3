//! `mk-default`: `lib.mkDefault` on substituters or keys loses to NixOS's own definition.

use super::context::Context;
use super::{Diagnostic, Rule, Severity};
use crate::nix::model::ListKind;

pub const RULE: Rule = Rule {
    code: "mk-default",
    severity: Severity::Warning,
    summary: "lib.mkDefault on substituters or keys makes NixOS ignore the whole list",
    doc: "\
`substituters` or `trusted-public-keys` is wrapped in `lib.mkDefault` (or
`lib.mkOptionDefault`). NixOS defines both options itself (cache.nixos.org and its key) at
normal priority, and the module system keeps only the definitions with the highest
priority: a `mkDefault` definition loses to NixOS's, so every cache or key in this list is
silently dropped from nix.conf.

Why it matters: the configuration looks right, evaluates without a warning, and the caches
are never used (or, for keys, their paths are rejected as unsigned).

How to fix: remove `lib.mkDefault`; lists from all modules are concatenated, so a plain
list adds to NixOS's default. Use `lib.mkBefore` to put the caches first. In a
home-manager module, where `nix.settings` has no such default, mkDefault works; ignore the
warning there.",
};

pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for at in cx.lists.iter().filter(|l| l.domain().is_modules()) {
        let Some(w @ ("mkDefault" | "mkOptionDefault")) = at.list.wrapper() else { continue };
        let what = match at.list.kind {
            ListKind::Substituters | ListKind::BinaryCaches => "cache.nixos.org",
            ListKind::TrustedPublicKeys | ListKind::BinaryCachePublicKeys => "cache.nixos.org's key",
            _ => continue,
        };
        let msg = format!(
            "`lib.{w}` loses to NixOS's own definition of `{}` ({what}), so this whole list is ignored: remove `lib.{w}`",
            at.list.kind.name()
        );
        out.push(cx.at_list(at, &RULE, msg));
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;

    #[test]
    fn default_priority_lists_are_reported() {
        let text = "{ lib, ... }: {\n  nix.settings.substituters = lib.mkDefault [ \"https://cache.nixos.org\" ];\n  nix.settings.trusted-public-keys = lib.mkOrder 900 [ ];\n}\n";
        expect_test::expect![[r#"
            [
                "m.nix:2:3: warning[mk-default]: `lib.mkDefault` loses to NixOS's own definition of `substituters` (cache.nixos.org), so this whole list is ignored: remove `lib.mkDefault`",
            ]
        "#]]
        .assert_debug_eq(&lint1(text, "mk-default"));
    }

    #[test]
    fn flake_config_is_not_a_module() {
        let text = "{ nixConfig.substituters = lib.mkDefault [ \"https://cache.nixos.org\" ]; outputs = _: { }; }";
        assert!(lint1(text, "mk-default").is_empty());
    }
}
