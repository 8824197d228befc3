//! An installable's paths: the outputs of every derivation in its closure, found with the
//! local `nix`.
//!
//! `nix path-info --derivation` evaluates the installable to its top `.drv`, and
//! `nix-store --query --requisites` lists the closure. The outputs are then read from the
//! `.drv` files themselves (their ATerm starts with the output list); when the store is
//! not at its logical path (a chroot store), `nix-store --query --outputs` is asked
//! instead, in batches.

use std::path::Path;
use std::process::Command;

use thiserror::Error;

use super::input::STORE_DIR;
use crate::narinfo::store_path_hash;

/// Why the paths of an installable could not be found.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DrvError {
    #[error("`{0}` was not found: an installable needs a local Nix (or pass the paths with --paths FILE)")]
    NoNix(String),
    #[error("`{command}` failed: {stderr}")]
    Failed { command: String, stderr: String },
    #[error("{0}")]
    Invalid(String),
}

/// Drv paths per `nix-store --query --outputs` call (keeps the command line short).
const BATCH: usize = 500;

/// The installable Nix is asked about: a bare `…#nixosConfigurations.<host>` means that
/// host's `config.system.build.toplevel`.
pub fn normalise(installable: &str) -> String {
    match installable.split_once('#') {
        Some((_, attr))
            if attr.strip_prefix("nixosConfigurations.").is_some_and(|h| !h.is_empty() && !h.contains('.')) =>
        {
            format!("{installable}.config.system.build.toplevel")
        }
        _ => installable.to_owned(),
    }
}

/// The `.drv` an installable evaluates to (a `.drv` path is itself).
fn top_drv(installable: &str) -> Result<String, DrvError> {
    if installable.ends_with(".drv") && store_path_hash(installable).is_some() {
        return Ok(installable.to_owned());
    }
    let printed = run(
        "nix",
        &["--extra-experimental-features", "nix-command flakes", "path-info", "--derivation", &normalise(installable)],
    )?;
    printed
        .lines()
        .rev()
        .find(|l| l.ends_with(".drv"))
        .map(str::to_owned)
        .ok_or_else(|| DrvError::Invalid(format!("`{installable}` has no derivation")))
}

/// The outputs of these derivations (`nix-store --query --outputs`).
pub fn outputs_of(drvs: &[String]) -> Result<Vec<String>, DrvError> {
    let mut outputs = Vec::new();
    for batch in drvs.chunks(BATCH) {
        let mut args = vec!["--query", "--outputs"];
        args.extend(batch.iter().map(String::as_str));
        outputs.extend(run("nix-store", &args)?.lines().map(|l| l.trim().to_owned()).filter(|l| !l.is_empty()));
    }
    Ok(outputs)
}

/// The output paths of the installable itself (not its closure), for `cachectl why`.
pub fn top_outputs(installable: &str) -> Result<Vec<String>, DrvError> {
    outputs_of(&[top_drv(installable)?])
}

/// The derivations `nix build --dry-run` says it would build, for `cachectl why --builds`.
pub fn would_build(installable: &str) -> Result<Vec<String>, DrvError> {
    let args = ["--extra-experimental-features", "nix-command flakes", "build", "--dry-run", "--no-link"];
    let out = Command::new("nix").args(args).arg(normalise(installable)).output().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => DrvError::NoNix("nix".into()),
        _ => DrvError::Failed { command: "nix build --dry-run".into(), stderr: e.to_string() },
    })?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        let last: Vec<&str> = stderr.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        let shown = last.iter().rev().take(3).rev().copied().collect::<Vec<_>>().join(" / ");
        return Err(DrvError::Failed { command: "nix build --dry-run".into(), stderr: shown });
    }
    Ok(dry_run_builds(&stderr))
}

/// The `.drv` paths listed under "… will be built:" in `nix build --dry-run`'s output.
pub fn dry_run_builds(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        if !line.starts_with(' ') {
            inside = line.contains("will be built");
            continue;
        }
        let p = line.trim();
        if inside && p.ends_with(".drv") {
            out.push(p.to_owned());
        }
    }
    out
}

/// The output paths of every derivation in the closure of `installable`, in closure order.
pub fn installable_outputs(installable: &str) -> Result<Vec<String>, DrvError> {
    let top = top_drv(installable)?;
    let closure = run("nix-store", &["--query", "--requisites", &top])?;
    let drvs: Vec<&str> = closure.lines().map(str::trim).filter(|l| l.ends_with(".drv")).collect();
    let mut outputs = Vec::new();
    let mut ask_nix = Vec::new();
    for drv in drvs {
        match std::fs::read_to_string(Path::new(drv)) {
            Ok(text) => outputs.extend(
                drv_outputs(&text).ok_or_else(|| DrvError::Invalid(format!("{drv} is not a derivation Nix wrote")))?,
            ),
            Err(_) => ask_nix.push(drv),
        }
    }
    let ask: Vec<String> = ask_nix.iter().map(|d| (*d).to_owned()).collect();
    outputs.extend(outputs_of(&ask)?);
    let mut seen = std::collections::HashSet::new();
    outputs.retain(|p| store_path_hash(p).is_some() && p.starts_with(STORE_DIR) && seen.insert(p.clone()));
    Ok(outputs)
}

