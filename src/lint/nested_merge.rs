//! `nested-merge`: two sets define the same nested set, which Nix 2.26 and later merge and
//! Nix 2.8 to 2.25 reject as a duplicate attribute.

use super::context::Context;
use super::{Diagnostic, Rule, Severity};

pub const RULE: Rule = Rule {
    code: "nested-merge",
    severity: Severity::Warning,
    summary: "a nested set is defined twice, which Nix before 2.26 rejects",
    doc: "\
Two definitions of one attribute set both define the same set inside it, for example
`nix.settings.substituters = [ … ];` next to `nix = { settings.trusted-public-keys = [ … ]; };`,
or `a = { b.x = 1; };` next to `a = { b.y = 2; };`. Nix 2.26 and later merge them at every
depth, so the file works there. Nix 2.8 to 2.25 merge only the first level and fail with
\"attribute 'b' already defined\" before evaluating anything (the message quotes it).

Why it matters: a configuration that works on your machine fails on another one with an
older Nix: an installer ISO, a CI runner or a server that was not upgraded.

cachectl edits such a file (it reads it as newer Nix does), but never makes an edit that
adds another such clash.

How to fix: write one of the two as dotted paths (`nix.settings.trusted-public-keys = …;`)
or move its bindings into the other set.",
};

pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for f in cx.files.iter().filter(|f| f.named) {
        for n in &f.notes {
            out.push(Diagnostic {
                file: f.path.to_owned(),
                line: n.line,
                column: n.column,
                severity: RULE.severity,
                code: RULE.code,
                message: n.message.clone(),
                fix: None,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;

    #[test]
    fn a_nested_set_defined_twice_is_a_warning_not_an_error() {
        let text = "{\n  nix.settings.substituters = [ ];\n  nix = { settings.trusted-public-keys = [ ]; };\n}\n";
        expect_test::expect![[r#"
            [
                "m.nix:2:3: warning[nested-merge]: Nix before 2.26 rejects this: attribute 'settings' already defined at 3:11",
            ]
        "#]]
        .assert_debug_eq(&lint1(text, "nested-merge"));
        assert_eq!(lint1(text, "duplicate-attribute"), Vec::<String>::new());
        // A value (not a set) defined twice below the first level is an error everywhere,
        // and the error alone is reported.
        let text = "{\n  a = { b.x = 1; };\n  a = { b.x = 2; };\n}\n";
        assert_eq!(lint1(text, "duplicate-attribute").len(), 1);
        assert_eq!(lint1(text, "nested-merge"), Vec::<String>::new());
    }
}
