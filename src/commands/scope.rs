//! The files of a `check` run: the files named, and the rest of their configuration as
//! context.
//!
//! pre-commit passes only the staged files, but a host file's cache is signed by a key in
//! the base module it imports. So besides the named files, `check` reads:
//! - the configuration root's other `.nix` files: the root is the nearest directory above a
//!   named file holding `.git`, `flake.nix` or `cachectl.toml`; its files are git's tracked
//!   files (`git ls-files`, staged new files included) in a git work tree, otherwise the
//!   directory tree, skipping hidden directories, `result*`, `node_modules` and anything
//!   past [`MAX_ENTRIES`]; no root, no tree;
//! - every file reached by static imports (`imports = [ ../modules/base.nix ]`, flake
//!   `modules` lists), tracked or not, transitively.
//!
//! Context files are evidence only: their own findings are never reported, an unreadable
//! or broken one is skipped or read as far as it parses, and none larger than
//! [`MAX_FILE_BYTES`] is read. Reading and parsing run on all cores ([`par_map`]); a file
//! reached by two paths (a symlink) is read once.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::Result;
use cachectl::lint::{Analysis, GraphBuilder, Merge, analyse};
use cachectl::nix::imports::Group;

use crate::fsio::{self, FileId};

/// At most this many context files are read; a larger tree (say, nixpkgs) gives no tree
/// context at all, only the files reached by imports.
pub const MAX_FILES: usize = 5000;
/// A context file larger than this is generated data, not configuration: skipped.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;
/// Directory entries looked at when walking a tree that is not a git work tree.
pub const MAX_ENTRIES: usize = 100_000;
/// Worker threads: the machine's cores, up to this many.
const MAX_THREADS: usize = 8;
/// Stack of each worker: deeply nested files parse in recursion, as on the main thread.
const WORKER_STACK: usize = 16 * 1024 * 1024;

/// One file of the run.
pub struct File {
    /// As shown in findings: as given for named files, relative to the current directory
    /// for context files.
    pub path: String,
    pub text: String,
    pub named: bool,
}

/// The files of a run, their analyses (in the same order) and which of them are merged.
pub struct Scope {
    pub files: Vec<File>,
    pub analyses: Vec<Analysis>,
    pub merge: Merge,
    /// A note for stderr when the tree was too large to read.
    pub note: Option<String>,
}

struct Entry {
    /// Absolute and lexically normalised: how imports name files.
    abs: PathBuf,
}

