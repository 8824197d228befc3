//! The check itself: every store path asked of the caches in Nix's order, many at once.
//!
//! - [`Session::open`] reads every cache's `/nix-cache-info` concurrently with
//!   `check --online`'s code (each within the timeout; 429/5xx retried), drops the caches
//!   that fail, and orders the others as Nix does (priority, then list order).
//! - [`Session::check`] streams the paths: a reader thread feeds a bounded channel in
//!   chunks, and the paths are checked on one I/O thread, each asking the caches in turn.
//!   At most `jobs` requests are in flight (plain http is pipelined on a few keep-alive
//!   connections; https goes through one pooled client, HTTP/2 when offered), and up to
//!   [`PATHS_PER_REQUEST`] times as many paths, the others being verified or waiting for
//!   the next cache. A path served with a trusted signature is not asked of the next cache.
//! - Narinfos are parsed and their signatures verified in batches on other threads
//!   (`verify`), in parallel and off the I/O thread, which only moves bytes.
//! - A cache that refuses connections, times out or keeps failing is given up on, so a dead
//!   cache costs about one timeout, not one per path.
//!
//! One I/O thread is measurably cheaper than a multi-threaded runtime here: the requests
//! are small and many, and handing each one between threads cost more CPU than it saved.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt as _;
use reqwest::Client;
use thiserror::Error;

use super::fetch::{Origin, RETRIES};
use super::input::InputError;
use super::report::{Answer, CacheTotals, PathResult, Summary, Visit};
use super::verify::Verifier;
use crate::keys::PublicKey;
use crate::net::{CacheReport, CacheTarget, ClientOptions, NetError, build_client, check_caches_with, effective_order};

/// How to run the check.
#[derive(Debug, Clone)]
pub struct Options {
    /// Per request, and per cache for `/nix-cache-info`.
    pub timeout: Duration,
    /// Paths in flight at once.
    pub jobs: usize,
    pub client: ClientOptions,
    /// Nix's `require-sigs`: when false, every cache counts as trusted.
    pub require_sigs: bool,
}

/// Requests in flight by default: enough to fill every pipelined connection of a plain
/// http cache (4 connections of 32). Against nginx on loopback, 128 checked 10,000 paths in
/// 375-385 ms where 48 took 400-410 ms (median of 15 interleaved runs each); over HTTP/2 the
/// requests share one connection, and a server allowing fewer streams makes the rest wait.
pub const DEFAULT_JOBS: usize = crate::limits::COVERAGE_JOBS;

/// Failed requests in a row (after their retries) that make a cache count as dead.
const FAILURES_TO_DROP: u32 = crate::limits::COVERAGE_FAILURES_TO_DROP;
/// Paths read ahead of the checks.
const READ_AHEAD: usize = 4096;
/// Paths in flight per request in flight: the others are being verified, or wait for the
/// next cache. Freeing the request slot before verification took 10,000 paths from
/// 0.45 s to 0.33 s on loopback; more than 8 gained nothing.
pub const PATHS_PER_REQUEST: usize = 8;
/// Paths handed over from the reader thread at a time.
const CHUNK: usize = 256;

/// Why the check stopped.
#[derive(Debug, Error)]
pub enum CheckError {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error(transparent)]
    Net(#[from] NetError),
    #[error("internal error: {0}")]
    Internal(String),
}

/// A cache in use during the run.
struct Live {
    index: usize,
    origin: Origin,
    /// Nix takes unsigned paths from it (`?trusted=1`, or `require-sigs = false`).
    trusted_cache: bool,
    dead: AtomicBool,
    failures: AtomicU32,
    died: Mutex<Option<String>>,
}

impl Live {
    fn give_up(&self, reason: String) {
        if !self.dead.swap(true, Ordering::SeqCst)
            && let Ok(mut died) = self.died.lock()
        {
            *died = Some(reason);
        }
    }
}

struct Ctx {
    client: Client,
    /// One permit per request in flight (`jobs`).
    requests: tokio::sync::Semaphore,
    verifier: Verifier,
    live: Vec<Live>,
    timeout: Duration,
}

/// The caches, checked and ordered, ready to be asked about paths.
pub struct Session {
    runtime: tokio::runtime::Runtime,
    ctx: Arc<Ctx>,
    caches: Vec<CacheTotals>,
    jobs: usize,
}

