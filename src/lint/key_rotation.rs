//! `key-rotation`: a cache signs with a new key that its API publishes. Made by `check
//! --online` (`src/commands/rotation.rs`); the offline pass cannot see signatures.

use super::context::Context;
use super::{Diagnostic, Rule, Severity};

pub const RULE: Rule = Rule {
    code: "key-rotation",
    severity: Severity::Warning,
    summary: "a cache signs with a new key that its Cachix or attic API publishes (online)",
    doc: "\
`cachectl check --online` found a cache whose narinfos are signed by a key name the
configuration does not trust, and the cache's own API (Cachix: `GET /api/v1/cache/NAME`,
`publicSigningKeys`; attic: `GET /_api/v1/cache-config/NAME`, `public_key`) publishes that
key. The cache has rotated its signing key, or added one.

Why it matters: with `require-sigs` on (the default), Nix rejects every path signed only by
the new key (`lacks a signature by a trusted key`) and builds it instead, while the cache
is still contacted for every path.

How to fix: run the `cachectl add` the message names. It discovers the published key,
proves it on a real narinfo of the cache, and writes it; a key with the same name is
replaced in place. Then remove the old key once nothing is signed by it any more.",
};

/// Made by `check --online`, not by the offline pass.
pub fn check(_: &Context<'_>, _: &mut Vec<Diagnostic>) {}
