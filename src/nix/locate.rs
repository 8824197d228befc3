//! Finds every place a file sets binary caches, whatever the module's shape.
//!
//! The walker descends the CST carrying the attribute path built so far. Module-system
//! wrappers (`mkIf`, `mkMerge`, `mkDefault`, …), lambdas (`{ pkgs, ... }: { … }`), `let`
//! and `with` are transparent; arguments of other calls and list elements start a fresh
//! path, so `modules = [ { nix.settings… } ]` and flake-parts modules are found too. A
//! binding whose full path ends in `nix.settings.<list>`, `nix.<legacy list>` or
//! `nixConfig.<list>` is a cache list; bindings of one attribute-set scope with the same
//! path prefix form one site.

use rnix::{SyntaxKind as K, SyntaxNode, TextRange};

use super::model::*;
use super::resolve::{let_binding, resolve_list};
use super::syntax::{self, SyntaxError};

/// Parses and locates in one go.
pub fn locate(text: &str) -> Result<FileModel, SyntaxError> {
    let root = syntax::parse(text)?;
    Ok(locate_root(&root))
}

/// Locates cache settings in an already parsed tree.
pub fn locate_root(root: &SyntaxNode) -> FileModel {
    let mut w = Walker::default();
    if let Some(expr) = root.children().next() {
        w.expr(&expr, &[], 0);
    }
    let (create, is_flake) = super::create::create_point(root);
    let mut sites: Vec<Site> = w.sites.into_iter().map(|b| b.site).collect();
    // Strings that are elements of a list are values, not nix.conf text.
    let mut text_skip = w.skip.clone();
    for l in sites.iter().flat_map(|s| &s.lists) {
        text_skip.extend(l.elements().iter().chain(l.conditional()).map(|e| e.range));
    }
    sites.extend(super::conftext::sites(root, &text_skip));
    let found = super::bare::find(root, &super::bare::Taken { sites: &sites, skip: &w.skip });
    sites.extend(found.sites);
    sites.sort_by_key(|s| s.range.start());
    FileModel { sites, refusals: w.refusals, strays: found.strays, create, is_flake }
}

#[derive(Default)]
struct Walker {
    sites: Vec<Builder>,
    refusals: Vec<Refusal>,
    /// Ranges the later passes must not look into (computed values, extraOptions text).
    skip: Vec<TextRange>,
    next_scope: u32,
    /// How many `mkIf` bodies or `if` branches the walk is in.
    cond: u32,
}

struct Builder {
    scope: u32,
    site: Site,
}

/// Wrappers of the module system that leave the value's meaning in place.
const UNARY_WRAPPERS: &[&str] = &["mkDefault", "mkForce", "mkBefore", "mkAfter", "mkOptionDefault", "mkVMOverride"];
const BINARY_WRAPPERS: &[&str] = &["mkOrder", "mkOverride"];

/// The name of a called function (`lib.mkIf` → `mkIf`) and its arguments, uncurried.
pub(crate) fn call_parts(node: &SyntaxNode) -> Option<(String, Vec<SyntaxNode>)> {
    let mut args = Vec::new();
    let mut f = node.clone();
    while f.kind() == K::NODE_APPLY {
        let mut ch = f.children();
        let func = ch.next()?;
        args.push(ch.next()?);
        f = func;
    }
    args.reverse();
    let name = match f.kind() {
        K::NODE_IDENT => f.text().to_string(),
        K::NODE_SELECT => {
            let path = f.children().find(|c| c.kind() == K::NODE_ATTRPATH)?;
            path.children().last()?.text().to_string()
        }
        _ => return None,
    };
    Some((name, args))
}

/// Static attribute names of an attrpath (`None` if any part is dynamic).
pub(crate) fn attr_names(attrpath: &SyntaxNode) -> Option<Vec<String>> {
    attrpath
        .children()
        .map(|c| match c.kind() {
            K::NODE_IDENT => Some(c.text().to_string()),
            K::NODE_STRING => super::literal::read_string(&c),
            _ => None,
        })
        .collect()
}