/// Reads and analyses the named files and, unless `isolated`, their context.
pub fn gather(named: &[PathBuf], isolated: bool) -> Result<Scope> {
    let cwd = std::env::current_dir()?;
    let roots = if isolated { Vec::new() } else { roots(&cwd, named) };
    let listings: Vec<_> = roots.iter().map(|r| (r.clone(), spawn_git(r))).collect();

    let mut scope = Scope { files: Vec::new(), analyses: Vec::new(), merge: Merge::All, note: None };
    let mut entries: Vec<Entry> = Vec::new();
    let mut by_id: HashMap<FileId, usize> = HashMap::new();
    let read = par_map(named, |p| fsio::read_nix(p, None).map(|(text, id)| (analyse(&text, true), text, id)));
    for (path, result) in named.iter().zip(read) {
        let (analysis, text, id) = result?;
        if by_id.contains_key(&id) {
            continue;
        }
        by_id.insert(id, entries.len());
        entries.push(Entry { abs: normalize(&cwd.join(path)) });
        scope.files.push(File { path: super::setup::display(path), text, named: true });
        scope.analyses.push(analysis);
    }
    if isolated {
        return Ok(scope);
    }

    let mut by_path: HashMap<PathBuf, usize> = entries.iter().enumerate().map(|(i, e)| (e.abs.clone(), i)).collect();
    let mut pending: Vec<PathBuf> = Vec::new();
    for (root, child) in listings {
        let (files, complete) = list_tree(&root, child);
        if !complete {
            scope.note = Some(format!(
                "{} has more than {MAX_FILES} .nix files: only files reached by imports were read as context",
                root.display()
            ));
            continue;
        }
        pending.extend(files.into_iter().filter(|p| !by_path.contains_key(p)));
    }

    // Read what is pending, then follow the imports of the files read, until nothing is new.
    let mut edges: Vec<(usize, Group, PathBuf, bool)> = Vec::new();
    let mut resolved: HashMap<PathBuf, Option<PathBuf>> = HashMap::new();
    let mut unreadable: std::collections::HashSet<PathBuf> = std::collections::HashSet::new();
    let mut done = 0;
    loop {
        pending.retain(|p| !by_path.contains_key(p) && !unreadable.contains(p));
        pending.sort();
        pending.dedup();
        pending.truncate(MAX_FILES.saturating_sub(entries.len()));
        let read = par_map(&pending, |p| {
            let (text, id) = fsio::read_nix(p, Some(MAX_FILE_BYTES)).ok()?;
            Some((analyse(&text, false), text, id))
        });
        for (abs, result) in pending.drain(..).zip(read) {
            let Some((analysis, text, id)) = result else {
                unreadable.insert(abs);
                continue;
            };
            if let Some(&known) = by_id.get(&id) {
                by_path.insert(abs, known);
                continue;
            }
            by_id.insert(id, entries.len());
            by_path.insert(abs.clone(), entries.len());
            scope.files.push(File { path: relative(&abs, &cwd), text, named: false });
            scope.analyses.push(analysis);
            entries.push(Entry { abs });
        }
        for (from, entry) in entries.iter().enumerate().skip(done) {
            let dir = entry.abs.parent().map(Path::to_path_buf).unwrap_or_default();
            for import in &scope.analyses[from].imports {
                let Some(target) = resolve(&dir, &import.path, &by_path, &mut resolved) else { continue };
                if !by_path.contains_key(&target) {
                    pending.push(target.clone());
                }
                edges.push((from, import.group, target, import.conditional));
            }
        }
        done = entries.len();
        if pending.is_empty() || entries.len() >= MAX_FILES {
            break;
        }
    }

    let mut graph = GraphBuilder::new(entries.len());
    for (i, _) in scope.analyses.iter().enumerate().filter(|(_, a)| a.broken) {
        graph.isolate(i);
    }
    // Conditional imports (`lib.optional isDarwin ./darwin.nix`) lead to context but merge
    // nothing: two of them may exclude each other.
    for (from, group, target, conditional) in edges {
        if let (false, Some(&to)) = (conditional, by_path.get(&target)) {
            graph.edge(from, group, to);
        }
    }
    scope.merge = graph.build();
    Ok(scope)
}

/// The file an import names: `dir/path`, or its `default.nix` when it is a directory;
/// `None` when neither exists. Known files are found without touching the disk.
fn resolve(
    dir: &Path,
    path: &str,
    known: &HashMap<PathBuf, usize>,
    cache: &mut HashMap<PathBuf, Option<PathBuf>>,
) -> Option<PathBuf> {
    let p = normalize(&dir.join(path));
    if known.contains_key(&p) {
        return Some(p);
    }
    let default = p.join("default.nix");
    if known.contains_key(&default) {
        return Some(default);
    }
    cache
        .entry(p.clone())
        .or_insert_with(|| match std::fs::metadata(&p) {
            Ok(m) if m.is_dir() => default.is_file().then_some(default),
            Ok(m) if m.is_file() => Some(p),
            _ => None,
        })
        .clone()
}

/// The configuration roots of the named files: for each, the nearest directory above it
/// holding `.git`, `flake.nix` or `cachectl.toml`.
fn roots(cwd: &Path, named: &[PathBuf]) -> Vec<PathBuf> {
    let mut seen: HashMap<PathBuf, Option<PathBuf>> = HashMap::new();
    let mut out: Vec<PathBuf> = Vec::new();
    for file in named {
        let Some(dir) = normalize(&cwd.join(file)).parent().map(Path::to_path_buf) else { continue };
        let root = seen
            .entry(dir.clone())
            .or_insert_with(|| {
                dir.ancestors()
                    .find(|d| [".git", "flake.nix", "cachectl.toml"].iter().any(|m| d.join(m).exists()))
                    .map(Path::to_path_buf)
            })
            .clone();
        if let Some(r) = root.filter(|r| !out.contains(r)) {
            out.push(r);
        }
    }
    out
}

