//! Fetching one narinfo from one cache: pipelined for plain http (`pipeline`), else
//! through the shared pooled reqwest client (HTTPS, proxies, redirects), or from a
//! `file://` directory; 429 and 5xx are retried with a short, bounded backoff.
//!
//! Only GET is used: the body is what gets verified, so a HEAD would only add a request.

use std::path::PathBuf;
use std::time::Duration;

use reqwest::{Client, StatusCode, header};

use super::pipeline::{Pipeline, Reply};
use crate::limits;
use crate::net::client::{NARINFO_LIMIT, read_file_limited, read_limited};
use crate::net::error::classify;
use crate::net::{ClientOptions, NetError};
use crate::store_url::StoreUrl;

/// Retries after the first attempt, for 429 and 5xx answers.
pub const RETRIES: u32 = limits::COVERAGE_RETRIES;
/// The first backoff; it doubles with each retry.
const BACKOFF: Duration = limits::COVERAGE_BACKOFF;
/// The longest wait honoured from a `Retry-After` header.
const MAX_RETRY_AFTER: Duration = limits::COVERAGE_MAX_RETRY_AFTER;

/// Where one cache's narinfos come from.
pub(super) enum Origin {
    Http { base: String, url: StoreUrl, pipe: Option<Pipeline> },
    File { dir: PathBuf },
}

/// The outcome of one attempt.
enum Attempt {
    Done(Option<Vec<u8>>),
    Retry { status: u16, after: Option<Duration> },
}

impl Origin {
    /// The origin of a substituter URL that `check` found reachable (http, https, file).
    /// Plain http is pipelined unless the client goes through a proxy or its own resolver.
    pub(super) fn new(raw: &str, timeout: Duration, client: &ClientOptions) -> Option<Origin> {
        let url = StoreUrl::parse(raw).ok()?;
        let base = url.base().trim_end_matches('/').to_owned();
        match url.scheme.as_str() {
            "http" | "https" => {
                let proxied = client.resolver.is_some() || (client.system_proxy && proxy_in_environment());
                let pipe = Pipeline::new(&url, timeout, &client.user_agent, proxied);
                Some(Origin::Http { base, url, pipe })
            }
            "file" => {
                base.get("file://".len()..).filter(|d| !d.is_empty()).map(|d| Origin::File { dir: PathBuf::from(d) })
            }
            _ => None,
        }
    }

    /// The narinfo of `hash`, `None` when the cache does not have it (404, or 403 as Nix
    /// treats it, or no such file). Each attempt is bounded by `timeout`.
    pub(super) async fn narinfo(
        &self,
        client: &Client,
        hash: &str,
        timeout: Duration,
    ) -> Result<Option<Vec<u8>>, NetError> {
        let name = format!("{hash}.narinfo");
        match self {
            Origin::File { dir } => {
                let path = dir.join(name);
                tokio::task::spawn_blocking(move || read_file_limited(&path, NARINFO_LIMIT))
                    .await
                    .map_err(|e| NetError::Other(format!("file read task failed: {e}")))?
            }
            Origin::Http { base, url, pipe } => {
                let mut retry = 0;
                loop {
                    let piped = match pipe {
                        Some(pipe) => pipe.get(&name).await,
                        None => Reply::Fallback,
                    };
                    let attempt = match piped {
                        Reply::Answer { status, retry_after, body } => Ok(answer(status, retry_after, body)),
                        Reply::Failed(e) => Ok(Err(e)),
                        // Boxed: reqwest's future is large and rarely needed, and every path
                        // in flight holds this future (small ones are cheaper to allocate).
                        Reply::Fallback => {
                            let target = format!("{base}/{name}");
                            Box::pin(tokio::time::timeout(timeout, get(client, &target, url, timeout))).await
                        }
                    };
                    match attempt {
                        Err(_) => return Err(NetError::timed_out(timeout)),
                        Ok(Err(e)) => return Err(e),
                        Ok(Ok(Attempt::Done(body))) => return Ok(body),
                        Ok(Ok(Attempt::Retry { status, after })) => {
                            if retry == RETRIES {
                                return Err(NetError::Status(status));
                            }
                            Box::pin(tokio::time::sleep(backoff(retry, after, hash))).await;
                            retry += 1;
                        }
                    }
                }
            }
        }
    }
}

