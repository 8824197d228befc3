//! Text edits computed from CST ranges: append, replace, remove, and create bindings.
//!
//! Every edit copies the indentation and line ending of its neighbours. Edits are applied
//! end-first and must not overlap; overlapping pure deletions are merged first.

use rnix::{SyntaxKind as K, SyntaxNode, SyntaxToken, TextRange};

use super::literal::render;
use super::model::*;
use super::syntax::{self, end, end_with_comment, eol, indent_unit, line_indent, start};

/// Replace `range` with `insert` (an insertion when the range is empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextEdit {
    pub range: TextRange,
    pub insert: String,
}

impl TextEdit {
    pub fn insertion(at: usize, insert: String) -> TextEdit {
        TextEdit { range: syntax::range(at, at), insert }
    }

    pub fn deletion(from: usize, to: usize) -> TextEdit {
        TextEdit { range: syntax::range(from, to), insert: String::new() }
    }
}

/// Applies edits end-first. Overlapping deletions are merged; any other overlap is a bug
/// in the planner and is reported instead of producing a corrupt file.
pub fn apply(text: &str, edits: &[TextEdit]) -> Result<String, String> {
    let mut edits = edits.to_vec();
    edits.sort_by_key(|e| (e.range.start(), e.range.end()));
    let mut merged: Vec<TextEdit> = Vec::new();
    for e in edits {
        if let Some(prev) = merged.last_mut()
            && (e.range.start() < prev.range.end()
                || (e.range.start() == prev.range.end() && e.range.is_empty() && prev.range.is_empty()))
        {
            if prev.insert.is_empty() && e.insert.is_empty() {
                prev.range = prev.range.cover(e.range);
                continue;
            }
            if (e.range.start() != prev.range.end()) || !prev.range.is_empty() || !e.range.is_empty() {
                return Err(format!("overlapping edits at {:?} and {:?}", prev.range, e.range));
            }
        }
        merged.push(e);
    }
    let mut out = text.to_owned();
    for e in merged.iter().rev() {
        let (s, t) = (start(e.range), end(e.range));
        if t > out.len() || !out.is_char_boundary(s) || !out.is_char_boundary(t) {
            return Err(format!("edit {:?} outside the text", e.range));
        }
        out.replace_range(s..t, &e.insert);
    }
    Ok(out)
}

/// The node covering exactly `range` (the deepest one), if any.
pub fn node_at(root: &SyntaxNode, range: TextRange) -> Option<SyntaxNode> {
    root.descendants().filter(|n| n.text_range() == range).last()
}

fn token_before(node: &SyntaxNode) -> Option<SyntaxToken> {
    node.first_token().and_then(|t| t.prev_token())
}

/// Appends `value` as a new last element of the literal list at `list`.
pub fn append(text: &str, root: &SyntaxNode, list: TextRange, value: &str) -> Option<TextEdit> {
    let list = node_at(root, list).filter(|n| n.kind() == K::NODE_LIST)?;
    let lit = render(value);
    let nl = eol(text);
    let Some(last) = list.children().last() else {
        return Some(append_empty(text, &list, &lit));
    };
    // Multi-line when a line break separates the last element from its predecessor (or
    // from `[`), comments between them notwithstanding.
    let prev_end = last.prev_sibling().map_or(start(list.text_range()) + 1, |p| end(p.text_range()));
    let last_start = start(last.text_range());
    let multi = text.get(prev_end..last_start).is_some_and(|t| t.contains('\n'));
    let (at, comment) = end_with_comment(&last);
    let line_comment = comment.as_ref().is_some_and(|c| c.text().starts_with('#'));
    let insert = match multi {
        true => format!("{nl}{}{lit}", line_indent(text, last_start)),
        false if line_comment => {
            format!("{nl}{}{}{lit}", line_indent(text, start(last.text_range())), indent_unit(text))
        }
        false => format!(" {lit}"),
    };
    Some(TextEdit::insertion(at, insert))
}

