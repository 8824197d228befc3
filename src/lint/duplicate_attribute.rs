//! `duplicate-attribute`: an attribute (or a function argument) is defined twice, which
//! Nix's parser rejects.

use super::context::Context;
use super::syntax_error::report;
use super::{Diagnostic, Rule, Severity};
use crate::nix::ErrorKind;

pub const RULE: Rule = Rule {
    code: "duplicate-attribute",
    severity: Severity::Error,
    summary: "an attribute is defined twice, which Nix rejects",
    doc: "\
An attribute set, `let` or function defines the same name twice, for example
`nix.settings = { … };` next to `nix.settings = lib.foldl' …;`, `a = 1;` next to
`a = 2;`, `inherit (x) a;` next to `a.b = 1;`, or `{ a, a }:`. The message is Nix's own
(`attribute 'a.b' already defined at LINE:COL`). As for a syntax error, cachectl reads
nothing else from the file and refuses to edit it.

Nix merges some repetitions, and those are fine: `a.b = 1;` next to `a.c = 2;`, and two
plain sets `a = { b = 1; };` and `a = { c = 2; };`. Up to Nix 2.25 that merge is one level
deep: `a = { b.x = 1; };` next to `a = { b.y = 2; };` is an error there, but Nix 2.26 and
later merge `b` too, so cachectl reports it as the warning `nested-merge`, not as this
error. Anything else defined twice is an error in every version.

Why it matters: `nixos-rebuild` and `nix-instantiate --parse` fail on this file before
evaluating anything.

How to fix: keep one definition, or merge the two into one set: move the bindings of one
into the other, or write both with dotted paths (`nix.settings.substituters = …;`). When
one side is computed (`lib.foldl'`, `lib.mkMerge [ … ]`), add the other's values there.",
};

pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    report(cx, out, ErrorKind::DuplicateAttribute, &RULE);
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;

    #[test]
    fn a_second_settings_block_beside_a_computed_one_is_an_error() {
        let text = "{ lib, ... }:\n{\n  nix.settings = lib.foldl' (a: b: a // b) { } [ ];\n  nix.settings = {\n    substituters = [ ];\n  };\n}\n";
        expect_test::expect![[r#"
            [
                "m.nix:4:3: error[duplicate-attribute]: attribute 'nix.settings' already defined at 3:3",
            ]
        "#]]
        .assert_debug_eq(&lint1(text, "duplicate-attribute"));
        assert_eq!(lint1(text, "syntax-error"), Vec::<String>::new());
    }

    #[test]
    fn merged_sets_are_not_duplicates() {
        let text = "{\n  nix.settings.substituters = [ ];\n  nix = { gc.automatic = true; };\n}\n";
        assert_eq!(all(&[("m.nix", text)]), Vec::<String>::new());
        // Below the first level only Nix before 2.26 objects: `nested-merge`, a warning.
        let text = "{\n  nix.settings.substituters = [ ];\n  nix = { settings.trusted-public-keys = [ ]; };\n}\n";
        assert_eq!(lint1(text, "duplicate-attribute"), Vec::<String>::new());
        assert_eq!(lint1(text, "nested-merge").len(), 1);
    }
}
