//! `cachectl coverage`: which store paths the configured caches serve with a valid
//! signature by a trusted key, checked the way Nix would check them; and the pieces
//! `cachectl export` shares with it.
//!
//! - [`config`]: the substituters and keys of a Nix file, merged as NixOS merges them;
//! - [`input`]: path lists (`--paths FILE`, stdin), read lazily; package names;
//! - [`drv`]: an installable's paths, from the local `nix` and its `.drv` files;
//! - [`engine`]: the concurrent check over one pooled HTTP client;
//! - `verify`: signature checks in batches on threads of their own;
//! - [`ca`]: Nix's content-addressed exception to the signature rule;
//! - [`report`]: per-path results and the totals per status and per cache;
//! - [`export`]: the caches as nix.conf lines or JSON for an install script.
//!
//! Nothing here prints: the command layer draws the progress bar and the report.

pub mod ca;
pub mod config;
pub mod drv;
pub mod engine;
pub mod export;
mod fetch;
pub mod input;
mod pipeline;
pub mod report;
mod verify;

pub use engine::{CheckError, DEFAULT_JOBS, Options, Session};
pub use report::{Answer, CacheTotals, PathResult, Status, Summary};
