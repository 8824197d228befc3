//! Reads the value of a cache-list option: literal lists, wrappers, `++`, and `let` names.
//!
//! Anything cachectl cannot edit safely (computed lists, inherited values, strings) becomes
//! `ListValue::Refused` with a reason that names the construct.

use rnix::{SyntaxKind as K, SyntaxNode};

use super::literal;
use super::locate::{attr_names, call_parts};
use super::model::*;
use super::syntax;

/// Wrappers around a list that keep it a list (`lib.mkBefore [ … ]`).
const LIST_WRAPPERS: &[&str] =
    &["mkBefore", "mkAfter", "mkForce", "mkDefault", "mkOrder", "mkOverride", "mkOptionDefault"];

/// Resolves the value of a list option.
pub fn resolve_list(value: &SyntaxNode) -> ListValue {
    resolve(value, 0, None, None)
}

fn refused(reason: String) -> ListValue {
    ListValue::Refused { reason, elements: Vec::new() }
}

fn unparen(mut n: SyntaxNode) -> SyntaxNode {
    while n.kind() == K::NODE_PAREN {
        match n.children().next() {
            Some(inner) => n = inner,
            None => break,
        }
    }
    n
}

fn resolve(node: &SyntaxNode, depth: usize, wrapper: Option<String>, via_let: Option<String>) -> ListValue {
    if depth > 8 {
        return refused("the list is defined through too many indirections".into());
    }
    let node = unparen(node.clone());
    match node.kind() {
        K::NODE_LIST => ListValue::Literal {
            target: node.text_range(),
            elements: elements(&node),
            wrapper,
            dynamic: false,
            conditional: Vec::new(),
            via_let,
        },
        K::NODE_WITH => match node.children().last() {
            Some(body) => resolve(&body, depth + 1, wrapper, via_let),
            None => refused("empty `with` expression".into()),
        },
        K::NODE_APPLY => match call_parts(&node) {
            Some((name, args)) if LIST_WRAPPERS.contains(&name.as_str()) => match args.last() {
                Some(inner) => resolve(inner, depth + 1, Some(name), via_let),
                None => refused(format!("`{name}` without an argument")),
            },
            Some((name, _)) => refused(format!(
                "the list is computed with `{name}`; cachectl cannot edit computed lists safely, edit it by hand"
            )),
            None => refused("the list is computed by a function call; cachectl cannot edit it safely".into()),
        },
        K::NODE_BIN_OP if node.children_with_tokens().any(|e| e.kind() == K::TOKEN_CONCAT) => {
            concat(&node, depth, wrapper, via_let)
        }
        K::NODE_IDENT => {
            let name = node.text().to_string();
            match let_binding(&node, &name) {
                Some(v) => resolve(&v, depth + 1, wrapper, Some(name)),
                None => refused(format!(
                    "`{name}` is not bound in a `let` of this file, so cachectl cannot see or edit its value"
                )),
            }
        }
        K::NODE_STRING => ListValue::Refused {
            reason: "the value is a string, not a list; write it as a list to let cachectl edit it".into(),
            elements: literal::read_string(&node)
                .map(|s| {
                    let off = syntax::start(node.text_range()) + 1;
                    elements_of_text(&s, off)
                })
                .unwrap_or_default(),
        },
        K::NODE_SELECT => {
            refused(format!("the list comes from `{}`; cachectl cannot edit a value defined elsewhere", node.text()))
        }
        K::NODE_IF_ELSE => refused("the list is chosen by `if … then … else`; edit it by hand".into()),
        _ => refused("the value is not a literal list; cachectl cannot edit it safely".into()),
    }
}

/// `[ … ] ++ lib.optional c "…" ++ [ … ]`: literal operands are read, the first is edited.
fn concat(node: &SyntaxNode, depth: usize, wrapper: Option<String>, via_let: Option<String>) -> ListValue {
    let mut operands = Vec::new();
    flatten_concat(node, &mut operands);
    let mut target = None;
    let mut elems = Vec::new();
    let mut dynamic = false;
    let mut conditional = Vec::new();
    for op in operands {
        let op = unparen(op);
        if op.kind() == K::NODE_LIST {
            target.get_or_insert(op.text_range());
            elems.extend(elements(&op));
        } else {
            dynamic = true;
            conditional.extend(
                values_of(&op).flat_map(|v| v.descendants()).filter(|n| n.kind() == K::NODE_STRING).filter_map(|n| {
                    let value = literal::read_string(&n)?;
                    Some(Element {
                        value: ElemValue::Str(value),
                        range: n.text_range(),
                        literal_range: Some(n.text_range()),
                        comment: None,
                    })
                }),
            );
        }
    }
    let _ = depth;
    match target {
        Some(target) => ListValue::Literal { target, elements: elems, wrapper, dynamic, conditional, via_let },
        None => refused("the list is a concatenation of computed values; cachectl cannot edit it safely".into()),
    }
}

