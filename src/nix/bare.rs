//! Settings sets that are not under `nix.settings`, and cache bindings in places cachectl
//! does not recognise.
//!
//! A *bare settings set* is an attribute set, outside option declarations (`options.…`,
//! `mkOption { … }`) and outside computed values, whose own bindings set a cache list
//! (`substituters`, `trusted-public-keys`, `extra-…`, the old `binaryCaches`…) with a list
//! or string value. cachectl chooses it by itself (`auto`) when it is the file's top-level
//! set, the value of a top-level binding or `let` binding (through `{ … }:`), or when it
//! sets both a substituter list and a key list where settings are expected (see
//! `settings_position`), as a `mkNixConfig = …: { settings = { … }; }` does. Any other such set is only edited when `--at LINE` names it. Bare sets never get
//! new lists: cachectl cannot know which names the code that reads them expects.
//!
//! Cache-list names anywhere else (a dotted `foo.substituters = …`, a `let substituters =
//! …` that no site reads) are *strays*: they name lines and forbid creating a new block.

use std::collections::HashSet;

use rnix::{SyntaxKind as K, SyntaxNode, TextRange};

use super::conftext::path_of;
use super::literal::read_string;
use super::locate::{attr_names, call_parts};
use super::model::*;
use super::resolve::resolve_list;

/// What the walker and the text pass already own.
pub struct Taken<'a> {
    pub sites: &'a [Site],
    pub skip: &'a [TextRange],
}

#[derive(Default)]
pub struct Found {
    pub sites: Vec<Site>,
    pub strays: Vec<Refusal>,
}

/// Calls whose argument declares options rather than setting them.
const DECLARATIONS: &[&str] = &["mkOption", "mkEnableOption", "mkPackageOption", "submodule", "submoduleWith"];

fn cache_kind(name: &str) -> Option<ListKind> {
    ListKind::from_setting(name).or_else(|| ListKind::from_legacy(name)).or(match name {
        // The camelCase spellings vars files use for the same lists.
        "extraSubstituters" => Some(ListKind::ExtraSubstituters),
        "trustedPublicKeys" => Some(ListKind::TrustedPublicKeys),
        "extraTrustedPublicKeys" => Some(ListKind::ExtraTrustedPublicKeys),
        "trustedSubstituters" => Some(ListKind::TrustedSubstituters),
        _ => None,
    })
}

/// In a bare set with substituters but no known key list, the one sibling list that holds
/// nothing but public keys (`publicKeys = [ "name:…" ];`) is its key list.
fn key_list_by_content(set: &SyntaxNode, subs: ListKind) -> Option<CacheList> {
    let mut hits = set.children().filter(|b| b.kind() == K::NODE_ATTRPATH_VALUE).filter_map(|b| {
        let mut ch = b.children();
        let (path, value) = (ch.next()?, ch.next()?);
        let name = attr_names(&path).filter(|n| n.len() == 1)?.remove(0);
        let value = resolve_list(&value);
        let ListValue::Literal { elements, .. } = &value else { return None };
        let keys = elements.iter().all(|e| e.value.as_str().is_some_and(|v| crate::keys::PublicKey::parse(v).is_ok()));
        // An emptied list still counts when its name says it holds keys (after `remove`).
        (keys && (!elements.is_empty() || name.to_ascii_lowercase().contains("key"))).then(|| CacheList {
            kind: subs.partner(),
            binding: b.text_range(),
            value,
        })
    });
    let first = hits.next()?;
    hits.next().is_none().then_some(first)
}

fn in_declaration(node: &SyntaxNode) -> bool {
    node.ancestors().any(|a| match a.kind() {
        K::NODE_ATTRPATH_VALUE => a.children().next().and_then(|p| attr_names(&p)).is_some_and(|names| {
            names.iter().any(|n| n == "options")
                && !a.children().next().is_some_and(|p| p.text_range().contains_range(node.text_range()))
        }),
        K::NODE_APPLY => call_parts(&a).is_some_and(|(name, _)| DECLARATIONS.contains(&name.as_str())),
        _ => false,
    })
}

/// Climbs through `{ … }:`, `let … in`, `with`, `assert` and parentheses.
fn climb(node: &SyntaxNode) -> SyntaxNode {
    let mut n = node.clone();
    while let Some(p) = n.parent() {
        let through =
            matches!(p.kind(), K::NODE_PAREN | K::NODE_LAMBDA | K::NODE_WITH | K::NODE_ASSERT | K::NODE_LET_IN)
                && p.children().last().is_some_and(|body| body == n);
        if !through {
            break;
        }
        n = p;
    }
    n
}

fn at_root(node: &SyntaxNode) -> bool {
    climb(node).parent().is_some_and(|p| p.kind() == K::NODE_ROOT)
}

