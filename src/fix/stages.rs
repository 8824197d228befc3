//! Turns the fixes of one stage into logical edits ([`Op`]) on a fresh parse of the text,
//! and has `plan::finish` apply and verify them.

use std::collections::HashSet;

use rnix::TextRange;

use super::{Applied, Fix};
use crate::keys;
use crate::nix::model::{ListKind, ListValue, Site, SiteKind};
use crate::nix::plan::{self, Ctx, EditError};
use crate::nix::verify::Op;
use crate::store_url;

type StageResult = Result<Option<Applied>, (Vec<usize>, EditError)>;

pub(super) fn run(text: &str, fixes: &[&Fix], picked: &[usize]) -> StageResult {
    let cx = plan::context(text).map_err(|e| (picked.to_vec(), e))?;
    let fail = |which: Vec<usize>| move |e: EditError| (which, e);
    let (ops, done) = match fixes[picked[0]] {
        Fix::Remove { .. } | Fix::Replace { .. } => elements(fixes, picked),
        Fix::Rename { .. } => renames(&cx, fixes, picked).map_err(fail(picked.to_vec()))?,
        Fix::AddKey { site, kind, key } => {
            let first = picked[0];
            (vec![add_key(&cx, *site, *kind, key).map_err(fail(vec![first]))?], vec![first])
        }
        Fix::Settings { site, .. } => settings(&cx, fixes, picked, *site).map_err(fail(vec![picked[0]]))?,
    };
    match plan::finish(&cx, ops, Vec::new()) {
        Ok(outcome) => Ok(outcome.new_text.map(|text| Applied { text, done })),
        Err(e) => Err((picked.to_vec(), e)),
    }
}

/// Removals and replacements, all at once; a value both removed and replaced is removed.
fn elements(fixes: &[&Fix], picked: &[usize]) -> (Vec<Op>, Vec<usize>) {
    let removed: Vec<TextRange> = picked
        .iter()
        .filter_map(|&i| match fixes[i] {
            Fix::Remove { element } => Some(*element),
            _ => None,
        })
        .collect();
    let mut ops: Vec<Op> = Vec::new();
    for &i in picked {
        let op = match fixes[i] {
            Fix::Remove { element } => Op::Remove { element: *element },
            Fix::Replace { literal, .. } if removed.iter().any(|r| r.contains_range(*literal)) => continue,
            Fix::Replace { literal, value } => Op::Replace { literal: *literal, value: value.clone() },
            _ => continue,
        };
        if !ops.contains(&op) {
            ops.push(op);
        }
    }
    (ops, picked.to_vec())
}

fn site_at<'a>(cx: &'a Ctx<'_>, range: TextRange) -> Result<(usize, &'a Site), EditError> {
    cx.model.sites.iter().enumerate().find(|(_, s)| s.range == range).ok_or_else(|| EditError::Refused {
        line: cx.line(range),
        reason: "the settings block moved while fixing; run `cachectl fix` again".into(),
    })
}

/// The option a deprecated list was renamed to.
fn modern(kind: ListKind) -> ListKind {
    match kind {
        ListKind::BinaryCaches => ListKind::Substituters,
        ListKind::BinaryCachePublicKeys => ListKind::TrustedPublicKeys,
        ListKind::TrustedBinaryCaches => ListKind::TrustedSubstituters,
        other => other,
    }
}

