//! Safe repairs of `check` findings (`cachectl fix`), the ruff/statix way: a rule that
//! knows the repair attaches a [`Fix`] to its finding, and [`apply`] turns the fixes of one
//! file into edits that go through the same verified writer as `add` and `remove` (the
//! result must re-parse to exactly the intended lists, or nothing is returned).
//!
//! Pure: text in, text out. Fixes are applied in stages, because some change the shape of
//! the file and the later ones must be planned on the new text: renames of deprecated options
//! (or one merge of a deprecated list into its new list, which drops what is already
//! there), then element edits (remove, replace) all at once, then one added key, then one
//! block of added settings. The caller re-lints
//! between stages (other files count: a key in base.nix pairs with a host's cache) until
//! nothing fixable is left, and writes each file once.

mod stages;

use rnix::TextRange;

use crate::nix::model::ListKind;
use crate::nix::plan::EditError;

/// A repair a rule knows for one finding, in terms of the text the finding was made on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fix {
    /// Remove a list element with its same-line comment (`duplicate`, `secret-key`).
    Remove { element: TextRange },
    /// Replace a string literal with a new value (`insecure-http`, `key-mismatch`).
    Replace { literal: TextRange, value: String },
    /// Rename a deprecated list of site `site` (`deprecated-option`); when the new list is
    /// already set, the old values are merged into it in order, without duplicates.
    Rename { site: TextRange, binding: TextRange },
    /// Add `key` to the `kind` list of site `site` (`no-trusted-key`).
    AddKey { site: TextRange, kind: ListKind, key: String },
    /// Add settings (`connect-timeout = 5;`) to site `site` (`no-fallback`).
    Settings { site: TextRange, add: Vec<(String, String)> },
}

impl Fix {
    fn stage(&self) -> u8 {
        match self {
            Fix::Rename { .. } => 0,
            Fix::Remove { .. } | Fix::Replace { .. } => 1,
            Fix::AddKey { .. } => 2,
            Fix::Settings { .. } => 3,
        }
    }
}

/// One stage applied: the verified new text and the indices (into the fixes given) of the
/// fixes it carried out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub text: String,
    pub done: Vec<usize>,
}

/// Applies the earliest stage among `fixes` to `text`. `Ok(None)` when there is nothing to
/// do; an error names the fixes of the stage that could not be applied safely (their
/// indices) with the reason, and the text is then unchanged.
pub fn apply(text: &str, fixes: &[&Fix]) -> Result<Option<Applied>, (Vec<usize>, EditError)> {
    let Some(stage) = fixes.iter().map(|f| f.stage()).min() else { return Ok(None) };
    let picked: Vec<usize> = (0..fixes.len()).filter(|&i| fixes[i].stage() == stage).collect();
    stages::run(text, fixes, &picked)
}

/// Why the findings of a rule without a fix (or whose fix does not apply here) are left to
/// the user: shown as "not fixable automatically: …".
pub fn unfixable_reason(code: &str) -> &'static str {
    match code {
        "syntax-error" | "duplicate-attribute" | "undefined-variable" => {
            "the file must parse first: fix the syntax by hand"
        }
        "nested-merge" => "which of the two definitions to keep is a choice of layout",
        "invalid-key" => "only the cache's owner knows the right key (`cachectl add NAME` writes a known one)",
        "invalid-url" => "only you know which cache was meant",
        "url-credentials" => "the credentials must move to a netrc file (`netrc-file`) that cachectl cannot write",
        "unused-key" => "the key may sign a cache reached by another name; remove it if it is stale",
        "no-trusted-key" => "the registry does not know this cache's key: add it with `cachectl add URL --key …`",
        "key-mismatch" => "the key is not in a list cachectl can edit",
        "insecure-http" => "cachectl does not know that this host serves https",
        "duplicate" => {
            "removing this copy could change another configuration or a store parameter: keep the one you mean"
        }
        "no-fallback" => "the cache's settings block cannot take new settings here",
        "deprecated-option" => "the old list is computed or cannot be merged safely: rename it by hand",
        "secret-key" => "the value is not in a list cachectl can edit",
        "mk-default" => "removing `lib.mkDefault` changes which definition wins: decide, then remove it by hand",
        "mk-force" => "`lib.mkForce` is a deliberate choice about the other modules' lists",
        "flake-untrusted" => "who may use a flake's `nixConfig` is a decision for the machine's owner",
        "text-override" => "the nix.conf text is not a list cachectl edits: move it to nix.settings by hand",
        "not-checked" => "cachectl cannot read a computed value",
        _ => "it needs a decision only you can make",
    }
}

#[cfg(test)]
mod tests;
