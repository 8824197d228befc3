//! Network checks of binary caches (tokio + reqwest); the only module that does HTTP.
//!
//! - [`client`]: the reqwest client (rustls + ring) and size-capped body reading;
//! - [`error`]: [`NetError`], classified from reqwest/hyper/rustls/io error chains;
//! - [`check`]: `check --online`, every cache probed concurrently within a deadline;
//! - [`order`]: the order Nix tries caches in, and local store paths to probe with.
//!
//! The CLI calls [`run_blocking`]; async callers use [`check_caches`] with [`build_client`].

pub mod check;
pub mod client;
pub mod discover;
pub mod error;
mod fetch;
pub mod order;
mod tls;

pub use check::{
    CacheReport, CacheTarget, DEFAULT_PRIORITY, check_caches, check_caches_with, effective_order, local_probes,
    probes_in, run_blocking,
};
pub use client::{ClientOptions, build_client};
pub use error::NetError;
