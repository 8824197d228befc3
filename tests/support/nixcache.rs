//! Real binary caches made by the real Nix (Debian's nix-bin 2.8), once per test binary.
//!
//! Nix runs single-user with its own `NIX_CONF_DIR`, `HOME` and XDG dirs, and a chroot
//! store (`store = local?root=…`), so nothing outside the fixture directory is touched and
//! no substituter is contacted. Two input-addressed paths are built: `hello`, and
//! `greeting`, which refers to `hello`. Two caches hold both:
//! - `signed`: signed by `test-1` (`nix store sign` in the store, then `nix copy`);
//! - `other`: copied unsigned, then signed in the cache itself by `test-2` only.
//!
//! A missing Nix is a test failure, not a skip.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

pub struct NixCache {
    pub root: PathBuf,
    /// Cache directory signed by `test-1`.
    pub signed: PathBuf,
    /// Cache directory signed only by `test-2`.
    pub other: PathBuf,
    /// `test-1:…` and `test-2:…` public keys.
    pub key1: String,
    pub key2: String,
    pub hello: String,
    pub greeting: String,
}

/// The fixture's derivations: `hello`, and `greeting`, which refers to it.
pub const DRV: &str = r#"
let
  mk = name: script: builtins.derivation {
    inherit name;
    system = builtins.currentSystem;
    builder = "/bin/sh";
    args = [ "-c" script ];
  };
  hello = mk "hello" "echo hi > $out";
in { inherit hello; greeting = mk "greeting" "echo ${hello} > $out"; }
"#;

/// The fixture, built on first use.
pub fn nix_cache() -> &'static NixCache {
    static CACHE: OnceLock<NixCache> = OnceLock::new();
    CACHE.get_or_init(build)
}

impl NixCache {
    /// A Nix command with the fixture's private configuration and nothing from the caller's
    /// environment but `PATH`.
    pub fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/bin:/bin".into());
        cmd.env_clear().env("PATH", path).env("NIX_CONF_DIR", self.root.join("conf"));
        for (var, dir) in [
            ("HOME", "home"),
            ("XDG_CACHE_HOME", "home/.cache"),
            ("XDG_CONFIG_HOME", "home/.config"),
            ("XDG_DATA_HOME", "home/.local/share"),
            ("XDG_STATE_HOME", "home/.local/state"),
            ("TMPDIR", "tmp"),
        ] {
            cmd.env(var, self.root.join(dir));
        }
        cmd.current_dir(&self.root);
        cmd
    }

    /// Runs a Nix command and returns its output, whatever the exit status.
    pub fn run(&self, program: &str, args: &[&str]) -> Output {
        match self.command(program).args(args).output() {
            Ok(out) => out,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                panic!("`{program}` not found: the online tests need Debian's nix-bin (apt-get install nix-bin)")
            }
            Err(e) => panic!("cannot run {program}: {e}"),
        }
    }

    /// Runs a Nix command that must succeed; returns its trimmed stdout.
    pub fn ok(&self, program: &str, args: &[&str]) -> String {
        let out = self.run(program, args);
        assert!(
            out.status.success(),
            "{program} {args:?} failed ({}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// A writable copy of a cache directory, under the fixture root.
    pub fn copy_cache(&self, from: &Path, name: &str) -> PathBuf {
        let to = self.root.join(name);
        let _ = std::fs::remove_dir_all(&to);
        copy_dir(from, &to);
        to
    }

    /// The narinfo file of `path` in cache `dir`.
    pub fn narinfo_file(dir: &Path, store_path: &str) -> PathBuf {
        let base = store_path.rsplit('/').next().unwrap_or_default();
        dir.join(format!("{}.narinfo", base.get(..32).unwrap_or_default()))
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read cache dir") {
        let entry = entry.expect("dir entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// Deletes a tree that Nix made read-only.
fn force_remove(path: &Path) {
    if !path.exists() {
        return;
    }
    let _ = Command::new("chmod").args(["-R", "u+w"]).arg(path).stderr(std::process::Stdio::null()).status();
    let _ = std::fs::remove_dir_all(path);
}

fn build() -> NixCache {
    let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    // Fixtures of test runs that have ended (their pid is gone) are removed.
    if let Ok(entries) = std::fs::read_dir(&base) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let stale = name.strip_prefix("nixcache-").is_some_and(|pid| !Path::new("/proc").join(pid).exists());
            if stale {
                force_remove(&e.path());
            }
        }
    }
    let root = base.join(format!("nixcache-{}", std::process::id()));
    force_remove(&root);
    for dir in ["conf", "home/.cache", "home/.config", "tmp"] {
        std::fs::create_dir_all(root.join(dir)).expect("mkdir fixture");
    }
    let conf = format!(
        "build-users-group =\nsubstituters =\ntrusted-public-keys =\n\
         experimental-features = nix-command\nstore = local?root={}\nsandbox = false\n\
         sandbox-paths = /bin/sh=/bin/dash /usr /lib /lib64\n",
        root.join("store").display()
    );
    std::fs::write(root.join("conf/nix.conf"), conf).expect("write nix.conf");
    std::fs::write(root.join("paths.nix"), DRV).expect("write paths.nix");

    let mut cache = NixCache {
        signed: root.join("signed"),
        other: root.join("other"),
        root,
        key1: String::new(),
        key2: String::new(),
        hello: String::new(),
        greeting: String::new(),
    };
    for n in ["1", "2"] {
        cache.ok(
            "nix-store",
            &["--generate-binary-cache-key", &format!("test-{n}"), &format!("sec{n}"), &format!("pub{n}")],
        );
    }
    let read = |f: &str| std::fs::read_to_string(cache.root.join(f)).expect("read key").trim().to_owned();
    (cache.key1, cache.key2) = (read("pub1"), read("pub2"));

    let built = cache.ok("nix-build", &["--no-out-link", "paths.nix", "-A", "hello", "-A", "greeting"]);
    let find = |suffix: &str| built.lines().find(|l| l.ends_with(suffix)).map(str::to_owned);
    cache.hello = find("-hello").unwrap_or_else(|| panic!("no hello in nix-build output: {built}"));
    cache.greeting = find("-greeting").unwrap_or_else(|| panic!("no greeting in nix-build output: {built}"));

    let other_url = format!("file://{}", cache.other.display());
    let signed_url = format!("file://{}", cache.signed.display());
    let (hello, greeting) = (cache.hello.clone(), cache.greeting.clone());
    cache.ok("nix", &["copy", "--to", &other_url, &greeting]);
    cache.ok("nix", &["store", "sign", "--store", &other_url, "-k", "sec2", &hello, &greeting]);
    cache.ok("nix", &["store", "sign", "-k", "sec1", "-r", &greeting]);
    cache.ok("nix", &["copy", "--to", &signed_url, &greeting]);
    cache
}