/// The file's top-level set, or the value of a binding of it (or of a top-level `let`).
fn is_top(set: &SyntaxNode) -> bool {
    let c = climb(set);
    let Some(p) = c.parent() else { return false };
    match p.kind() {
        K::NODE_ROOT => true,
        K::NODE_ATTRPATH_VALUE => {
            let single = p.children().next().and_then(|a| attr_names(&a)).is_some_and(|n| n.len() == 1);
            single && p.parent().is_some_and(|holder| at_root(&holder))
        }
        _ => false,
    }
}

/// A set that sets both substituters and keys is chosen by itself when it is where settings
/// are expected: bound in a `let`, returned by a function, or the value of a `settings`
/// binding (`mkNixConfig = …: { settings = { … }; }`), and not under a `nix.` option (where
/// it would be a misspelt option, e.g. `nix.setings`).
fn settings_position(set: &SyntaxNode, path: &str) -> bool {
    if path.starts_with("nix.") || path.contains(".nix.") {
        return false;
    }
    let c = climb(set);
    if c != *set {
        return true; // the body of a function, `let … in` or `with`
    }
    let Some(b) = c.parent().filter(|p| p.kind() == K::NODE_ATTRPATH_VALUE) else { return false };
    let in_let = b.parent().is_some_and(|p| p.kind() == K::NODE_LET_IN);
    let name = b.children().next().and_then(|p| attr_names(&p)).and_then(|n| n.last().cloned());
    in_let || name.is_some_and(|n| matches!(n.as_str(), "settings" | "nixSettings" | "nixConfig" | "customSettings"))
}

/// The strings of a computed value, as read-only lists: URLs and keys (for `list`).
pub fn strings_as_lists(node: &SyntaxNode, reason: &str) -> Vec<CacheList> {
    let (mut urls, mut keys) = (Vec::new(), Vec::new());
    for s in node.descendants().filter(|n| n.kind() == K::NODE_STRING) {
        let Some(v) = read_string(&s) else { continue };
        let v = v.trim().to_owned();
        let e = Element { value: ElemValue::Str(v.clone()), range: s.text_range(), literal_range: None, comment: None };
        if v.contains("://") && !v.contains(char::is_whitespace) {
            urls.push(e);
        } else if crate::keys::PublicKey::parse(&v).is_ok() {
            keys.push(e);
        }
    }
    let list = |kind, elements| CacheList {
        kind,
        binding: node.text_range(),
        value: ListValue::Refused { reason: reason.to_owned(), elements },
    };
    let mut out = Vec::new();
    if !urls.is_empty() {
        out.push(list(ListKind::Substituters, urls));
    }
    if !keys.is_empty() {
        out.push(list(ListKind::TrustedPublicKeys, keys));
    }
    out
}

/// Bare settings sets and strays outside what `taken` covers.
pub fn find(root: &SyntaxNode, taken: &Taken<'_>) -> Found {
    let bound: HashSet<TextRange> = taken
        .sites
        .iter()
        .flat_map(|s| s.lists.iter().map(|l| l.binding).chain(s.other.iter().map(|o| o.binding)))
        .collect();
    let skipped = |r: TextRange| taken.skip.iter().any(|s| s.contains_range(r));
    // A set in the value of a setting or list of a site is that setting's value, not a site.
    let inside_site = |r: TextRange| bound.iter().any(|b| b.contains_range(r));
    let mut found = Found::default();
    for set in root.descendants().filter(|n| n.kind() == K::NODE_ATTR_SET) {
        if skipped(set.text_range()) || inside_site(set.text_range()) || in_declaration(&set) {
            continue;
        }
        bare_set(&set, &bound, &mut found);
    }
    let mut targets: HashSet<TextRange> = HashSet::new();
    for s in taken.sites.iter().chain(&found.sites) {
        for l in &s.lists {
            if let ListValue::Literal { target, .. } = &l.value {
                targets.insert(*target);
            }
        }
    }
    for letin in root.descendants().filter(|n| n.kind() == K::NODE_LET_IN) {
        for b in letin.children().filter(|c| c.kind() == K::NODE_ATTRPATH_VALUE) {
            let mut ch = b.children();
            let (Some(path), Some(value)) = (ch.next(), ch.next()) else { continue };
            let Some(name) = attr_names(&path).filter(|n| n.len() == 1).map(|mut n| n.remove(0)) else { continue };
            if cache_kind(&name).is_none() || skipped(b.text_range()) || in_declaration(&b) {
                continue;
            }
            let used = matches!(resolve_list(&value), ListValue::Literal { target, .. } if targets.contains(&target));
            if !used {
                let reason = format!("`{name}` is bound in a `let` here, but cachectl does not see where it is used");
                found.strays.push(Refusal { range: b.text_range(), reason });
            }
        }
    }
    strays_elsewhere(root, taken, &mut found);
    found
}

/// Names that hold caches in code that is not Nix settings (`trustedPublicKeys`, …).
const CACHE_WORDS: &[&str] = &[
    "trustedPublicKeys",
    "extraSubstituters",
    "extraTrustedPublicKeys",
    "trustedSubstituters",
    "binary-caches",
    "binary-cache-public-keys",
    "extra-binary-caches",
];

