//! nix.conf lines inside Nix strings: `nix.extraOptions`, `environment.etc."nix/nix.conf".text`,
//! `home.file.".config/nix/nix.conf".text`, `xdg.configFile."nix/nix.conf".text`, or any
//! other text that holds `substituters = …` lines.
//!
//! A line `extra-substituters = a b ${…}` is read word by word. Literal words are read-only:
//! cachectl does not rewrite text. An interpolated list, `${lib.concatStringsSep " " caches}`
//! or `${toString caches}` where `caches` is a literal list (usually bound in a `let` of the
//! file), is that list, and is edited like any other: the text follows it.

use rnix::{NodeOrToken, SyntaxKind as K, SyntaxNode, TextRange};

use super::literal::read_string;
use super::locate::call_parts;
use super::model::*;
use super::resolve::{elements_of_text, let_binding, resolve_list};
use super::syntax::{self, start};

/// The list a nix.conf key sets; the old `binary-caches` names count as their new ones.
pub fn text_kind(key: &str) -> Option<ListKind> {
    ListKind::from_setting(key).or(match key {
        "binary-caches" => Some(ListKind::Substituters),
        "extra-binary-caches" => Some(ListKind::ExtraSubstituters),
        "binary-cache-public-keys" => Some(ListKind::TrustedPublicKeys),
        "trusted-binary-caches" => Some(ListKind::TrustedSubstituters),
        _ => None,
    })
}

enum Piece {
    Text(usize, String),
    Interp(SyntaxNode),
}

/// The lines of a string, as literal text (with offsets) and interpolations.
fn lines(string: &SyntaxNode) -> Vec<Vec<Piece>> {
    let mut out: Vec<Vec<Piece>> = vec![Vec::new()];
    for el in string.children_with_tokens() {
        match el {
            NodeOrToken::Token(t) if t.kind() == K::TOKEN_STRING_CONTENT => {
                let mut off = start(t.text_range());
                for (i, part) in t.text().split('\n').enumerate() {
                    if i > 0 {
                        out.push(Vec::new());
                    }
                    if !part.is_empty()
                        && let Some(line) = out.last_mut()
                    {
                        line.push(Piece::Text(off, part.to_owned()));
                    }
                    off += part.len() + 1;
                }
            }
            NodeOrToken::Node(n) if n.kind() == K::NODE_INTERPOL => {
                if let Some(line) = out.last_mut() {
                    line.push(Piece::Interp(n));
                }
            }
            _ => {}
        }
    }
    out
}

/// The list an interpolation spells out, if it is one: `concatStringsSep " " x`,
/// `toString x`, or a name bound in a `let` to one of those.
fn interpolated_list(expr: &SyntaxNode, depth: usize) -> Option<ListValue> {
    let mut n = expr.clone();
    while n.kind() == K::NODE_PAREN {
        n = n.children().next()?;
    }
    if let Some((name, args)) = call_parts(&n).filter(|_| n.kind() == K::NODE_APPLY) {
        return match (name.as_str(), args.as_slice()) {
            ("concatStringsSep", [sep, list]) if read_string(sep).as_deref() == Some(" ") => Some(resolve_list(list)),
            ("toString", [list]) => Some(resolve_list(list)),
            _ => None,
        };
    }
    if n.kind() == K::NODE_IDENT && depth < 3 {
        let v = let_binding(&n, &n.text().to_string())?;
        return interpolated_list(&v, depth + 1);
    }
    None
}

fn reason(kind: ListKind, path: Option<&str>) -> String {
    match path {
        None => format!(
            "`{}` is set in nix.extraOptions text (nix.conf lines); cachectl does not edit that text: move it to nix.settings",
            kind.name()
        ),
        Some(p) => format!(
            "`{}` is set in nix.conf text ({p}); cachectl does not edit that text: move it to nix.settings, or interpolate a list bound in a `let` (`${{lib.concatStringsSep \" \" caches}}`)",
            kind.name()
        ),
    }
}

