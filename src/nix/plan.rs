//! Plans `add` and `remove` as logical operations, turns them into text edits, applies
//! them, and verifies the result before anything may be written.

use rnix::{SyntaxNode, TextRange};
use thiserror::Error;

use super::choose;
use super::edit::{self, TextEdit};
use super::model::*;
pub use super::plan_remove::remove;
use super::syntax::{self, LineIndex, SyntaxError};
use super::verify::{self, Op};
use crate::keys;
use crate::store_url::{self, StoreUrl};

/// What `add` should put into the file.
#[derive(Debug, Clone)]
pub struct AddRequest {
    pub url: String,
    pub key: String,
    /// Every URL of this cache (all routes): an existing one is replaced in place.
    pub alternatives: Vec<String>,
    /// `--at LINE`: the site to edit when a file has several.
    pub at: Option<usize>,
}

/// What `remove` should take out of the file.
#[derive(Debug, Clone)]
pub struct RemoveRequest {
    pub urls: Vec<String>,
    pub key_names: Vec<String>,
    pub at: Option<usize>,
}

/// A message for the user about the edit, with the line it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub line: usize,
    pub warning: bool,
    pub message: String,
}

/// The outcome of a planned edit: the new text (if anything changes) and notes.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub new_text: Option<String>,
    pub notes: Vec<Note>,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EditError {
    #[error("{0}")]
    Syntax(SyntaxError),
    #[error("{count} places set caches; choose one with --at LINE: {list}", count = .0.len(), list = list_candidates(.0))]
    Ambiguous(Vec<(usize, String)>),
    #[error("no cache settings at line {line}; places that set caches: {list}", list = list_candidates(.candidates))]
    NothingAt { line: usize, candidates: Vec<(usize, String)> },
    #[error("line {line}: {reason}")]
    Refused { line: usize, reason: String },
    #[error("{0}")]
    Cannot(String),
    #[error("internal error, nothing written: {0}")]
    Verify(String),
}

fn list_candidates(c: &[(usize, String)]) -> String {
    c.iter().map(|(l, p)| format!("line {l} ({p})")).collect::<Vec<_>>().join(", ")
}

pub(crate) struct Ctx<'a> {
    pub(crate) text: &'a str,
    pub(crate) root: SyntaxNode,
    pub(crate) model: FileModel,
    pub(crate) lines: LineIndex,
    /// Nested sets defined twice already (see `nested-merge`): an edit may not add one.
    pub(crate) nested: usize,
}

impl Ctx<'_> {
    pub(crate) fn line(&self, r: TextRange) -> usize {
        self.lines.line(syntax::start(r))
    }

    pub(crate) fn describe(&self, sites: &[&Site]) -> Vec<(usize, String)> {
        sites.iter().map(|s| (self.line(s.range), s.path.clone())).collect()
    }

    /// The site that `--at LINE` names.
    pub(crate) fn site_at(&self, line: usize) -> Result<usize, EditError> {
        let hit = self.model.sites.iter().enumerate().filter(|(_, s)| {
            let (a, b) = (self.line(s.range), self.lines.line(syntax::end(s.range).saturating_sub(1)));
            (a..=b).contains(&line)
        });
        hit.min_by_key(|(_, s)| s.range.len()).map(|(i, _)| i).ok_or_else(|| EditError::NothingAt {
            line,
            candidates: self.describe(&self.model.sites.iter().collect::<Vec<_>>()),
        })
    }
}

pub(crate) fn context(text: &str) -> Result<Ctx<'_>, EditError> {
    let (root, notes) = syntax::parse_noting(text).map_err(EditError::Syntax)?;
    let model = super::locate::locate_root(&root);
    Ok(Ctx { text, root, model, lines: LineIndex::new(text), nested: notes.len() })
}

pub(crate) fn url_matches(elem: &Element, keys: &[String]) -> bool {
    elem.value.as_str().is_some_and(|v| keys.contains(&store_url::normalize(v)))
}

