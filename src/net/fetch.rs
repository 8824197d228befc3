//! Reading files of a binary cache, over HTTP(S) or from a `file://` directory, with the
//! same size limits and the same "missing" rule for both.

use std::path::PathBuf;
use std::time::Duration;

use reqwest::{Client, StatusCode};

use super::client::{read_file_limited, read_limited};
use super::error::{NetError, classify};
use crate::store_url::StoreUrl;

/// The answer for one file of a cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Fetched {
    Body(Vec<u8>),
    /// The HTTP status, 404 or 403 (Nix treats 403 like 404, for S3); `None` for a missing
    /// local file.
    Missing(Option<u16>),
}

/// Where a cache's files come from.
pub(crate) enum Source {
    Http { client: Client, base: String, url: StoreUrl, connect_timeout: Duration },
    File { dir: PathBuf },
}

impl Source {
    /// The source for a substituter URL; `Ok(None)` for schemes that are not checked
    /// online (ssh, s3, daemon, …).
    pub(crate) fn new(raw: &str, client: &Client, connect_timeout: Duration) -> Result<Option<Source>, NetError> {
        let url = StoreUrl::parse(raw).map_err(|e| NetError::BadUrl(e.to_string()))?;
        let base = url.base().trim_end_matches('/').to_owned();
        match url.scheme.as_str() {
            "http" | "https" => Ok(Some(Source::Http { client: client.clone(), base, url, connect_timeout })),
            "file" => {
                let path = base.get("file://".len()..).unwrap_or_default();
                if path.is_empty() {
                    return Err(NetError::BadUrl(format!("{raw} has no directory")));
                }
                Ok(Some(Source::File { dir: PathBuf::from(path) }))
            }
            _ => Ok(None),
        }
    }

    /// Reads `name` (relative to the cache root), failing beyond `limit` bytes.
    pub(crate) async fn get(&self, name: &str, limit: usize) -> Result<Fetched, NetError> {
        match self {
            Source::Http { client, base, url, connect_timeout } => {
                let on_error = |e: &reqwest::Error| classify(e, url, *connect_timeout);
                let resp = client.get(format!("{base}/{name}")).send().await.map_err(|e| on_error(&e))?;
                let status = resp.status();
                if status == StatusCode::NOT_FOUND || status == StatusCode::FORBIDDEN {
                    return Ok(Fetched::Missing(Some(status.as_u16())));
                }
                if !status.is_success() {
                    return Err(NetError::Status(status.as_u16()));
                }
                read_limited(resp, limit, on_error).await.map(Fetched::Body)
            }
            Source::File { dir } => {
                if !dir.is_dir() {
                    return Err(NetError::Other(format!("{} is not a directory", dir.display())));
                }
                let path = dir.join(name);
                let read = tokio::task::spawn_blocking(move || read_file_limited(&path, limit));
                match read.await {
                    Ok(Ok(Some(body))) => Ok(Fetched::Body(body)),
                    Ok(Ok(None)) => Ok(Fetched::Missing(None)),
                    Ok(Err(e)) => Err(e),
                    Err(e) => Err(NetError::Other(format!("file read task failed: {e}"))),
                }
            }
        }
    }
}
