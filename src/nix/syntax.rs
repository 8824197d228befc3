//! Parsing with rnix, line/column positions, and small helpers over the lossless CST.

use rnix::{NodeOrToken, SyntaxKind, SyntaxNode, SyntaxToken, TextRange, TextSize};
use thiserror::Error;

/// What kind of error Nix reports; `check` gives each its own code.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The grammar or the lexer rejects the text (`syntax-error`).
    #[default]
    Syntax,
    /// An attribute or a formal argument defined twice (`duplicate-attribute`).
    DuplicateAttribute,
    /// A variable bound nowhere (`undefined-variable`).
    UndefinedVariable,
    /// Not an error for Nix 2.26 and later: two sets defining the same nested set, which
    /// they merge and Nix 2.8 to 2.25 reject (`nested-merge`, a warning).
    NestedMerge,
}

/// The first error Nix's parser would report for a file, positioned for `file:line:col`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{line}:{column}: {message}")]
pub struct SyntaxError {
    pub offset: usize,
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub kind: ErrorKind,
}

/// An error found by one of the passes, before it is positioned.
#[derive(Debug, Clone)]
pub(crate) struct Problem {
    pub kind: ErrorKind,
    /// Where Nix's parser detects it: of several errors, the one detected first wins.
    pub detect: usize,
    /// Where Nix positions it.
    pub offset: usize,
    pub message: String,
    /// A second position, appended to the message as `line:col`.
    pub prev: Option<usize>,
    /// For an error Nix detects when it reduces a function or `let` (`detect` is its
    /// end): the range of its body, which a syntax error inside may cut short.
    pub body: Option<(usize, usize)>,
}

impl Problem {
    /// An error detected where Nix positions it.
    pub fn at(kind: ErrorKind, offset: usize, message: String) -> Problem {
        Problem { kind, detect: offset, offset, message, prev: None, body: None }
    }

    fn position(self, text: &str, idx: &LineIndex) -> SyntaxError {
        let (line, column) = idx.line_col(text, self.offset);
        let message = match self.prev {
            Some(p) => {
                let (l, c) = idx.line_col(text, p);
                format!("{} {l}:{c}", self.message)
            }
            None => self.message,
        };
        SyntaxError { offset: self.offset, line, column, message, kind: self.kind }
    }
}

/// Parses `text`, failing with the first error Nix's parser (`nix-instantiate --parse`)
/// would report: rnix's syntax errors, plus what rnix accepts and Nix does not (see
/// [`diagnose`]).
pub fn parse(text: &str) -> Result<SyntaxNode, SyntaxError> {
    let (root, mut errors) = diagnose(text);
    if errors.is_empty() { Ok(root) } else { Err(errors.swap_remove(0)) }
}

/// Parses `text` and lists its errors, the one Nix reports first at the front: grammar
/// errors (rnix's, and list elements Nix wants parenthesised), whitespace Nix's lexer does
/// not know, duplicate attributes and formals, dynamic names where Nix forbids them, and
/// (only when there is none of those, as Nix checks them after parsing) every undefined
/// variable in text order.
pub fn diagnose(text: &str) -> (SyntaxNode, Vec<SyntaxError>) {
    let (root, errors, _) = diagnose_all(text, false);
    (root, errors)
}

/// The errors Nix 2.8 to 2.25 report: [`diagnose`], with nested sets defined twice as the
/// duplicate attributes they are to those versions (for the differential test against the
/// Nix 2.8 here).
pub fn diagnose_before_2_26(text: &str) -> Vec<SyntaxError> {
    diagnose_all(text, true).1
}

/// Parses like [`parse`], and also returns what only older Nix rejects (nested sets merged
/// as Nix 2.26 and later merge them): warnings for `check`, and a count that an edit must
/// not raise.
pub fn parse_noting(text: &str) -> Result<(SyntaxNode, Vec<SyntaxError>), SyntaxError> {
    let (root, mut errors, notes) = diagnose_all(text, false);
    if errors.is_empty() { Ok((root, notes)) } else { Err(errors.swap_remove(0)) }
}