/// What a full attribute path designates.
enum Target {
    List { site_len: usize, site_kind: SiteKind, kind: ListKind },
    ExtraOptions { site_len: usize },
    Setting { site_len: usize, site_kind: SiteKind },
    Container { site_kind: SiteKind },
    Other,
}

fn classify(path: &[String]) -> Target {
    let n = path.len();
    let at = |i: usize| path.get(n.wrapping_sub(i)).map(String::as_str);
    let last = at(1).unwrap_or_default();
    // `options.nix.settings = mkOption { … }` declares an option; it sets nothing.
    if path.first().is_some_and(|p| p == "options") {
        return Target::Other;
    }
    if at(3) == Some("nix") && at(2) == Some("settings") {
        return match ListKind::from_setting(last) {
            Some(kind) => Target::List { site_len: n - 1, site_kind: SiteKind::Settings, kind },
            None => Target::Setting { site_len: n - 1, site_kind: SiteKind::Settings },
        };
    }
    if at(3) == Some("determinateNix") && at(2) == Some("customSettings") {
        return match ListKind::from_setting(last) {
            Some(kind) => Target::List { site_len: n - 1, site_kind: SiteKind::Determinate, kind },
            None => Target::Setting { site_len: n - 1, site_kind: SiteKind::Determinate },
        };
    }
    if at(2) == Some("determinateNix") && last == "customSettings" {
        return Target::Container { site_kind: SiteKind::Determinate };
    }
    if at(2) == Some("nix") {
        if let Some(kind) = ListKind::from_legacy(last) {
            return Target::List { site_len: n - 1, site_kind: SiteKind::Legacy, kind };
        }
        if last == "extraOptions" {
            return Target::ExtraOptions { site_len: n - 1 };
        }
        if last == "settings" {
            return Target::Container { site_kind: SiteKind::Settings };
        }
    }
    if at(2) == Some("nixConfig") {
        return match ListKind::from_setting(last) {
            Some(kind) => Target::List { site_len: n - 1, site_kind: SiteKind::FlakeConfig, kind },
            None => Target::Setting { site_len: n - 1, site_kind: SiteKind::FlakeConfig },
        };
    }
    if n == 1 && last == "nixConfig" {
        return Target::Container { site_kind: SiteKind::FlakeConfig };
    }
    Target::Other
}

impl Walker {
    fn fresh(&mut self) -> u32 {
        self.next_scope += 1;
        self.next_scope
    }

    fn site(&mut self, scope: u32, kind: SiteKind, path: &[String], at: TextRange) -> &mut Site {
        let joined = path.join(".");
        let idx = match self.sites.iter().position(|b| b.scope == scope && b.site.path == joined && b.site.kind == kind)
        {
            Some(i) => i,
            None => {
                let anchor_none = None;
                self.sites.push(Builder {
                    scope,
                    site: Site {
                        kind,
                        path: joined,
                        range: at,
                        lists: Vec::new(),
                        anchor: anchor_none,
                        other: Vec::new(),
                        auto: true,
                        conditional: self.cond > 0,
                    },
                });
                self.sites.len() - 1
            }
        };
        let site = &mut self.sites[idx].site;
        site.range = site.range.cover(at);
        site
    }

