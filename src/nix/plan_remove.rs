//! Plans `remove`: every matching URL and key of every place cachectl can edit, or a
//! refusal naming the lines where the cache is set in a way cachectl cannot edit.
//!
//! When the cache is also set where cachectl cannot edit (nix.conf text, a computed value),
//! nothing is removed: removing only the editable places would leave the cache configured
//! while saying it was removed. A set cachectl would not choose by itself (`Site::auto`)
//! counts as such a place unless `--at LINE` names it. `--at LINE` removes from the one place
//! it names.

use super::edit;
use super::model::*;
use super::plan::{EditError, Note, Outcome, RemoveRequest, context, finish, url_matches};
use super::verify::Op;
use crate::keys;
use crate::store_url;

/// Plans, applies and verifies `remove`.
pub fn remove(text: &str, req: &RemoveRequest) -> Result<Outcome, EditError> {
    let cx = context(text)?;
    let urls: Vec<String> = req.urls.iter().map(|u| store_url::normalize(u)).collect();
    let only = req.at.map(|l| cx.site_at(l)).transpose()?;
    let mut ops = Vec::new();
    let mut notes: Vec<Note> = Vec::new();
    let mut read_only: Vec<(usize, String)> = Vec::new();
    for (i, site) in cx.model.sites.iter().enumerate() {
        if only.is_some_and(|o| o != i) {
            continue;
        }
        for l in &site.lists {
            let hit = |e: &Element| {
                if l.kind.is_keys() {
                    e.value.as_str().and_then(keys::key_name).is_some_and(|n| req.key_names.iter().any(|k| k == n))
                } else {
                    url_matches(e, &urls)
                }
            };
            if let Some(e) = l.conditional().iter().find(|e| hit(e)) {
                return Err(EditError::Refused {
                    line: cx.line(e.range),
                    reason: format!(
                        "{} is added conditionally (`++ …`); remove it by hand",
                        e.value.as_str().unwrap_or_default()
                    ),
                });
            }
            let hits: Vec<&Element> = l.elements().iter().filter(|e| hit(e)).collect();
            if hits.is_empty() {
                continue;
            }
            if let Some(reason) = l.refusal() {
                read_only.extend(hits.iter().map(|e| (cx.line(e.range), reason.to_owned())));
                continue;
            }
            if !site.auto && only.is_none() {
                let why = format!("`{}` is not known to be Nix settings, so only --at LINE removes from it", site.path);
                read_only.extend(hits.iter().map(|e| (cx.line(e.range), why.clone())));
                continue;
            }
            for e in &hits {
                let shown = e.value.as_str().map(keys::redacted).unwrap_or_default();
                notes.push(Note {
                    line: cx.line(e.range),
                    warning: false,
                    message: format!("removed {shown} from {}", l.kind.name()),
                });
            }
            let ListValue::Literal { target, .. } = &l.value else { continue };
            let op = if hits.len() == l.elements().len() && edit::clearable(&cx.root, *target) {
                Op::Clear { list: *target, elements: hits.iter().map(|e| e.range).collect() }
            } else {
                // Elements of a let-bound list shared by two options are removed once.
                let fresh: Vec<Op> =
                    hits.iter().map(|e| Op::Remove { element: e.range }).filter(|o| !ops.contains(o)).collect();
                ops.extend(fresh);
                continue;
            };
            if !ops.contains(&op) {
                ops.push(op);
            }
        }
    }
    if !read_only.is_empty() {
        return Err(read_only_places(read_only, !ops.is_empty()));
    }
    // A let-bound list read by two sites is edited once, and reported once.
    let mut seen: Vec<Note> = Vec::new();
    notes.retain(|n| {
        !seen.contains(n) && {
            seen.push(n.clone());
            true
        }
    });
    finish(&cx, ops, notes)
}

/// `remove` refuses when the cache is also set where cachectl cannot edit: removing only
/// the editable places would leave the cache configured while saying it was removed.
fn read_only_places(mut places: Vec<(usize, String)>, editable_too: bool) -> EditError {
    places.sort();
    places.dedup_by_key(|(l, _)| *l);
    let line = places[0].0;
    let lines: Vec<String> = places.iter().map(|(l, _)| format!("line {l}")).collect();
    let why = places[0].1.split([';', ':']).next().unwrap_or_default().to_owned();
    let (also, hint) = match editable_too {
        true => ("also ", "remove it there by hand, or pass --at LINE to remove only the places cachectl can edit"),
        false => ("", "remove it there by hand"),
    };
    EditError::Refused {
        line,
        reason: format!(
            "it is {also}set where cachectl cannot edit ({}: {why}); nothing was removed: {hint}",
            lines.join(", ")
        ),
    }
}
