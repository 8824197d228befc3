//! Shared pieces of the online tests: a DNS resolver that resolves nothing, client options
//! that use it, and short constructors.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use cachectl::keys::PublicKey;
use cachectl::net::{CacheReport, CacheTarget, ClientOptions, build_client, check_caches_with};

/// A resolver that records the names it is asked for and resolves none of them.
#[derive(Clone, Default)]
pub struct NoDns(pub Arc<Mutex<Vec<String>>>);

impl reqwest::dns::Resolve for NoDns {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        if let Ok(mut asked) = self.0.lock() {
            asked.push(name.as_str().to_owned());
        }
        Box::pin(async { Err("name resolution is disabled in tests".into()) })
    }
}

pub const TIMEOUT: Duration = Duration::from_secs(10);

pub fn options(dns: &NoDns) -> ClientOptions {
    ClientOptions {
        connect_timeout: Duration::from_secs(2),
        resolver: Some(Arc::new(dns.clone())),
        system_proxy: false,
        ..ClientOptions::default()
    }
}

pub fn target(url: &str, probes: &[&str]) -> CacheTarget {
    CacheTarget { url: url.to_owned(), probes: probes.iter().map(|p| (*p).to_owned()).collect() }
}

pub fn key(s: &str) -> PublicKey {
    PublicKey::parse(s).expect("test key parses")
}

pub async fn check_with(
    opts: &ClientOptions,
    caches: Vec<CacheTarget>,
    trusted: &[PublicKey],
    timeout: Duration,
) -> Vec<CacheReport> {
    let client = build_client(opts).expect("client builds");
    check_caches_with(&client, caches, trusted, timeout, opts.connect_timeout).await
}