fn diagnose_all(text: &str, before_2_26: bool) -> (SyntaxNode, Vec<SyntaxError>, Vec<SyntaxError>) {
    let parsed = rnix::Root::parse(text);
    let root = parsed.syntax();
    let mut early: Vec<Problem> = Vec::new();
    if let Some(err) = parsed.errors().first() {
        let (offset, message) = describe(err, text.len());
        early.push(Problem::at(ErrorKind::Syntax, offset, message));
    }
    early.extend(super::whitespace::foreign_whitespace(text, &root));
    let sets = super::dupattr::Sets::build(text, &root);
    early.extend(sets.problems.iter().cloned());
    if before_2_26 {
        early.extend(sets.nested.iter().cloned().map(|mut p| {
            p.kind = ErrorKind::DuplicateAttribute;
            p.message = p.message.replace("Nix before 2.26 rejects this: ", "");
            p
        }));
    }
    if matches!(
        parsed.errors().first(),
        Some(rnix::ParseError::UnexpectedEOF | rnix::ParseError::UnexpectedEOFWanted(_))
    ) {
        // rnix closed every open node at the end of the file; Nix reduced none of them.
        let mut last = root.last_token();
        while let Some(t) = last.clone().filter(is_trivia) {
            last = t.prev_token();
        }
        let open_end = last.map_or(0, |t| end(t.text_range()));
        early.retain(|p| p.body.is_none() || p.detect < open_end);
    }
    if !early.is_empty() {
        early.sort_by_key(|p| (p.detect, p.offset));
        cut_short(&root, &mut early);
        early.sort_by_key(|p| (p.detect, p.offset));
        let idx = LineIndex::new(text);
        return (root, early.into_iter().map(|p| p.position(text, &idx)).collect(), Vec::new());
    }
    let mut undefined = super::scope::undefined(text, &root, &sets);
    undefined.sort_by_key(|p| p.offset);
    let nested = sets.nested.clone();
    if undefined.is_empty() && nested.is_empty() {
        return (root, Vec::new(), Vec::new());
    }
    let idx = LineIndex::new(text);
    let notes = nested.into_iter().map(|p| p.position(text, &idx)).collect();
    (root, undefined.into_iter().map(|p| p.position(text, &idx)).collect(), notes)
}

/// Nix's parser stops at a syntax error, but first reduces what the tokens before it
/// complete (bison's default reductions): a function whose body is a complete expression
/// up to the bad token is reduced, and its duplicate formals reported, first. rnix may read
/// on (it takes U+0085 for whitespace), so its function ends later: move the detection of
/// such a function's error to just before the syntax error.
fn cut_short(root: &SyntaxNode, problems: &mut [Problem]) {
    let Some(first) = problems.first().filter(|p| p.kind == ErrorKind::Syntax && p.body.is_none()) else { return };
    let x = first.detect;
    let Some(before) = TextSize::try_from(x).ok().and_then(|at| root.token_at_offset(at).left_biased()) else { return };
    let mut tok = Some(before);
    while let Some(t) = tok.clone().filter(|t| is_trivia(t) || start(t.text_range()) >= x) {
        tok = t.prev_token();
    }
    let Some(last) = tok else { return };
    let prefix_end = end(last.text_range());
    // The innermost function or `let` whose body, up to the error, is one whole node.
    let mut best: Option<(usize, usize)> = None;
    for (i, p) in problems.iter().enumerate().skip(1) {
        let Some((bs, be)) = p.body else { continue };
        if !(bs < x && x <= be) || best.is_some_and(|(_, b)| b >= bs) {
            continue;
        }
        let whole = last.parent_ancestors().take_while(|n| start(n.text_range()) >= bs).any(|n| {
            let r = n.text_range();
            start(r) == bs && end(r) == prefix_end
        });
        if whole {
            best = Some((i, bs));
        }
    }
    if let Some((i, _)) = best {
        problems[i].detect = x.saturating_sub(1).min(problems[i].detect);
    }
}

