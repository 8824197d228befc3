//! Re-parses an edited text and checks it holds exactly the intended lists.
//!
//! The intended lists are computed from the original model by applying the logical
//! operations; the edited text is located afresh and both are compared as sorted summaries.
//! Any difference means the edit must not be written.

use rnix::TextRange;

use super::model::*;
use super::syntax::ErrorKind;

/// A logical edit, independent of layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    Append {
        list: TextRange,
        value: String,
    },
    Replace {
        literal: TextRange,
        value: String,
    },
    Remove {
        element: TextRange,
    },
    /// Remove these elements, which are all of the list: the list becomes `[ ]`.
    Clear {
        list: TextRange,
        elements: Vec<TextRange>,
    },
    CreateLists {
        site: usize,
        lists: Vec<(ListKind, Vec<String>)>,
    },
    CreateBlock {
        point: CreatePoint,
        lists: Vec<(ListKind, Vec<String>)>,
    },
    /// Rename a deprecated list's option: the list moves, as it is, to `kind` in the
    /// settings block `site_path` (`nix.binaryCaches` → `nix.settings.substituters`).
    Rename {
        binding: TextRange,
        site_path: String,
        kind: ListKind,
    },
    /// Remove a whole list binding (its values were merged into another list).
    RemoveBinding {
        binding: TextRange,
    },
    /// Add scalar settings (`fallback = true;`) to site `site`; the lists stay as they are.
    AddSettings {
        site: usize,
        settings: Vec<(String, String)>,
    },
}

/// One list as the evaluator would see it: where, which option, wrapper, values.
pub type ListSummary = (String, SiteKind, ListKind, Option<String>, Vec<ElemValue>);

/// All lists of a model, sorted so that layout and order of sites do not matter.
pub fn summary(model: &FileModel) -> Vec<ListSummary> {
    let mut out: Vec<ListSummary> = model
        .sites
        .iter()
        .flat_map(|s| {
            s.lists.iter().map(move |l| {
                let mut vals: Vec<ElemValue> = l.elements().iter().map(|e| e.value.clone()).collect();
                // Conditional strings count too, after a marker, so edits to them are verified.
                if !l.conditional().is_empty() {
                    vals.push(ElemValue::Opaque("++".into()));
                    vals.extend(l.conditional().iter().map(|e| e.value.clone()));
                }
                (s.path.clone(), s.kind, l.kind, l.wrapper().map(str::to_owned), vals)
            })
        })
        .collect();
    out.sort();
    out
}

fn new_element(value: &str) -> Element {
    Element { value: ElemValue::Str(value.to_owned()), range: TextRange::default(), literal_range: None, comment: None }
}

/// The model after the operations, as far as list contents go.
pub fn intended(model: &FileModel, ops: &[Op]) -> FileModel {
    let mut m = model.clone();
    for op in ops {
        match op {
            Op::Append { list, value } => {
                for l in m.sites.iter_mut().flat_map(|s| s.lists.iter_mut()) {
                    if let ListValue::Literal { target, elements, .. } = &mut l.value
                        && target == list
                    {
                        elements.push(new_element(value));
                    }
                }
            }
            Op::Replace { literal, value } => {
                for l in m.sites.iter_mut().flat_map(|s| s.lists.iter_mut()) {
                    if let ListValue::Literal { elements, conditional, .. } = &mut l.value {
                        let all = elements.iter_mut().chain(conditional.iter_mut());
                        for e in all.filter(|e| e.literal_range == Some(*literal)) {
                            e.value = ElemValue::Str(value.clone());
                        }
                    }
                }
            }
            Op::Remove { element } => {
                for l in m.sites.iter_mut().flat_map(|s| s.lists.iter_mut()) {
                    if let ListValue::Literal { elements, .. } = &mut l.value {
                        elements.retain(|e| e.range != *element);
                    }
                }
            }
            Op::Clear { list, elements: gone } => {
                for l in m.sites.iter_mut().flat_map(|s| s.lists.iter_mut()) {
                    if let ListValue::Literal { target, elements, .. } = &mut l.value
                        && target == list
                    {
                        elements.retain(|e| !gone.contains(&e.range));
                    }
                }
            }
            Op::CreateLists { site, lists } => {
                if let Some(s) = m.sites.get_mut(*site) {
                    s.lists.extend(lists.iter().map(|(k, v)| new_list(*k, v)));
                }
            }
            Op::Rename { binding, site_path, kind } => {
                let mut moved = None;
                for s in &mut m.sites {
                    if let Some(i) = s.lists.iter().position(|l| l.binding == *binding) {
                        moved = Some(s.lists.remove(i));
                    }
                }
                if let Some(mut l) = moved {
                    l.kind = *kind;
                    m.sites.push(Site {
                        kind: SiteKind::Settings,
                        path: site_path.clone(),
                        range: TextRange::default(),
                        lists: vec![l],
                        anchor: None,
                        other: Vec::new(),
                        auto: true,
                        conditional: false,
                    });
                }
            }
            Op::RemoveBinding { binding } => {
                for s in &mut m.sites {
                    s.lists.retain(|l| l.binding != *binding);
                }
            }
            Op::AddSettings { .. } => {}
            Op::CreateBlock { point, lists } => m.sites.push(Site {
                kind: point.kind,
                path: point.site_path.clone(),
                range: TextRange::default(),
                lists: lists.iter().map(|(k, v)| new_list(*k, v)).collect(),
                anchor: None,
                other: Vec::new(),
                auto: true,
                conditional: false,
            }),
        }
    }
    m
}

