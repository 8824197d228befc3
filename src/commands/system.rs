//! The running Nix's settings (`nix show-config --json`, or `nix config show --json` on
//! newer Nix), and `check --system`: each difference from the named files as a
//! `system-drift` finding.

use std::path::Path;
use std::process::Command;

use anyhow::{Result, bail};
use cachectl::lint::{Diagnostic, Severity};
use cachectl::nix::model::{ElemValue, SiteKind};
use cachectl::nix::syntax::LineIndex;
use cachectl::system::{self, FileConfig, Placed, SystemConfig};

/// The effective settings of the local Nix.
pub fn read_system() -> Result<SystemConfig> {
    let mut last = String::new();
    for args in [&["show-config", "--json"][..], &["config", "show", "--json"][..]] {
        let out = match Command::new("nix").args(["--extra-experimental-features", "nix-command"]).args(args).output() {
            Ok(o) => o,
            Err(e) => bail!("cannot run nix to read the running configuration: {e}"),
        };
        if out.status.success()
            && let Ok(v) = serde_json::from_slice::<serde_json::Value>(&out.stdout)
            && let Some(c) = SystemConfig::from_json(&v)
        {
            return Ok(c);
        }
        last =
            String::from_utf8_lossy(&out.stderr).lines().find(|l| l.contains("error")).unwrap_or("").trim().to_owned();
    }
    bail!("neither `nix show-config --json` nor `nix config show --json` worked: {last}")
}

/// What `files` (display path, text) set, as the running Nix would see it.
pub fn file_config(files: &[(&str, &str)]) -> FileConfig {
    let mut fc = FileConfig::default();
    for (path, text) in files {
        let Ok(model) = cachectl::nix::locate::locate(text) else { continue };
        let index = LineIndex::new(text);
        let place = |value: String, offset: usize| {
            let (line, column) = index.line_col(text, offset);
            Placed { value, file: (*path).to_owned(), line, column }
        };
        for site in &model.sites {
            let top = matches!(site.path.as_str(), "nix.settings" | "config.nix.settings" | "nix" | "config.nix");
            let system = matches!(site.kind, SiteKind::Settings | SiteKind::Legacy) && top;
            let flake = site.kind == SiteKind::FlakeConfig;
            if !system && !flake {
                continue;
            }
            for l in &site.lists {
                for e in l.elements() {
                    let ElemValue::Str(v) = &e.value else { continue };
                    let p = place(v.clone(), usize::from(e.range.start()));
                    match (flake, l.kind) {
                        (true, k) if k.is_substituters() => fc.flake_substituters.push(p),
                        (false, k) if k.is_substituters() => fc.substituters.push(p),
                        (false, k) if k.is_keys() => fc.keys.push(p),
                        _ => {}
                    }
                }
            }
            if !system {
                continue;
            }
            for s in &site.other {
                let p = place(s.value.clone(), usize::from(s.binding.start()));
                match s.name.as_str() {
                    "require-sigs" => fc.require_sigs = Some(p),
                    "connect-timeout" => fc.connect_timeout = Some(p),
                    "fallback" => fc.fallback = Some(p),
                    "trusted-users" => {
                        for w in s.value.split('"').skip(1).step_by(2) {
                            fc.trusted_users.push(Placed { value: w.to_owned(), ..p.clone() });
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    fc
}

/// The user running cachectl and their groups (for `trusted-users`).
pub fn user_and_groups() -> (String, Vec<String>) {
    let run = |args: &[&str]| {
        Command::new("id")
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    let user = std::env::var("USER").ok().filter(|u| !u.is_empty()).or_else(|| run(&["-un"])).unwrap_or_default();
    let groups = run(&["-Gn"]).map(|g| g.split_whitespace().map(str::to_owned).collect()).unwrap_or_default();
    (user, groups)
}

/// `check --system`: the drift of the named files, as findings (`first` is where findings
/// without a place of their own go).
pub fn diagnostics(files: &[(&str, &str)], first: &Path) -> Result<Vec<Diagnostic>> {
    let sys = read_system()?;
    let (user, groups) = user_and_groups();
    let shown = first.display().to_string();
    Ok(system::drift(&file_config(files), &sys, &user, &groups)
        .into_iter()
        .map(|d| Diagnostic {
            file: d.file.unwrap_or_else(|| shown.clone()),
            line: d.line,
            column: d.column,
            severity: if d.severity == "error" { Severity::Error } else { Severity::Info },
            code: "system-drift",
            message: d.message,
            fix: None,
        })
        .collect())
}
