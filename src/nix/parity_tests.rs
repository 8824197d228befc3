//! Golden tests of the checks Nix's parser makes and rnix does not: each input with the
//! error cachectl reports (`line:col: message`, or `ok`). Every expectation was first
//! checked against `nix-instantiate --parse` (Nix 2.8): same verdict, same message, same
//! line; columns agree for ASCII text (Nix counts bytes, cachectl characters). Nested sets
//! merged twice are `ok` with a `NestedMerge` note: Nix 2.8 rejects them with that message
//! and position, Nix 2.26 and later accept them.

use super::syntax::{ErrorKind, parse, parse_noting};

fn run(cases: &[&str]) -> String {
    let mut out = String::new();
    for text in cases {
        let verdict = match parse_noting(text) {
            Ok((_, notes)) if notes.is_empty() => "ok".to_owned(),
            Ok((_, notes)) => notes.iter().map(|n| format!("ok, {:?} {n}", n.kind)).collect::<Vec<_>>().join("; "),
            Err(e) => format!("{:?} {e}", e.kind),
        };
        out.push_str(&format!("{text:?}\n    {verdict}\n"));
    }
    out
}

#[test]
fn duplicate_attributes_follow_nix_add_attr() {
    expect_test::expect![[r#"
        "{ a = 1; a = 2; }"
            DuplicateAttribute 1:10: attribute 'a' already defined at 1:3
        "{ a.b = 1; a.c = 2; }"
            ok
        "{ a.b = 1; a = { c = 2; }; }"
            ok
        "{ a = { b = 1; }; a = { c = 2; }; }"
            ok
        "{ a = rec { b = 1; }; a = { c = 2; }; }"
            ok
        "{ a = ({ b = 1; }); a = { c = 2; }; }"
            ok
        "{ a = { b.x = 1; }; a = { b.y = 2; }; }"
            ok, NestedMerge 1:9: Nix before 2.26 rejects this: attribute 'b' already defined at 1:27
        "{ a.b.x = 1; a = { b.y = 2; }; }"
            ok, NestedMerge 1:3: Nix before 2.26 rejects this: attribute 'b' already defined at 1:20
        "{ a.b = 1; a.b.c = 1; }"
            DuplicateAttribute 1:12: attribute 'a.b.c' already defined at 1:3
        "x: { n = x.f 1; n = { a = 1; }; }"
            DuplicateAttribute 1:17: attribute 'n' already defined at 1:6
        "x: { inherit (x) a; a.b = 1; }"
            DuplicateAttribute 1:21: attribute 'a.b' already defined at 1:17
        "{ x = 1; inherit x   x; }"
            DuplicateAttribute 1:17: attribute 'x' already defined at 1:3
        "{ a = 1; \"a\" = 2; }"
            DuplicateAttribute 1:10: attribute 'a' already defined at 1:3
        "{ a = 1; ${\"a\"} = 2; }"
            DuplicateAttribute 1:10: attribute 'a' already defined at 1:3
        "{ a = 1; \"${\"a\"}\" = 2; }"
            ok
        "x: { ${x} = 1; ${x} = 2; }"
            ok
        "let a = 1; a = 2; in a"
            DuplicateAttribute 1:12: attribute 'a' already defined at 1:5
        "{ a, a }: a"
            DuplicateAttribute 1:6: duplicate formal function argument 'a'
        "a@{ b, a }: a"
            DuplicateAttribute 1:1: duplicate formal function argument 'a'
    "#]]
    .assert_eq(&run(&[
        "{ a = 1; a = 2; }",
        "{ a.b = 1; a.c = 2; }",
        "{ a.b = 1; a = { c = 2; }; }",
        "{ a = { b = 1; }; a = { c = 2; }; }",
        "{ a = rec { b = 1; }; a = { c = 2; }; }",
        "{ a = ({ b = 1; }); a = { c = 2; }; }",
        "{ a = { b.x = 1; }; a = { b.y = 2; }; }",
        "{ a.b.x = 1; a = { b.y = 2; }; }",
        "{ a.b = 1; a.b.c = 1; }",
        "x: { n = x.f 1; n = { a = 1; }; }",
        "x: { inherit (x) a; a.b = 1; }",
        "{ x = 1; inherit x   x; }",
        "{ a = 1; \"a\" = 2; }",
        "{ a = 1; ${\"a\"} = 2; }",
        "{ a = 1; \"${\"a\"}\" = 2; }",
        "x: { ${x} = 1; ${x} = 2; }",
        "let a = 1; a = 2; in a",
        "{ a, a }: a",
        "a@{ b, a }: a",
    ]));
}

#[test]
fn variables_follow_nix_bind_vars() {
    expect_test::expect![[r#"
        "{ automatic = tre; }"
            UndefinedVariable 1:15: undefined variable 'tre'
        "{ pkgs, ... }: pkgsnixVersions.latest"
            UndefinedVariable 1:16: undefined variable 'pkgsnixVersions'
        "{ lib, ... }: ib.mkIf true { }"
            UndefinedVariable 1:15: undefined variable 'ib'
        "let a = b; b = 1; in a"
            ok
        "rec { a = b; b = 1; }"
            ok
        "{ a = b; b = 1; }"
            UndefinedVariable 1:7: undefined variable 'b'
        "let\n  a = 1;\n  inherit x; in a"
            UndefinedVariable 1:4: undefined variable 'x'
        "let inherit a; a = 1; in a"
            DuplicateAttribute 1:16: attribute 'a' already defined at 1:12
        "let inherit (s) a; s = { a = 1; }; in a"
            ok
        "rec { inherit (s) a; s = { a = 1; }; }"
            ok
        "{ inherit (s) a; s = { }; }"
            UndefinedVariable 1:12: undefined variable 's'
        "{ a ? b, b ? a }@c: c"
            ok
        "x: with x; y z"
            ok
        "with x; y"
            UndefinedVariable 1:6: undefined variable 'x'
        "x: x or"
            UndefinedVariable 1:4: undefined variable 'or'
        "x: x.${y}"
            UndefinedVariable 1:8: undefined variable 'y'
        "x: x ? ${y}"
            UndefinedVariable 1:10: undefined variable 'y'
        "x: x.a or z"
            UndefinedVariable 1:11: undefined variable 'z'
        "\"${y}\""
            UndefinedVariable 1:4: undefined variable 'y'
        "[ __curPos (__sub 1 2) builtins.map map <nixpkgs> true null fetchTree ]"
            ok
        "__fetchTree"
            UndefinedVariable 1:1: undefined variable '__fetchTree'
        "{ a.b = 1; a = rec { c = b; }; }"
            UndefinedVariable 1:26: undefined variable 'b'
        "{ a = rec { c = b; }; a.b = 1; }"
            ok
        "{ a = { b = 1; }; a = rec { c = b; }; }"
            UndefinedVariable 1:33: undefined variable 'b'
        "let a.b = 1; a.c = b; in a"
            UndefinedVariable 1:20: undefined variable 'b'
        "{ a = { b = 1; }; a = { ${x} = 2; }; }"
            ok
        "let { body = a; a = 1; }"
            ok
    "#]]
    .assert_eq(&run(&[
        "{ automatic = tre; }",
        "{ pkgs, ... }: pkgsnixVersions.latest",
        "{ lib, ... }: ib.mkIf true { }",
        "let a = b; b = 1; in a",
        "rec { a = b; b = 1; }",
        "{ a = b; b = 1; }",
        "let\n  a = 1;\n  inherit x; in a",
        "let inherit a; a = 1; in a",
        "let inherit (s) a; s = { a = 1; }; in a",
        "rec { inherit (s) a; s = { a = 1; }; }",
        "{ inherit (s) a; s = { }; }",
        "{ a ? b, b ? a }@c: c",
        "x: with x; y z",
        "with x; y",
        "x: x or",
        "x: x.${y}",
        "x: x ? ${y}",
        "x: x.a or z",
        "\"${y}\"",
        "[ __curPos (__sub 1 2) builtins.map map <nixpkgs> true null fetchTree ]",
        "__fetchTree",
        "{ a.b = 1; a = rec { c = b; }; }",
        "{ a = rec { c = b; }; a.b = 1; }",
        "{ a = { b = 1; }; a = rec { c = b; }; }",
        "let a.b = 1; a.c = b; in a",
        "{ a = { b = 1; }; a = { ${x} = 2; }; }",
        "let { body = a; a = 1; }",
    ]));
}

#[test]
fn names_nix_does_not_allow_and_the_error_nix_reports_first() {
    expect_test::expect![[r#"
        "x: let ${x} = 1; in 1"
            Syntax 1:4: dynamic attributes not allowed in let
        "x: { inherit ${x}; }"
            Syntax 1:14: dynamic attributes not allowed in inherit
        "{ ''a'' = 1; }"
            Syntax 1:3: syntax error, unexpected IND_STRING_OPEN
        "x: x.''a''"
            Syntax 1:6: syntax error, unexpected IND_STRING_OPEN
        "{ a = y; b = 1; b = 2; }"
            DuplicateAttribute 1:17: attribute 'b' already defined at 1:10
        "{ a = 1; a = 2; b = }"
            DuplicateAttribute 1:10: attribute 'a' already defined at 1:3
        "{ b = ; a = 1; a = 2; }"
            Syntax 1:7: syntax error: unexpected `;`, expected one of `(`, rec, `{`, `[`, a string, an identifier
        "f: f { a }: a"
            Syntax 1:6: syntax error: a function as an argument or operand needs parentheses
        "1 + x: x"
            Syntax 1:5: syntax error: a function as an argument or operand needs parentheses
        "a: a.b or x: x"
            Syntax 1:11: syntax error: a function as an argument or operand needs parentheses
        "[ (x: x) (if true then 1 else 2) ]"
            ok
        "if true then x: x else { a ? x: x }: a"
            ok
    "#]]
    .assert_eq(&run(&[
        "x: let ${x} = 1; in 1",
        "x: { inherit ${x}; }",
        "{ ''a'' = 1; }",
        "x: x.''a''",
        "{ a = y; b = 1; b = 2; }",
        "{ a = 1; a = 2; b = }",
        "{ b = ; a = 1; a = 2; }",
        "f: f { a }: a",
        "1 + x: x",
        "a: a.b or x: x",
        "[ (x: x) (if true then 1 else 2) ]",
        "if true then x: x else { a ? x: x }: a",
    ]));
    assert_eq!(parse("{ a = 1; a = 2; }").map_err(|e| e.kind), Err(ErrorKind::DuplicateAttribute));
}

#[test]
fn a_function_complete_before_a_syntax_error_is_reduced_first() {
    expect_test::expect![[r#"
        "i @ { s, s }: a.mk\u{85}b"
            DuplicateAttribute 1:10: duplicate formal function argument 's'
        "{ s, s }: a ;"
            DuplicateAttribute 1:6: duplicate formal function argument 's'
        "{ s, s }: a b\u{85}"
            DuplicateAttribute 1:6: duplicate formal function argument 's'
        "{ s, s }:\u{85} a"
            Syntax 1:10: syntax error: U+0085 is not whitespace for Nix; use a space
        "{ s, s }: { a = 1\u{85}; }"
            Syntax 1:18: syntax error: U+0085 is not whitespace for Nix; use a space
        "{ s, s }: { a = 1; b = 2 }"
            Syntax 1:26: syntax error: unexpected `}`, expected `;`
        "{ s, s }: { a = 1;\n"
            Syntax 2:1: syntax error: unexpected end of file
    "#]]
    .assert_eq(&run(&[
        "i @ { s, s }: a.mk\u{85}b",
        "{ s, s }: a ;",
        "{ s, s }: a b\u{85}",
        "{ s, s }:\u{85} a",
        "{ s, s }: { a = 1\u{85}; }",
        "{ s, s }: { a = 1; b = 2 }",
        "{ s, s }: { a = 1;\n",
    ]));
}