fn describe(err: &rnix::ParseError, len: usize) -> (usize, String) {
    use rnix::ParseError as E;
    let at = |r: &TextRange| usize::from(r.start());
    match err {
        E::Unexpected(r) => (at(r), "syntax error: unexpected input".into()),
        E::UnexpectedExtra(r) => (at(r), "syntax error: unexpected text after the expression".into()),
        E::UnexpectedWanted(got, r, wanted) => {
            (at(r), format!("syntax error: unexpected {}, expected {}", kind_name(*got), wanted_list(wanted)))
        }
        E::UnexpectedDoubleBind(r) => (at(r), "syntax error: pattern bound twice".into()),
        E::UnexpectedEOF => (len, "syntax error: unexpected end of file".into()),
        E::UnexpectedEOFWanted(wanted) => {
            (len, format!("syntax error: unexpected end of file, expected {}", wanted_list(wanted)))
        }
        E::DuplicatedArgs(r, name) => (at(r), format!("syntax error: duplicated argument `{name}`")),
        E::RecursionLimitExceeded => (0, "syntax error: nesting too deep".into()),
        _ => (0, "syntax error".into()),
    }
}

fn wanted_list(kinds: &[SyntaxKind]) -> String {
    let names: Vec<String> = kinds.iter().map(|k| kind_name(*k)).collect();
    match names.len() {
        0 => "something else".into(),
        1 => names[0].clone(),
        _ => format!("one of {}", names.join(", ")),
    }
}

fn kind_name(k: SyntaxKind) -> String {
    use SyntaxKind::*;
    let s = match k {
        TOKEN_SEMICOLON => "`;`",
        TOKEN_ASSIGN => "`=`",
        TOKEN_L_BRACE => "`{`",
        TOKEN_R_BRACE => "`}`",
        TOKEN_L_BRACK => "`[`",
        TOKEN_R_BRACK => "`]`",
        TOKEN_L_PAREN => "`(`",
        TOKEN_R_PAREN => "`)`",
        TOKEN_COLON => "`:`",
        TOKEN_COMMA => "`,`",
        TOKEN_DOT => "`.`",
        TOKEN_IN => "`in`",
        TOKEN_THEN => "`then`",
        TOKEN_ELSE => "`else`",
        TOKEN_IDENT | NODE_IDENT => "an identifier",
        TOKEN_STRING_START | NODE_STRING => "a string",
        TOKEN_STRING_END => "the end of a string",
        TOKEN_INTERPOL_END => "`}` closing an interpolation",
        TOKEN_ERROR => "an invalid token",
        other => return format!("{other:?}").trim_start_matches("TOKEN_").trim_start_matches("NODE_").to_lowercase(),
    };
    s.into()
}

/// Byte offsets of line starts, for 1-based line and column numbers.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    /// 1-based line of a byte offset.
    pub fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset)
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let line = self.line(offset);
        let start = self.starts.get(line - 1).copied().unwrap_or(0);
        let end = offset.min(text.len());
        let col = text.get(start..end).map_or(end - start, |s| s.chars().count()) + 1;
        (line, col)
    }

    /// The byte range of 1-based `line` (without its newline).
    pub fn line_range(&self, text: &str, line: usize) -> Option<(usize, usize)> {
        let start = *self.starts.get(line.checked_sub(1)?)?;
        let end = self.starts.get(line).map_or(text.len(), |&s| s - 1);
        Some((start, end))
    }
}

pub fn start(r: TextRange) -> usize {
    usize::from(r.start())
}

pub fn end(r: TextRange) -> usize {
    usize::from(r.end())
}

pub fn range(start: usize, end: usize) -> TextRange {
    let s = TextSize::try_from(start).unwrap_or_default();
    let e = TextSize::try_from(end).unwrap_or_default();
    TextRange::new(s, e.max(s))
}

/// The line ending the file uses: CRLF when it has any, LF otherwise.
pub fn eol(text: &str) -> &'static str {
    if text.contains("\r\n") { "\r\n" } else { "\n" }
}

