//! Command-line definitions (clap). Turned into requests by the command modules.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Manage and check the binary caches (substituters and trusted keys) of a NixOS configuration.
#[derive(Debug, Parser)]
#[command(name = "cachectl", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// The Nix file to edit (default: `file =` in cachectl.toml, else modules/base.nix in
    /// the current directory or an ancestor).
    #[arg(short = 'f', long = "file", global = true, value_name = "PATH")]
    pub file: Option<PathBuf>,

    /// The registry of known caches (default: cachectl.toml in the current directory or an ancestor).
    #[arg(long = "config", global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Add a cache (by registry name, or a URL with --key) to substituters and trusted-public-keys.
    Add(AddArgs),
    /// Remove every URL of a cache (any route) and its key.
    Remove(RemoveArgs),
    /// List the configured caches with their keys and file:line.
    List,
    /// Lint cache settings offline (pre-commit), or check the caches themselves with --online.
    Check(CheckArgs),
    /// Which host of the flake uses which cache (matrix), with the file:line each comes from.
    Hosts(HostsArgs),
    /// Why a store path would be downloaded or built: every cache's answer, then Nix's verdict.
    Why(WhyArgs),
    /// Apply the safe fixes for what `check` finds; report what is left.
    Fix(FixArgs),
    /// Report which store paths the configured caches serve with a trusted signature.
    Coverage(CoverageArgs),
    /// Print the caches as nix.conf lines (or JSON) for an install script.
    Export(ExportArgs),
    /// Explain a diagnostic code of `cachectl check`.
    Explain {
        /// The code, e.g. `secret-key`.
        code: Option<String>,
    },
    /// Print a shell completion script.
    Completions {
        #[arg(value_enum)]
        shell: Shell,
    },
    /// Print the man page (roff).
    Man,
}

#[derive(Debug, Args)]
pub struct EditArgs {
    /// Which of several places that set caches to edit (a line inside it).
    #[arg(long, value_name = "LINE")]
    pub at: Option<usize>,

    /// Show the change as a unified diff and write nothing.
    #[arg(long, short = 'n')]
    pub dry_run: bool,

    /// Edit the module of this host of the flake alone (repeatable), not the shared file.
    #[arg(long, value_name = "NAME", conflicts_with = "at")]
    pub host: Vec<String>,
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// A cache name from the registry (`magnolia`, `nix-community`, `nixos`) or a store URL.
    pub cache: String,

    /// The route to use for a cache with several (`tailscale`, `lan`…); default: the first.
    #[arg(long, value_name = "ROUTE")]
    pub via: Option<String>,

    /// The public key (`name:base64`); without it, it is discovered (Cachix, attic) and
    /// proven on a real signature of the cache before anything is written.
    #[arg(long, value_name = "KEY")]
    pub key: Option<String>,

    /// Write a key that could not be proven (the cache is empty, or no probe path is there).
    #[arg(long)]
    pub trust: bool,

    /// Use no network: the key must come from --key or the registry.
    #[arg(long)]
    pub offline: bool,

    /// A store path the cache serves, to prove the key on (repeatable).
    #[arg(long, value_name = "STORE_PATH")]
    pub probe: Vec<String>,

    /// Seconds allowed for the whole discovery and proof.
    #[arg(long, default_value_t = cachectl::limits::DISCOVERY_TIMEOUT_SECS, value_name = "SECS")]
    pub timeout: f64,

    /// Also record the cache in cachectl.toml (created if missing), for the team.
    #[arg(long)]
    pub save: bool,

    #[command(flatten)]
    pub edit: EditArgs,
}

#[derive(Debug, Args)]
pub struct RemoveArgs {
    /// A cache name from the registry, or a store URL.
    pub cache: String,

    /// Also remove this key (by its name); default: the registry's key or the Cachix convention.
    #[arg(long, value_name = "KEY")]
    pub key: Option<String>,

    #[command(flatten)]
    pub edit: EditArgs,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files to check (pre-commit passes them); default: the Nix file. The rest of their
    /// configuration (the repository's other .nix files, and files they import) is read as
    /// context; findings are reported for these files only.
    pub files: Vec<PathBuf>,

    /// Check only the files named, together as one configuration; read no other file.
    #[arg(long)]
    pub isolated: bool,

