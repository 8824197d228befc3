//! Where a new `nix.settings = { … };` (or a flake's `nixConfig`) goes when a file has no
//! settings block yet: the module's top-level attribute set, looking into `config = { … }`
//! and `nix = { … }` when those exist, and refusing when they are computed.

use rnix::{SyntaxKind as K, SyntaxNode, TextRange};

use super::locate::attr_names;
use super::model::*;
use super::syntax;

/// The module's top-level attribute set, looking through `{ … }:`, `let`, `with`, parens.
fn module_body(root: &SyntaxNode) -> Option<SyntaxNode> {
    let mut n = root.children().next()?;
    loop {
        match n.kind() {
            K::NODE_LAMBDA | K::NODE_LET_IN | K::NODE_WITH | K::NODE_PAREN | K::NODE_ASSERT => {
                n = n.children().last()?;
            }
            K::NODE_ATTR_SET => return Some(n),
            _ => return None,
        }
    }
}

fn bindings(set: &SyntaxNode) -> impl Iterator<Item = (Vec<String>, SyntaxNode, SyntaxNode)> {
    set.children().filter(|c| c.kind() == K::NODE_ATTRPATH_VALUE).filter_map(|b| {
        let mut ch = b.children();
        let names = attr_names(&ch.next()?)?;
        let value = ch.next()?;
        Some((names, value, b))
    })
}

fn after_last(set: &SyntaxNode) -> Anchor {
    match set.children().filter(|c| matches!(c.kind(), K::NODE_ATTRPATH_VALUE | K::NODE_INHERIT)).last() {
        Some(b) => Anchor::After { binding: b.text_range(), prefix: String::new() },
        None => Anchor::Empty { attrset: set.text_range() },
    }
}

fn line_of(root: &SyntaxNode, r: TextRange) -> usize {
    let text = root.text().to_string();
    text.get(..syntax::start(r)).map_or(1, |t| t.matches('\n').count() + 1)
}

/// Where a new block goes when the file has no site yet.
pub(crate) fn create_point(root: &SyntaxNode) -> (Result<CreatePoint, String>, bool) {
    let Some(body) = module_body(root) else {
        return (Err("the file's top level is not an attribute set or a module function".into()), false);
    };
    let top: Vec<_> = bindings(&body).collect();
    let first = |name: &str| top.iter().find(|(n, _, _)| n.first().map(String::as_str) == Some(name));
    if first("outputs").is_some() {
        let cp = CreatePoint {
            anchor: after_last(&body),
            write_path: "nixConfig".into(),
            site_path: "nixConfig".into(),
            kind: SiteKind::FlakeConfig,
        };
        return (Ok(cp), true);
    }
    let (set, base) = match first("config") {
        Some((names, value, b)) if names.len() == 1 => {
            if value.kind() != K::NODE_ATTR_SET {
                let line = line_of(root, b.text_range());
                return (
                    Err(format!(
                        "the module's `config` (line {line}) is not a plain attribute set; add `nix.settings` inside it by hand, then use cachectl"
                    )),
                    false,
                );
            }
            (value.clone(), "config.")
        }
        _ => (body, ""),
    };
    let inner: Vec<_> = bindings(&set).collect();
    if let Some(cp) = determinate(&inner, base) {
        return (Ok(cp), false);
    }
    if let Err(e) = effective(root, &inner) {
        return (Err(e), false);
    }
    if let Some((_, value, b)) = inner.iter().find(|(n, _, _)| n.len() == 1 && n[0] == "nix") {
        if value.kind() != K::NODE_ATTR_SET {
            return (
                Err(format!(
                    "`nix` is set with an expression, not an attribute set (line {}); add `nix.settings` there by hand",
                    line_of(root, b.text_range())
                )),
                false,
            );
        }
        let cp = CreatePoint {
            anchor: after_last(value),
            write_path: "settings".into(),
            site_path: format!("{base}nix.settings"),
            kind: SiteKind::Settings,
        };
        return (Ok(cp), false);
    }
    let last_nix = inner.iter().rfind(|(n, _, _)| n.first().map(String::as_str) == Some("nix"));
    let anchor = match last_nix {
        Some((_, _, b)) => Anchor::After { binding: b.text_range(), prefix: String::new() },
        None => after_last(&set),
    };
    let cp = CreatePoint {
        anchor,
        write_path: "nix.settings".into(),
        site_path: format!("{base}nix.settings"),
        kind: SiteKind::Settings,
    };
    (Ok(cp), false)
}

type Binding = (Vec<String>, SyntaxNode, SyntaxNode);

/// Determinate Nix's nix-darwin module: settings go to `determinateNix.customSettings`
/// (nix-darwin then has `nix.enable = false`, and `nix.settings` does nothing).
fn determinate(inner: &[Binding], base: &str) -> Option<CreatePoint> {
    let (names, value, b) = inner.iter().find(|(n, _, _)| n.first().map(String::as_str) == Some("determinateNix"))?;
    let site_path = format!("{base}determinateNix.customSettings");
    let cp = match (names.len(), value.kind()) {
        (1, K::NODE_ATTR_SET) => CreatePoint {
            anchor: after_last(value),
            write_path: "customSettings".into(),
            site_path,
            kind: SiteKind::Determinate,
        },
        (1, _) => return None,
        _ => CreatePoint {
            anchor: Anchor::After { binding: b.text_range(), prefix: String::new() },
            write_path: "determinateNix.customSettings".into(),
            site_path,
            kind: SiteKind::Determinate,
        },
    };
    Some(cp)
}

/// The value of `nix.<name>` among the bindings (dotted or in `nix = { … }`).
fn nix_option(inner: &[Binding], name: &str) -> Option<(SyntaxNode, SyntaxNode)> {
    inner.iter().find_map(|(n, v, b)| match n.as_slice() {
        [a, x] if a == "nix" && x == name => Some((v.clone(), b.clone())),
        [a] if a == "nix" && v.kind() == K::NODE_ATTR_SET => {
            bindings(v).find(|(n, _, _)| n.len() == 1 && n[0] == name).map(|(_, v, b)| (v, b))
        }
        _ => None,
    })
}

/// Refuses a new `nix.settings` that could not take effect: `nix.enable = false`, or a
/// home-manager module without `nix.package` (home-manager then rejects `nix.settings`).
fn effective(root: &SyntaxNode, inner: &[Binding]) -> Result<(), String> {
    if let Some((v, b)) = nix_option(inner, "enable")
        && v.text() == "false"
    {
        return Err(format!(
            "`nix.enable = false` (line {}): a new nix.settings would have no effect; add the cache where this system's Nix is configured (with Determinate Nix: determinateNix.customSettings)",
            line_of(root, b.text_range())
        ));
    }
    let hm = inner.iter().find(|(n, _, _)| {
        n.first().map(String::as_str) == Some("home") || (n.len() >= 2 && n[0] == "programs" && n[1] == "home-manager")
    });
    if let Some((_, _, b)) = hm
        && nix_option(inner, "package").is_none()
    {
        return Err(format!(
            "this looks like a home-manager module (line {}) without `nix.package`, and home-manager rejects nix.settings without it: set nix.package first, or add the cache to the system configuration",
            line_of(root, b.text_range())
        ));
    }
    Ok(())
}