/// Plans, applies and verifies `add`.
pub fn add(text: &str, req: &AddRequest) -> Result<Outcome, EditError> {
    let cx = context(text)?;
    let want = store_url::normalize(&req.url);
    let mut alts: Vec<String> = req.alternatives.iter().map(|u| store_url::normalize(u)).collect();
    alts.push(want.clone());
    let mut notes = Vec::new();
    let mut ops = Vec::new();
    let sites = &cx.model.sites;
    let exact_url = |e: &Element| url_matches(e, std::slice::from_ref(&want));

    // Where is the cache already (any route, any place)? Exact URLs first, then places
    // cachectl can edit.
    let mut found: Vec<(usize, &CacheList, &Element)> = sites
        .iter()
        .enumerate()
        .flat_map(|(i, s)| s.lists.iter().filter(|l| l.kind.is_substituters()).map(move |l| (i, l)))
        .flat_map(|(i, l)| {
            let all = l.elements().iter().chain(l.conditional());
            all.filter(|e| url_matches(e, &alts)).map(move |e| (i, l, e))
        })
        .collect();
    found.sort_by_key(|(i, l, e)| (!exact_url(e), l.refusal().is_some() || !sites[*i].auto, e.range.start()));
    let at = req.at.map(|line| cx.site_at(line)).transpose()?;
    if let Some(i) = at {
        found.retain(|(j, _, _)| *j == i);
    }
    let target = match (at, found.first()) {
        (Some(i), _) => Some(i),
        (None, Some((i, _, _))) => Some(*i),
        (None, None) => {
            if let Some(line) = choose::stray_string(&cx, std::slice::from_ref(&want)) {
                return already_stray(&cx, req, line);
            }
            if let Some(line) = choose::stray_string(&cx, &alts) {
                let reason = format!(
                    "another route of this cache is already in this file, in a place cachectl cannot edit: change it there by hand to {}",
                    req.url
                );
                return Err(EditError::Refused { line, reason });
            }
            choose::choose_site(&cx)?
        }
    };
    let exact = found.iter().find(|(_, _, e)| exact_url(e));
    if let Some(i) = target
        && exact.is_none()
    {
        choose::overridden_by_text(&cx, Some(&sites[i]))?;
    }

    // The URL.
    let in_site: Vec<&(usize, &CacheList, &Element)> = found.iter().filter(|(i, _, _)| Some(*i) == target).collect();
    let subs_kind;
    if let Some((i, l, e)) = exact {
        let s = &sites[*i];
        let place = match s.kind {
            SiteKind::Settings | SiteKind::Legacy => String::new(),
            SiteKind::ExtraOptions => " of nix.extraOptions".to_owned(),
            _ if s.path.starts_with('(') => format!(" of the file's {}", s.path.trim_matches(['(', ')'])),
            _ => format!(" of `{}`", s.path),
        };
        let ro = if l.refusal().is_some() { ", which cachectl cannot edit" } else { "" };
        notes.push(Note {
            line: cx.line(e.range),
            warning: false,
            message: format!("{} is already in {}{place} at line {}{ro}", req.url, l.kind.name(), cx.line(e.range)),
        });
        subs_kind = Some(l.kind);
    } else if let Some((_, l, e)) = in_site.first() {
        if let Some(reason) = l.refusal() {
            return Err(EditError::Refused { line: cx.line(e.range), reason: reason.to_owned() });
        }
        let old = e.value.as_str().unwrap_or_default();
        let new = StoreUrl::parse(old).map_or_else(|_| req.url.clone(), |u| u.rebased(&req.url));
        let lit = e.literal_range.ok_or_else(|| EditError::Cannot("cannot replace this element".into()))?;
        notes.push(Note {
            line: cx.line(e.range),
            warning: false,
            message: format!("replaced {old} with {new} (another route of the same cache)"),
        });
        ops.push(Op::Replace { literal: lit, value: new });
        subs_kind = Some(l.kind);
    } else {
        subs_kind = None;
    }

    // Lists to create in the target site, or the whole block.
    let mut create: Vec<(ListKind, Vec<String>)> = Vec::new();
    let site = target.map(|i| &sites[i]);
    let default_subs = match (site.map(|s| s.kind), &cx.model.create) {
        (Some(SiteKind::FlakeConfig | SiteKind::Determinate), _) => ListKind::ExtraSubstituters,
        (None, Ok(cp)) if cx.model.is_flake || cp.kind == SiteKind::Determinate => ListKind::ExtraSubstituters,
        (Some(SiteKind::Legacy), _) => ListKind::BinaryCaches,
        _ => site
            .and_then(|s| s.lists.iter().find(|l| l.kind.is_keys()))
            .map_or(ListKind::Substituters, |l| l.kind.partner()),
    };
    let subs_list = site.and_then(|s| {
        let mut subs = s.lists.iter().filter(|l| l.kind.is_substituters());
        subs.clone().find(|l| l.refusal().is_none()).or_else(|| subs.next())
    });
    let subs_kind = subs_kind.or(subs_list.map(|l| l.kind)).unwrap_or(default_subs);
    if exact.is_none() && in_site.is_empty() {
        match subs_list {
            Some(l) => ops.push(append_op(&cx, l, &req.url)?),
            None => create.push((subs_kind, vec![req.url.clone()])),
        }
    }

    // The key.
    let key_lists: Vec<&CacheList> = sites.iter().flat_map(|s| s.lists.iter()).filter(|l| l.kind.is_keys()).collect();
    let key_present =
        key_lists.iter().flat_map(|l| l.elements()).find(|e| e.value.as_str().map(str::trim) == Some(req.key.trim()));
    let name = keys::key_name(&req.key).unwrap_or_default();
    if let Some(e) = key_present {
        notes.push(Note { line: cx.line(e.range), warning: false, message: format!("key {name} is already trusted") });
    } else {
        let site_keys: Vec<&CacheList> =
            site.map(|s| s.lists.iter().filter(|l| l.kind.is_keys()).collect()).unwrap_or_default();
        let same_name = site_keys
            .iter()
            .flat_map(|l| l.elements().iter().map(move |e| (*l, e)))
            .find(|(_, e)| e.value.as_str().and_then(keys::key_name) == Some(name));
        let keys_list = site_keys
            .iter()
            .filter(|l| l.refusal().is_none())
            .find(|l| l.kind == subs_kind.partner())
            .or(site_keys.iter().find(|l| l.refusal().is_none()))
            .or(site_keys.first());
        match (same_name, keys_list) {
            (Some((l, e)), _) if e.literal_range.is_some() && l.refusal().is_none() => {
                notes.push(Note {
                    line: cx.line(e.range),
                    warning: true,
                    message: format!("replaced a different key named {name} with the registry's key"),
                });
                ops.push(Op::Replace { literal: e.literal_range.unwrap_or(e.range), value: req.key.clone() });
            }
            (_, Some(l)) => ops.push(append_op(&cx, l, &req.key)?),
            (_, None) => create.push((subs_kind.partner(), vec![req.key.clone()])),
        }
    }
    if !create.is_empty() {
        match target {
            Some(i) if sites[i].anchor.is_some() => ops.push(Op::CreateLists { site: i, lists: create }),
            Some(i) => return Err(no_room(&cx, &sites[i], &create)),
            None if cx.model.sets_caches() => return Err(choose::nowhere(&cx)),
            None => {
                let cp = cx.model.create.clone().map_err(EditError::Cannot)?;
                ops.push(Op::CreateBlock { point: cp, lists: create });
            }
        }
    }
    if let Some(s) = site.filter(|s| !s.auto && req.at.is_none() && !ops.is_empty()) {
        let reason = format!("`{}` is not known to be Nix settings: pass --at {} to edit it", s.path, cx.line(s.range));
        return Err(EditError::Refused { line: cx.line(s.range), reason });
    }
    if subs_kind.is_deprecated() {
        let line = site.map_or(1, |s| cx.line(s.range));
        notes.push(Note { line, warning: true, message: "nix.binaryCaches and nix.binaryCachePublicKeys are deprecated: rename them to nix.settings.substituters and nix.settings.trusted-public-keys".into() });
    }
    finish(&cx, ops, notes)
}

