//! `text-override`: `substituters = …` or `trusted-public-keys = …` written as nix.conf text
//! in `nix.extraOptions`, which replaces what `nix.settings` sets.

use super::context::Context;
use super::{Diagnostic, Rule, Severity};
use crate::nix::model::{ListKind, SiteKind};

pub const RULE: Rule = Rule {
    code: "text-override",
    severity: Severity::Warning,
    summary: "nix.conf text in nix.extraOptions overrides nix.settings' cache list",
    doc: "\
`nix.extraOptions` sets `substituters = …` or `trusted-public-keys = …` (without `extra-`)
while `nix.settings` sets the same option in the same configuration (the same file, or a
file merged with it through imports). NixOS and nix-darwin write
`nix.settings` first and append the `extraOptions` text to nix.conf, and a later line of
nix.conf replaces an earlier one: the caches (or keys) of `nix.settings` are silently
ignored, including cache.nixos.org's defaults and every cache that `cachectl add` writes.

Why it matters: a cache added to `nix.settings` seems configured, and `nix config show`
lists only the text's values; builds fall back to compiling from source.

How to fix: move the text's values into `nix.settings.substituters` /
`trusted-public-keys` and delete the line, or write `extra-substituters = …` /
`extra-trusted-public-keys = …` in the text, which add to the list instead of replacing it.",
};

pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for at in cx.lists.iter().filter(|l| l.site.kind == SiteKind::ExtraOptions) {
        let kind = at.list.kind;
        if !matches!(kind, ListKind::Substituters | ListKind::TrustedPublicKeys) {
            continue;
        }
        // Only a `nix.settings` of the same configuration (the same file, or one merged with it).
        let same = |l: &&super::context::ListRef<'_>| {
            l.site.kind == SiteKind::Settings && l.list.kind == kind && cx.merge.merged(l.file, at.file)
        };
        let Some(set) = cx.lists.iter().find(same) else {
            continue;
        };
        let d = cx.diag(set.file, usize::from(set.list.binding.start()), &RULE, String::new());
        let msg = format!(
            "`{}` in nix.extraOptions text replaces `nix.settings.{}` (set at {}:{}:{}): write `extra-{}` here, or move the values to nix.settings",
            kind.name(),
            kind.name(),
            d.file,
            d.line,
            d.column,
            kind.name()
        );
        out.push(cx.at_list(at, &RULE, msg));
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;

    #[test]
    fn plain_substituters_in_extra_options_override_settings() {
        let text = "{\n  nix.settings.substituters = [ \"https://cache.nixos.org\" ];\n  nix.extraOptions = ''\n    substituters = https://nix-community.cachix.org\n    extra-trusted-public-keys = nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs=\n  '';\n}\n";
        expect_test::expect![[r#"
            [
                "m.nix:4:5: warning[text-override]: `substituters` in nix.extraOptions text replaces `nix.settings.substituters` (set at m.nix:2:3): write `extra-substituters` here, or move the values to nix.settings",
            ]
        "#]]
        .assert_debug_eq(&lint1(text, "text-override"));
        // `extra-` lines add to the list, and text alone overrides nothing.
        let text = "{\n  nix.settings.substituters = [ ];\n  nix.extraOptions = ''\n    extra-substituters = https://nix-community.cachix.org\n  '';\n}\n";
        assert_eq!(lint1(text, "text-override"), Vec::<String>::new());
        let text = "{\n  nix.extraOptions = ''\n    substituters = https://nix-community.cachix.org\n  '';\n}\n";
        assert_eq!(lint1(text, "text-override"), Vec::<String>::new());
    }
}
