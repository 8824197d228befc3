//! Key discovery for `cachectl add`: the Cachix API (`GET {api}/cache/{name}`), attic's
//! (`GET https://host/_api/v1/cache-config/NAME`), and, for any other cache, the names of the
//! keys its narinfos are signed with. Then the proof: a candidate key must verify a real
//! narinfo signature of the cache before it is written.
//!
//! Bounded like every network read here: an API answer of at most 64 KiB, at most 5
//! redirects and never from https to http, and one deadline for the whole discovery. A
//! token (`CACHIX_AUTH_TOKEN`) goes in one header and in no message.

use std::time::{Duration, Instant};

use reqwest::redirect::Policy;
use serde::Serialize;
use thiserror::Error;

use super::check::{CacheTarget, run_blocking};
use super::client::{ClientOptions, build_client, read_limited};
use super::error::NetError;
use crate::keys::PublicKey;
use crate::limits::{DISCOVERY_JSON_MAX_BYTES, MAX_REDIRECTS};

/// Where a key came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KeySource {
    Cachix,
    Attic,
    Registry,
    Flag,
}

impl KeySource {
    pub fn describe(self) -> &'static str {
        match self {
            KeySource::Cachix => "the Cachix API",
            KeySource::Attic => "the attic API",
            KeySource::Registry => "the registry",
            KeySource::Flag => "--key",
        }
    }
}

/// What an API says about a cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovered {
    pub source: KeySource,
    /// The substituter URL to write.
    pub url: String,
    /// Every key the API lists (each a candidate), already checked for format and curve.
    pub keys: Vec<PublicKey>,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DiscoverError {
    #[error("{0}")]
    Net(#[from] NetError),
    #[error("{api} has no cache `{name}`")]
    NotFound { api: String, name: String },
    #[error("{api} refused the request (http {status}){}", if *.token { ": is CACHIX_AUTH_TOKEN right?" } else { ": a private cache needs CACHIX_AUTH_TOKEN" })]
    Unauthorized { api: String, status: u16, token: bool },
    #[error("{api} answered http {status}")]
    Status { api: String, status: u16 },
    #[error("{api} sent malformed JSON: {reason}")]
    Malformed { api: String, reason: String },
    #[error("{api} lists an invalid key: {reason}")]
    BadKey { api: String, reason: String },
    #[error("discovery took longer than {0:?}")]
    Timeout(Duration),
}

/// Reads a Cachix `GET /cache/NAME` answer: `uri`, `publicSigningKeys`.
pub fn parse_cachix(api: &str, body: &[u8]) -> Result<Discovered, DiscoverError> {
    let malformed = |reason: String| DiscoverError::Malformed { api: api.to_owned(), reason };
    let v: serde_json::Value = serde_json::from_slice(body).map_err(|e| malformed(e.to_string()))?;
    let uri =
        v.get("uri").and_then(|u| u.as_str()).ok_or_else(|| malformed("`uri` is missing or not a string".into()))?;
    let keys = v
        .get("publicSigningKeys")
        .and_then(|k| k.as_array())
        .ok_or_else(|| malformed("`publicSigningKeys` is missing or not a list".into()))?;
    let keys = keys
        .iter()
        .map(|k| k.as_str().ok_or_else(|| malformed("a key in `publicSigningKeys` is not a string".into())))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Discovered { source: KeySource::Cachix, url: uri.to_owned(), keys: checked_keys(api, &keys)? })
}

/// Reads an attic `GET /_api/v1/cache-config/NAME` answer: `public_key`, `substituter_endpoint`.
pub fn parse_attic(api: &str, body: &[u8]) -> Result<Discovered, DiscoverError> {
    let malformed = |reason: String| DiscoverError::Malformed { api: api.to_owned(), reason };
    let v: serde_json::Value = serde_json::from_slice(body).map_err(|e| malformed(e.to_string()))?;
    let key = v
        .get("public_key")
        .and_then(|k| k.as_str())
        .ok_or_else(|| malformed("`public_key` is missing or not a string".into()))?;
    let url = v
        .get("substituter_endpoint")
        .and_then(|u| u.as_str())
        .ok_or_else(|| malformed("`substituter_endpoint` is missing or not a string".into()))?;
    Ok(Discovered { source: KeySource::Attic, url: url.to_owned(), keys: checked_keys(api, &[key])? })
}

fn checked_keys(api: &str, keys: &[&str]) -> Result<Vec<PublicKey>, DiscoverError> {
    if keys.is_empty() {
        return Err(DiscoverError::Malformed { api: api.to_owned(), reason: "it lists no key".into() });
    }
    keys.iter()
        .map(|k| PublicKey::parse(k).map_err(|e| DiscoverError::BadKey { api: api.to_owned(), reason: e.to_string() }))
        .collect()
}

/// A client that follows at most 5 redirects, never from https to http.
fn client(options: &ClientOptions) -> Result<reqwest::Client, NetError> {
    let mut strict = options.clone();
    strict.redirect_policy = Some(std::sync::Arc::new(|| {
        Policy::custom(|attempt| {
            let https_before = attempt.previous().first().is_some_and(|u| u.scheme() == "https");
            if attempt.previous().len() > MAX_REDIRECTS {
                attempt.error(format!("more than {MAX_REDIRECTS} redirects"))
            } else if https_before && attempt.url().scheme() != "https" {
                attempt.error("a redirect from https to plain http")
            } else {
                attempt.follow()
            }
        })
    }));
    build_client(&strict)
}