/// Public keys in strings outside every site, and reads of cache lists (`cfg.substituters`,
/// `caches.trustedPublicKeys`): the file deals with caches in a way cachectl does not read,
/// so a new block would be a guess.
fn strays_elsewhere(root: &SyntaxNode, taken: &Taken<'_>, found: &mut Found) {
    let mut known: HashSet<TextRange> = HashSet::new();
    for s in taken.sites.iter().chain(&found.sites) {
        for l in &s.lists {
            for e in l.elements().iter().chain(l.conditional()) {
                known.insert(e.range);
                known.extend(e.literal_range);
            }
        }
    }
    let skipped = |r: TextRange| taken.skip.iter().any(|s| s.contains_range(r));
    for n in root.descendants() {
        if skipped(n.text_range()) {
            continue;
        }
        let what = match n.kind() {
            K::NODE_STRING if !known.iter().any(|k| n.text_range().contains_range(*k)) => {
                let words: Vec<String> = match read_string(&n) {
                    Some(v) => v.split_whitespace().map(str::to_owned).collect(),
                    None => super::literal::raw_content(&n)
                        .iter()
                        .flat_map(|(_, t)| t.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
                        .collect(),
                };
                let key = words.iter().any(|w| w.contains(':') && crate::keys::PublicKey::parse(w).is_ok());
                if !key {
                    continue;
                }
                "a public key outside the cache settings cachectl reads".to_owned()
            }
            K::NODE_SELECT | K::NODE_ATTRPATH_VALUE => {
                let Some(path) = n.children().find(|c| c.kind() == K::NODE_ATTRPATH) else { continue };
                let Some(last) = path.children().last().map(|c| c.text().to_string()) else { continue };
                let listed = cache_kind(&last).is_some() && n.kind() == K::NODE_SELECT;
                if !(listed || CACHE_WORDS.contains(&last.as_str())) || in_declaration(&n) {
                    continue;
                }
                format!("`{}` deals with caches in a way cachectl does not read", path.text())
            }
            _ => continue,
        };
        found.strays.push(Refusal { range: n.text_range(), reason: what });
    }
}

fn bare_set(set: &SyntaxNode, bound: &HashSet<TextRange>, found: &mut Found) {
    let mut lists = Vec::new();
    let mut strays = Vec::new();
    let mut declared = 0;
    for b in set.children() {
        if bound.contains(&b.text_range()) {
            return;
        }
        match b.kind() {
            K::NODE_ATTRPATH_VALUE => {
                let mut ch = b.children();
                let (Some(path), Some(value)) = (ch.next(), ch.next()) else { continue };
                let Some(names) = attr_names(&path) else { continue };
                let Some(kind) = names.last().and_then(|n| cache_kind(n)) else { continue };
                if call_parts(&value).is_some_and(|(n, _)| DECLARATIONS.contains(&n.as_str())) {
                    declared += 1;
                    continue;
                }
                if names.len() > 1 {
                    let reason = format!(
                        "`{}` sets a cache list in a place cachectl does not recognise as Nix settings",
                        path.text()
                    );
                    strays.push(Refusal { range: b.text_range(), reason });
                    continue;
                }
                lists.push(CacheList { kind, binding: b.text_range(), value: resolve_list(&value) });
            }
            K::NODE_INHERIT => {
                let from = b.children().find(|c| c.kind() == K::NODE_INHERIT_FROM);
                for ident in b.children().filter(|c| c.kind() == K::NODE_IDENT) {
                    let Some(kind) = cache_kind(&ident.text().to_string()) else { continue };
                    let value = match &from {
                        Some(f) => ListValue::Refused {
                            reason: format!(
                                "`{}` is inherited from `{}`: its value lives elsewhere, so cachectl cannot edit it here",
                                ident.text(),
                                f.text().to_string().trim_matches(|c| c == '(' || c == ')')
                            ),
                            elements: Vec::new(),
                        },
                        None => resolve_list(&ident),
                    };
                    lists.push(CacheList { kind, binding: b.text_range(), value });
                }
            }
            _ => {}
        }
    }
    found.strays.extend(strays);
    if lists.is_empty() || declared > 0 {
        return;
    }
    if !lists.iter().any(|l| l.kind.is_keys())
        && let Some(subs) = lists.iter().find(|l| l.kind.is_substituters()).map(|l| l.kind)
    {
        lists.extend(key_list_by_content(set, subs));
    }
    let has_subs = lists.iter().any(|l| !l.kind.is_keys());
    let has_keys = lists.iter().any(|l| l.kind.is_keys());
    let path = path_of(set);
    let auto = is_top(set) || (has_subs && has_keys && settings_position(set, &path));
    let Some(range) = lists.iter().map(|l| l.binding).reduce(|a, b| a.cover(b)) else { return };
    found.sites.push(Site {
        kind: SiteKind::Bare,
        path: if path.is_empty() { "(top level)".into() } else { path },
        range,
        lists,
        anchor: None,
        other: Vec::new(),
        auto,
        conditional: false,
    });
}
