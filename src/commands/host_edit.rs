//! `add --host NAME` and `remove --host NAME`: edit the module that belongs to a host alone.
//!
//! The hosts come from the flake (see `hosts.rs`). `add` writes into the first file of the
//! host that no other host has; when the cache already reaches the host through a shared
//! file it says so and changes nothing. `remove` takes the cache out only where the hosts
//! named alone get it, and refuses, naming the file and the other hosts, when it comes from
//! a file that other hosts share. Every check is made before anything is written.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use cachectl::fleet::Host;
use cachectl::store_url;

use super::{ExitStatus, Setup};

/// What to do for an edit restricted to hosts.
pub enum Plan {
    /// Edit these files.
    Edit(Vec<PathBuf>),
    /// Nothing to write (each host already has it, or lacks it).
    Nothing,
}

fn fleet(setup: &Setup, names: &[String]) -> Result<(PathBuf, Vec<Host>, Vec<usize>)> {
    let (flake, text) = super::hosts::find_flake()?;
    let hosts = super::hosts::load(&flake, &text, setup);
    let mut picked = Vec::new();
    for n in names {
        match hosts.iter().position(|h| h.name == *n) {
            Some(i) => picked.push(i),
            None => {
                let known: Vec<&str> = hosts.iter().map(|h| h.name.as_str()).collect();
                bail!("no host `{n}` in {}; hosts: {}", flake.display(), known.join(", "));
            }
        }
    }
    let root = flake.parent().map(Path::to_path_buf).unwrap_or_default();
    Ok((root, hosts, picked))
}

fn same(a: &str, b: &str) -> bool {
    store_url::normalize(a) == store_url::normalize(b)
}

/// Where `add --host` writes `url`, printing "already on …" for hosts that have it.
pub fn add(setup: &Setup, names: &[String], urls: &[String], out: &mut dyn Write) -> Result<Plan> {
    let (root, hosts, picked) = fleet(setup, names)?;
    let mut files = Vec::new();
    for &i in &picked {
        let h = &hosts[i];
        let own: Vec<&String> = h.own_files(&hosts).filter(|f| *f != "flake.nix").collect();
        let present = h.caches.iter().find(|c| urls.iter().any(|u| same(u, &c.url)));
        if let Some(c) = present.filter(|c| !own.contains(&&c.file)) {
            writeln!(out, "already on {} via {}:{}", h.name, c.file, c.line)?;
            continue;
        }
        let Some(first) = own.first() else {
            bail!(
                "host {} has no file of its own (its files: {}): pass --file to choose one",
                h.name,
                h.files.join(", ")
            );
        };
        let path = root.join(first);
        if !files.contains(&path) {
            files.push(path);
        }
    }
    Ok(if files.is_empty() { Plan::Nothing } else { Plan::Edit(files) })
}

/// Where `remove --host` may take `urls` out; refuses when a shared file brings them.
pub fn remove(setup: &Setup, names: &[String], urls: &[String], out: &mut dyn Write) -> Result<Plan> {
    let (root, hosts, picked) = fleet(setup, names)?;
    let mut files = Vec::new();
    for &i in &picked {
        let h = &hosts[i];
        let found: Vec<_> = h.caches.iter().filter(|c| urls.iter().any(|u| same(u, &c.url))).collect();
        if found.is_empty() {
            writeln!(out, "{} does not get {}; nothing to remove there", h.name, urls[0])?;
        }
        for c in found {
            let others: Vec<&str> = hosts
                .iter()
                .enumerate()
                .filter(|(j, o)| !picked.contains(j) && o.files.contains(&c.file))
                .map(|(_, o)| o.name.as_str())
                .collect();
            if !others.is_empty() {
                bail!(
                    "{} gets {} from {}:{}, which {} also use{}: removing it there would take it from them too; name them with --host, or edit that file with --file",
                    h.name,
                    store_url::redact_credentials(&c.url),
                    c.file,
                    c.line,
                    others.join(", "),
                    if others.len() == 1 { "s" } else { "" }
                );
            }
            let path = root.join(&c.file);
            if !files.contains(&path) {
                files.push(path);
            }
        }
    }
    Ok(if files.is_empty() { Plan::Nothing } else { Plan::Edit(files) })
}

/// Runs `edit` on each file; the worst status wins.
pub fn each(files: &[PathBuf], mut edit: impl FnMut(&Path) -> Result<ExitStatus>) -> Result<ExitStatus> {
    let mut status = ExitStatus::Success;
    for f in files {
        let s = edit(f)?;
        if s != ExitStatus::Success {
            status = s;
        }
    }
    Ok(status)
}