/// The cache lists of one line, if it sets one.
fn line_lists(line: &[Piece], path: Option<&str>) -> Vec<CacheList> {
    let Some(Piece::Text(off, first)) = line.first() else { return Vec::new() };
    let trimmed = first.trim_start();
    let lead = first.len() - trimmed.len();
    let Some((key, rest)) = trimmed.split_once('=') else { return Vec::new() };
    let Some(kind) = text_kind(key.trim()) else { return Vec::new() };
    let line_start = off + lead;
    let mut line_end = off + first.trim_end().len();
    let mut words = Vec::new();
    let mut lists = Vec::new();
    let mut comment = false;
    let text_words = |t: &str, at: usize, words: &mut Vec<Element>, comment: &mut bool| {
        let t = match t.find('#') {
            Some(i) => {
                *comment = true;
                &t[..i]
            }
            None => t,
        };
        words.extend(elements_of_text(t, at));
    };
    text_words(rest, line_start + key.len() + 1, &mut words, &mut comment);
    for piece in &line[1..] {
        if comment {
            break;
        }
        match piece {
            Piece::Text(at, t) => {
                text_words(t, *at, &mut words, &mut comment);
                line_end = at + t.trim_end().len();
            }
            Piece::Interp(n) => {
                line_end = syntax::end(n.text_range());
                match n.children().next().and_then(|e| interpolated_list(&e, 0)) {
                    Some(value @ ListValue::Literal { .. }) => lists.push(value),
                    _ => words.push(Element {
                        value: ElemValue::Opaque(n.text().to_string()),
                        range: n.text_range(),
                        literal_range: None,
                        comment: None,
                    }),
                }
            }
        }
    }
    let binding = syntax::range(line_start, line_end.max(line_start));
    let mut out: Vec<CacheList> = lists.into_iter().map(|value| CacheList { kind, binding, value }).collect();
    if !words.is_empty() || out.is_empty() {
        out.push(CacheList {
            kind,
            binding,
            value: ListValue::Refused { reason: reason(kind, path), elements: words },
        });
    }
    out
}

/// The cache lists of every string in `value`; `extra_options` selects the wording.
pub fn lists_in(value: &SyntaxNode, extra_options: bool) -> Vec<CacheList> {
    let path = (!extra_options).then(|| path_of(value));
    let strings = value.descendants().filter(|n| n.kind() == K::NODE_STRING);
    strings.flat_map(|s| lines(&s).iter().flat_map(|l| line_lists(l, path.as_deref())).collect::<Vec<_>>()).collect()
}

/// The attribute path a node is the value of (`environment.etc."nix/nix.conf".text`).
pub fn path_of(node: &SyntaxNode) -> String {
    let mut parts = Vec::new();
    for anc in node.ancestors() {
        if anc.kind() == K::NODE_ATTRPATH_VALUE
            && let Some(p) = anc.children().next()
            && !p.text_range().contains_range(node.text_range())
        {
            parts.push(p.text().to_string());
        }
    }
    parts.reverse();
    parts.join(".")
}

/// Sites of nix.conf text outside `nix.extraOptions` and outside `skip`.
pub fn sites(root: &SyntaxNode, skip: &[TextRange]) -> Vec<Site> {
    let mut out = Vec::new();
    for s in root.descendants().filter(|n| n.kind() == K::NODE_STRING) {
        let r = s.text_range();
        // A string nested in another's interpolation has lines of its own (`"NIX_CONFIG=${''…''}"`).
        if skip.iter().any(|k| k.contains_range(r)) {
            continue;
        }
        let path = path_of(&s);
        let shown = if path.is_empty() { "a string".to_owned() } else { format!("`{path}`") };
        let lists: Vec<CacheList> = lines(&s).iter().flat_map(|l| line_lists(l, Some(&shown))).collect();
        let Some(range) = lists.iter().map(|l| l.binding).reduce(|a, b| a.cover(b)) else { continue };
        out.push(Site {
            kind: SiteKind::ConfText,
            path: if path.is_empty() { "(text)".into() } else { path },
            range,
            lists,
            anchor: None,
            other: Vec::new(),
            auto: true,
            conditional: false,
        });
    }
    out
}
