//! Fleets: which host of a flake uses which file, and so which cache (`cachectl hosts`).
//!
//! Pure: the caller passes the text of `flake.nix` and a reader for other files (paths
//! relative to the flake's directory, `/`-separated and normalised; `None` when absent or a
//! directory). Hosts come from [`flake::hosts`]; each host's files are its modules and what
//! they import, transitively (a directory means its `default.nix`; conditional imports
//! count). What cannot be followed is kept per host as unresolved, with file and line.

pub mod compare;
pub mod drift;
pub mod flake;

use std::collections::{BTreeMap, HashSet, VecDeque};

use serde::Serialize;

use crate::nix::imports::{self, Group};
use crate::nix::model::{ElemValue, SiteKind};
use crate::nix::syntax::LineIndex;
use crate::registry::Registry;
pub use flake::HostKind;

/// A place a host's configuration could not be followed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unresolved {
    pub file: String,
    pub line: usize,
    pub reason: String,
}

/// One cache a host gets, where from, and the trusted key that pairs with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HostCache {
    pub url: String,
    pub key: Option<String>,
    pub file: String,
    pub line: usize,
    #[serde(skip)]
    pub column: usize,
}

/// One host with its files and caches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Host {
    pub name: String,
    pub kind: HostKind,
    pub files: Vec<String>,
    pub caches: Vec<HostCache>,
    /// The trusted keys the host's files list (names), for pairing and drift.
    #[serde(skip)]
    pub keys: Vec<(String, String, usize)>,
    /// `connect-timeout` and `fallback` as the host's files set them: (name, value, file).
    #[serde(skip)]
    pub settings: Vec<(String, String, String)>,
    pub unresolved: Vec<Unresolved>,
}

/// Reads one file: its text if it exists (and is not a directory).
pub type Reader<'a> = dyn Fn(&str) -> Option<String> + 'a;

/// Every host of the flake at `flake_path` (e.g. `flake.nix`), with its files and caches.
pub fn hosts(flake_path: &str, flake_text: &str, read: &Reader<'_>, registry: &Registry) -> Vec<Host> {
    hosts_in(&[(flake_path, flake_text)], read, registry)
}

/// The hosts declared in any of `sources` (path, text): flake.nix first, then the files
/// of a flake-parts layout that bind `flake.nixosConfigurations…` themselves. Paths in a
/// declaration are relative to its file. The first declaration of a host wins.
pub fn hosts_in(sources: &[(&str, &str)], read: &Reader<'_>, registry: &Registry) -> Vec<Host> {
    let mut cache: BTreeMap<String, Option<FileInfo>> = BTreeMap::new();
    let mut out: Vec<Host> = Vec::new();
    for (path, text) in sources {
        for h in hosts_of(path, text, read, registry, &mut cache) {
            if !out.iter().any(|o| o.kind == h.kind && o.name == h.name) {
                out.push(h);
            }
        }
    }
    out
}

/// True when a file may declare hosts (the word of a host collection appears in it).
pub fn mentions_hosts(text: &str) -> bool {
    ["nixosConfigurations", "darwinConfigurations", "homeConfigurations"].iter().any(|w| text.contains(w))
}

fn hosts_of(
    flake_path: &str,
    flake_text: &str,
    read: &Reader<'_>,
    registry: &Registry,
    cache: &mut BTreeMap<String, Option<FileInfo>>,
) -> Vec<Host> {
    let root = rnix::Root::parse(flake_text).syntax();
    let lines = LineIndex::new(flake_text);
    let line = |off: usize| lines.line_col(flake_text, off).0;
    let dir = parent(flake_path);
    flake::hosts(&root)
        .into_iter()
        .map(|decl| {
            let mut unresolved: Vec<Unresolved> = decl
                .unresolved
                .iter()
                .map(|(off, reason)| Unresolved {
                    file: flake_path.to_owned(),
                    line: line(*off),
                    reason: reason.clone(),
                })
                .collect();
            let mut files: Vec<String> = Vec::new();
            if decl.inline {
                files.push(flake_path.to_owned());
            }
            // Breadth-first, in list order: a host's own file (first in its `modules`) comes
            // before what it imports.
            let mut queue: VecDeque<(String, String, usize)> =
                decl.modules.iter().map(|m| (join(&dir, &m.path), flake_path.to_owned(), line(decl.offset))).collect();
            let mut seen: HashSet<String> = HashSet::new();
            while let Some((path, from, from_line)) = queue.pop_front() {
                let Some((path, info)) = load(&path, read, cache) else {
                    let reason = match path.starts_with('/') || path.starts_with("../") {
                        true => format!("`{path}` is outside the repository"),
                        false => format!("`{path}` does not exist"),
                    };
                    unresolved.push(Unresolved { file: from, line: from_line, reason });
                    continue;
                };
                if !seen.insert(path.clone()) {
                    continue;
                }
                files.push(path.clone());
                let here = parent(&path);
                for (target, l) in &info.imports {
                    queue.push_back((join(&here, target), path.clone(), *l));
                }
                for (l, what) in &info.skipped {
                    unresolved.push(Unresolved { file: path.clone(), line: *l, reason: what.clone() });
                }
            }
            let mut host = Host {
                name: decl.name,
                kind: decl.kind,
                files,
                caches: Vec::new(),
                keys: Vec::new(),
                settings: Vec::new(),
                unresolved,
            };
            fill_caches(&mut host, cache, flake_path, flake_text, registry);
            host
        })
        .collect()
}

/// What one file contributes: its module imports (target, line), unfollowable imports
/// (line, reason), and its cache lists.
#[derive(Debug, Clone)]
struct FileInfo {
    imports: Vec<(String, usize)>,
    skipped: Vec<(usize, String)>,
    urls: Vec<(String, usize, usize)>,
    keys: Vec<(String, usize)>,
    settings: Vec<(String, String)>,
}