/// `GET url` as JSON within the deadline: `Ok(None)` on 404.
fn get_json(
    options: &ClientOptions,
    url: &str,
    token: Option<&str>,
    deadline: Instant,
) -> Result<Option<Vec<u8>>, DiscoverError> {
    let api = url.to_owned();
    let left = deadline.saturating_duration_since(Instant::now());
    let total = left;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| NetError::Other(format!("cannot start async runtime: {e}")))?;
    let result = runtime.block_on(async {
        let client = client(options)?;
        let mut req = client.get(url).header("accept", "application/json");
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let fetch = async {
            let resp = req.send().await.map_err(|e| NetError::Other(describe(&e)))?;
            let status = resp.status().as_u16();
            match status {
                200 => {}
                404 => return Ok(None),
                401 | 403 => {
                    return Err(DiscoverError::Unauthorized { api: api.clone(), status, token: token.is_some() });
                }
                _ => return Err(DiscoverError::Status { api: api.clone(), status }),
            }
            let body = read_limited(resp, DISCOVERY_JSON_MAX_BYTES, |e| NetError::Other(describe(e))).await?;
            Ok(Some(body))
        };
        match tokio::time::timeout(left, fetch).await {
            Ok(r) => r,
            Err(_) => Err(DiscoverError::Timeout(total)),
        }
    });
    runtime.shutdown_background();
    result
}

/// A reqwest error in words, without the URL (which may carry a token in a query).
fn describe(e: &reqwest::Error) -> String {
    let mut msg = if e.is_redirect() {
        "too many redirects, or a redirect to plain http".to_owned()
    } else if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_connect() {
        "cannot connect".to_owned()
    } else {
        "request failed".to_owned()
    };
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        let t = s.to_string();
        if !t.contains("://") {
            msg.push_str(": ");
            msg.push_str(&t);
        }
        src = s.source();
    }
    msg
}

/// Asks the Cachix API about cache `name`.
pub fn cachix(
    options: &ClientOptions,
    api: &str,
    name: &str,
    token: Option<&str>,
    deadline: Instant,
) -> Result<Discovered, DiscoverError> {
    let url = format!("{}/cache/{name}", api.trim_end_matches('/'));
    match get_json(options, &url, token, deadline)? {
        Some(body) => parse_cachix(&url, &body),
        None => Err(DiscoverError::NotFound { api: api.to_owned(), name: name.to_owned() }),
    }
}

/// Asks the attic server at `base` (scheme and host) about cache `name`; `Ok(None)` when
/// it is not an attic server (404).
pub fn attic(
    options: &ClientOptions,
    base: &str,
    name: &str,
    deadline: Instant,
) -> Result<Option<Discovered>, DiscoverError> {
    let url = format!("{}/_api/v1/cache-config/{name}", base.trim_end_matches('/'));
    match get_json(options, &url, None, deadline)? {
        Some(body) => parse_attic(&url, &body).map(Some),
        None => Ok(None),
    }
}

/// What the cache's own narinfos prove about candidate keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Proof {
    /// `key` verifies the signature of `path`'s narinfo.
    Verified { key: String, path: String },
    /// The cache has none of the probe paths (or is empty): nothing to verify.
    NoPath,
    /// The narinfo of `path` is not signed by any candidate; these names sign it.
    OtherSigners { path: String, names: Vec<String> },
    /// The cache could not be asked.
    Unreachable(String),
}

/// Checks `candidates` against one narinfo of the cache at `url` (the first probe found).
pub fn prove(
    options: &ClientOptions,
    url: &str,
    candidates: &[PublicKey],
    probes: &[String],
    deadline: Instant,
) -> Proof {
    let left = deadline.saturating_duration_since(Instant::now()).max(Duration::from_millis(1));
    let target = CacheTarget { url: url.to_owned(), probes: probes.to_vec() };
    let report = match run_blocking(options, vec![target], candidates, left) {
        Ok(mut r) if !r.is_empty() => r.remove(0),
        Ok(_) => return Proof::Unreachable("no answer".into()),
        Err(e) => return Proof::Unreachable(e.to_string()),
    };
    if let Some(e) = &report.error {
        return Proof::Unreachable(e.clone());
    }
    let (Some(path), Some(sig)) = (report.probe.clone(), report.signatures.clone()) else { return Proof::NoPath };
    match sig.valid.first() {
        Some(key) => Proof::Verified { key: key.clone(), path },
        None => {
            let mut names: Vec<String> = sig.untrusted.iter().chain(&sig.bad).cloned().collect();
            names.dedup();
            Proof::OtherSigners { path, names }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "hyprland.cachix.org-1:a7pgxzMz7+chwVL3/pzj6jIBMioiJM7ypFP8PwtkuGc=";

    #[test]
    fn cachix_and_attic_answers_are_read_strictly() {
        let ok = format!(r#"{{"uri":"https://hyprland.cachix.org","publicSigningKeys":["{KEY}"],"isPublic":true}}"#);
        let d = parse_cachix("api", ok.as_bytes()).expect("parses");
        assert_eq!((d.url.as_str(), d.keys.len()), ("https://hyprland.cachix.org", 1));
        for bad in [
            "not json",
            r#"{"uri":1,"publicSigningKeys":[]}"#,
            r#"{"uri":"https://x","publicSigningKeys":"k"}"#,
            r#"{"uri":"https://x","publicSigningKeys":[]}"#,
            r#"{"uri":"https://x","publicSigningKeys":["x:short"]}"#,
        ] {
            assert!(parse_cachix("api", bad.as_bytes()).is_err(), "{bad}");
        }
        let attic =
            format!(r#"{{"public_key":"{KEY}","substituter_endpoint":"https://a.example.org/homelab","priority":41}}"#);
        assert_eq!(parse_attic("api", attic.as_bytes()).expect("parses").url, "https://a.example.org/homelab");
        assert!(parse_attic("api", br#"{"public_key":5}"#).is_err());
    }
}
