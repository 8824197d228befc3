//! `cachectl add` for caches whose key is not pasted: discovery (Cachix, attic, or the
//! signer names of any other cache) and the proof on a real narinfo before anything is
//! written. A `--key` given for a URL is proven too when the cache is reachable.
//! `--offline` skips the network; then the key must come from `--key` or the registry.

use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use cachectl::keys::{self, PublicKey};
use cachectl::net::discover::{self, Discovered, KeySource, Proof};
use cachectl::registry::Registry;
use cachectl::store_url::StoreUrl;

use super::add::{check_key, check_known};
use crate::cli::AddArgs;

/// What `add` writes, where it came from, and what proved it.
pub struct Found {
    pub url: String,
    pub key: String,
    pub alternatives: Vec<String>,
    pub source: KeySource,
    pub verified_on: Option<String>,
    /// Lines for the user: the proof, or why the key is unproven.
    pub notes: Vec<String>,
}

pub(crate) const CACHIX_API: &str = "https://cachix.org/api/v1";

fn timeout(args: &AddArgs) -> Result<Duration> {
    super::online::seconds(args.timeout)
}

/// A bare word that names a Cachix cache: not a URL, Cachix's name syntax.
pub(crate) fn cachix_name(target: &str) -> Option<String> {
    if !target.contains("://") {
        let ok = !target.is_empty() && target.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        return ok.then(|| target.to_owned());
    }
    let u = StoreUrl::parse(target).ok()?;
    let name = u.host.strip_suffix(".cachix.org")?;
    (u.scheme == "https" && !name.is_empty() && !name.contains('.')).then(|| name.to_owned())
}

/// `https://host[:port]/NAME` → (`https://host[:port]`, `NAME`), the shape of an attic cache.
pub(crate) fn attic_parts(url: &str) -> Option<(String, String)> {
    let (scheme, rest) = url.split_once("://")?;
    let rest = rest.split('?').next()?.trim_end_matches('/');
    let (host, path) = rest.split_once('/')?;
    (!path.is_empty() && !path.contains('/')).then(|| (format!("{scheme}://{host}"), path.to_owned()))
}

fn probes(args: &AddArgs, registry: &Registry, url: &str) -> Vec<String> {
    let mut p = args.probe.clone();
    p.extend(registry.by_url(url).and_then(|c| c.probe.clone()));
    p.extend(cachectl::net::local_probes(3));
    p
}

/// Refuses a key whose name is another key's: in Nix, names are unique, so a second
/// `cache.nixos.org-1` would replace the real one. `file_keys` are the Nix file's trusted
/// keys with the URLs of their site; the same cache's old key may be replaced (rotation).
pub fn check_collision(registry: &Registry, url: &str, key: &PublicKey, file_keys: &[(String, bool)]) -> Result<()> {
    if let Some(c) = registry.by_key_name(&key.name)
        && c.key.trim() != key.to_nix_string().trim()
        && !c.has_url(url)
    {
        bail!(
            "refusing key `{}`: that name belongs to {}'s key in the registry, and Nix keeps one key per name (it would replace the real one)",
            key.name,
            c.name
        );
    }
    for (k, same_site) in file_keys {
        if keys::key_name(k) == Some(key.name.as_str()) && k.trim() != key.to_nix_string().trim() && !same_site {
            bail!(
                "refusing key `{}`: the file already trusts another key with that name for another cache, and Nix keeps one key per name",
                key.name
            );
        }
    }
    Ok(())
}