fn append_empty(text: &str, list: &SyntaxNode, lit: &str) -> TextEdit {
    let nl = eol(text);
    let toks: Vec<SyntaxToken> = list.children_with_tokens().filter_map(|e| e.into_token()).collect();
    let open = toks.first().map_or(start(list.text_range()) + 1, |t| end(t.text_range()));
    let close = toks.last().map_or(end(list.text_range()) - 1, |t| start(t.text_range()));
    let inner = text.get(open..close).unwrap_or_default();
    let last_comment = toks.iter().rfind(|t| t.kind() == K::TOKEN_COMMENT);
    let child_indent = format!("{}{}", line_indent(text, close), indent_unit(text));
    match last_comment {
        None if !inner.contains('\n') => TextEdit { range: syntax::range(open, close), insert: format!(" {lit} ") },
        None => TextEdit::insertion(open, format!("{nl}{child_indent}{lit}")),
        Some(c) => {
            let own_line = c.prev_token().is_some_and(|w| w.kind() == K::TOKEN_WHITESPACE && w.text().contains('\n'));
            let at = syntax::comment_end(c);
            if own_line {
                let indent = line_indent(text, start(c.text_range()));
                TextEdit::insertion(at, format!("{nl}{indent}{lit}"))
            } else if c.text().starts_with('#') || inner.contains('\n') {
                TextEdit::insertion(at, format!("{nl}{child_indent}{lit}"))
            } else {
                TextEdit::insertion(at, format!(" {lit}"))
            }
        }
    }
}

/// True when a list holds no comments, so emptying it can simply write `[ ]`.
pub fn clearable(root: &SyntaxNode, list: TextRange) -> bool {
    node_at(root, list)
        .is_some_and(|l| l.kind() == K::NODE_LIST && !l.children_with_tokens().any(|e| e.kind() == K::TOKEN_COMMENT))
}

/// Empties a list (which `clearable` accepted): its interior becomes one space.
pub fn clear(root: &SyntaxNode, list: TextRange) -> Option<TextEdit> {
    let l = node_at(root, list)?;
    let (s, e) = (start(list) + 1, end(list).checked_sub(1)?);
    (l.kind() == K::NODE_LIST && s <= e).then(|| TextEdit { range: syntax::range(s, e), insert: " ".into() })
}

/// Replaces a string literal (or unquoted URL) in place with a new value.
pub fn replace(literal: TextRange, value: &str) -> TextEdit {
    TextEdit { range: literal, insert: render(value) }
}

/// Removes one list element with its same-line comment and, when it sits on its own line,
/// the whole line. A comment on its own line above the element stays.
pub fn remove(root: &SyntaxNode, element: TextRange) -> Option<TextEdit> {
    let el = node_at(root, element)?;
    let (el_end, _) = end_with_comment(&el);
    let prev = token_before(&el);
    let next = root.token_at_offset(rnix::TextSize::try_from(el_end).ok()?).right_biased();
    let prev_ws = prev.as_ref().filter(|t| t.kind() == K::TOKEN_WHITESPACE);
    let own_line = prev_ws.is_some_and(|t| t.text().contains('\n'));
    let next_ws = next.as_ref().filter(|t| t.kind() == K::TOKEN_WHITESPACE && start(t.text_range()) == el_end);
    let line_ends = next_ws.is_some_and(|t| t.text().contains('\n'));
    let el_start = start(element);
    if own_line && line_ends {
        let ws = prev_ws?;
        let line_start = start(ws.text_range()) + ws.text().rfind('\n').map_or(0, |i| i + 1);
        let nws = next_ws?;
        let cut = start(nws.text_range()) + nws.text().find('\n').map_or(0, |i| i + 1);
        return Some(TextEdit::deletion(line_start, cut));
    }
    if own_line {
        let ws = prev_ws?;
        let next_is_elem = next_ws.is_some() && !closes(next_ws.and_then(|t| t.next_token()).as_ref());
        if next_is_elem {
            let to = next_ws.map_or(el_end, |t| end(t.text_range()));
            return Some(TextEdit::deletion(el_start, to));
        }
        let after_line_comment =
            ws.prev_token().is_some_and(|t| t.kind() == K::TOKEN_COMMENT && t.text().starts_with('#'));
        let from = if after_line_comment {
            start(ws.text_range()) + ws.text().rfind('\n').map_or(0, |i| i + 1)
        } else {
            start(ws.text_range())
        };
        let to = next_ws.map_or(el_end, |t| if after_line_comment { end(t.text_range()) } else { el_end });
        return Some(TextEdit::deletion(from, to.max(el_end)));
    }
    match prev_ws {
        Some(ws) => Some(TextEdit::deletion(start(ws.text_range()), el_end)),
        None => {
            let to = next_ws.filter(|t| !t.text().contains('\n')).map_or(el_end, |t| end(t.text_range()));
            Some(TextEdit::deletion(el_start, to))
        }
    }
}

