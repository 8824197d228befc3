//! `flake-untrusted`: caches in a flake's `nixConfig` apply only for trusted users.

use super::context::Context;
use super::{Diagnostic, Rule, Severity};
use crate::nix::model::SiteKind;

pub const RULE: Rule = Rule {
    code: "flake-untrusted",
    severity: Severity::Info,
    summary: "substituters in a flake's nixConfig apply only for trusted users",
    doc: "\
A flake sets `extra-substituters` (or `substituters`) in its top-level `nixConfig`. Nix
applies these settings only when the user running `nix` accepts them: interactively, with
`--accept-flake-config`, or with `accept-flake-config = true`. Otherwise it prints
`ignoring untrusted flake configuration setting 'extra-substituters'` and goes on without
the cache. On a multi-user install the daemon also ignores substituters from users who are
not in `trusted-users`, unless the URL is in the system's `trusted-substituters`
(`ignoring untrusted substituter …, you are not a trusted user`).

Why it matters: the cache silently does nothing for most users and for CI, and everything
it would serve is built locally. Making every user trusted to fix this is effectively
giving them root.

How to fix: for machines you manage, put the cache and its key in the NixOS
configuration (`nix.settings.substituters` and `nix.settings.trusted-public-keys`). To let
untrusted users opt in, list the URL in `nix.settings.trusted-substituters` and the key in
`trusted-public-keys`; then the flake's `nixConfig` is honoured for them too.",
};

pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for at in cx.lists.iter().filter(|l| l.site.kind == SiteKind::FlakeConfig && l.is_substituters()) {
        let msg = format!(
            "`{}` applies only for trusted users: for others Nix says \"ignoring untrusted flake configuration setting\" and skips the cache",
            at.option()
        );
        out.push(cx.at_list(at, &RULE, msg));
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;

    #[test]
    fn flake_substituters_are_noted_once_per_list() {
        let text = "{\n  nixConfig = {\n    extra-substituters = [ \"https://nix-community.cachix.org\" ];\n    extra-trusted-public-keys = [ \"nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs=\" ];\n  };\n  outputs = _: { };\n}\n";
        expect_test::expect![[r#"
            [
                "m.nix:3:5: info[flake-untrusted]: `nixConfig.extra-substituters` applies only for trusted users: for others Nix says \"ignoring untrusted flake configuration setting\" and skips the cache",
            ]
        "#]]
        .assert_debug_eq(&lint1(text, "flake-untrusted"));
        assert!(all(&[("flake.nix", text)]).iter().all(|l| l.contains("[flake-untrusted]")));
    }
}
