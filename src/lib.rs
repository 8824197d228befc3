//! cachectl: manage and check the binary caches of a NixOS configuration.
//!
//! The crate is split so that data flows one way: the CLI turns arguments into requests,
//! commands call the pure core (`nix`, `keys`, `registry`, `pairing`, `store_url`, `lint`) and, for
//! online checks only, `net`. Nothing but `main` prints or exits.

pub mod coverage;
pub mod fix;
pub mod fleet;
pub mod keys;
pub mod limits;
pub mod lint;
pub mod narinfo;
pub mod net;
pub mod nix;
pub mod pairing;
pub mod registry;
pub mod store_url;
pub mod system;
pub mod why;
