//! Nix string literals: the one place that writes them, and reading them back.
//!
//! `render` escapes `\`, `"` and `${`, so no value can ever turn into Nix code.

use rnix::{SyntaxKind, SyntaxNode};

/// A double-quoted Nix string whose value is exactly `value`.
pub fn render(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' if chars.peek() == Some(&'{') => out.push_str("\\$"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The value of a string without interpolation: any `"…"` string, and a one-line
/// `''…''` string without escapes; `None` for anything else.
pub fn read_string(node: &SyntaxNode) -> Option<String> {
    if node.kind() != SyntaxKind::NODE_STRING || node.children().next().is_some() {
        return None;
    }
    let first = node.first_token()?;
    if first.text() == "''" {
        let content: String = node
            .children_with_tokens()
            .filter_map(|e| e.into_token())
            .filter(|t| t.kind() == SyntaxKind::TOKEN_STRING_CONTENT)
            .map(|t| t.text().to_owned())
            .collect();
        // One line, no `''` escapes: the value is the text minus its indentation.
        let simple = !content.contains('\n') && !content.contains("''") && !content.contains('$');
        return simple.then(|| content.trim_start_matches([' ', '\t']).to_owned());
    }
    if first.text() != "\"" {
        return None;
    }
    let mut out = String::new();
    for t in node.children_with_tokens().filter_map(|e| e.into_token()) {
        if t.kind() == SyntaxKind::TOKEN_STRING_CONTENT {
            unescape_into(t.text(), &mut out);
        }
    }
    Some(out)
}

fn unescape_into(raw: &str, out: &mut String) {
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
}

/// The raw text of a string's literal parts (for reading nix.conf lines in `''…''`),
/// with interpolations replaced by a marker that cannot form a URL.
pub fn raw_content(node: &SyntaxNode) -> Vec<(usize, String)> {
    node.children_with_tokens()
        .filter_map(|e| e.into_token())
        .filter(|t| t.kind() == SyntaxKind::TOKEN_STRING_CONTENT)
        .map(|t| (usize::from(t.text_range().start()), t.text().to_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value_of(src: &str) -> Option<String> {
        let root = rnix::Root::parse(src).syntax();
        let node = root.descendants().find(|n| n.kind() == SyntaxKind::NODE_STRING)?;
        read_string(&node)
    }

    #[test]
    fn render_round_trips_through_rnix() {
        for v in ["https://a.org", "a\"b", "back\\slash", "${x}", "$${y}", "tab\tnl\n", "$", "é ☃"] {
            let src = render(v);
            let root = rnix::Root::parse(&src);
            assert!(root.errors().is_empty(), "{src}");
            assert!(
                root.syntax().descendants().all(|n| n.kind() != SyntaxKind::NODE_INTERPOL),
                "{src} must not interpolate"
            );
            assert_eq!(value_of(&src).as_deref(), Some(v), "{src}");
        }
    }

    #[test]
    fn interpolated_and_multiline_strings_are_opaque() {
        assert_eq!(value_of(r#""http://${host}:5000""#), None);
        assert_eq!(value_of("''\n  http://a\n''"), None);
        assert_eq!(value_of("''http://a''$b''"), None);
        assert_eq!(value_of("''  http://a''").as_deref(), Some("http://a"));
    }
}
