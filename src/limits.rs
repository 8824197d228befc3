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
//! | retries in `check --online` | none: a failed request is reported, never repeated | — |
//! | retries in `coverage` | [`COVERAGE_RETRIES`] for 429/5xx, backoff from [`COVERAGE_BACKOFF`] doubling, `Retry-After` honoured up to [`COVERAGE_MAX_RETRY_AFTER`] | `coverage::fetch` |
//! | a failing cache in `coverage` | given up after one refused/DNS/TLS/timeout failure, or [`COVERAGE_FAILURES_TO_DROP`] failed requests in a row | `coverage::engine` |
//! | pipelined HTTP/1.1 answer (`coverage`, plain http) | head [`PIPELINE_MAX_HEAD_BYTES`]; body [`NARINFO_MAX_BYTES`]; a chunked answer [`PIPELINE_MAX_CHUNKED_BYTES`] on the wire, each chunk-size or trailer line [`PIPELINE_MAX_CHUNK_LINE_BYTES`] | `coverage::pipeline` |
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

/// `coverage`: retries after the first attempt, for 429 and 5xx answers.
pub const COVERAGE_RETRIES: u32 = 3;

/// `coverage`: the first backoff before a retry; it doubles with each retry.
pub const COVERAGE_BACKOFF: Duration = Duration::from_millis(100);

/// `coverage`: the longest wait honoured from a `Retry-After` header.
pub const COVERAGE_MAX_RETRY_AFTER: Duration = Duration::from_secs(2);

/// `coverage`: failed requests in a row (after their retries) that make a cache count as dead.
pub const COVERAGE_FAILURES_TO_DROP: u32 = 8;

/// `coverage`, pipelined plain http: the largest status line and headers of one answer.
pub const PIPELINE_MAX_HEAD_BYTES: usize = 64 * 1024;

/// `coverage`, pipelined plain http: the most bytes a chunked answer may take on the wire,
/// framing included: a narinfo's worth of body plus generous room for chunk headers and
/// trailers. A server that sends more (endless size lines or trailers) is refused instead
/// of filling memory.
pub const PIPELINE_MAX_CHUNKED_BYTES: usize = 2 * NARINFO_MAX_BYTES + 64 * 1024;

/// The longest chunk-size or trailer line of a pipelined chunked answer. Real servers
/// send a few hex digits; a longer line is a hostile answer and fails at once.
pub const PIPELINE_MAX_CHUNK_LINE_BYTES: usize = 4096;

/// How often a writer retakes the lock when the file was replaced while it waited.
pub const LOCK_ATTEMPTS: usize = 1000;

/// Largest answer of a Cachix or attic API accepted by key discovery (`cachectl add`).
pub const DISCOVERY_JSON_MAX_BYTES: usize = 64 * 1024;

/// Default deadline of the whole discovery and proof of `cachectl add`, in seconds.
pub const DISCOVERY_TIMEOUT_SECS: f64 = 5.0;

/// `coverage`: requests written at once on one pipelined connection.
pub const PIPELINE_DEPTH: usize = 32;

/// `coverage`: pipelined connections per cache (nginx spreads them over its workers).
pub const PIPELINE_CONNECTIONS: usize = 4;

/// `coverage --jobs` default: requests in flight at once.
pub const COVERAGE_JOBS: usize = PIPELINE_CONNECTIONS * PIPELINE_DEPTH;

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
        // The longest a path can wait for retries stays within one default timeout.
        let backoff: Duration = (0..COVERAGE_RETRIES).map(|n| COVERAGE_BACKOFF * 2u32.pow(n)).sum();
        assert!(backoff.max(COVERAGE_MAX_RETRY_AFTER * COVERAGE_RETRIES).as_secs_f64() <= 2.0 * CHECK_TIMEOUT_SECS);
        const { assert!(PIPELINE_MAX_CHUNKED_BYTES > NARINFO_MAX_BYTES) };
    }
}
