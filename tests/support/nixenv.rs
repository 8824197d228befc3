//! Run the real Nix tools from tests without touching the machine's Nix setup.
//!
//! Run as root with its default config, even `nix-store --version` creates `/nix`. So every
//! command gets a fresh directory with its own `nix.conf` (no build users group, no
//! substituters, a chroot store under the temp dir) and its own `HOME` and XDG
//! directories; variables that could point Nix elsewhere are removed.
//!
//! A missing tool is a test failure, never a skip: CI must not go green without Nix.
//!
//! Use it from a test crate with:
//! ```ignore
//! #[path = "support/nixenv.rs"]
//! mod nixenv;
//! let env = nixenv::NixEnv::new();
//! let out = nixenv::output(env.command("nix-instantiate").args(["--parse", "x.nix"]));
//! ```
#![allow(dead_code)] // each test crate uses a different part

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use tempfile::TempDir;

/// A throwaway Nix configuration, store and home. Dropping it deletes them, so keep it
/// alive as long as its commands run.
pub struct NixEnv {
    dir: TempDir,
}

const LEAKY_VARS: &[&str] = &[
    "NIX_CONFIG",
    "NIX_PATH",
    "NIX_REMOTE",
    "NIX_STORE_DIR",
    "NIX_STATE_DIR",
    "NIX_LOG_DIR",
    "NIX_DATA_DIR",
    "NIX_DAEMON_SOCKET_PATH",
    "XDG_CONFIG_DIRS",
];

impl NixEnv {
    pub fn new() -> NixEnv {
        let dir = tempfile::Builder::new().prefix("cachectl-nixenv-").tempdir().expect("create a temp dir for Nix");
        let root = dir.path();
        for sub in ["conf", "home", "cache", "config", "data", "state", "root"] {
            fs::create_dir(root.join(sub)).expect("create a Nix temp subdir");
        }
        let conf = format!(
            "build-users-group =\n\
             substituters =\n\
             trusted-public-keys =\n\
             experimental-features = nix-command flakes\n\
             store = local?root={store}\n\
             sandbox = false\n\
             sandbox-paths = /bin/sh=/bin/dash /usr /lib /lib64\n",
            store = root.join("root").display()
        );
        fs::write(root.join("conf/nix.conf"), conf).expect("write nix.conf");
        NixEnv { dir }
    }

    /// The temp directory; `root/` in it holds the chroot store.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A command for `tool` (`nix-instantiate`, `nix`, `nix-store`, …) that uses only this
    /// environment's config, store and home.
    pub fn command(&self, tool: &str) -> Command {
        let root = self.dir.path();
        let mut cmd = Command::new(tool);
        for var in LEAKY_VARS {
            cmd.env_remove(var);
        }
        cmd.env("NIX_CONF_DIR", root.join("conf"))
            .env("NIX_USER_CONF_FILES", root.join("conf/nix.conf"))
            .env("HOME", root.join("home"))
            .env("XDG_CACHE_HOME", root.join("cache"))
            .env("XDG_CONFIG_HOME", root.join("config"))
            .env("XDG_DATA_HOME", root.join("data"))
            .env("XDG_STATE_HOME", root.join("state"));
        cmd
    }
}

impl Default for NixEnv {
    fn default() -> Self {
        NixEnv::new()
    }
}

/// A command for `tool` in a fresh environment of its own. Keep the `NixEnv` alive until the
/// command has finished.
pub fn nix_command(tool: &str) -> (Command, NixEnv) {
    let env = NixEnv::new();
    (env.command(tool), env)
}

/// Runs `cmd` and returns its output, panicking with an install hint if the tool is missing.
pub fn output(cmd: &mut Command) -> Output {
    match cmd.output() {
        Ok(out) => out,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => panic!(
            "{:?} is not installed: these tests need the real Nix tools \
             (Debian: apt install nix-bin; Nix: nix develop)",
            cmd.get_program()
        ),
        Err(err) => panic!("cannot run {:?}: {err}", cmd.get_program()),
    }
}