fn load(path: &str, read: &Reader<'_>, cache: &mut BTreeMap<String, Option<FileInfo>>) -> Option<(String, FileInfo)> {
    for candidate in [path.to_owned(), format!("{path}/default.nix")] {
        if let Some(Some(info)) = cache.get(&candidate) {
            return Some((candidate, info.clone()));
        }
        if cache.contains_key(&candidate) {
            continue;
        }
        let info = read(&candidate).map(|text| analyse(&text));
        cache.insert(candidate.clone(), info.clone());
        if let Some(info) = info {
            return Some((candidate, info));
        }
    }
    None
}

fn analyse(text: &str) -> FileInfo {
    // Most modules set no cache and import nothing: they need no parse (as in `check`).
    let (wants_model, wants_imports) = (crate::lint::mentions_cache_settings(text), imports::mentions_imports(text));
    if !wants_model && !wants_imports {
        return FileInfo {
            imports: Vec::new(),
            skipped: Vec::new(),
            urls: Vec::new(),
            keys: Vec::new(),
            settings: Vec::new(),
        };
    }
    let root = rnix::Root::parse(text).syntax();
    let lines = LineIndex::new(text);
    let line = |off: usize| lines.line_col(text, off).0;
    let (imps, skipped) = if wants_imports { imports::imports_and_skipped(&root, text) } else { Default::default() };
    let imports = imps.into_iter().filter(|i| i.group == Group::Module).map(|i| (i.path, 1)).collect();
    let skipped =
        skipped.into_iter().filter(|s| s.group == Group::Module).map(|s| (line(s.offset as usize), s.what)).collect();
    if !wants_model {
        return FileInfo { imports, skipped, urls: Vec::new(), keys: Vec::new(), settings: Vec::new() };
    }
    let model = crate::nix::locate::locate_root(&root);
    let (mut urls, mut keys, mut settings) = (Vec::new(), Vec::new(), Vec::new());
    for site in model.sites.iter().filter(|s| host_site(s.kind, &s.path)) {
        for o in site.other.iter().filter(|o| o.name == "connect-timeout" || o.name == "fallback") {
            settings.push((o.name.clone(), o.value.clone()));
        }
        for l in &site.lists {
            for e in l.elements().iter().chain(l.conditional()) {
                let ElemValue::Str(v) = &e.value else { continue };
                let (at, col) = lines.line_col(text, usize::from(e.range.start()));
                // Strings inside computed operands (`map (x: …) [ "b.org" ]`) are kept only
                // when they are what the list holds: store URLs, keys.
                if l.kind.is_substituters() && crate::store_url::StoreUrl::parse(v).is_ok() {
                    urls.push((v.clone(), at, col));
                } else if l.kind.is_keys() && crate::keys::key_name(v).is_some() {
                    keys.push((v.clone(), at));
                }
            }
        }
    }
    FileInfo { imports, skipped, urls, keys, settings }
}

/// A block that configures the host itself (not a flake's nixConfig, a specialisation or
/// a home-manager user of a NixOS host).
fn host_site(kind: SiteKind, path: &str) -> bool {
    let top = matches!(path, "nix.settings" | "config.nix.settings" | "nix" | "config.nix" | "nix.extraOptions");
    matches!(kind, SiteKind::Settings | SiteKind::Legacy | SiteKind::ExtraOptions)
        && (top || path.ends_with("customSettings"))
}

fn fill_caches(
    host: &mut Host,
    cache: &BTreeMap<String, Option<FileInfo>>,
    flake_path: &str,
    flake_text: &str,
    registry: &Registry,
) {
    let inline = host.files.first().is_some_and(|f| f == flake_path).then(|| analyse(flake_text));
    for f in &host.files {
        let info = if f == flake_path { inline.as_ref() } else { cache.get(f).and_then(Option::as_ref) };
        let Some(info) = info else { continue };
        host.keys.extend(info.keys.iter().map(|(k, l)| (k.clone(), f.clone(), *l)));
        host.settings.extend(info.settings.iter().map(|(n, v)| (n.clone(), v.clone(), f.clone())));
        for (url, l, c) in &info.urls {
            host.caches.push(HostCache { url: url.clone(), key: None, file: f.clone(), line: *l, column: *c });
        }
    }
    let names: Vec<String> =
        host.keys.iter().filter_map(|(k, _, _)| crate::keys::key_name(k).map(str::to_owned)).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    for c in &mut host.caches {
        c.key = registry.best_key(&c.url, &refs).map(|(k, _)| k.to_owned());
    }
}

fn parent(path: &str) -> String {
    path.rsplit_once('/').map_or(String::new(), |(d, _)| d.to_owned())
}

/// `dir` joined with a relative (`./x`, `../y`) or absolute path, normalised.
pub fn join(dir: &str, rel: &str) -> String {
    let mut parts: Vec<&str> =
        if rel.starts_with('/') { Vec::new() } else { dir.split('/').filter(|p| !p.is_empty()).collect() };
    for p in rel.split('/') {
        match p {
            "" | "." => {}
            ".." if parts.last().is_some_and(|l| *l != "..") => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    if rel.starts_with('/') { format!("/{joined}") } else { joined }
}

impl Host {
    /// The files of this host that no other host of `all` has.
    pub fn own_files<'a>(&'a self, all: &'a [Host]) -> impl Iterator<Item = &'a String> + 'a {
        self.files
            .iter()
            .filter(move |f| all.iter().all(|h| h.name == self.name && h.kind == self.kind || !h.files.contains(f)))
    }
}

#[cfg(test)]
mod tests;