impl Session {
    /// Checks the caches' `/nix-cache-info` and orders them as Nix does.
    pub fn open(substituters: &[String], trusted: Vec<PublicKey>, opts: &Options) -> Result<Session, CheckError> {
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .max_blocking_threads(threads.max(2))
            .enable_all()
            .build()
            .map_err(|e| CheckError::Internal(format!("cannot start async runtime: {e}")))?;
        let client = runtime.block_on(async { build_client(&opts.client) })?;
        let reports = runtime.block_on(cache_infos(&client, substituters, opts));
        let mut caches = Vec::new();
        let mut live = Vec::new();
        for i in effective_order(&reports) {
            let Some(r) = reports.get(i) else { continue };
            let origin =
                if r.checked && r.error.is_none() { Origin::new(&r.url, opts.timeout, &opts.client) } else { None };
            let trusted_cache = !opts.require_sigs || trusted_param(&r.url);
            let totals = CacheTotals {
                url: r.url.clone(),
                priority: r.effective_priority(),
                trusted: trusted_cache,
                ..CacheTotals::default()
            };
            if let Some(origin) = origin {
                live.push(Live {
                    index: caches.len(),
                    origin,
                    trusted_cache,
                    dead: AtomicBool::new(false),
                    failures: AtomicU32::new(0),
                    died: Mutex::new(None),
                });
                caches.push(totals);
            }
        }
        for r in &reports {
            if !caches.iter().any(|c| c.url == r.url) {
                let reason = if r.verdict.is_empty() { r.error.clone().unwrap_or_default() } else { r.verdict.clone() };
                caches.push(CacheTotals {
                    url: r.url.clone(),
                    priority: r.effective_priority(),
                    dropped: Some(reason),
                    ..CacheTotals::default()
                });
            }
        }
        let verifier = runtime.block_on(async { Verifier::start(trusted.into(), threads) });
        let requests = tokio::sync::Semaphore::new(opts.jobs.max(1));
        let ctx = Arc::new(Ctx { client, requests, verifier, live, timeout: opts.timeout });
        Ok(Session { runtime, ctx, caches, jobs: opts.jobs.max(1) })
    }

    /// The caches in the order Nix asks them; dropped ones last, with the reason.
    pub fn caches(&self) -> &[CacheTotals] {
        &self.caches
    }

    /// Checks every path from `paths`, calling `on_result` as each one is answered (in the
    /// order answers arrive). Stops at the first input error.
    pub fn check<I, F>(&self, paths: I, mut on_result: F) -> Result<Summary, CheckError>
    where
        I: Iterator<Item = Result<String, InputError>> + Send + 'static,
        F: FnMut(&PathResult),
    {
        // Paths travel in chunks, so that the reader thread is not woken for every path.
        let (tx, rx) = tokio::sync::mpsc::channel::<Vec<Result<String, InputError>>>(READ_AHEAD / CHUNK);
        let reader = std::thread::spawn(move || {
            let mut chunk = Vec::with_capacity(CHUNK);
            for item in paths {
                let last = item.is_err();
                chunk.push(item);
                if chunk.len() == CHUNK || last {
                    let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK));
                    if tx.blocking_send(full).is_err() || last {
                        return;
                    }
                }
            }
            if !chunk.is_empty() {
                let _ = tx.blocking_send(chunk);
            }
        });
        let mut summary = Summary::new(self.caches.clone());
        let result = self.runtime.block_on(async {
            let incoming = futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|c| (c, rx)) })
                .flat_map(futures_util::stream::iter);
            let answers = incoming
                .map(|item| {
                    let ctx = Arc::clone(&self.ctx);
                    async move { Ok::<_, CheckError>(check_path(ctx, item?).await) }
                })
                .buffer_unordered(self.jobs * PATHS_PER_REQUEST);
            let mut answers = std::pin::pin!(answers);
            while let Some(answer) = answers.next().await {
                let result = answer?;
                on_result(&result);
                summary.add(result);
            }
            Ok::<(), CheckError>(())
        });
        result?;
        // The stream has ended, so the reader has finished (after an error it may still be
        // blocked reading its input; it is left to end with the process).
        let _ = reader.join();
        for live in &self.ctx.live {
            if let (Some(c), Ok(died)) = (summary.caches.get_mut(live.index), live.died.lock()) {
                c.died.clone_from(&died);
            }
        }
        Ok(summary)
    }
}

