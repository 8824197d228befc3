//! `syntax-error`: the file does not parse, so nothing else in it can be checked.

use super::context::Context;
use super::{Diagnostic, Rule, Severity};
use crate::nix::ErrorKind;

pub const RULE: Rule = Rule {
    code: "syntax-error",
    severity: Severity::Error,
    summary: "the file is not valid Nix",
    doc: "\
The file does not parse as Nix. The finding points at the first parse error (line and
column); cachectl reads nothing else from the file, so its caches and keys are not
checked and do not count for pairing with the other files of the run.

cachectl holds files to the grammar of `nix-instantiate --parse`, which is stricter than
some editors and formatters: only space, tab and newlines separate tokens (a no-break
space U+00A0, a vertical tab or U+0085 pasted from a web page is an error outside strings
and comments), `let` and `inherit` take no `${…}` names, and a list element that is a
function, `let`, `if`, `with` or `assert` needs parentheses.

Why it matters: `nixos-rebuild` fails on the same file, usually with a longer trace.

How to fix: correct the syntax at the position shown. Common causes are a missing `;`
after a binding, a missing `]` or `}`, and an unterminated string. `nix-instantiate
--parse FILE` shows Nix's own message for the same file.",
};

pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    report(cx, out, ErrorKind::Syntax, &RULE);
}

/// One finding per file whose parse failed with an error of `kind`, under `rule`'s code.
pub(super) fn report(cx: &Context<'_>, out: &mut Vec<Diagnostic>, kind: ErrorKind, rule: &Rule) {
    for f in cx.files {
        if let Err(e) = &f.model
            && e.kind == kind
        {
            out.push(Diagnostic {
                file: f.path.to_owned(),
                line: e.line,
                column: e.column,
                severity: rule.severity,
                code: rule.code,
                message: e.message.clone(),
                fix: None,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;

    #[test]
    fn first_parse_error_is_positioned() {
        let text = "{\n  nix.settings = {\n    substituters = [ \"https://cache.nixos.org\" ]\n  };\n}\n";
        expect_test::expect![[r#"
            [
                "m.nix:4:3: error[syntax-error]: syntax error: unexpected `}`, expected `;`",
            ]
        "#]]
        .assert_debug_eq(&lint1(text, "syntax-error"));
    }

    #[test]
    fn a_broken_file_does_not_hide_the_others() {
        let good = module(&["https://cache.example.org"], &[], "");
        let lines = all(&[("bad.nix", "{ a = "), ("good.nix", &good)]);
        assert!(lines.iter().any(|l| l.starts_with("bad.nix:1:")), "{lines:?}");
        assert!(lines.iter().any(|l| l.starts_with("good.nix:4:22: warning[no-trusted-key]")), "{lines:?}");
    }
}