/// The parts of a computed operand that can become list elements: the last argument of a
/// call (`lib.optional (host != "eve") "https://…"` adds the URL, never `"eve"`), both
/// branches of an `if`, or the whole operand.
fn values_of(op: &SyntaxNode) -> impl Iterator<Item = SyntaxNode> {
    let parts: Vec<SyntaxNode> = match op.kind() {
        K::NODE_APPLY => call_parts(op).and_then(|(_, args)| args.last().cloned()).into_iter().collect(),
        K::NODE_IF_ELSE => op.children().skip(1).collect(),
        _ => vec![op.clone()],
    };
    parts.into_iter()
}

fn flatten_concat(node: &SyntaxNode, out: &mut Vec<SyntaxNode>) {
    let is_concat =
        |n: &SyntaxNode| n.kind() == K::NODE_BIN_OP && n.children_with_tokens().any(|e| e.kind() == K::TOKEN_CONCAT);
    if is_concat(node) {
        for c in node.children() {
            flatten_concat(&c, out);
        }
    } else {
        out.push(node.clone());
    }
}

/// The value bound to `name` by the nearest enclosing `let` (or `rec { }`).
pub(crate) fn let_binding(from: &SyntaxNode, name: &str) -> Option<SyntaxNode> {
    for anc in from.ancestors() {
        let scope = match anc.kind() {
            K::NODE_LET_IN => true,
            K::NODE_ATTR_SET => anc.children_with_tokens().any(|e| e.kind() == K::TOKEN_REC),
            _ => false,
        };
        if !scope {
            continue;
        }
        for b in anc.children().filter(|c| c.kind() == K::NODE_ATTRPATH_VALUE) {
            let mut ch = b.children();
            let (Some(path), Some(value)) = (ch.next(), ch.next()) else { continue };
            if attr_names(&path).is_some_and(|n| n.len() == 1 && n[0] == name)
                && !value.text_range().contains_range(from.text_range())
            {
                return Some(value);
            }
        }
    }
    None
}

/// The elements of a literal list node.
pub fn elements(list: &SyntaxNode) -> Vec<Element> {
    list.children().map(|el| element(&el)).collect()
}

fn element(el: &SyntaxNode) -> Element {
    let mut inner = unparen(el.clone());
    for _ in 0..4 {
        match call_parts(&inner) {
            Some((name, args)) if LIST_WRAPPERS.contains(&name.as_str()) && inner.kind() == K::NODE_APPLY => {
                match args.last() {
                    Some(a) => inner = unparen(a.clone()),
                    None => break,
                }
            }
            _ => break,
        }
    }
    let (value, literal_range) = match inner.kind() {
        K::NODE_STRING => match literal::read_string(&inner) {
            Some(s) => (ElemValue::Str(s), Some(inner.text_range())),
            None => (ElemValue::Opaque(el.text().to_string()), None),
        },
        K::NODE_LITERAL if inner.first_token().is_some_and(|t| t.kind() == K::TOKEN_URI) => {
            (ElemValue::Str(inner.text().to_string()), Some(inner.text_range()))
        }
        _ => (ElemValue::Opaque(el.text().to_string()), None),
    };
    let (_, comment) = syntax::end_with_comment(el);
    Element { value, range: el.text_range(), literal_range, comment: comment.map(|c| c.text().to_owned()) }
}

/// Whitespace-separated values of nix.conf-style text starting at byte `offset`.
pub fn elements_of_text(text: &str, offset: usize) -> Vec<Element> {
    let mut out = Vec::new();
    let mut pos = 0;
    for word in text.split_whitespace() {
        let Some(i) = text.get(pos..).and_then(|t| t.find(word)) else { continue };
        let start = offset + pos + i;
        pos += i + word.len();
        let r = syntax::range(start, start + word.len());
        out.push(Element { value: ElemValue::Str(word.to_owned()), range: r, literal_range: None, comment: None });
    }
    out
}