    fn expr(&mut self, node: &SyntaxNode, path: &[String], scope: u32) {
        match node.kind() {
            K::NODE_PAREN | K::NODE_WITH | K::NODE_ASSERT | K::NODE_LAMBDA => {
                if let Some(body) = node.children().last() {
                    self.expr(&body, path, scope);
                }
            }
            K::NODE_LET_IN => {
                let children: Vec<SyntaxNode> = node.children().collect();
                for c in &children[..children.len().saturating_sub(1)] {
                    if c.kind() == K::NODE_ATTRPATH_VALUE
                        && let Some(v) = c.children().nth(1)
                    {
                        let s = self.fresh();
                        self.expr(&v, &[], s);
                    }
                }
                if let Some(body) = children.last() {
                    self.expr(body, path, scope);
                }
            }
            K::NODE_ATTR_SET => self.attrset(node, path, scope),
            K::NODE_IF_ELSE => {
                self.cond += 1;
                for c in node.children().skip(1) {
                    let s = self.fresh();
                    self.expr(&c, path, s);
                }
                self.cond -= 1;
            }
            K::NODE_BIN_OP if node.children_with_tokens().any(|e| e.kind() == K::TOKEN_UPDATE) => {
                for c in node.children() {
                    let s = self.fresh();
                    self.expr(&c, path, s);
                }
            }
            K::NODE_APPLY => self.apply(node, path, scope),
            _ if matches!(classify(path), Target::Container { .. }) => self.computed(node, path, scope),
            _ => {
                for c in node.children() {
                    let s = self.fresh();
                    self.expr(&c, &[], s);
                }
            }
        }
    }

    fn apply(&mut self, node: &SyntaxNode, path: &[String], scope: u32) {
        if let Some((name, args)) = call_parts(node) {
            let body = match name.as_str() {
                "mkIf" => {
                    if let Some(body) = args.get(1) {
                        self.cond += 1;
                        self.expr(body, path, scope);
                        self.cond -= 1;
                        return;
                    }
                    None
                }
                n if UNARY_WRAPPERS.contains(&n) => args.first(),
                n if BINARY_WRAPPERS.contains(&n) => args.get(1),
                "mkMerge" => {
                    if let Some(list) = args.first().filter(|a| a.kind() == K::NODE_LIST) {
                        for el in list.children() {
                            let s = self.fresh();
                            self.expr(&el, path, s);
                        }
                        return;
                    }
                    None
                }
                _ => None,
            };
            if let Some(body) = body {
                return self.expr(body, path, scope);
            }
        }
        if matches!(classify(path), Target::Container { .. }) {
            return self.computed(node, path, scope);
        }
        for c in node.children() {
            let s = self.fresh();
            self.expr(&c, &[], s);
        }
    }

    fn attrset(&mut self, node: &SyntaxNode, path: &[String], scope: u32) {
        if matches!(classify(path), Target::Container { .. }) {
            // Sets deeper inside `nix.settings = { … }` are setting values, never sites.
            self.skip.push(node.text_range());
        }
        let mut empty = true;
        for child in node.children() {
            match child.kind() {
                K::NODE_ATTRPATH_VALUE => {
                    empty = false;
                    self.binding(&child, path, scope);
                }
                K::NODE_INHERIT => {
                    empty = false;
                    self.inherit(&child, path, scope);
                }
                _ => {}
            }
        }
        if empty && let Target::Container { site_kind } = classify(path) {
            let site = self.site(scope, site_kind, path, node.text_range());
            site.anchor.get_or_insert(Anchor::Empty { attrset: node.text_range() });
        }
    }

    fn binding(&mut self, b: &SyntaxNode, path: &[String], scope: u32) {
        let mut ch = b.children();
        let (Some(attrpath), Some(value)) = (ch.next(), ch.next()) else { return };
        let Some(names) = attr_names(&attrpath) else {
            let s = self.fresh();
            return self.expr(&value, &[], s);
        };
        let full: Vec<String> = path.iter().cloned().chain(names.iter().cloned()).collect();
        let prefix = || {
            let last = attrpath.children().last().map_or(attrpath.text_range(), |n| n.text_range());
            let text = attrpath.text().to_string();
            let cut = syntax::start(last) - syntax::start(attrpath.text_range());
            text.get(..cut).unwrap_or_default().to_owned()
        };
        match classify(&full) {
            Target::List { site_len, site_kind, kind } => {
                let list = CacheList { kind, binding: b.text_range(), value: resolve_list(&value) };
                let anchor = Anchor::After { binding: b.text_range(), prefix: prefix() };
                let site = self.site(scope, site_kind, &full[..site_len], b.text_range());
                site.lists.push(list);
                site.anchor = Some(anchor);
            }
            Target::Setting { site_len, site_kind } => {
                let setting = Setting {
                    name: full.last().cloned().unwrap_or_default(),
                    binding: b.text_range(),
                    value: value.text().to_string(),
                };
                let anchor = Anchor::After { binding: b.text_range(), prefix: prefix() };
                let site = self.site(scope, site_kind, &full[..site_len], b.text_range());
                site.other.push(setting);
                site.anchor = Some(anchor);
            }
            Target::ExtraOptions { site_len } => {
                self.skip.push(value.text_range());
                let lists = super::conftext::lists_in(&value, true);
                if !lists.is_empty() {
                    let site = self.site(scope, SiteKind::ExtraOptions, &full[..site_len], b.text_range());
                    site.lists.extend(lists);
                }
            }
            Target::Container { .. } | Target::Other => self.expr(&value, &full, scope),
        }
    }

