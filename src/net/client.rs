//! The one HTTP client of cachectl, and a body reader with a size cap.
//!
//! reqwest is built with `rustls-no-provider`, so a rustls crypto provider (ring) must be
//! installed before a client is built; [`build_client`] does that once. Certificates are
//! checked by the platform verifier (system roots, loaded on the first handshake: see
//! `tls`), plus any extra roots given for tests or private CAs.

use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::Resolve;
use reqwest::redirect::Policy;
use reqwest::{Client, Response};

use super::error::NetError;
use crate::limits;

/// Largest `/nix-cache-info` accepted: [`limits::CACHE_INFO_MAX_BYTES`].
pub const CACHE_INFO_LIMIT: usize = limits::CACHE_INFO_MAX_BYTES;
/// Largest narinfo accepted: [`limits::NARINFO_MAX_BYTES`].
pub const NARINFO_LIMIT: usize = limits::NARINFO_MAX_BYTES;
/// Redirects followed before giving up: [`limits::MAX_REDIRECTS`].
pub const MAX_REDIRECTS: usize = limits::MAX_REDIRECTS;

/// How to build the client. `Default` is what the CLI uses.
#[derive(Clone)]
pub struct ClientOptions {
    pub connect_timeout: Duration,
    pub user_agent: String,
    /// Replaces system DNS (tests inject one that fails without any real lookup).
    pub resolver: Option<Arc<dyn Resolve>>,
    /// Extra trusted root certificates, PEM encoded, on top of the system roots.
    pub extra_roots_pem: Vec<Vec<u8>>,
    /// Honour `http_proxy`/`https_proxy`/`no_proxy` like Nix (through curl) does.
    pub system_proxy: bool,
    /// Replaces the default redirect policy (at most [`MAX_REDIRECTS`]).
    pub redirect_policy: Option<std::sync::Arc<dyn Fn() -> Policy + Send + Sync>>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            connect_timeout: limits::CONNECT_TIMEOUT,
            user_agent: format!("cachectl/{}", env!("CARGO_PKG_VERSION")),
            resolver: None,
            extra_roots_pem: Vec::new(),
            system_proxy: true,
            redirect_policy: None,
        }
    }
}

impl std::fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientOptions")
            .field("connect_timeout", &self.connect_timeout)
            .field("user_agent", &self.user_agent)
            .field("resolver", &self.resolver.as_ref().map(|_| "custom"))
            .field("extra_roots", &self.extra_roots_pem.len())
            .field("system_proxy", &self.system_proxy)
            .finish()
    }
}

/// Installs ring as the process-wide rustls provider unless one is installed already.
pub fn install_crypto_provider() {
    // An error only means another provider was installed first, which is fine.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Builds the client: rustls + ring, connect timeout, at most [`MAX_REDIRECTS`] redirects.
pub fn build_client(opts: &ClientOptions) -> Result<Client, NetError> {
    install_crypto_provider();
    let mut builder = Client::builder()
        .tls_backend_preconfigured(super::tls::client_config(&opts.extra_roots_pem)?)
        .connect_timeout(opts.connect_timeout)
        .redirect(opts.redirect_policy.as_ref().map_or_else(|| Policy::limited(MAX_REDIRECTS), |p| p()))
        .http1_max_headers(limits::HTTP1_MAX_HEADERS)
        .http2_max_header_list_size(limits::HTTP2_MAX_HEADER_LIST_BYTES)
        .user_agent(opts.user_agent.as_str());
    if !opts.system_proxy {
        builder = builder.no_proxy();
    }
    if let Some(resolver) = &opts.resolver {
        builder = builder.dns_resolver(Arc::clone(resolver));
    }
    builder.build().map_err(|e| {
        let cause = std::error::Error::source(&e).map_or_else(|| e.to_string(), ToString::to_string);
        NetError::Other(format!("cannot build http client: {cause}"))
    })
}

/// Reads a response body in chunks, failing as soon as it exceeds `limit` bytes.
pub async fn read_limited(
    mut resp: Response,
    limit: usize,
    on_error: impl Fn(&reqwest::Error) -> NetError,
) -> Result<Vec<u8>, NetError> {
    if resp.content_length().is_some_and(|n| n > limit as u64) {
        return Err(NetError::TooLarge { limit });
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| on_error(&e))? {
        if body.len() + chunk.len() > limit {
            return Err(NetError::TooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Reads a local file, failing beyond `limit` bytes; `Ok(None)` when it does not exist.
pub fn read_file_limited(path: &std::path::Path, limit: usize) -> Result<Option<Vec<u8>>, NetError> {
    use std::io::Read as _;
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(NetError::Other(format!("cannot read {}: {e}", path.display())));
        }
    };
    let mut body = Vec::new();
    file.take(limit as u64 + 1)
        .read_to_end(&mut body)
        .map_err(|e| NetError::Other(format!("cannot read {}: {e}", path.display())))?;
    if body.len() > limit {
        return Err(NetError::TooLarge { limit });
    }
    Ok(Some(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_client_builds_with_ring() {
        assert!(build_client(&ClientOptions::default()).is_ok());
    }

    #[test]
    fn file_reader_caps_size() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("f");
        std::fs::write(&path, [b'x'; 10]).expect("write");
        assert_eq!(read_file_limited(&path, 10), Ok(Some(vec![b'x'; 10])));
        assert_eq!(read_file_limited(&path, 9), Err(NetError::TooLarge { limit: 9 }));
        assert_eq!(read_file_limited(&dir.path().join("missing"), 9), Ok(None));
    }
}