/// The cache is already in a string cachectl does not read as a list (e.g. records folded
/// into `nix.settings`): nothing to do if its key is there too, else refuse.
fn already_stray(cx: &Ctx<'_>, req: &AddRequest, line: usize) -> Result<Outcome, EditError> {
    match choose::stray_key(cx, &req.key) {
        Some(_) => {
            let message = format!("{} is already in this file at line {line}", req.url);
            Ok(Outcome { new_text: None, notes: vec![Note { line, warning: false, message }] })
        }
        None => Err(EditError::Refused {
            line,
            reason: format!(
                "{} is already in this file, in a place cachectl cannot edit, without its key: add the key there by hand",
                req.url
            ),
        }),
    }
}

/// A site that cannot take a new list (nix.conf text, a bare settings set).
fn no_room(cx: &Ctx<'_>, site: &Site, create: &[(ListKind, Vec<String>)]) -> EditError {
    if site.read_only_reason().is_some() {
        let refusal = cx.model.refusals.iter().find(|r| site.range.contains_range(r.range)).map(|r| r.reason.as_str());
        let reason = refusal.or(site.read_only_reason()).unwrap_or_default().to_owned();
        return EditError::Refused { line: cx.line(site.range), reason };
    }
    let names: Vec<&str> = create.iter().map(|(k, _)| k.name()).collect();
    EditError::Refused {
        line: cx.line(site.range),
        reason: format!(
            "`{}` has no {} list that cachectl can edit, and it cannot know which name the code reading it expects: add it by hand",
            site.path,
            names.join(" or ")
        ),
    }
}

