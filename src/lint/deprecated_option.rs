//! `deprecated-option`: `nix.binaryCaches` and friends, renamed to `nix.settings.*`.

use super::context::{Context, modern_name};
use super::{Diagnostic, Rule, Severity};
use crate::fix::Fix;

pub const RULE: Rule = Rule {
    code: "deprecated-option",
    severity: Severity::Warning,
    summary: "nix.binaryCaches / nix.binaryCachePublicKeys are deprecated names",
    doc: "\
The configuration uses an old option name: `nix.binaryCaches`, `nix.binaryCachePublicKeys`
or `nix.trustedBinaryCaches`. NixOS 22.05 renamed them to `nix.settings.substituters`,
`nix.settings.trusted-public-keys` and `nix.settings.trusted-substituters`.

Why it matters: NixOS still maps the old names but prints an evaluation warning on every
rebuild, and renamed options are eventually removed, at which point evaluation fails.
Mixing old and new names also makes it hard to see what the final list is.

How to fix: rename the option, keeping the list as it is:

    nix.binaryCaches = [ … ];           →  nix.settings.substituters = [ … ];
    nix.binaryCachePublicKeys = [ … ];  →  nix.settings.trusted-public-keys = [ … ];
    nix.trustedBinaryCaches = [ … ];    →  nix.settings.trusted-substituters = [ … ];",
};

pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for at in cx.lists.iter().filter(|l| l.list.kind.is_deprecated()) {
        let msg = format!(
            "`{}` is deprecated: rename it to `{}.settings.{}`",
            at.option(),
            at.site.path,
            modern_name(at.list.kind)
        );
        let d = cx.at_list(at, &RULE, msg);
        out.push(match at.site.kind.is_text() {
            true => d,
            false => d.with_fix(Fix::Rename { site: at.site.range, binding: at.list.binding }),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;

    #[test]
    fn old_names_are_reported_with_the_new_ones() {
        let text = "{\n  nix.binaryCaches = [ \"https://cache.nixos.org/\" ];\n  nix = { binaryCachePublicKeys = [ ]; trustedBinaryCaches = [ ]; };\n}\n";
        expect_test::expect![[r#"
            [
                "m.nix:2:3: warning[deprecated-option]: `nix.binaryCaches` is deprecated: rename it to `nix.settings.substituters`",
                "m.nix:3:11: warning[deprecated-option]: `nix.binaryCachePublicKeys` is deprecated: rename it to `nix.settings.trusted-public-keys`",
                "m.nix:3:40: warning[deprecated-option]: `nix.trustedBinaryCaches` is deprecated: rename it to `nix.settings.trusted-substituters`",
            ]
        "#]]
        .assert_debug_eq(&lint1(text, "deprecated-option"));
    }
}
