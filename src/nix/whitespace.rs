//! Whitespace that rnix accepts and Nix's lexer does not.
//!
//! Nix's lexer (`src/libexpr/lexer.l`) knows only space, tab, CR and LF between tokens;
//! rnix 0.15's tokenizer takes any `char::is_whitespace`: vertical tab, form feed, U+0085,
//! no-break space (U+00A0), U+1680, U+2000…U+200A, U+2028, U+2029, U+202F, U+205F and
//! U+3000. Inside strings and comments they are text, and fine for both.

use rnix::{SyntaxKind, SyntaxNode, TextSize};

use super::syntax::{ErrorKind, Problem};

/// The first character Nix would reject as whitespace, if any. Linear: a byte scan, and
/// a tree lookup only at the rare suspicious characters.
pub(crate) fn foreign_whitespace(text: &str, root: &SyntaxNode) -> Option<Problem> {
    let bytes = text.as_bytes();
    // Every such character starts with one of these bytes (VT, FF, or a UTF-8 lead byte).
    let candidates = bytes.iter().enumerate().filter(|&(_, &b)| matches!(b, 0x0b | 0x0c | 0xc2 | 0xe1 | 0xe2 | 0xe3));
    let (offset, c) = candidates
        .filter_map(|(i, _)| Some((i, text.get(i..)?.chars().next()?)))
        .filter(|&(_, c)| is_foreign(c))
        .find(|&(i, _)| {
            let at = TextSize::try_from(i).unwrap_or_default();
            root.token_at_offset(at).right_biased().is_some_and(|t| t.kind() == SyntaxKind::TOKEN_WHITESPACE)
        })?;
    let message = format!("syntax error: U+{:04X} is not whitespace for Nix; use a space", u32::from(c));
    Some(Problem::at(ErrorKind::Syntax, offset, message))
}

/// Whitespace to rnix, not to Nix.
fn is_foreign(c: char) -> bool {
    c.is_whitespace() && !matches!(c, ' ' | '\t' | '\r' | '\n')
}

#[cfg(test)]
mod tests {
    use super::super::syntax::parse;

    #[test]
    fn unicode_and_control_whitespace_between_tokens_is_an_error() {
        for ws in ['\u{a0}', '\u{0b}', '\u{0c}', '\u{85}', '\u{2003}', '\u{3000}', '\u{2028}'] {
            let text = format!("{{\n  a ={ws}1;\n}}\n");
            let err = parse(&text).unwrap_err();
            assert_eq!((err.line, err.column), (2, 6), "{ws:?}: {err}");
            assert!(err.message.starts_with("syntax error: U+"), "{err}");
        }
    }

    #[test]
    fn the_same_characters_in_strings_and_comments_are_fine() {
        let text = "# a\u{a0}comment\u{0b}\n{ a = \"x\u{a0}y\"; b = ''\u{85}''; /* \u{3000} */ }\n";
        assert!(parse(text).is_ok());
    }
}