fn append_op(cx: &Ctx<'_>, l: &CacheList, value: &str) -> Result<Op, EditError> {
    match &l.value {
        ListValue::Literal { target, .. } => Ok(Op::Append { list: *target, value: value.to_owned() }),
        ListValue::Refused { reason, .. } => {
            Err(EditError::Refused { line: cx.line(l.binding), reason: reason.clone() })
        }
    }
}

/// Turns operations into edits, applies them, and verifies the result re-parses to exactly
/// the intended lists. Nothing is returned for writing unless all of that holds.
pub(crate) fn finish(cx: &Ctx<'_>, ops: Vec<Op>, notes: Vec<Note>) -> Result<Outcome, EditError> {
    if ops.is_empty() {
        return Ok(Outcome { new_text: None, notes });
    }
    let mut edits: Vec<TextEdit> = Vec::new();
    for op in &ops {
        let e = match op {
            Op::Append { list, value } => edit::append(cx.text, &cx.root, *list, value),
            Op::Replace { literal, value } => Some(edit::replace(*literal, value)),
            Op::Remove { element } => edit::remove(&cx.root, *element),
            Op::Clear { list, .. } => edit::clear(&cx.root, *list),
            Op::CreateLists { site, lists } => edit::create_lists(cx.text, &cx.root, &cx.model.sites[*site], lists),
            Op::CreateBlock { point, lists } => edit::create_block(cx.text, &cx.root, point, lists),
            Op::Rename { binding, kind, .. } => {
                edit::rename_binding(&cx.root, *binding, &format!("settings.{}", kind.name()))
            }
            Op::RemoveBinding { binding } => edit::remove_binding(cx.text, &cx.root, *binding),
            Op::AddSettings { site, settings } => {
                edit::create_settings(cx.text, &cx.root, &cx.model.sites[*site], settings)
            }
        };
        edits.push(e.ok_or_else(|| EditError::Verify(format!("could not place edit {op:?}")))?);
    }
    let new_text = edit::apply(cx.text, &edits).map_err(EditError::Verify)?;
    verify::check(&cx.model, &ops, cx.nested, &new_text).map_err(EditError::Verify)?;
    Ok(Outcome { new_text: Some(new_text), notes })
}