/// Resolves the target to a URL and a proven (or explicitly trusted) key.
pub fn resolve(registry: &Registry, args: &AddArgs, file_keys: &dyn Fn(&str) -> Vec<(String, bool)>) -> Result<Found> {
    let target = args.cache.trim();
    let options = super::client_options(timeout(args)?)?;
    let deadline = Instant::now() + timeout(args)?;
    if let Some(key) = &args.key {
        // A pinned key: checked as before, then proven when the cache answers.
        let r = super::add::resolve(registry, args)?;
        let source = KeySource::Flag;
        let parsed = check_key(key)?;
        check_collision(registry, &r.url, &parsed, &file_keys(&r.url))?;
        if args.offline || !target.contains("://") {
            let why = if args.offline { "--offline" } else { "a registry cache" };
            return Ok(Found {
                url: r.url,
                key: r.key,
                alternatives: r.alternatives,
                source,
                verified_on: None,
                notes: vec![format!("proof: not attempted ({why})")],
            });
        }
        let proof = discover::prove(&options, &r.url, &[parsed], &probes(args, registry, &r.url), deadline);
        let (verified_on, notes) = judge(&r.url, std::slice::from_ref(key), proof, args.trust, true)?;
        return Ok(Found { url: r.url, key: r.key, alternatives: r.alternatives, source, verified_on, notes });
    }
    let known = registry.get(target).or_else(|| registry.by_url(target));
    if known.is_some() {
        let r = super::add::resolve(registry, args)?;
        return Ok(Found {
            url: r.url,
            key: r.key,
            alternatives: r.alternatives,
            source: KeySource::Registry,
            verified_on: None,
            notes: Vec::new(),
        });
    }
    if args.offline && !target.contains("://") {
        bail!(
            "unknown cache `{target}`; known caches: {}; --offline allows no lookup on Cachix: give a URL and --key",
            registry.names()
        );
    }
    if args.offline {
        bail!("`{target}` is not in the registry, and --offline allows no discovery: pass --key NAME:BASE64");
    }
    if target.contains("://") {
        let u = StoreUrl::parse(target).map_err(|e| anyhow::anyhow!("invalid store url: {e}"))?;
        super::add::refuse_credentials(&u)?;
    }
    let discovered: Option<Discovered> = match cachix_name(target) {
        Some(name) => {
            let api = std::env::var("CACHECTL_CACHIX_API")
                .ok()
                .filter(|a| !a.is_empty())
                .unwrap_or_else(|| CACHIX_API.to_owned());
            let token = std::env::var("CACHIX_AUTH_TOKEN").ok().filter(|t| !t.is_empty());
            Some(discover::cachix(&options, &api, &name, token.as_deref(), deadline)?)
        }
        None if !target.contains("://") => {
            bail!("unknown cache `{target}`; known caches: {}; or give a URL and --key", registry.names())
        }
        None => match attic_parts(target) {
            Some((base, name)) => discover::attic(&options, &base, &name, deadline)?,
            None => None,
        },
    };
    let Some(d) = discovered else {
        // Nothing to discover from: say which key the cache signs with.
        let proof = discover::prove(&options, target, &[], &probes(args, registry, target), deadline);
        match proof {
            Proof::OtherSigners { path, names } => bail!(
                "no key can be discovered for {target} (not Cachix, not attic): its narinfo of {path} is signed by {}; pass --key {}:… with that key",
                names.join(", "),
                names.first().map_or("NAME", String::as_str)
            ),
            Proof::Unreachable(e) => bail!("no key can be discovered for {target}, and it cannot be reached: {e}"),
            _ => bail!(
                "no key can be discovered for {target}, and none of the probe paths is there to tell which key signs it: pass --key, and --probe STORE_PATH"
            ),
        }
    };
    StoreUrl::parse(&d.url).map_err(|e| anyhow::anyhow!("{} gives an invalid store url: {e}", d.source.describe()))?;
    // An https API that names a plain-http cache downgrades the user's trust path.
    let api_https = match d.source {
        KeySource::Cachix => {
            std::env::var("CACHECTL_CACHIX_API").map_or(true, |a| a.is_empty() || a.starts_with("https://"))
        }
        _ => target.starts_with("https://"),
    };
    if api_https && d.url.starts_with("http://") {
        bail!("{} names a plain http URL ({}) for the cache: refusing", d.source.describe(), d.url);
    }
    for k in &d.keys {
        check_known(registry, &d.url, &k.to_nix_string())?;
        check_collision(registry, &d.url, k, &file_keys(&d.url))?;
    }
    let proof = discover::prove(&options, &d.url, &d.keys, &probes(args, registry, &d.url), deadline);
    let listed: Vec<String> = d.keys.iter().map(PublicKey::to_nix_string).collect();
    let verified = match &proof {
        Proof::Verified { key, .. } => d.keys.iter().find(|k| &k.name == key).cloned(),
        _ => None,
    };
    let (verified_on, mut notes) = judge(&d.url, &listed, proof, args.trust, false)?;
    let key = verified.unwrap_or_else(|| d.keys[0].clone()).to_nix_string();
    notes.insert(0, format!("key: {} (from {})", keys::key_name(&key).unwrap_or("?"), d.source.describe()));
    Ok(Found { url: d.url, key, alternatives: Vec::new(), source: d.source, verified_on, notes })
}

/// Turns a proof into the path that proved the key, or refuses.
fn judge(url: &str, keys: &[String], proof: Proof, trust: bool, pinned: bool) -> Result<(Option<String>, Vec<String>)> {
    let names: Vec<&str> = keys.iter().filter_map(|k| keys::key_name(k)).collect();
    match proof {
        Proof::Verified { key, path } => {
            Ok((Some(path.clone()), vec![format!("proof: {key} verifies the signature of {path}")]))
        }
        Proof::OtherSigners { path, names: signers } => bail!(
            "refusing: the narinfo of {path} at {url} is signed by {}, not by {}: the key is wrong or the cache rotated it",
            if signers.is_empty() { "no one".to_owned() } else { signers.join(", ") },
            names.join(", ")
        ),
        Proof::Unreachable(e) if pinned => Ok((
            None,
            vec![format!(
                "proof: not possible, {url} cannot be reached ({e}); the key is unproven until `cachectl check --online` verifies it"
            )],
        )),
        Proof::Unreachable(e) if !trust => {
            bail!("{url} cannot be reached ({e}), so the key cannot be proven: pass --trust to write it unproven")
        }
        Proof::NoPath if !trust => bail!(
            "nothing at {url} could be verified (none of the probe paths is there; give one with --probe STORE_PATH): pass --trust to write the key unproven"
        ),
        _ => Ok((
            None,
            vec![
                "proof: none; the key is written unproven (--trust): `cachectl check --online` will prove it"
                    .to_owned(),
            ],
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_shapes() {
        assert_eq!(cachix_name("hyprland").as_deref(), Some("hyprland"));
        assert_eq!(cachix_name("https://hyprland.cachix.org").as_deref(), Some("hyprland"));
        assert_eq!(cachix_name("Hyprland"), None);
        assert_eq!(cachix_name("http://hyprland.cachix.org"), None);
        assert_eq!(
            attic_parts("https://attic.example.org/homelab"),
            Some(("https://attic.example.org".into(), "homelab".into()))
        );
        assert_eq!(attic_parts("https://cache.example.org"), None);
        assert_eq!(attic_parts("https://a.org/x/y"), None);
    }
}