/// One level of indentation as the file writes it: a tab, or its smallest space indent.
pub fn indent_unit(text: &str) -> String {
    let mut best: Option<usize> = None;
    for line in text.lines() {
        if line.trim().is_empty() {
            continue;
        }
        if line.starts_with('\t') {
            return "\t".into();
        }
        let n = line.len() - line.trim_start_matches(' ').len();
        if n > 0 && best.is_none_or(|b| n < b) {
            best = Some(n);
        }
    }
    " ".repeat(best.unwrap_or(2).min(8))
}

/// The whitespace at the start of the line containing `offset`.
pub fn line_indent(text: &str, offset: usize) -> &str {
    let ls = text.get(..offset).and_then(|t| t.rfind('\n')).map_or(0, |i| i + 1);
    let rest = text.get(ls..).unwrap_or_default();
    let n = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    rest.get(..n).unwrap_or_default()
}

pub fn is_trivia(t: &SyntaxToken) -> bool {
    matches!(t.kind(), SyntaxKind::TOKEN_WHITESPACE | SyntaxKind::TOKEN_COMMENT)
}

/// End offset of a node plus any comment that follows it on the same line.
pub fn end_with_comment(node: &SyntaxNode) -> (usize, Option<SyntaxToken>) {
    let mut end_at = end(node.text_range());
    let mut comment = None;
    let mut tok = node.last_token().and_then(|t| t.next_token());
    while let Some(t) = tok {
        match t.kind() {
            SyntaxKind::TOKEN_WHITESPACE if !t.text().contains('\n') => {}
            SyntaxKind::TOKEN_COMMENT => {
                end_at = comment_end(&t);
                let line_comment = t.text().starts_with('#');
                comment = Some(t.clone());
                if line_comment || t.text().contains('\n') {
                    break;
                }
            }
            _ => break,
        }
        tok = t.next_token();
    }
    (end_at, comment)
}

/// End of a comment token, excluding the `\r` a line comment swallows in a CRLF file.
pub fn comment_end(t: &SyntaxToken) -> usize {
    end(t.text_range()) - usize::from(t.text().starts_with('#') && t.text().ends_with('\r'))
}

/// The whitespace token right before a node, if any.
pub fn ws_before(node: &SyntaxNode) -> Option<SyntaxToken> {
    node.first_token().and_then(|t| t.prev_token()).filter(|t| t.kind() == SyntaxKind::TOKEN_WHITESPACE)
}

/// Children that are nodes or tokens, skipping trivia.
pub fn significant_children(node: &SyntaxNode) -> impl Iterator<Item = NodeOrToken<SyntaxNode, SyntaxToken>> {
    node.children_with_tokens().filter(|e| match e {
        NodeOrToken::Token(t) => !is_trivia(t),
        NodeOrToken::Node(_) => true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_position_is_line_and_column() {
        let err = parse("{\n  a = 1;\n  b = ;\n}\n").unwrap_err();
        assert_eq!((err.line, err.column), (3, 7), "{err}");
        assert!(err.message.starts_with("syntax error"), "{err}");
    }

    #[test]
    fn list_elements_nix_rejects_are_syntax_errors() {
        let err = parse("{nix.settings={substituters=[{}:\"\" ];};}").unwrap_err();
        assert_eq!((err.line, err.column), (1, 30), "{err}");
        assert!(parse("a: b: c: [ (x: x) (if a then b else c) ]").is_ok());
    }

    #[test]
    fn unterminated_file_points_at_the_end() {
        let err = parse("{ a = [ \"x\"\n").unwrap_err();
        assert_eq!(err.line, 2, "{err}");
    }

    #[test]
    fn indentation_and_line_endings_follow_the_file() {
        assert_eq!(indent_unit("{\n\ta = 1;\n}"), "\t");
        assert_eq!(indent_unit("{\n    a = {\n        b = 1;\n    };\n}"), "    ");
        assert_eq!(eol("a\r\nb"), "\r\n");
        assert_eq!(line_indent("x\n   y", 6), "   ");
    }
}
