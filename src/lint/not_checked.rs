//! `not-checked`: cache settings that cannot be read without evaluating Nix.

use super::context::Context;
use super::{Diagnostic, Rule, Severity};
use crate::nix::model::{ElemValue, ListValue};

pub const RULE: Rule = Rule {
    code: "not-checked",
    severity: Severity::Info,
    summary: "a cache setting is computed and could not be checked statically",
    doc: "\
cachectl reads Nix files without evaluating them. A cache list (or one of its elements)
is written in a way whose value is only known after evaluation, so it was not checked:
  - the list comes from elsewhere (`inherit (x) substituters;`, `x.caches`, a function
    argument) or is computed (`map`, `lib.optionals`, `if … then … else`);
  - an element is not a plain string (`\"http://${host}:5000\"`, a variable);
  - the list is concatenated with computed parts (`[ … ] ++ extraCaches`).
Strings cachectl can see are still checked, and a list in `nix.extraOptions` text is read
and checked without a note.

Why it matters: the findings of `cachectl check` do not cover these values; a bad key or
URL in them shows up only when Nix substitutes.

How to fix: nothing is wrong by itself. To have the values checked, write them as literal
lists of strings in `nix.settings` (a `let` binding in the same file is fine), or check
the evaluated result with `nix eval .#nixosConfigurations.HOST.config.nix.settings`.",
};

pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    // An `inherit (x) …` is both a refusal of the file and a refused list: report it once.
    let mut reported: Vec<(usize, usize, &str)> = Vec::new();
    for at in &cx.lists {
        let offset = usize::from(at.list.binding.start());
        match &at.list.value {
            ListValue::Refused { reason, .. } if !at.site.kind.is_text() => {
                reported.push((at.file, offset, reason));
                // The resolver's reasons are written for edits ("…; cachectl cannot edit it
                // safely"); a lint only needs the part that says what the value is.
                let what = ["; cachectl cannot edit", ", so cachectl cannot edit"]
                    .iter()
                    .find_map(|tail| reason.split_once(tail).map(|(what, _)| what))
                    .unwrap_or(reason);
                let msg = format!("`{}` could not be checked statically: {what}", at.option());
                out.push(cx.diag(at.file, offset, &RULE, msg));
            }
            ListValue::Literal { dynamic: true, conditional, .. } if conditional.is_empty() => {
                let msg = format!(
                    "`{}` also has computed parts (after `++`) that could not be checked statically",
                    at.option()
                );
                out.push(cx.diag(at.file, offset, &RULE, msg));
            }
            _ => {}
        }
    }
    for item in &cx.items {
        if let ElemValue::Opaque(_) = item.elem.value {
            let msg = format!(
                "an element of `{}` is not a plain string, so it could not be checked statically",
                item.at.option()
            );
            out.push(cx.at_item(item, &RULE, msg));
        }
    }
    for (file, model) in cx.models() {
        for r in &model.refusals {
            let offset = usize::from(r.range.start());
            if !reported.contains(&(file, offset, r.reason.as_str())) {
                out.push(cx.diag(file, offset, &RULE, format!("this could not be checked statically: {}", r.reason)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;

    #[test]
    fn computed_values_are_noted() {
        let text = "{ host, shared, lib, extra, ... }:\n{\n  nix.settings.substituters = [ \"http://${host}:5000\" ] ++ extra;\n  nix.settings.trusted-public-keys = map (x: x.key) shared.caches;\n}\n";
        expect_test::expect![[r#"
            [
                "m.nix:3:3: info[not-checked]: `nix.settings.substituters` also has computed parts (after `++`) that could not be checked statically",
                "m.nix:3:33: info[not-checked]: an element of `nix.settings.substituters` is not a plain string, so it could not be checked statically",
                "m.nix:4:3: info[not-checked]: `nix.settings.trusted-public-keys` could not be checked statically: the list is computed with `map`",
            ]
        "#]]
        .assert_debug_eq(&lint1(text, "not-checked"));
    }

    #[test]
    fn inherited_lists_are_noted_once_each_and_extra_options_are_read() {
        let text = "{ shared, ... }:\n{\n  nix.settings = {\n    inherit (shared) substituters trusted-public-keys;\n  };\n}\n";
        let lines = lint1(text, "not-checked");
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(lines[0].starts_with("m.nix:4:5: info[not-checked]: `nix.settings.substituters` could not be checked statically: `substituters` is inherited from `shared`"), "{lines:?}");
        let text = "{ nix.extraOptions = ''\n  substituters = https://cache.nixos.org\n''; }";
        assert!(lint1(text, "not-checked").is_empty());
    }
}
