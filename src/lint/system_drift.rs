//! `system-drift`: the running Nix does not have what the file sets. Made by `cachectl
//! check --system` from `nix show-config --json` (`src/system.rs`); the offline pass does not
//! run Nix.

use super::context::Context;
use super::{Diagnostic, Rule, Severity};

pub const RULE: Rule = Rule {
    code: "system-drift",
    severity: Severity::Error,
    summary: "the running Nix does not use what the file sets (not switched yet, or not a trusted user)",
    doc: "\
`cachectl check --system` (and `cachectl why`) read the settings the local Nix really uses,
with `nix show-config --json` (Nix 2.8 to 2.19) or `nix config show --json` (newer), and
compare substituters, trusted-public-keys, trusted-users, require-sigs, connect-timeout and
fallback with the files. Each difference is one finding: an error when the file sets
something the running Nix lacks, `info` when the running Nix uses a cache the files do not
set (another module, nix.conf, an older generation).

Why it matters: most \"it still builds from source\" reports are drift. The file has the
cache, but nix-daemon still runs with the old nix.conf because `nixos-rebuild switch` (or
`darwin-rebuild switch`, `home-manager switch`) was not run, or the daemon was not
restarted. Or the user is not in `trusted-users`, so the substituters of a flake's
`nixConfig` are ignored for them (\"ignoring untrusted substituter\") and everything builds.

How to fix: switch to the configuration (`sudo nixos-rebuild switch`), restart nix-daemon
if it keeps old settings, and for flake `nixConfig` caches either add the user to
`nix.settings.trusted-users` or move the cache to `nix.settings`. `cachectl why PATH` shows,
for one store path, what each cache answers and what Nix will do.",
};

/// Made by `check --system`, not by the offline pass.
pub fn check(_: &Context<'_>, _: &mut Vec<Diagnostic>) {}
