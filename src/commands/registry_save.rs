//! `add --save`: record a cache in cachectl.toml (`[caches.NAME]` with `url` and `key`),
//! losslessly: the section is updated in place (its other lines, comments and the rest of
//! the file stay as they are) or appended. The result must parse as a registry holding
//! exactly that cache, or nothing is written. Same lock and atomic write as Nix files; the
//! file is created when missing.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use cachectl::registry::Registry;
use cachectl::store_url;

/// `text` with `[caches.NAME]` holding `url` and `key`.
pub fn save_text(text: &str, name: &str, url: &str, key: &str) -> String {
    let nl = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let header = format!("[caches.{name}]");
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let bare = |l: &str| l.split('#').next().unwrap_or_default().trim().to_owned();
    let Some(start) = lines.iter().position(|l| bare(l) == header) else {
        let mut out = text.to_owned();
        if !out.is_empty() && !out.ends_with('\n') {
            out.push_str(nl);
        }
        if !out.is_empty() && !out.ends_with(&format!("{nl}{nl}")) {
            out.push_str(nl);
        }
        out.push_str(&format!("{header}{nl}url = \"{url}\"{nl}key = \"{key}\"{nl}"));
        return out;
    };
    let end =
        lines[start + 1..].iter().position(|l| l.trim_start().starts_with('[')).map_or(lines.len(), |i| start + 1 + i);
    let mut out: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
    let set = |out: &mut Vec<String>, field: &str, value: &str| {
        let line = format!("{field} = \"{value}\"{nl}");
        match (start + 1..end).find(|&i| {
            out[i].trim_start().starts_with(&format!("{field} "))
                || out[i].trim_start().starts_with(&format!("{field}="))
        }) {
            Some(i) => out[i] = line,
            None => out.insert(start + 1, line),
        }
    };
    let has_routes = lines.iter().any(|l| bare(l) == format!("[caches.{name}.via]"));
    set(&mut out, "key", key);
    if !has_routes {
        set(&mut out, "url", url);
    }
    out.concat()
}

/// The name a cache is recorded under: its Cachix or attic name, else its host's first label.
pub fn name_for(url: &str, hint: Option<&str>) -> String {
    if let Some(h) = hint.filter(|h| !h.contains("://")) {
        return h.to_owned();
    }
    let host = store_url::host_of(url).unwrap_or_else(|| "cache".into());
    if let Some(n) = host.strip_suffix(".cachix.org") {
        return n.to_owned();
    }
    let path = url
        .split("://")
        .nth(1)
        .and_then(|r| r.split('?').next())
        .and_then(|r| r.split_once('/'))
        .map(|(_, p)| p.trim_matches('/'));
    match path.filter(|p| !p.is_empty() && !p.contains('/')) {
        Some(p) => p.to_owned(),
        None => host.split('.').next().unwrap_or("cache").to_owned(),
    }
}

/// Writes the cache into the registry file (`--config`, the one found, or ./cachectl.toml).
pub fn save(config: Option<&Path>, found: Option<&Path>, name: &str, url: &str, key: &str) -> Result<PathBuf> {
    let path = config.or(found).map_or_else(|| PathBuf::from("cachectl.toml"), Path::to_path_buf);
    let shown = path.display().to_string();
    let check = |text: &str| -> Result<()> {
        let reg = Registry::with_file(&shown, text).map_err(|e| anyhow::anyhow!("{e}"))?;
        match reg.get(name) {
            Some(c) if c.key.trim() == key && c.has_url(url) => Ok(()),
            _ => bail!("{shown}: cannot record `{name}` there without changing other entries; edit it by hand"),
        }
    };
    if !path.exists() {
        let text = save_text("", name, url, key);
        check(&text)?;
        // Written in full under a temporary name, then linked into place: a reader sees no
        // file or the whole one, and a file created meanwhile is never overwritten.
        let tmp = path.with_file_name(format!(".cachectl.toml.{}.tmp", std::process::id()));
        let result = (|| -> Result<()> {
            let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp)?;
            std::io::Write::write_all(&mut f, text.as_bytes())?;
            f.sync_all()?;
            std::fs::hard_link(&tmp, &path)?;
            Ok(())
        })();
        let _ = std::fs::remove_file(&tmp);
        result.with_context(|| format!("cannot create {shown}"))?;
        return Ok(path);
    }
    crate::fsio::edit_locked(&path, |text| {
        let new = save_text(text, name, url, key);
        check(&new)?;
        Ok(((new != text).then_some(new), ()))
    })?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "hyprland.cachix.org-1:a7pgxzMz7+chwVL3/pzj6jIBMioiJM7ypFP8PwtkuGc=";

    #[test]
    fn sections_are_added_or_updated_in_place() {
        let text = "# caches of the house\nfile = \"modules/base.nix\"\n\n[caches.hyprland] # wayland\nkey = \"old\"\nprobe = \"/nix/store/x\"\n\n[caches.other]\nurl = \"https://o.org\"\nkey = \"o\"\n";
        let new = save_text(text, "hyprland", "https://hyprland.cachix.org", KEY);
        assert_eq!(
            new,
            format!(
                "# caches of the house\nfile = \"modules/base.nix\"\n\n[caches.hyprland] # wayland\nurl = \"https://hyprland.cachix.org\"\nkey = \"{KEY}\"\nprobe = \"/nix/store/x\"\n\n[caches.other]\nurl = \"https://o.org\"\nkey = \"o\"\n"
            )
        );
        let added = save_text("file = \"x.nix\"\n", "h", "https://h.org", KEY);
        assert_eq!(added, format!("file = \"x.nix\"\n\n[caches.h]\nurl = \"https://h.org\"\nkey = \"{KEY}\"\n"));
        assert_eq!(save_text(&added, "h", "https://h.org", KEY), added, "idempotent");
        assert_eq!(name_for("https://hyprland.cachix.org", None), "hyprland");
        assert_eq!(name_for("https://attic.example.org/homelab", None), "homelab");
        assert_eq!(name_for("http://magnolia:5000", None), "magnolia");
    }
}
