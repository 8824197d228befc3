//! `cachectl why TARGET [--builds]`: for each store path, what every configured cache
//! answers (in Nix's order) and what Nix will do: download it from one of them, or build it,
//! with every cause.
//!
//! The caches, trusted keys and `require-sigs` are those of the running Nix (`nix
//! show-config --json`), because that is what decides; when Nix cannot be asked, the Nix
//! file's. Differences between the two are printed as notes (see `check --system`).

use std::io::Write;

use anyhow::{Context as _, Result, bail};
use cachectl::keys::PublicKey;
use cachectl::net::{self, CacheTarget};
use cachectl::why::{self, Why};

use super::{ExitStatus, Setup};
use crate::cli::{Cli, WhyArgs};

/// The settings `why` judges with, and where they come from.
struct Judge {
    source: &'static str,
    urls: Vec<String>,
    keys: Vec<PublicKey>,
    require_sigs: bool,
    drift: Vec<cachectl::system::Drift>,
}

fn judge(cli: &Cli, setup: &Setup) -> Result<Judge> {
    let file = setup.nix_file(cli).ok().filter(|p| p.is_file());
    let text = file.as_ref().map(|p| crate::fsio::read(p)).transpose()?;
    match super::system::read_system() {
        Ok(sys) => {
            let drift = match (&file, &text) {
                (Some(p), Some(t)) => {
                    let shown = super::setup::display(p);
                    let fc = super::system::file_config(&[(shown.as_str(), t.as_str())]);
                    let (user, groups) = super::system::user_and_groups();
                    cachectl::system::drift(&fc, &sys, &user, &groups)
                }
                _ => Vec::new(),
            };
            let keys = sys.trusted_public_keys.iter().filter_map(|k| PublicKey::parse(k).ok()).collect();
            Ok(Judge { source: "the running Nix", urls: sys.substituters, keys, require_sigs: sys.require_sigs, drift })
        }
        Err(e) => {
            let Some(text) = text else { return Err(e.context("and no Nix file to read the caches from")) };
            let config = cachectl::coverage::config::read(&text)
                .map_err(|e| anyhow::anyhow!("{}:{}: {}", e.line, e.column, e.message))?;
            eprintln!("cachectl: note: {e:#}; judging with the Nix file's caches");
            Ok(Judge {
                source: "the Nix file",
                urls: config.substituter_urls(),
                keys: config.public_keys(),
                require_sigs: !config.unsigned_ok,
                drift: Vec::new(),
            })
        }
    }
}

fn paths(args: &WhyArgs) -> Result<Vec<String>> {
    let t = args.target.trim();
    if t.starts_with('/') && !t.ends_with(".drv") {
        if args.builds {
            bail!("--builds needs an installable (`nixpkgs#hello`, `.#…`), not a store path");
        }
        if cachectl::narinfo::store_path_hash(t).is_none() {
            bail!("`{t}` is not a store path (/nix/store/HASH-name)");
        }
        return Ok(vec![t.to_owned()]);
    }
    let drv = cachectl::coverage::drv::DrvError::to_string;
    if args.builds {
        let drvs = cachectl::coverage::drv::would_build(t).map_err(|e| anyhow::anyhow!(drv(&e)))?;
        return cachectl::coverage::drv::outputs_of(&drvs).map_err(|e| anyhow::anyhow!(drv(&e)));
    }
    cachectl::coverage::drv::top_outputs(t).map_err(|e| anyhow::anyhow!(drv(&e)))
}

pub fn run(cli: &Cli, args: &WhyArgs, out: &mut dyn Write) -> Result<ExitStatus> {
    let timeout = super::online::seconds(args.timeout)?;
    let setup = Setup::load(cli)?;
    let j = judge(cli, &setup)?;
    let paths = paths(args)?;
    let options = super::client_options(timeout)?;
    let names: Vec<String> = j.keys.iter().map(|k| k.name.clone()).collect();
    let mut results: Vec<Why> = Vec::new();
    for path in &paths {
        let targets = j.urls.iter().map(|u| CacheTarget { url: u.clone(), probes: vec![path.clone()] }).collect();
        let reports = net::run_blocking(&options, targets, &j.keys, timeout).context("cannot check the caches")?;
        let hints: Vec<Option<String>> = reports
            .iter()
            .map(|r| r.error.is_some().then(|| super::online::tailnet_hint(&r.url)).flatten().map(str::to_owned))
            .collect();
        results.push(why::decide(path, &reports, &hints, &names, j.require_sigs));
    }
    let built = results.iter().any(|w| w.verdict == "built");
    if cli.json {
        let doc = serde_json::json!({ "config": j.source, "require_sigs": j.require_sigs, "paths": results, "drift": j.drift });
        super::write_json(out, &doc)?;
    } else {
        if args.builds && paths.is_empty() {
            writeln!(out, "{}: nothing would be built", args.target)?;
        }
        for w in &results {
            print(w, out)?;
        }
        writeln!(
            out,
            "(judged with {}'s caches and keys{})",
            j.source,
            if j.require_sigs { "" } else { ", require-sigs = false" }
        )?;
        for d in j.drift.iter().filter(|d| d.severity == "error") {
            writeln!(out, "note: {}:{}: {}", d.file.as_deref().unwrap_or("-"), d.line, d.message)?;
        }
    }
    Ok(if built { ExitStatus::Failure } else { ExitStatus::Success })
}

fn print(w: &Why, out: &mut dyn Write) -> Result<()> {
    writeln!(out, "{}", w.path)?;
    for (n, c) in w.caches.iter().enumerate() {
        let state = match &c.reason {
            None if !c.trusted_signers.is_empty() => {
                format!("has it, signed by {} (trusted)", c.trusted_signers.join(", "))
            }
            None if c.content_addressed => "has it, content-addressed: accepted without a signature".to_owned(),
            None => "has it; require-sigs is off, so no signature is needed".to_owned(),
            Some(r) => r.clone(),
        };
        let url = cachectl::store_url::redact_credentials(&c.url);
        let dir = c.store_dir.as_deref().map_or(String::new(), |d| format!(", StoreDir {d}"));
        writeln!(out, "  {}. {url} (priority {}{dir}): {state}", n + 1, c.priority)?;
    }
    match (&w.from, w.causes.as_slice()) {
        (Some(from), _) => {
            writeln!(out, "  verdict: downloaded from {}", cachectl::store_url::redact_credentials(from))?
        }
        (None, causes) => {
            writeln!(out, "  verdict: built locally because:")?;
            for c in causes {
                writeln!(out, "    - {c}")?;
            }
        }
    }
    Ok(())
}