/// What a status means for a narinfo (404, and 403 as Nix treats it, mean "not here").
fn answer(status: u16, after: Option<Duration>, body: Vec<u8>) -> Result<Attempt, NetError> {
    match status {
        404 | 403 => Ok(Attempt::Done(None)),
        429 | 500..=599 => Ok(Attempt::Retry { status, after }),
        200..=299 => Ok(Attempt::Done(Some(body))),
        other => Err(NetError::Status(other)),
    }
}

/// True when `http_proxy` or `all_proxy` is set: requests must then go through reqwest,
/// which honours them (as Nix does through curl).
fn proxy_in_environment() -> bool {
    ["http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|x| !x.is_empty()))
}

async fn get(client: &Client, target: &str, url: &StoreUrl, timeout: Duration) -> Result<Attempt, NetError> {
    let on_error = |e: &reqwest::Error| classify(e, url, timeout);
    let resp = client.get(target).send().await.map_err(|e| on_error(&e))?;
    let status = resp.status();
    if status == StatusCode::NOT_FOUND || status == StatusCode::FORBIDDEN {
        return Ok(Attempt::Done(None));
    }
    if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
        let after = resp
            .headers()
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        return Ok(Attempt::Retry { status: status.as_u16(), after });
    }
    if !status.is_success() {
        return Err(NetError::Status(status.as_u16()));
    }
    read_limited(resp, NARINFO_LIMIT, on_error).await.map(|b| Attempt::Done(Some(b)))
}

/// The wait before retry `n` (0-based): the server's `Retry-After` up to a cap, else
/// 100 ms doubling, with up to 50% jitter so that many paths do not retry in step.
fn backoff(n: u32, after: Option<Duration>, hash: &str) -> Duration {
    if let Some(after) = after {
        return after.min(MAX_RETRY_AFTER);
    }
    let base = BACKOFF * 2u32.pow(n);
    let jitter = hash.bytes().fold(n, |acc, b| acc.wrapping_mul(31).wrapping_add(u32::from(b))) % 50;
    base + base * jitter / 100
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_bounded() {
        let waits: Vec<Duration> = (0..RETRIES).map(|n| backoff(n, None, "abc")).collect();
        assert!(
            waits
                .iter()
                .zip([100, 200, 400])
                .all(|(w, ms)| *w >= Duration::from_millis(ms) && *w < Duration::from_millis(ms * 3 / 2))
        );
        assert_eq!(backoff(0, Some(Duration::from_secs(60)), "abc"), MAX_RETRY_AFTER);
        assert_eq!(backoff(0, Some(Duration::from_secs(1)), "abc"), Duration::from_secs(1));
    }

    #[test]
    fn origins_by_scheme() {
        let opts = ClientOptions { system_proxy: false, ..ClientOptions::default() };
        let new = |url: &str| Origin::new(url, Duration::from_secs(1), &opts);
        let https = new("https://c.example/sub/?priority=3");
        assert!(matches!(https, Some(Origin::Http { base, pipe: None, .. }) if base == "https://c.example/sub"));
        assert!(matches!(new("http://127.0.0.1:5000/sub/"), Some(Origin::Http { pipe: Some(_), .. })));
        assert!(matches!(new("http://user:pw@127.0.0.1:5000"), Some(Origin::Http { pipe: None, .. })));
        let file = new("file:///srv/cache");
        assert!(matches!(file, Some(Origin::File { dir }) if dir == std::path::Path::new("/srv/cache")));
        assert!(new("ssh://builder").is_none());
        assert!(new("file://").is_none());
    }
}