    /// The value of `nix.settings` (or `nixConfig`, `customSettings`) is not a set: a name
    /// bound to a set in a `let` of the file is followed; anything else is a read-only site
    /// whose strings are read for `list`, and a refusal that blocks creating a second block.
    fn computed(&mut self, node: &SyntaxNode, path: &[String], scope: u32) {
        // Only the whole value (through wrappers) is followed: an operand of `//` or a branch
        // of `if` is one of several alternatives, not the settings themselves.
        let whole = node.parent().is_some_and(|p| matches!(p.kind(), K::NODE_ATTRPATH_VALUE | K::NODE_APPLY));
        if node.kind() == K::NODE_IDENT
            && whole
            && let Some(v) = let_binding(node, &node.text().to_string())
            && v.kind() == K::NODE_ATTR_SET
        {
            if self.skip.contains(&v.text_range()) {
                return; // already a site (`nix.settings = nixConfig;` in a `rec` flake)
            }
            self.skip.push(v.text_range());
            return self.attrset(&v, path, scope);
        }
        self.skip.push(node.text_range());
        let joined = path.join(".");
        let what = match call_parts(node).filter(|_| node.kind() == K::NODE_APPLY) {
            Some((name, _)) => name,
            None => node.text().to_string(),
        };
        let what: String = what.chars().take(60).collect();
        let reason = format!(
            "`{joined}` is computed (`{}`); cachectl cannot edit a computed value safely, edit it by hand",
            what.lines().next().unwrap_or_default().trim()
        );
        self.refusals.push(Refusal { range: node.text_range(), reason: reason.clone() });
        let s = self.fresh();
        let site = self.site(s, SiteKind::Computed, path, node.text_range());
        site.lists = super::bare::strings_as_lists(node, &reason);
        site.auto = false;
    }

    fn inherit(&mut self, node: &SyntaxNode, path: &[String], scope: u32) {
        let from = node.children().find(|c| c.kind() == K::NODE_INHERIT_FROM);
        for ident in node.children().filter(|c| c.kind() == K::NODE_IDENT) {
            let name = ident.text().to_string();
            let full: Vec<String> = path.iter().cloned().chain([name.clone()]).collect();
            let Target::List { site_len, site_kind, kind } = classify(&full) else { continue };
            let value = match &from {
                Some(f) => ListValue::Refused {
                    reason: format!(
                        "`{name}` is inherited from `{}`: its value lives elsewhere, so cachectl cannot edit it here",
                        f.text().to_string().trim_matches(|c| c == '(' || c == ')')
                    ),
                    elements: Vec::new(),
                },
                None => resolve_list(&ident),
            };
            let binding = node.text_range();
            if let ListValue::Refused { reason, .. } = &value {
                self.refusals.push(Refusal { range: binding, reason: reason.clone() });
            }
            let site = self.site(scope, site_kind, &full[..site_len], binding);
            site.lists.push(CacheList { kind, binding, value });
            site.anchor = Some(Anchor::After { binding, prefix: String::new() });
        }
    }
}
