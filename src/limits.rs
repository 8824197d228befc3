//! Every limit cachectl puts on remote input, on its own waiting and on its retries, in one
//! place. docs/security.md lists the same limits for users; change both together.
//!
//! The rule they implement: nothing a cache server sends (or fails to send) can make
//! cachectl wait, retry, read or allocate without a bound. A server can only ever cost its
//! own deadline and a few hundred KiB of memory, and the other caches are checked meanwhile.
//!
//! | what | limit | where it is enforced |
//! |---|---|---|
//! | one cache in `check --online` | `--timeout` (default [`CHECK_TIMEOUT_SECS`]), for everything: connect, TLS, headers, body, every probe | `net::check`, a `tokio::time::timeout` around the whole probe |
//! | TCP + TLS connect | [`CONNECT_TIMEOUT`] | reqwest `connect_timeout` |
//! | `/nix-cache-info` body | [`CACHE_INFO_MAX_BYTES`] | `net::client::read_limited`, also for `file://` |
//! | narinfo body | [`NARINFO_MAX_BYTES`] | the same |
//! | redirects | [`MAX_REDIRECTS`] per request | reqwest redirect policy |
//! | HTTP/1 response head | [`HTTP1_MAX_HEADERS`] headers; hyper's own 400 KiB read buffer for the whole head | reqwest/hyper |
//! | HTTP/2 response head | [`HTTP2_MAX_HEADER_LIST_BYTES`] | reqwest/h2 |
//! | signatures verified per narinfo | [`NARINFO_MAX_SIGNATURES`] | `narinfo::NarInfo::verify` |
//! | retries | none: a failed request is reported, never repeated | — |
//! | lock attempts when another writer keeps replacing the file | [`LOCK_ATTEMPTS`] | `fsio::edit_locked` |
//!
//! Bodies are never decompressed (reqwest is built without gzip/brotli/zstd), so a body's
//! size on the wire is its size in memory.

use std::time::Duration;

/// The default deadline for one cache in `check --online` (`--timeout`), in seconds.
pub const CHECK_TIMEOUT_SECS: f64 = 5.0;

/// The largest `--timeout` accepted, in seconds. Anything larger (or not a positive finite
/// number) is a usage error rather than a wait without end.
pub const MAX_TIMEOUT_SECS: f64 = 600.0;

/// Time allowed to open the TCP connection (and, for https, to finish the TLS handshake).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Largest `/nix-cache-info` accepted. Real ones are under 100 bytes.
pub const CACHE_INFO_MAX_BYTES: usize = 64 * 1024;

/// Largest narinfo accepted. A narinfo with thousands of references is still far below.
pub const NARINFO_MAX_BYTES: usize = 1024 * 1024;

/// Redirects followed per request before the cache is reported as failing.
pub const MAX_REDIRECTS: usize = 5;

/// Most response headers accepted on HTTP/1 (hyper's default, stated here so it is seen).
pub const HTTP1_MAX_HEADERS: usize = 100;

/// Largest HTTP/2 response header list accepted (hyper's default, stated here).
pub const HTTP2_MAX_HEADER_LIST_BYTES: u32 = 16 * 1024;

/// Most `Sig:` lines of one narinfo that are looked at. Real narinfos carry one to three.
/// A signature check costs about 4 ms in the size-optimised release build, and a 1 MiB
/// narinfo holds over 10,000 `Sig:` lines: without this limit, one hostile narinfo kept the
/// check busy for 45 s, past every deadline, since a check is CPU work the timeout cannot
/// interrupt.
pub const NARINFO_MAX_SIGNATURES: usize = 16;

/// How often a writer retakes the lock when the file was replaced while it waited.
pub const LOCK_ATTEMPTS: usize = 1000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_sane() {
        const { assert!(CACHE_INFO_MAX_BYTES < NARINFO_MAX_BYTES) };
        const { assert!(NARINFO_MAX_BYTES <= 16 * 1024 * 1024) };
        const { assert!(MAX_REDIRECTS > 0 && MAX_REDIRECTS < 20) };
        const { assert!(CHECK_TIMEOUT_SECS > 0.0 && CHECK_TIMEOUT_SECS <= MAX_TIMEOUT_SECS) };
        assert!(CONNECT_TIMEOUT.as_secs_f64() <= MAX_TIMEOUT_SECS);
    }
}