fn closes(t: Option<&SyntaxToken>) -> bool {
    t.is_none_or(|t| t.kind() == K::TOKEN_R_BRACK)
}

/// Renders `[ … ]` for new values, multi-line with `child` indentation or on one line.
fn list_text(values: &[String], indent: &str, child: Option<&str>, nl: &str) -> String {
    match child {
        Some(child) => {
            let mut s = String::from("[");
            for v in values {
                s.push_str(&format!("{nl}{indent}{child}{}", render(v)));
            }
            s.push_str(&format!("{nl}{indent}]"));
            s
        }
        None => {
            let items: Vec<String> = values.iter().map(|v| render(v)).collect();
            format!("[ {} ]", items.join(" "))
        }
    }
}

/// How existing lists of a site are laid out: `Some(relative child indent)` when multi-line.
pub fn sibling_style(text: &str, root: &SyntaxNode, site: &Site) -> Option<Option<String>> {
    for l in &site.lists {
        let ListValue::Literal { target, .. } = &l.value else { continue };
        let list = node_at(root, *target)?;
        let first = list.children().next()?;
        let multi = token_before(&first).is_some_and(|t| t.kind() == K::TOKEN_WHITESPACE && t.text().contains('\n'));
        if !multi {
            return Some(None);
        }
        let base = line_indent(text, start(l.binding));
        let el = line_indent(text, start(first.text_range()));
        return Some(Some(el.strip_prefix(base).unwrap_or(el).to_owned()));
    }
    None
}

/// Inserts new list bindings (`name = [ … ];`) into a site at its anchor.
pub fn create_lists(text: &str, root: &SyntaxNode, site: &Site, lists: &[(ListKind, Vec<String>)]) -> Option<TextEdit> {
    let anchor = site.anchor.as_ref()?;
    let unit = indent_unit(text);
    let style = sibling_style(text, root, site).unwrap_or(Some(unit.clone()));
    insert_bindings(text, root, anchor, |indent, prefix, nl| {
        lists
            .iter()
            .map(|(k, vals)| format!("{prefix}{} = {};", k.name(), list_text(vals, indent, style.as_deref(), nl)))
            .collect()
    })
}

/// Inserts a whole new block (`nix.settings = { … };`) at a create point.
pub fn create_block(
    text: &str,
    root: &SyntaxNode,
    cp: &CreatePoint,
    lists: &[(ListKind, Vec<String>)],
) -> Option<TextEdit> {
    let unit = indent_unit(text);
    insert_bindings(text, root, &cp.anchor, |indent, prefix, nl| {
        let inner = format!("{indent}{unit}");
        let mut s = format!("{prefix}{} = {{", cp.write_path);
        for (k, vals) in lists {
            let l = list_text(vals, &inner, Some(&unit), nl);
            s.push_str(&format!("{nl}{inner}{} = {l};", k.name()));
        }
        s.push_str(&format!("{nl}{indent}}};"));
        vec![s]
    })
}