/// `/nix-cache-info` of every cache, concurrently; caches that answered 429 or 5xx are
/// asked again after a short wait, up to [`RETRIES`] times.
async fn cache_infos(client: &Client, substituters: &[String], opts: &Options) -> Vec<CacheReport> {
    let targets =
        |urls: &[String]| urls.iter().map(|u| CacheTarget { url: u.clone(), probes: Vec::new() }).collect::<Vec<_>>();
    let mut reports = check_caches_with(client, targets(substituters), &[], opts.timeout, opts.timeout).await;
    for n in 0..RETRIES {
        let retry: Vec<String> = reports
            .iter()
            .filter(|r| matches!(r.error_kind, Some(NetError::Status(s)) if s == 429 || s >= 500))
            .map(|r| r.url.clone())
            .collect();
        if retry.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200) * 2u32.pow(n)).await;
        for again in check_caches_with(client, targets(&retry), &[], opts.timeout, opts.timeout).await {
            if let Some(slot) = reports.iter_mut().find(|r| r.url == again.url) {
                *slot = again;
            }
        }
    }
    reports
}

/// Asks the caches about one path, in order, until one serves it with a trusted signature.
async fn check_path(ctx: Arc<Ctx>, path: String) -> PathResult {
    let mut visits = Vec::new();
    let Some(hash) = hash_part(&path).map(str::to_owned) else {
        return PathResult { path, visits };
    };
    for live in &ctx.live {
        let cache = live.index;
        // Only `jobs` requests are in flight; the cache may have died while this waited.
        let permit = ctx.requests.acquire().await;
        if live.dead.load(Ordering::Relaxed) {
            visits.push(Visit { cache, answer: Answer::Skipped });
            continue;
        }
        let fetched = live.origin.narinfo(&ctx.client, &hash, ctx.timeout).await;
        drop(permit);
        let answer = match fetched {
            Ok(None) => Answer::Absent,
            Ok(Some(body)) => ctx.verifier.judge(path.clone(), body, live.trusted_cache).await,
            Err(e) => {
                let failures = live.failures.fetch_add(1, Ordering::Relaxed) + 1;
                let fatal = matches!(
                    e,
                    NetError::Refused
                        | NetError::Dns { .. }
                        | NetError::TimedOut { .. }
                        | NetError::Tls(_)
                        | NetError::Connect(_)
                );
                if fatal || failures >= FAILURES_TO_DROP {
                    live.give_up(e.to_string());
                }
                Answer::Failed(e.to_string())
            }
        };
        if !matches!(answer, Answer::Failed(_)) {
            live.failures.store(0, Ordering::Relaxed);
        }
        let done = matches!(answer, Answer::Verified { .. });
        visits.push(Visit { cache, answer });
        if done {
            break;
        }
    }
    PathResult { path, visits }
}

/// The `trusted` store parameter (`?trusted=1`): Nix then substitutes from the cache
/// without checking signatures (`StoreConfig::isTrusted`; a boolean setting takes
/// `true`/`yes`/`1`).
fn trusted_param(url: &str) -> bool {
    let params = url.split_once('?').map_or("", |(_, p)| p);
    params.split('&').any(|kv| matches!(kv, "trusted=1" | "trusted=true" | "trusted=yes"))
}

/// The hash part of `/nix/store/<hash>-<name>`, checked byte by byte against Nix's base-32
/// alphabet (a cheaper test than `store_path_hash`, which the input has passed already).
fn hash_part(path: &str) -> Option<&str> {
    let hash = path.strip_prefix("/nix/store/")?.get(..32)?;
    let nix32 = |b: u8| b.is_ascii_digit() || (b.is_ascii_lowercase() && !matches!(b, b'e' | b'o' | b't' | b'u'));
    (hash.bytes().all(nix32) && path.as_bytes().get(43) == Some(&b'-')).then_some(hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trusted_parameter() {
        assert!(trusted_param("http://192.168.1.50:5000?priority=10&trusted=1"));
        assert!(trusted_param("http://lan?trusted=true"));
        assert!(!trusted_param("http://lan?trusted=0"));
        assert!(!trusted_param("http://lan?untrusted=1"));
        assert!(!trusted_param("http://lan"));
    }

    #[test]
    fn hash_parts_agree_with_store_path_hash() {
        for path in [
            "/nix/store/mjs27ix6ig2bkbi3s3sm470vrv4lf7ic-hello",
            "/nix/store/mjs27ix6ig2bkbi3s3sm470vrv4lf7ie-hello",
            "/nix/store/mjs27ix6ig2bkbi3s3sm470vrv4lf7ic",
            "/nix/store/short-hello",
            "/gnu/store/mjs27ix6ig2bkbi3s3sm470vrv4lf7ic-hello",
        ] {
            let want = crate::narinfo::store_path_hash(path).filter(|_| path.starts_with("/nix/store/"));
            assert_eq!(hash_part(path), want, "{path}");
        }
    }
}