fn new_list(kind: ListKind, values: &[String]) -> CacheList {
    CacheList {
        kind,
        binding: TextRange::default(),
        value: ListValue::Literal {
            target: TextRange::default(),
            elements: values.iter().map(|v| new_element(v)).collect(),
            wrapper: None,
            dynamic: false,
            conditional: Vec::new(),
            via_let: None,
        },
    }
}

/// Checks that `new_text` parses, holds exactly the lists `ops` intend, and defines no more
/// nested sets twice than the original did (`nested_before`).
pub fn check(before: &FileModel, ops: &[Op], nested_before: usize, new_text: &str) -> Result<(), String> {
    let (root, notes) = super::syntax::parse_noting(new_text).map_err(|e| {
        let what = match e.kind {
            ErrorKind::Syntax => "a syntax error",
            ErrorKind::DuplicateAttribute => "a duplicate attribute",
            ErrorKind::UndefinedVariable => "an undefined variable",
            ErrorKind::NestedMerge => "a nested set defined twice",
        };
        format!("the edit would introduce {what} ({e})")
    })?;
    // A nested set defined twice parses on Nix 2.26 and later only: never add one.
    if let Some(n) = notes.get(nested_before) {
        return Err(format!("the edit would define a nested set twice, which Nix before 2.26 rejects ({n})"));
    }
    let after = super::locate::locate_root(&root);
    let want = summary(&intended(before, ops));
    let got = summary(&after);
    if want != got {
        return Err(format!(
            "the edited file would not read back as intended (expected {} lists, found {}); please report this file",
            want.len(),
            got.len()
        ));
    }
    for op in ops {
        let Op::AddSettings { site, settings } = op else { continue };
        let Some(path) = before.sites.get(*site).map(|s| &s.path) else { continue };
        let ok = settings.iter().all(|(name, value)| {
            after.sites.iter().filter(|s| &s.path == path).any(|s| s.setting(name).is_some_and(|v| &v.value == value))
        });
        if !ok {
            return Err(format!("the edited file would not read back with the new settings in `{path}`"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edit_may_not_add_a_nested_set_defined_twice() {
        let old = "{\n  nix.settings.substituters = [ ];\n  nix = { gc.automatic = true; };\n}\n";
        let model = super::super::locate(old).expect("parses");
        // The same lists, but now `settings` is defined twice below `nix`: Nix 2.8 rejects it.
        let new =
            "{\n  nix.settings.substituters = [ ];\n  nix = { gc.automatic = true; settings.max-jobs = 2; };\n}\n";
        let err = check(&model, &[], 0, new).expect_err("refused");
        assert!(err.contains("Nix before 2.26 rejects"), "{err}");
        // A file that had one already may keep it.
        assert_eq!(check(&model, &[], 0, old), Ok(()));
        let model2 = super::super::locate(new).expect("parses");
        assert_eq!(check(&model2, &[], 1, new), Ok(()));
    }
}