/// `git ls-files` of a root, started early so that it runs while the named files are parsed.
fn spawn_git(root: &Path) -> Option<std::process::Child> {
    Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["ls-files", "-z", "--cached", "--", "*.nix"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()
}

/// The `.nix` files of a root (absolute, normalised) and whether the list is complete:
/// git's tracked files when git lists them, else a bounded walk of the directory tree.
fn list_tree(root: &Path, git: Option<std::process::Child>) -> (Vec<PathBuf>, bool) {
    if let Some(out) = git.and_then(|c| c.wait_with_output().ok()).filter(|o| o.status.success()) {
        let files: Vec<PathBuf> = out
            .stdout
            .split(|&b| b == 0)
            .filter(|p| !p.is_empty())
            .filter_map(|p| std::str::from_utf8(p).ok())
            .map(|p| normalize(&root.join(p)))
            .collect();
        let complete = files.len() <= MAX_FILES;
        return (if complete { files } else { Vec::new() }, complete);
    }
    let mut files = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    let mut entries = 0;
    while let Some(dir) = dirs.pop() {
        let Ok(list) = std::fs::read_dir(&dir) else { continue };
        for entry in list.flatten() {
            entries += 1;
            if entries > MAX_ENTRIES || files.len() > MAX_FILES {
                return (Vec::new(), false);
            }
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let Ok(kind) = entry.file_type() else { continue };
            if kind.is_dir() {
                let skip = name.starts_with('.') || name.starts_with("result") || name == "node_modules";
                if !skip {
                    dirs.push(entry.path());
                }
            } else if name.ends_with(".nix") && (kind.is_file() || entry.path().is_file()) {
                files.push(entry.path());
            }
        }
    }
    files.sort();
    (files, true)
}

/// `a/./b/../c` → `a/c`, without asking the file system (as Nix resolves path literals).
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// `abs` relative to `cwd`, with `..` where needed (both absolute and normalised).
fn relative(abs: &Path, cwd: &Path) -> String {
    if let Ok(rel) = abs.strip_prefix(cwd) {
        return rel.display().to_string();
    }
    let (a, c): (Vec<_>, Vec<_>) = (abs.components().collect(), cwd.components().collect());
    let common = a.iter().zip(&c).take_while(|(x, y)| x == y).count();
    if common <= 1 {
        return abs.display().to_string();
    }
    let mut out: PathBuf = c[common..].iter().map(|_| Component::ParentDir).collect();
    out.extend(&a[common..]);
    out.display().to_string()
}

/// `f` over `items` on all cores (a shared counter hands out one item at a time, so a few
/// large files do not leave a thread idle); results in input order.
pub fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let workers = cores.min(MAX_THREADS).min(items.len());
    if workers <= 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let mut slots: Vec<Option<R>> = (0..items.len()).map(|_| None).collect();
    std::thread::scope(|s| {
        let spawn = || {
            std::thread::Builder::new().stack_size(WORKER_STACK).spawn_scoped(s, || {
                let mut done = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    done.push((i, f(item)));
                }
                done
            })
        };
        let handles: Vec<_> = (0..workers).filter_map(|_| spawn().ok()).collect();
        for h in handles {
            let done = h.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
            for (i, r) in done {
                slots[i] = Some(r);
            }
        }
    });
    // Items no thread took (none could be spawned) are done here.
    slots.into_iter().zip(items).map(|(r, item)| r.unwrap_or_else(|| f(item))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_normalised_and_shown_relative() {
        assert_eq!(normalize(Path::new("/r/hosts/../modules/./base.nix")), Path::new("/r/modules/base.nix"));
        assert_eq!(relative(Path::new("/r/modules/base.nix"), Path::new("/r")), "modules/base.nix");
        assert_eq!(relative(Path::new("/r/modules/base.nix"), Path::new("/r/hosts")), "../modules/base.nix");
        assert_eq!(relative(Path::new("/x/y.nix"), Path::new("/r")), "/x/y.nix");
    }

    #[test]
    fn par_map_keeps_the_order() {
        let items: Vec<usize> = (0..1000).collect();
        assert_eq!(par_map(&items, |i| i * 2), items.iter().map(|i| i * 2).collect::<Vec<_>>());
        assert_eq!(par_map(&[] as &[usize], |i| *i), Vec::<usize>::new());
    }
}
