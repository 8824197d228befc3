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
    if parsed.has_credentials() {
        bail!(
            "refusing to add `{}`: credentials in a substituter URL end up in the world-readable nix.conf and the Nix store; give them to Nix in a netrc file (`netrc-file`, see `cachectl explain url-credentials`)",
            cachectl::store_url::redact_credentials(&url)
        );
    }
    check_known(registry, &url, &key)?;
    check_key(&key)?;
    Ok(Resolved { url, key: key.trim().to_owned(), alternatives })
}

pub fn run(cli: &Cli, args: &AddArgs, out: &mut dyn Write) -> Result<ExitStatus> {
    let setup = Setup::load(cli)?;
    let r = resolve(&setup.registry, args)?;
    let req = AddRequest { url: r.url, key: r.key, alternatives: r.alternatives, at: args.edit.at };
    if !args.edit.host.is_empty() {
        let mut urls = vec![req.url.clone()];
        urls.extend(req.alternatives.iter().cloned());
        return match super::host_edit::add(&setup, &args.edit.host, &urls, out)? {
            super::host_edit::Plan::Nothing => Ok(ExitStatus::Success),
            super::host_edit::Plan::Edit(files) => super::host_edit::each(&files, |p| {
                super::edit_file(p, args.edit.dry_run, cli.json, out, |text| plan::add(text, &req))
            }),
        };
    }
    let path = setup.nix_file(cli)?;
    super::edit_file(&path, args.edit.dry_run, cli.json, out, |text| plan::add(text, &req))
}