/// Every rename whose new block does not exist yet, at once; else the first merge.
fn renames(cx: &Ctx<'_>, fixes: &[&Fix], picked: &[usize]) -> Result<(Vec<Op>, Vec<usize>), EditError> {
    let mut plain = (Vec::new(), Vec::new());
    let mut merge = None;
    for &i in picked {
        let Fix::Rename { site, binding } = fixes[i] else { continue };
        let (_, s) = site_at(cx, *site)?;
        let list = s.lists.iter().find(|l| l.binding == *binding).ok_or_else(|| EditError::Refused {
            line: cx.line(*binding),
            reason: "the deprecated option moved while fixing; run `cachectl fix` again".into(),
        })?;
        let new_path = format!("{}.settings", s.path);
        let target = cx.model.sites.iter().position(|t| t.kind == SiteKind::Settings && t.path == new_path);
        let kind = modern(list.kind);
        // A new list next to the block's others keeps the old one's place and comments, when
        // that reads back right (not beside a `settings = { … };` set, say).
        let fresh = target.is_none_or(|t| cx.model.sites[t].list(kind).is_none());
        let rename = Op::Rename { binding: *binding, site_path: new_path.clone(), kind };
        let alone = fresh && (target.is_none() || plan::finish(cx, vec![rename.clone()], Vec::new()).is_ok());
        match target {
            _ if alone => {
                plain.0.push(rename);
                plain.1.push(i);
            }
            Some(t) if merge.is_none() => merge = Some((i, t, s, list)),
            _ => {}
        }
    }
    if !plain.0.is_empty() {
        return Ok(plain);
    }
    let Some((i, t, _, list)) = merge else { return Ok(plain) };
    let refuse = |reason: String| EditError::Refused { line: cx.line(list.binding), reason };
    let kind = modern(list.kind);
    let old: Vec<&str> = match &list.value {
        ListValue::Literal { elements, dynamic: false, .. } if list.conditional().is_empty() => {
            elements.iter().map(|e| e.value.as_str()).collect::<Option<_>>().ok_or_else(|| {
                refuse(format!("`{}` holds computed values: merge it into `{}` by hand", list.kind.name(), kind.name()))
            })?
        }
        _ => {
            return Err(refuse(format!("`{}` is computed: merge it into `{}` by hand", list.kind.name(), kind.name())));
        }
    };
    let target = &cx.model.sites[t];
    let into = target.lists.iter().find(|l| l.kind == kind);
    let have: Vec<&str> =
        into.map(|l| l.elements().iter().filter_map(|e| e.value.as_str()).collect()).unwrap_or_default();
    let mut seen: HashSet<String> = have.iter().map(|v| identity(kind, v)).collect();
    let mut add: Vec<String> = Vec::new();
    for v in old {
        let id = identity(kind, v);
        if kind.is_keys()
            && seen.contains(&id)
            && !have.iter().copied().chain(add.iter().map(String::as_str)).any(|h| h.trim() == v.trim())
        {
            return Err(refuse(format!(
                "key `{id}` is set in both lists with different values: keep the right one by hand"
            )));
        }
        if seen.insert(id) {
            add.push(v.trim().to_owned());
        }
    }
    let mut ops = match (into, add.is_empty()) {
        (_, true) => Vec::new(),
        (Some(l), false) => match &l.value {
            ListValue::Literal { target, .. } => {
                add.iter().map(|v| Op::Append { list: *target, value: v.clone() }).collect()
            }
            ListValue::Refused { reason, .. } => {
                return Err(EditError::Refused { line: cx.line(l.binding), reason: reason.clone() });
            }
        },
        (None, false) if target.anchor.is_some() => vec![Op::CreateLists { site: t, lists: vec![(kind, add)] }],
        (None, false) => return Err(refuse(format!("`{}` cannot take a new `{}` list", target.path, kind.name()))),
    };
    ops.push(Op::RemoveBinding { binding: list.binding });
    Ok((ops, vec![i]))
}

/// What makes two values the same entry: a key's name, a URL's normalised form.
fn identity(kind: ListKind, v: &str) -> String {
    match kind.is_keys() {
        true => keys::key_name(v).unwrap_or(v).trim().to_owned(),
        false => store_url::normalize(v),
    }
}

fn add_key(cx: &Ctx<'_>, site: TextRange, kind: ListKind, key: &str) -> Result<Op, EditError> {
    let (i, s) = site_at(cx, site)?;
    let literal = |l: &&crate::nix::model::CacheList| matches!(l.value, ListValue::Literal { .. });
    let list = s.lists.iter().filter(literal).find(|l| l.kind == kind);
    let list = list.or_else(|| s.lists.iter().filter(literal).find(|l| l.kind.is_keys()));
    match list.map(|l| &l.value) {
        Some(ListValue::Literal { target, .. }) => Ok(Op::Append { list: *target, value: key.to_owned() }),
        _ if s.anchor.is_some() => Ok(Op::CreateLists { site: i, lists: vec![(kind, vec![key.to_owned()])] }),
        _ => Err(EditError::Refused {
            line: cx.line(s.range),
            reason: format!("`{}` has no key list cachectl can edit: add the key by hand", s.path),
        }),
    }
}

/// The settings of the first such fix, with those of other fixes for the same block.
fn settings(
    cx: &Ctx<'_>,
    fixes: &[&Fix],
    picked: &[usize],
    site: TextRange,
) -> Result<(Vec<Op>, Vec<usize>), EditError> {
    let (i, s) = site_at(cx, site)?;
    if s.kind == SiteKind::Legacy || s.anchor.is_none() {
        return Err(EditError::Refused {
            line: cx.line(s.range),
            reason: format!("`{}` cannot take new settings: add them to nix.settings by hand", s.path),
        });
    }
    let mut add: Vec<(String, String)> = Vec::new();
    let mut done = Vec::new();
    for &j in picked {
        let Fix::Settings { site: r, add: more } = fixes[j] else { continue };
        if *r != site {
            continue;
        }
        done.push(j);
        for kv in more {
            if !add.iter().any(|(k, _)| *k == kv.0) {
                add.push(kv.clone());
            }
        }
    }
    Ok((vec![Op::AddSettings { site: i, settings: add }], done))
}
