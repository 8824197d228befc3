//! `cachectl list`: every configured cache with its key and file:line.

use std::io::Write;

use anyhow::Result;
use cachectl::keys;
use cachectl::nix::model::{Element, ListKind};
use cachectl::nix::syntax::LineIndex;
use cachectl::nix::{self};
use cachectl::registry::Registry;
use cachectl::store_url::{self, StoreUrl};
use serde::Serialize;

use super::{ExitStatus, Setup};
use crate::cli::Cli;

#[derive(Serialize)]
struct Entry {
    name: Option<String>,
    url: Option<String>,
    params: Option<String>,
    key: Option<String>,
    option: &'static str,
    site: String,
    file: String,
    line: usize,
    column: usize,
    conditional: bool,
    wrapper: Option<String>,
    /// False where cachectl reads the value but cannot edit it (nix.conf text, computed).
    editable: bool,
    reason: Option<String>,
}

struct Found<'a> {
    kind: ListKind,
    site: &'a str,
    wrapper: Option<&'a str>,
    elem: &'a Element,
    conditional: bool,
    refusal: Option<&'a str>,
}

fn entries(path: &str, text: &str, reg: &Registry) -> Result<Vec<Entry>, nix::SyntaxError> {
    let model = nix::locate(text)?;
    let idx = LineIndex::new(text);
    let mut found = Vec::new();
    for s in &model.sites {
        for l in &s.lists {
            let plain = l.elements().iter().map(|e| (e, false));
            for (elem, conditional) in plain.chain(l.conditional().iter().map(|e| (e, true))) {
                let refusal = l.refusal();
                found.push(Found { kind: l.kind, site: &s.path, wrapper: l.wrapper(), elem, conditional, refusal });
            }
        }
    }
    // A let-bound list read by two places (nix.settings and nix.conf text) is listed once.
    let mut seen = std::collections::HashSet::new();
    found.retain(|f| seen.insert((f.elem.range, f.kind)));
    let key_values: Vec<&str> =
        found.iter().filter(|f| f.kind.is_keys()).filter_map(|f| f.elem.value.as_str()).collect();
    let mut used = vec![false; key_values.len()];
    let mut out = Vec::new();
    let pos = |e: &Element| idx.line_col(text, usize::from(e.range.start()));
    for f in found.iter().filter(|f| !f.kind.is_keys()) {
        let raw = f.elem.value.as_str().map(str::to_owned);
        let parsed = raw.as_deref().and_then(|r| StoreUrl::parse(r).ok());
        let url = raw.as_deref().map(|r| r.split('?').next().unwrap_or(r).to_owned());
        let key_i = raw
            .as_deref()
            .and_then(|r| key_values.iter().position(|k| keys::key_name(k).is_some_and(|n| reg.pairs(r, n))));
        if let Some(i) = key_i {
            used[i] = true;
        }
        let name = raw.as_deref().and_then(|r| reg.by_url(r).map(|c| c.name.clone()).or_else(|| store_url::host_of(r)));
        let (line, column) = pos(f.elem);
        out.push(Entry {
            name,
            url: url.or_else(|| Some(format!("{:?}", f.elem.value))),
            params: parsed.and_then(|p| p.params),
            key: key_i.map(|i| keys::redacted(key_values[i])),
            option: f.kind.name(),
            site: f.site.to_owned(),
            file: path.to_owned(),
            line,
            column,
            conditional: f.conditional,
            wrapper: f.wrapper.map(str::to_owned),
            editable: f.refusal.is_none() && !f.conditional,
            reason: f.refusal.map(str::to_owned),
        });
    }
    let keys_found = found.iter().filter(|f| f.kind.is_keys() && f.elem.value.as_str().is_some());
    for (i, f) in keys_found.enumerate() {
        if used.get(i).copied().unwrap_or(true) {
            continue;
        }
        let k = f.elem.value.as_str().unwrap_or_default();
        let (line, column) = pos(f.elem);
        out.push(Entry {
            name: keys::key_name(k).and_then(|n| reg.by_key_name(n)).map(|c| c.name.clone()),
            url: None,
            params: None,
            key: Some(keys::redacted(k)),
            option: f.kind.name(),
            site: f.site.to_owned(),
            file: path.to_owned(),
            line,
            column,
            conditional: f.conditional,
            wrapper: f.wrapper.map(str::to_owned),
            editable: f.refusal.is_none() && !f.conditional,
            reason: f.refusal.map(str::to_owned),
        });
    }
    Ok(out)
}

pub fn run(cli: &Cli, out: &mut dyn Write) -> Result<ExitStatus> {
    let setup = Setup::load(cli)?;
    let path = setup.nix_file(cli)?;
    let shown = super::setup::display(&path);
    let text = crate::fsio::read(&path)?;
    let list = match entries(&shown, &text, &setup.registry) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("{shown}:{}:{}: error: {}", e.line, e.column, e.message);
            return Ok(ExitStatus::Error);
        }
    };
    if cli.json {
        super::write_json(out, &serde_json::json!({ "file": shown, "caches": list }))?;
        return Ok(ExitStatus::Success);
    }
    if list.is_empty() {
        writeln!(out, "{shown}: no caches configured")?;
        return Ok(ExitStatus::Success);
    }
    let w_name = list.iter().map(|e| e.name.as_deref().unwrap_or("-").len()).max().unwrap_or(1);
    let w_url = list
        .iter()
        .map(|e| e.url.as_deref().unwrap_or("-").len() + e.params.as_ref().map_or(0, |p| p.len() + 1))
        .max()
        .unwrap_or(1);
    let w_key = list.iter().map(|e| e.key.as_deref().unwrap_or("-").len()).max().unwrap_or(1);
    for e in &list {
        let url = match (&e.url, &e.params) {
            (Some(u), Some(p)) => format!("{}?{p}", cachectl::store_url::redact_credentials(u)),
            (Some(u), None) => cachectl::store_url::redact_credentials(u).into_owned(),
            (None, _) => "-".into(),
        };
        let mut extra = String::new();
        if e.option != "substituters" && e.option != "trusted-public-keys" {
            extra.push_str(&format!("  ({})", e.option));
        }
        if e.conditional {
            extra.push_str("  (conditional)");
        }
        if let Some(w) = &e.wrapper {
            extra.push_str(&format!("  ({w})"));
        }
        if !e.editable && !e.conditional {
            extra.push_str(&format!("  (read-only: {})", e.site));
        }
        writeln!(
            out,
            "{:w_name$}  {url:w_url$}  {:w_key$}  {}:{}:{}{extra}",
            e.name.as_deref().unwrap_or("-"),
            e.key.as_deref().unwrap_or("-"),
            e.file,
            e.line,
            e.column,
        )?;
    }
    Ok(ExitStatus::Success)
}
