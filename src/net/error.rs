//! What went wrong talking to a cache, in terms a user can act on.
//!
//! reqwest wraps hyper, hyper-util, rustls and io errors several layers deep; [`classify`]
//! walks the `source()` chain (and the custom payload of `io::Error`, which `source()`
//! skips) to find the cause, and never echoes the request URL, which may hold credentials.

use std::error::Error as StdError;
use std::io;
use std::time::Duration;

use thiserror::Error;

use crate::store_url::StoreUrl;

/// One failure of an online check. Messages are lowercase, one line, no trailing period.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NetError {
    #[error("invalid store url: {0}")]
    BadUrl(String),
    #[error("dns lookup of {host} failed{}", if *.tailnet { ": is Tailscale up?" } else { "" })]
    Dns { host: String, tailnet: bool },
    #[error("connection refused")]
    Refused,
    #[error("timed out after {}", millis(*.after_ms))]
    TimedOut { after_ms: u64 },
    #[error("tls error: {0}")]
    Tls(String),
    #[error("http {0}")]
    Status(u16),
    #[error("not a binary cache: {0}")]
    NotACache(String),
    #[error("foreign store: serves store {0}, not /nix/store")]
    ForeignStore(String),
    #[error("response too large (over {limit} bytes)")]
    TooLarge { limit: usize },
    #[error("too many redirects")]
    TooManyRedirects,
    #[error("invalid narinfo for {path}: {reason}")]
    BadNarInfo { path: String, reason: String },
    #[error("connection failed: {0}")]
    Connect(String),
    #[error("{0}")]
    Other(String),
}

impl NetError {
    /// Short machine-readable code for diagnostics.
    pub fn code(&self) -> &'static str {
        match self {
            NetError::BadUrl(_) => "bad-url",
            NetError::Dns { .. } => "dns",
            NetError::Refused => "refused",
            NetError::TimedOut { .. } => "timeout",
            NetError::Tls(_) => "tls",
            NetError::Status(_) => "http-status",
            NetError::NotACache(_) => "not-a-cache",
            NetError::ForeignStore(_) => "foreign-store",
            NetError::TooLarge { .. } => "too-large",
            NetError::TooManyRedirects => "redirects",
            NetError::BadNarInfo { .. } => "bad-narinfo",
            NetError::Connect(_) | NetError::Other(_) => "network",
        }
    }

    pub(crate) fn timed_out(after: Duration) -> NetError {
        NetError::TimedOut { after_ms: u64::try_from(after.as_millis()).unwrap_or(u64::MAX) }
    }
}

fn millis(ms: u64) -> String {
    if ms.is_multiple_of(1000) { format!("{}s", ms / 1000) } else { format!("{ms}ms") }
}

/// The errors below `err`, outermost first, including the payloads of `io::Error`s.
fn causes<'a>(err: &'a (dyn StdError + 'static)) -> Vec<&'a (dyn StdError + 'static)> {
    let mut out = Vec::new();
    let mut next = err.source();
    while let Some(e) = next {
        out.push(e);
        // `io::Error::source()` skips its own payload, so step into the payload instead.
        next = match e.downcast_ref::<io::Error>().and_then(|io| io.get_ref()) {
            Some(payload) => Some(payload as &(dyn StdError + 'static)),
            None => e.source(),
        };
    }
    out
}

/// Classifies a reqwest error for the cache at `url`. `connect_timeout` is the only
/// timeout reqwest itself enforces, so a reqwest timeout is reported as that.
pub fn classify(err: &reqwest::Error, url: &StoreUrl, connect_timeout: Duration) -> NetError {
    let chain = causes(err);
    if err.is_redirect() || chain.iter().any(|e| e.to_string() == "too many redirects") {
        return NetError::TooManyRedirects;
    }
    if err.is_dns() || chain.iter().any(|e| e.to_string() == "dns error") {
        return NetError::Dns { host: url.host.clone(), tailnet: url.is_tailnet() };
    }
    for e in &chain {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return NetError::Tls(tls.to_string());
        }
        match e.downcast_ref::<io::Error>().map(io::Error::kind) {
            Some(io::ErrorKind::ConnectionRefused) => return NetError::Refused,
            Some(io::ErrorKind::TimedOut) => return NetError::timed_out(connect_timeout),
            _ => {}
        }
    }
    if err.is_timeout() {
        return NetError::timed_out(connect_timeout);
    }
    let text = describe(&chain);
    let lower = text.to_ascii_lowercase();
    if ["certificate", "handshake", "tls"].iter().any(|w| lower.contains(w)) {
        return NetError::Tls(text);
    }
    NetError::Connect(if text.is_empty() { "request failed".to_owned() } else { text })
}

/// The causes' messages joined with `: `, repeats dropped (hyper and io often repeat).
fn describe(chain: &[&(dyn StdError + 'static)]) -> String {
    let mut parts: Vec<String> = Vec::new();
    for e in chain {
        let s = e.to_string();
        if !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_plain() {
        let dns = NetError::Dns { host: "magnolia".into(), tailnet: true };
        assert_eq!(dns.to_string(), "dns lookup of magnolia failed: is Tailscale up?");
        let dns = NetError::Dns { host: "cache.example.org".into(), tailnet: false };
        assert_eq!(dns.to_string(), "dns lookup of cache.example.org failed");
        assert_eq!(NetError::timed_out(Duration::from_secs(1)).to_string(), "timed out after 1s");
        assert_eq!(NetError::timed_out(Duration::from_millis(1500)).to_string(), "timed out after 1500ms");
        assert_eq!(NetError::Status(500).to_string(), "http 500");
        assert_eq!(
            NetError::ForeignStore("/gnu/store".into()).to_string(),
            "foreign store: serves store /gnu/store, not /nix/store"
        );
    }

    #[test]
    fn io_payloads_are_walked() {
        #[derive(Debug, Error)]
        #[error("outer")]
        struct Outer(#[source] io::Error);
        // As tokio-rustls and hyper-util nest them.
        let tls = io::Error::new(io::ErrorKind::InvalidData, rustls::Error::DecryptError);
        let outer = Outer(io::Error::other(tls));
        let chain = causes(&outer);
        assert!(chain.iter().any(|e| e.downcast_ref::<rustls::Error>().is_some()));
    }
}
