//! Seeded mutations of Nix files for `tests/parity.rs`: each makes one change of the kind
//! that trips Nix's parser where rnix's does not mind (duplicated or dropped bindings and
//! formals, misspelt identifiers, `with` and `inherit` added or removed, `rec` toggled,
//! dotted paths turned into sets, foreign whitespace, swapped lines).

use rnix::{SyntaxKind as K, SyntaxNode, TextRange};

use super::oracle::Rng;

const SPACES: &[char] =
    &['\u{a0}', '\u{0b}', '\u{0c}', '\u{85}', '\u{2003}', '\u{3000}', '\u{2028}', '\u{1680}', '\u{202f}'];

fn nodes(root: &SyntaxNode, kinds: &[K]) -> Vec<SyntaxNode> {
    root.descendants().filter(|n| kinds.contains(&n.kind())).collect()
}

fn span(r: TextRange) -> (usize, usize) {
    (usize::from(r.start()), usize::from(r.end()))
}

fn splice(text: &str, (s, e): (usize, usize), with: &str) -> String {
    format!("{}{with}{}", &text[..s], &text[e..])
}

fn idents(root: &SyntaxNode) -> Vec<(usize, usize)> {
    root.descendants_with_tokens()
        .filter_map(|e| e.into_token())
        .filter(|t| t.kind() == K::TOKEN_IDENT)
        .map(|t| span(t.text_range()))
        .collect()
}

/// One random change; `None` when the text has nothing it applies to.
pub fn mutate(text: &str, rng: &mut Rng) -> Option<String> {
    let root = rnix::Root::parse(text).syntax();
    let names: Vec<&str> = idents(&root).into_iter().map(|(s, e)| &text[s..e]).collect();
    let some_name = |rng: &mut Rng| rng.pick(&names).copied().unwrap_or("x").to_owned();
    match rng.below(13) {
        // Duplicate a binding (or an inherit) right after itself.
        0 => {
            let n = rng.pick(&nodes(&root, &[K::NODE_ATTRPATH_VALUE, K::NODE_INHERIT]))?.clone();
            let (s, e) = span(n.text_range());
            Some(splice(text, (e, e), &format!(" {}", &text[s..e])))
        }
        // Misspell an identifier: drop a character, or `true` → `tre`.
        1 | 2 => {
            let (s, e) = *rng.pick(&idents(&root))?;
            if e - s < 2 {
                return None;
            }
            let cut = s + 1 + rng.below(e - s - 1);
            let cut_end = cut + text[cut..].chars().next()?.len_utf8();
            Some(splice(text, (cut, cut_end), ""))
        }
        // `lib.mkIf` → `ib.mkIf`, or `pkgs.nixVersions` → `pkgsnixVersions`.
        3 => {
            let sel = rng.pick(&nodes(&root, &[K::NODE_SELECT]))?.clone();
            let first = sel.first_token()?;
            let (s, e) = span(first.text_range());
            if first.kind() != K::TOKEN_IDENT {
                return None;
            }
            if rng.below(2) == 0 {
                Some(splice(text, (s, s + 1), ""))
            } else {
                (text.get(e..e + 1) == Some(".")).then(|| splice(text, (e, e + 1), ""))
            }
        }
        // Drop a binding, a formal, or an inherited name.
        4 => {
            let n = rng.pick(&nodes(&root, &[K::NODE_ATTRPATH_VALUE, K::NODE_INHERIT, K::NODE_PAT_ENTRY]))?.clone();
            let (s, mut e) = span(n.text_range());
            if n.kind() == K::NODE_PAT_ENTRY && text[e..].trim_start().starts_with(',') {
                e = e + text[e..].find(',')? + 1;
            }
            Some(splice(text, (s, e), ""))
        }
        // Duplicate a formal.
        5 => {
            let n = rng.pick(&nodes(&root, &[K::NODE_PAT_ENTRY]))?.clone();
            let id = n.first_token()?;
            let e = usize::from(n.text_range().end());
            Some(splice(text, (e, e), &format!(", {}", id.text())))
        }
        // Wrap a value in `with`, or take a `with` away.
        6 => {
            if rng.below(2) == 0 {
                let w = rng.pick(&nodes(&root, &[K::NODE_WITH]))?.clone();
                let body = w.children().last()?;
                let (bs, be) = span(body.text_range());
                Some(splice(text, span(w.text_range()), &format!("({})", &text[bs..be])))
            } else {
                let v = rng.pick(&nodes(&root, &[K::NODE_ATTRPATH_VALUE]))?.clone();
                let value = v.children().nth(1)?;
                let (s, e) = span(value.text_range());
                let scope = some_name(rng);
                Some(splice(text, (s, e), &format!("(with {scope}; {})", &text[s..e])))
            }
        }
        // Insert `inherit x;` or `inherit (e) x;` into a set or a `let`.
        7 => {
            let n = rng.pick(&nodes(&root, &[K::NODE_ATTR_SET, K::NODE_LET_IN]))?.clone();
            let open = n
                .children_with_tokens()
                .filter_map(|t| t.into_token())
                .find(|t| matches!(t.kind(), K::TOKEN_L_BRACE | K::TOKEN_LET))?;
            let e = usize::from(open.text_range().end());
            let name = some_name(rng);
            let ins = if rng.below(2) == 0 {
                format!(" inherit {name};")
            } else {
                format!(" inherit ({}) {name};", some_name(rng))
            };
            Some(splice(text, (e, e), &ins))
        }
        // Foreign whitespace between tokens, or anywhere.
        8 | 9 => {
            let c = *rng.pick(SPACES)?;
            let at = if rng.below(3) > 0 {
                let ws: Vec<_> = root
                    .descendants_with_tokens()
                    .filter_map(|e| e.into_token())
                    .filter(|t| t.kind() == K::TOKEN_WHITESPACE)
                    .collect();
                usize::from(rng.pick(&ws)?.text_range().start())
            } else {
                let mut at = rng.below(text.len() + 1);
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                at
            };
            Some(splice(text, (at, at), &c.to_string()))
        }
        // Swap two lines.
        10 => {
            let mut lines: Vec<&str> = text.split('\n').collect();
            if lines.len() < 2 {
                return None;
            }
            let a = rng.below(lines.len());
            let b = rng.below(lines.len());
            lines.swap(a, b);
            Some(lines.join("\n"))
        }
        // Toggle `rec`.
        11 => {
            let set = rng.pick(&nodes(&root, &[K::NODE_ATTR_SET]))?.clone();
            let (s, _) = span(set.text_range());
            if text[s..].starts_with("rec") {
                Some(splice(text, (s, s + 3), ""))
            } else {
                Some(splice(text, (s, s), "rec "))
            }
        }
        // `a.b.c = v;` → `a = { b.c = v; };`.
        _ => {
            let v = rng.pick(&nodes(&root, &[K::NODE_ATTRPATH_VALUE]))?.clone();
            let path = v.children().next()?;
            let first = path.children().next()?;
            let (ps, pe) = span(path.text_range());
            let (_, fe) = span(first.text_range());
            if fe >= pe {
                return None;
            }
            let (_, ve) = span(v.text_range());
            let rest = &text[fe + 1..ve];
            Some(splice(text, (ps, ve), &format!("{} = {{ {rest} }};", &text[ps..fe])))
        }
    }
}