/// Shared placement: after an anchor binding (and its same-line comment) on a new line
/// with the binding's indentation, or inside an empty attribute set.
fn insert_bindings(
    text: &str,
    root: &SyntaxNode,
    anchor: &Anchor,
    render_bindings: impl Fn(&str, &str, &str) -> Vec<String>,
) -> Option<TextEdit> {
    let nl = eol(text);
    match anchor {
        Anchor::After { binding, prefix } => {
            let node = node_at(root, *binding)?;
            let (at, _) = end_with_comment(&node);
            let indent = line_indent(text, start(*binding)).to_owned();
            let bindings = render_bindings(&indent, prefix, nl);
            let body: String = bindings.iter().map(|b| format!("{nl}{indent}{b}")).collect();
            Some(TextEdit::insertion(at, body))
        }
        Anchor::Empty { attrset } => {
            let set = node_at(root, *attrset)?;
            let toks: Vec<SyntaxToken> = set.children_with_tokens().filter_map(|e| e.into_token()).collect();
            let open = toks.iter().find(|t| t.kind() == K::TOKEN_L_BRACE)?;
            let close = toks.iter().rev().find(|t| t.kind() == K::TOKEN_R_BRACE)?;
            let (o, c) = (end(open.text_range()), start(close.text_range()));
            let base = line_indent(text, start(*attrset)).to_owned();
            let indent = format!("{base}{}", indent_unit(text));
            let bindings = render_bindings(&indent, "", nl);
            let inner = text.get(o..c).unwrap_or_default();
            let body: String = bindings.iter().map(|b| format!("{nl}{indent}{b}")).collect();
            if inner.trim().is_empty() {
                Some(TextEdit { range: syntax::range(o, c), insert: format!("{body}{nl}{base}") })
            } else {
                Some(TextEdit::insertion(o, body))
            }
        }
    }
}

/// Renames a binding's option: its last attribute (`binaryCaches` in `nix.binaryCaches`)
/// becomes `new_tail` (`settings.substituters`); the value and comments stay as they are.
pub fn rename_binding(root: &SyntaxNode, binding: TextRange, new_tail: &str) -> Option<TextEdit> {
    let node = node_at(root, binding).filter(|n| n.kind() == K::NODE_ATTRPATH_VALUE)?;
    let path = node.children().find(|c| c.kind() == K::NODE_ATTRPATH)?;
    let last = path.children().last()?;
    Some(TextEdit { range: last.text_range(), insert: new_tail.to_owned() })
}

/// Removes a whole binding with its same-line comment and, when it sits on its own line,
/// the line itself.
pub fn remove_binding(text: &str, root: &SyntaxNode, binding: TextRange) -> Option<TextEdit> {
    let node = node_at(root, binding).filter(|n| n.kind() == K::NODE_ATTRPATH_VALUE)?;
    let (to, _) = end_with_comment(&node);
    let from = start(binding);
    let line_start = text[..from].rfind('\n').map_or(0, |i| i + 1);
    let rest = &text[to..];
    let line_end = rest.find('\n').map(|i| to + i + 1);
    match line_end {
        Some(e) if text[line_start..from].trim().is_empty() && text[to..e].trim().is_empty() => {
            Some(TextEdit::deletion(line_start, e))
        }
        _ => {
            let ws = text[..from].len() - text[..from].trim_end_matches([' ', '\t']).len();
            Some(TextEdit::deletion(from - ws, to))
        }
    }
}

/// Inserts scalar settings (`connect-timeout = 5;`) into a site at its anchor, in the
/// style of the binding there (`nix.settings.` prefix or none).
pub fn create_settings(text: &str, root: &SyntaxNode, site: &Site, settings: &[(String, String)]) -> Option<TextEdit> {
    let anchor = site.anchor.as_ref()?;
    insert_bindings(text, root, anchor, |_, prefix, _| {
        settings.iter().map(|(name, value)| format!("{prefix}{name} = {value};")).collect()
    })
}
