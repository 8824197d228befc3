//! `undefined-variable`: a variable is bound nowhere, which Nix's parser rejects.

use super::context::Context;
use super::syntax_error::report;
use super::{Diagnostic, Rule, Severity};
use crate::nix::ErrorKind;

pub const RULE: Rule = Rule {
    code: "undefined-variable",
    severity: Severity::Error,
    summary: "a variable is defined nowhere, which Nix rejects",
    doc: "\
A name is used that no `let`, `rec { }`, function argument or Nix builtin defines, for
example `automatic = tre;`, `ib.mkIf`, `pkgsnixVersions.latest`, or `lib` in a module
whose arguments are `{ pkgs, ... }:`. Nix checks this while parsing, before evaluating
anything, so even a branch that is never taken fails. The message is Nix's own
(`undefined variable 'x'`), at the variable. As for a syntax error, cachectl reads nothing
else from the file and refuses to edit it.

Inside `with e; …` every name may come from `e`, so nothing is reported there (but `e`
itself is checked). `inherit x;` in a `let` or `rec { }` reads `x` from outside it; Nix
reports an undefined one at the start of the bindings.

Why it matters: `nixos-rebuild` and `nix-instantiate --parse` fail on this file.

How to fix: correct the spelling, or add the missing argument to the module's function
header (`{ config, lib, pkgs, ... }:`) or the missing `let` binding.",
};

pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    report(cx, out, ErrorKind::UndefinedVariable, &RULE);
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;

    #[test]
    fn a_misspelt_value_is_reported_at_the_variable() {
        let text = "{ pkgs, ... }:\n{\n  nix.gc.automatic = tre;\n  nix.package = pkgsnixVersions.latest;\n}\n";
        expect_test::expect![[r#"
            [
                "m.nix:3:22: error[undefined-variable]: undefined variable 'tre'",
            ]
        "#]]
        .assert_debug_eq(&lint1(text, "undefined-variable"));
        assert_eq!(lint1(text, "syntax-error"), Vec::<String>::new());
    }

    #[test]
    fn names_from_with_are_not_reported() {
        let text = "{ pkgs, ... }:\n{\n  environment.systemPackages = with pkgs; [ git hello ];\n}\n";
        assert_eq!(all(&[("m.nix", text)]), Vec::<String>::new());
    }
}
