//! `cachectl add`: resolve a cache name or URL to a URL and key, check both, edit the file.

use std::io::Write;

use anyhow::{Result, bail};
use cachectl::keys::{self, KeyError, PublicKey};
use cachectl::nix::plan::{self, AddRequest};
use cachectl::registry::Registry;
use cachectl::store_url::StoreUrl;

use super::{ExitStatus, Setup};
use crate::cli::{AddArgs, Cli};

/// The URL, key and alternative routes that `add` will write.
pub struct Resolved {
    pub url: String,
    pub key: String,
    pub alternatives: Vec<String>,
}

/// Checks a key before anything is written; secrets are named, never echoed.
pub fn check_key(key: &str) -> Result<PublicKey> {
    match PublicKey::parse(key) {
        Ok(k) => Ok(k),
        Err(e @ KeyError::Secret { .. }) => bail!("refusing to add it: {e}"),
        Err(e) => bail!("invalid key: {e}"),
    }
}

/// Refuses a key that differs from the published key of a known cache (a likely typo).
/// Runs before the curve-point check so a typo is reported as one.
pub fn check_known(registry: &Registry, url: &str, key: &str) -> Result<()> {
    if keys::looks_secret(key) {
        return Ok(());
    }
    let Some(name) = keys::key_name(key) else { return Ok(()) };
    let known = registry.by_url(url).filter(|c| c.key_name() == Some(name)).or_else(|| registry.by_key_name(name));
    if let Some(c) = known
        && c.key != key.trim()
    {
        bail!(
            "key {name} {} of the published key of {}: likely a typo; fix it or update the registry",
            keys::describe_difference(key, &c.key),
            c.name
        );
    }
    Ok(())
}

/// Refuses a URL with `user:password@`: Nix would copy it into the world-readable nix.conf.
pub fn refuse_credentials(url: &StoreUrl) -> Result<()> {
    if url.has_credentials() {
        bail!(
            "refusing to add `{}`: credentials in a substituter URL end up in the world-readable nix.conf and the Nix store; give them to Nix in a netrc file (`netrc-file`, see `cachectl explain url-credentials`)",
            cachectl::store_url::redact_credentials(&url.raw)
        );
    }
    Ok(())
}

pub fn resolve(registry: &Registry, args: &AddArgs) -> Result<Resolved> {
    let target = args.cache.trim();
    let (url, key, alternatives) = if target.contains("://") {
        if args.via.is_some() {
            bail!("--via picks a route of a registry cache; `{target}` is a URL");
        }
        let known = registry.by_url(target);
        let key = match (&args.key, known) {
            (Some(k), _) => k.clone(),
            (None, Some(c)) => c.key.clone(),
            (None, None) => bail!(
                "{target} is not in the registry, so its key is unknown: pass --key NAME:BASE64 (the cache's public signing key)"
            ),
        };
        let alts = known.map(|c| c.routes.iter().map(|(_, u)| u.clone()).collect()).unwrap_or_default();
        (target.to_owned(), key, alts)
    } else {
        let Some(c) = registry.get(target) else {
            bail!("unknown cache `{target}`; known caches: {}; or give a URL and --key", registry.names());
        };
        let url = c.url(args.via.as_deref())?.to_owned();
        let key = args.key.clone().unwrap_or_else(|| c.key.clone());
        (url, key, c.routes.iter().map(|(_, u)| u.clone()).collect())
    };
    let parsed = StoreUrl::parse(&url).map_err(|e| anyhow::anyhow!("invalid store url: {e}"))?;
    refuse_credentials(&parsed)?;
    check_known(registry, &url, &key)?;
    check_key(&key)?;
    Ok(Resolved { url, key: key.trim().to_owned(), alternatives })
}

pub fn run(cli: &Cli, args: &AddArgs, out: &mut dyn Write) -> Result<ExitStatus> {
    let setup = Setup::load(cli)?;
    let nix_file = setup.nix_file(cli).ok();
    let file_keys = |url: &str| nix_file.as_deref().map_or_else(Vec::new, |p| keys_in(p, url));
    let found = super::add_discover::resolve(&setup.registry, args, &file_keys)?;
    let sourced = found.source != cachectl::net::discover::KeySource::Registry;
    if sourced && !cli.json {
        writeln!(out, "url: {}", cachectl::store_url::redact_credentials(&found.url))?;
        for n in &found.notes {
            writeln!(out, "{n}")?;
        }
    }
    let extra = serde_json::json!({
        "url": found.url, "key": found.key, "source": found.source, "verified_on": found.verified_on,
    });
    let req = AddRequest {
        url: found.url.clone(),
        key: found.key.clone(),
        alternatives: found.alternatives.clone(),
        at: args.edit.at,
    };
    let status = if !args.edit.host.is_empty() {
        let mut urls = vec![req.url.clone()];
        urls.extend(req.alternatives.iter().cloned());
        match super::host_edit::add(&setup, &args.edit.host, &urls, out)? {
            super::host_edit::Plan::Nothing => ExitStatus::Success,
            super::host_edit::Plan::Edit(files) => super::host_edit::each(&files, |p| {
                super::edit_file_with(p, args.edit.dry_run, cli.json, Some(&extra), out, |text| plan::add(text, &req))
                    .map(|r| r.0)
            })?,
        }
    } else {
        let path = setup.nix_file(cli)?;
        super::edit_file_with(&path, args.edit.dry_run, cli.json, Some(&extra), out, |text| plan::add(text, &req))?.0
    };
    if args.save && status == ExitStatus::Success && !args.edit.dry_run {
        let name = super::registry_save::name_for(&found.url, Some(args.cache.trim()).filter(|c| !c.contains("://")));
        let found_reg = setup.registry_dir.as_ref().map(|d| d.join("cachectl.toml"));
        let path =
            super::registry_save::save(cli.config.as_deref(), found_reg.as_deref(), &name, &found.url, &found.key)?;
        if !cli.json {
            writeln!(out, "{}: recorded [caches.{name}]", path.display())?;
        }
    }
    Ok(status)
}

/// The trusted keys of the Nix file at `path`, each with whether its block also lists `url`.
fn keys_in(path: &std::path::Path, url: &str) -> Vec<(String, bool)> {
    let Ok(text) = std::fs::read_to_string(path) else { return Vec::new() };
    let Ok(model) = cachectl::nix::locate::locate(&text) else { return Vec::new() };
    let id = cachectl::store_url::normalize(url);
    let mut out = Vec::new();
    for site in &model.sites {
        let here = site
            .lists
            .iter()
            .filter(|l| l.kind.is_substituters())
            .flat_map(|l| l.elements())
            .any(|e| e.value.as_str().is_some_and(|v| cachectl::store_url::normalize(v) == id));
        for l in site.lists.iter().filter(|l| l.kind.is_keys()) {
            out.extend(l.elements().iter().filter_map(|e| e.value.as_str()).map(|v| (v.to_owned(), here)));
        }
    }
    out
}