    /// Also contact every configured cache: reachability, nix-cache-info and signatures.
    #[arg(long)]
    pub online: bool,

    /// Seconds allowed per cache when online.
    #[arg(long, default_value_t = cachectl::limits::CHECK_TIMEOUT_SECS, value_name = "SECS")]
    pub timeout: f64,

    /// A store path to verify the signature of (repeatable).
    #[arg(long, value_name = "STORE_PATH")]
    pub probe: Vec<String>,

    /// Exit 1 on warnings too.
    #[arg(long)]
    pub deny_warnings: bool,

    /// Also evaluate each host of the flake with `nix eval` and report every difference
    /// from the static reading (as `cachectl hosts --eval`).
    #[arg(long)]
    pub eval: bool,

    /// Also compare with the running Nix (`nix show-config --json`): each difference is a
    /// `system-drift` finding.
    #[arg(long)]
    pub system: bool,

    /// Apply the safe fixes, as `cachectl fix` does.
    #[arg(long, conflicts_with_all = ["online", "probe", "eval", "system"])]
    pub fix: bool,
}

#[derive(Debug, Args)]
pub struct WhyArgs {
    /// A store path (`/nix/store/…-firefox-128.0`) or an installable (`nixpkgs#hello`,
    /// `.#nixosConfigurations.mimosa.config.system.build.toplevel`; needs a local `nix`).
    pub target: String,

    /// Every path the installable would build (`nix build --dry-run`), each with its reason.
    #[arg(long)]
    pub builds: bool,

    /// Seconds allowed per cache.
    #[arg(long, default_value_t = cachectl::limits::CHECK_TIMEOUT_SECS, value_name = "SECS")]
    pub timeout: f64,
}

#[derive(Debug, Args)]
pub struct HostsArgs {
    /// Also ask Nix (`nix eval --json .#…config.nix.settings` per host) and report every
    /// difference from the static reading.
    #[arg(long)]
    pub eval: bool,
}

#[derive(Debug, Args)]
pub struct FixArgs {
    /// Files to fix (pre-commit passes them); default: the Nix file. The rest of their
    /// configuration is read as context, as for `check`; only these files are changed.
    pub files: Vec<PathBuf>,

    /// Read only the files named, together as one configuration.
    #[arg(long)]
    pub isolated: bool,

    /// Show the fixes as a unified diff and write nothing (exit 1 if there is something to fix).
    #[arg(long)]
    pub diff: bool,

    /// Exit 1 when warnings are left too.
    #[arg(long)]
    pub deny_warnings: bool,
}

#[derive(Debug, Args)]
pub struct CoverageArgs {
    /// A flake installable (e.g. `.#nixosConfigurations.mimosa`); needs a local `nix`.
    pub installable: Option<String>,

    /// Read store paths from this file (`-` for stdin), one per line.
    #[arg(long, value_name = "FILE")]
    pub paths: Option<PathBuf>,

    /// Use this host's caches (from the flake); without an installable or --paths, check
    /// its system (`.#nixosConfigurations.NAME.config.system.build.toplevel`).
    #[arg(long, value_name = "NAME")]
    pub host: Option<String>,

    /// Seconds allowed per request.
    #[arg(long, default_value_t = 5.0, value_name = "SECS")]
    pub timeout: f64,

    /// Requests in flight at once.
    #[arg(long, default_value_t = cachectl::coverage::DEFAULT_JOBS, value_name = "N")]
    pub jobs: usize,

    /// Exit 1 when coverage is below this percentage (default: when anything is not substitutable).
    #[arg(long, value_name = "P")]
    pub min_percent: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    NixConf,
    Json,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "nix-conf")]
    pub format: ExportFormat,

    /// Write `extra-substituters`/`extra-trusted-public-keys` instead of replacing the defaults.
    #[arg(long)]
    pub extra: bool,

    /// Keep caches that are unreachable during an install (tailnet names).
    #[arg(long)]
    pub include_unreachable: bool,

    /// Export this host's caches (from the flake) instead of the Nix file's.
    #[arg(long, value_name = "NAME")]
    pub host: Option<String>,
}

/// The shells `cachectl completions` writes for: the three the Nix package installs.
/// clap_complete's Elvish and PowerShell generators were 11 KB of a binary kept under 3 MB.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}
