//! Which place `add` writes to, and when it must refuse instead.
//!
//! cachectl chooses a site by itself only among the sites it may pick (`Site::auto`) that
//! it can write to. A new block is planned only when the file sets no cache anywhere, in
//! code or in text; otherwise every line that sets caches is named, with `--at LINE` as the
//! way to choose. A wrong edit costs more than a refusal that names the line.

use rnix::SyntaxKind as K;

use super::literal::read_string;
use super::model::*;
use super::plan::{Ctx, EditError};
use crate::store_url;

/// Every line that sets caches, with what it is, for refusals (sorted, one entry a line).
pub(crate) fn places(cx: &Ctx<'_>) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = Vec::new();
    for s in &cx.model.sites {
        for l in &s.lists {
            let what = match l.refusal() {
                Some(_) if s.kind == SiteKind::Computed => format!("`{}`, computed", s.path),
                Some(_) => format!("`{}` in `{}`, read-only", l.kind.name(), s.path),
                None if !s.auto => format!("`{}` in `{}`, editable with --at", l.kind.name(), s.path),
                None => format!("`{}` in `{}`", l.kind.name(), s.path),
            };
            out.push((cx.line(l.binding), what));
        }
    }
    for r in cx.model.refusals.iter().chain(&cx.model.strays) {
        let reason = r.reason.split([':', ';']).next().unwrap_or(&r.reason).to_owned();
        out.push((cx.line(r.range), reason));
    }
    out.sort();
    out.dedup_by_key(|(l, _)| *l);
    out
}

fn named(places: &[(usize, String)]) -> String {
    places.iter().map(|(l, w)| format!("line {l} ({w})")).collect::<Vec<_>>().join(", ")
}

/// The refusal when the file sets caches but nowhere cachectl may write by itself.
pub(crate) fn nowhere(cx: &Ctx<'_>) -> EditError {
    let p = places(cx);
    let first = p.first().map_or(1, |(l, _)| *l);
    let at = cx.model.sites.iter().filter(|s| !s.auto && s.editable()).map(|s| cx.line(s.range)).min();
    let hint = match at {
        Some(l) => format!("edit one of them by hand, or name the set to edit with --at LINE (e.g. --at {l})"),
        None => "edit one of them by hand, or move them to nix.settings and run cachectl again".to_owned(),
    };
    EditError::Refused {
        line: first,
        reason: format!(
            "this file already sets caches where cachectl cannot add safely, and a new block beside them would be wrong: {}; {hint}",
            named(&p)
        ),
    }
}

/// The one site to add to, `None` to create a block, or an error when ambiguous or unsafe.
pub(crate) fn choose_site(cx: &Ctx<'_>) -> Result<Option<usize>, EditError> {
    let editable: Vec<(usize, &Site)> =
        cx.model.sites.iter().enumerate().filter(|(_, s)| s.auto && s.editable()).collect();
    let subs_of = |s: &Site, literal: bool| {
        s.lists.iter().any(|l| l.kind.is_substituters() && (!literal || l.refusal().is_none()))
    };
    let with_subs: Vec<&(usize, &Site)> = editable.iter().filter(|(_, s)| subs_of(s, true)).collect();
    let pick = |c: Vec<&(usize, &Site)>| -> Result<Option<usize>, EditError> {
        match c.len() {
            0 => Ok(None),
            1 => Ok(Some(c[0].0)),
            _ => Err(EditError::Ambiguous(cx.describe(&c.iter().map(|(_, s)| *s).collect::<Vec<_>>()))),
        }
    };
    if !with_subs.is_empty() {
        return match shared_lists(&with_subs) {
            true => Ok(Some(with_subs[0].0)),
            false => pick(with_subs),
        };
    }
    // Substituters that are all computed: one such site gets its own refusal (append
    // refuses with the reason); several are named together.
    let computed: Vec<&(usize, &Site)> =
        editable.iter().filter(|(_, s)| subs_of(s, false) && s.anchor.is_some()).collect();
    match computed.len() {
        0 => {}
        1 => return Ok(Some(computed[0].0)),
        _ => return Err(nowhere(cx)),
    }
    let any: Vec<&(usize, &Site)> = editable.iter().filter(|(_, s)| s.anchor.is_some()).collect();
    if any.is_empty() && cx.model.sets_caches() {
        overridden_by_text(cx, None)?;
        return Err(nowhere(cx));
    }
    pick(any)
}

/// A string anywhere in the file that holds one of `urls` as a word (a cache set in a shape
/// cachectl does not read, e.g. records folded into the lists): its line.
pub(crate) fn stray_string(cx: &Ctx<'_>, urls: &[String]) -> Option<usize> {
    cx.root.descendants().filter(|n| n.kind() == K::NODE_STRING).find_map(|s| {
        let words: Vec<String> = match read_string(&s) {
            Some(v) => v.split_whitespace().map(store_url::normalize).collect(),
            None => super::literal::raw_content(&s)
                .iter()
                .flat_map(|(_, t)| t.split_whitespace().map(store_url::normalize).collect::<Vec<_>>())
                .collect(),
        };
        words.iter().any(|w| urls.contains(w)).then(|| cx.line(s.text_range()))
    })
}

/// A string anywhere in the file equal to `key`: its line.
pub(crate) fn stray_key(cx: &Ctx<'_>, key: &str) -> Option<usize> {
    cx.root.descendants().filter(|n| n.kind() == K::NODE_STRING).find_map(|s| {
        let hit = match read_string(&s) {
            Some(v) => v.split_whitespace().any(|w| w == key),
            None => super::literal::raw_content(&s).iter().any(|(_, t)| t.split_whitespace().any(|w| w == key)),
        };
        hit.then(|| cx.line(s.text_range()))
    })
}

/// nix.conf text in this file that sets `substituters` overrides `nix.settings`: a URL
/// added to `target` (or to a new block, `None`) would be silently ignored.
pub(crate) fn overridden_by_text(cx: &Ctx<'_>, target: Option<&Site>) -> Result<(), EditError> {
    if target.is_some_and(|t| !matches!(t.kind, SiteKind::Settings | SiteKind::Legacy)) {
        return Ok(());
    }
    let text = cx.model.sites.iter().filter(|s| s.kind == SiteKind::ExtraOptions);
    match text.flat_map(|s| &s.lists).find(|l| l.kind == ListKind::Substituters && l.refusal().is_some()) {
        Some(l) => Err(EditError::Refused {
            line: cx.line(l.binding),
            reason: "`substituters` is set in nix.extraOptions text, which overrides nix.settings; move it to nix.settings.substituters first".into(),
        }),
        None => Ok(()),
    }
}

/// True when every candidate reads the same `let`-bound lists (`inherit substituters …;` in
/// both `nix.settings` and `determinateNix.customSettings`): one edit serves them all.
fn shared_lists(candidates: &[&(usize, &Site)]) -> bool {
    let targets = |s: &Site, keys: bool| -> Vec<Option<rnix::TextRange>> {
        let lists = s.lists.iter().filter(|l| l.kind.is_keys() == keys);
        lists
            .map(|l| match &l.value {
                ListValue::Literal { target, via_let: Some(_), .. } => Some(*target),
                _ => None,
            })
            .collect()
    };
    let first = candidates[0].1;
    let (subs, keys) = (targets(first, false), targets(first, true));
    !keys.is_empty()
        && subs.iter().all(Option::is_some)
        && keys.iter().all(Option::is_some)
        && candidates.iter().all(|(_, s)| targets(s, false) == subs && targets(s, true) == keys)
}
