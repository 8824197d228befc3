//! `host-drift`: hosts of one flake disagree about a cache's key. Made by `cachectl check`
//! from the flake's hosts (`src/fleet/drift.rs`): the offline pass over files has no hosts.

use super::context::Context;
use super::{Diagnostic, Rule, Severity};

pub const RULE: Rule = Rule {
    code: "host-drift",
    severity: Severity::Warning,
    summary: "a cache reaches some hosts of the flake without the key other hosts trust for it",
    doc: "\
In a flake with several hosts (`nixosConfigurations`, `darwinConfigurations`,
`homeConfigurations`), a cache is used by several hosts, but the key that pairs with it is
trusted on only some of them: e.g. magnolia is in modules/base.nix, imported by every host,
while `magnolia.cache` is listed in hosts/mimosa.nix only. cachectl reads each host's files
(its `modules` and what they import) as one configuration, and pairs keys and URLs within
a host only.

Why it matters: on the hosts without the key, Nix rejects every path of that cache (`lacks
a signature by a trusted key`) and still asks it for each one: the cache costs time and
saves nothing. It is easy to miss because `check` on the whole repository finds the key
somewhere.

How to fix: put the key next to the cache, in the file that brings the cache to those
hosts, or move the cache to the host that has the key (`cachectl add NAME --host HOST`,
`cachectl remove NAME --host HOST`). `cachectl hosts` shows which host gets which cache
and key, and from which file. With the same per-host reading, `no-fallback` is judged for
each host on its own: another host's `connect-timeout` and `fallback` do not help it.",
};

/// Fleet findings are made by `check` from the flake, not by the offline pass.
pub fn check(_: &Context<'_>, _: &mut Vec<Diagnostic>) {}