fn run(program: &str, args: &[&str]) -> Result<String, DrvError> {
    let out = Command::new(program).args(args).output().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => DrvError::NoNix(program.to_owned()),
        _ => DrvError::Failed { command: program.to_owned(), stderr: e.to_string() },
    })?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let last: Vec<&str> = stderr.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        let shown = last.iter().rev().take(3).rev().copied().collect::<Vec<_>>().join(" / ");
        let shown_args: Vec<&str> = args.iter().take(4).copied().collect();
        return Err(DrvError::Failed { command: format!("{program} {}", shown_args.join(" ")), stderr: shown });
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The output paths in a `.drv` file: the first list of `Derive([("out","/nix/store/…","",""),…],…)`.
/// Floating content-addressed outputs (an empty path) are left out: their paths are not
/// known before the build.
pub fn drv_outputs(text: &str) -> Option<Vec<String>> {
    let mut rest = text.strip_prefix("Derive([")?;
    let mut outputs = Vec::new();
    loop {
        if rest.starts_with(']') {
            return Some(outputs);
        }
        rest = rest.strip_prefix(',').unwrap_or(rest).strip_prefix('(')?;
        let mut fields = Vec::new();
        for i in 0..4 {
            let (s, r) = aterm_string(rest)?;
            fields.push(s);
            rest = if i < 3 { r.strip_prefix(',')? } else { r.strip_prefix(')')? };
        }
        if let Some(path) = fields.get(1).filter(|p| !p.is_empty()) {
            outputs.push(path.clone());
        }
    }
}

/// One ATerm string literal (`"…"` with `\"`, `\\`, `\n`, `\r`, `\t` escapes) and the rest.
fn aterm_string(s: &str) -> Option<(String, &str)> {
    let body = s.strip_prefix('"')?;
    let mut out = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((out, &body[i + 1..])),
            '\\' => match chars.next()?.1 {
                'n' => out.push('\n'),
                'r' => out.push('\r'),
                't' => out.push('\t'),
                other => out.push(other),
            },
            c => out.push(c),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dry_run_lists_only_what_will_be_built() {
        let text = "these 2 derivations will be built:\n  /nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-a.drv\n  /nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-b.drv\nthese 1 paths will be fetched (0.01 MiB download):\n  /nix/store/cccccccccccccccccccccccccccccccc-c\n";
        assert_eq!(
            dry_run_builds(text),
            ["/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-a.drv", "/nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-b.drv"]
        );
        assert!(dry_run_builds("this path will be fetched:\n  /nix/store/x-c\n").is_empty());
    }

    #[test]
    fn outputs_are_read_from_real_drv_text() {
        // Written by Nix 2.8 for `builtins.derivation { name = "top"; … }`.
        let top = r#"Derive([("out","/nix/store/yfn29hsnbgysj61zzjgdkddnqxgwawpl-top","","")],[("/nix/store/rn48jwhvf22k9w746403v366lbwy14qa-greeting.drv",["out"])],[],"x86_64-linux","/bin/sh",["-c","echo \"hi\" > $out"],[("builder","/bin/sh"),("name","top")])"#;
        assert_eq!(drv_outputs(top), Some(vec!["/nix/store/yfn29hsnbgysj61zzjgdkddnqxgwawpl-top".to_owned()]));
        let multi = r#"Derive([("dev","/nix/store/00000000000000000000000000000000-x-dev","",""),("floating","","r:sha256",""),("out","/nix/store/11111111111111111111111111111111-x","","")],[],[],"s","b",[],[])"#;
        assert_eq!(
            drv_outputs(multi),
            Some(vec![
                "/nix/store/00000000000000000000000000000000-x-dev".to_owned(),
                "/nix/store/11111111111111111111111111111111-x".to_owned()
            ])
        );
        assert_eq!(drv_outputs("not a drv"), None);
        assert_eq!(drv_outputs(r#"Derive([("out","/nix/store/x"#), None);
    }

    #[test]
    fn a_bare_nixos_configuration_means_its_toplevel() {
        assert_eq!(
            normalise(".#nixosConfigurations.mimosa"),
            ".#nixosConfigurations.mimosa.config.system.build.toplevel"
        );
        assert_eq!(
            normalise(".#nixosConfigurations.mimosa.config.system.build.vm"),
            ".#nixosConfigurations.mimosa.config.system.build.vm"
        );
        assert_eq!(normalise(".#hello"), ".#hello");
        assert_eq!(normalise("nixpkgs#hello"), "nixpkgs#hello");
    }
}
