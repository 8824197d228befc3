//! Finds the Nix file and the registry: flags first, then `cachectl.toml`, then
//! `modules/base.nix` in the current directory or an ancestor.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use cachectl::registry::Registry;

use crate::cli::Cli;
use crate::fsio;

/// The resolved inputs of a command.
pub struct Setup {
    pub registry: Registry,
    /// The directory of the registry file, for resolving `file =`.
    pub registry_dir: Option<PathBuf>,
}

fn find_upwards(name: &str) -> Option<PathBuf> {
    let cwd = std::env::current_dir().ok()?;
    cwd.ancestors().map(|d| d.join(name)).find(|p| p.is_file())
}

impl Setup {
    /// Loads the registry (`--config`, or a `cachectl.toml` found upwards, or built-ins).
    pub fn load(cli: &Cli) -> Result<Setup> {
        let path = match &cli.config {
            Some(p) => {
                if !p.is_file() {
                    bail!("registry file {} does not exist", p.display());
                }
                Some(p.clone())
            }
            None => find_upwards("cachectl.toml"),
        };
        let Some(path) = path else {
            return Ok(Setup { registry: Registry::builtin(), registry_dir: None });
        };
        let text = fsio::read(&path)?;
        let registry = Registry::with_file(&display(&path), &text)?;
        let dir = path.parent().map(Path::to_path_buf);
        Ok(Setup { registry, registry_dir: dir })
    }

    /// The Nix file to work on.
    pub fn nix_file(&self, cli: &Cli) -> Result<PathBuf> {
        if let Some(f) = &cli.file {
            return Ok(f.clone());
        }
        if let Some(f) = &self.registry.default_file {
            let base = self.registry_dir.clone().unwrap_or_default();
            return Ok(base.join(f));
        }
        find_upwards("modules/base.nix")
            .context("no Nix file given: modules/base.nix is not in this directory or a parent; pass --file PATH")
    }
}

/// A path as the user would like to read it: relative to the current directory if inside it.
pub fn display(path: &Path) -> String {
    let cwd = std::env::current_dir().ok();
    let abs = if path.is_absolute() { path.to_path_buf() } else { return path.display().to_string() };
    match cwd.and_then(|c| abs.strip_prefix(&c).ok().map(Path::to_path_buf)) {
        Some(rel) => rel.display().to_string(),
        None => abs.display().to_string(),
    }
}
