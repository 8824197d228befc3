//! `cachectl check FILES…` takes its context from the whole configuration: the built binary
//! in small repositories made in temp dirs with the real `git` (no network).
//!
//! The layout most tests start from: a flake with two hosts, `hosts/a.nix` and
//! `hosts/b.nix`, each importing `modules/base.nix`, which holds magnolia's key and the
//! fail-over settings. pre-commit passes only the staged files, so `check hosts/a.nix` must
//! see base.nix without reporting base.nix's own problems.

#[path = "support/nixenv.rs"]
mod nixenv;

use std::path::{Path, PathBuf};
use std::process::Command;

use expect_test::expect;

const MAG_KEY: &str = "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0=";
const NC_KEY: &str = "nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs=";

const FLAKE: &str = r#"{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
  outputs = { nixpkgs, ... }: {
    nixosConfigurations.a = nixpkgs.lib.nixosSystem { modules = [ ./hosts/a.nix ]; };
    nixosConfigurations.b = nixpkgs.lib.nixosSystem { modules = [ ./hosts/b.nix ]; };
  };
}
"#;

fn base() -> String {
    format!(
        r#"# Imported by every host.
{{ ... }}:
{{
  nix.settings = {{
    substituters = [ "https://nix-community.cachix.org" ];
    trusted-public-keys = [
      "{NC_KEY}"
      "{MAG_KEY}"
    ];
    connect-timeout = 5;
    fallback = true;
  }};
}}
"#
    )
}

/// A host importing `imports` that adds `subs` to the substituters.
fn host(imports: &[&str], subs: &[&str]) -> String {
    let imports: Vec<String> = imports.iter().map(|i| format!("    {i}\n")).collect();
    let subs: Vec<String> = subs.iter().map(|s| format!("\"{s}\"")).collect();
    format!(
        "{{ lib, ... }}:\n{{\n  imports = [\n{}  ];\n  nix.settings.substituters = [ {} ];\n  networking.hostName = \"h\";\n}}\n",
        imports.concat(),
        subs.join(" ")
    )
}

/// A repository in a temp dir.
struct Repo {
    dir: tempfile::TempDir,
}

impl Repo {
    /// An empty directory (`git init` when `git`).
    fn new(git: bool) -> Repo {
        let repo = Repo { dir: tempfile::tempdir().expect("tempdir") };
        if git {
            repo.git(&["init", "-q"]);
        }
        repo
    }

    /// The standard layout: flake, base module, two hosts (a also uses magnolia).
    fn standard(git: bool) -> Repo {
        let repo = Repo::new(git);
        repo.write("flake.nix", FLAKE);
        repo.write("modules/base.nix", &base());
        repo.write("hosts/a.nix", &host(&["../modules/base.nix"], &["http://magnolia:5000"]));
        repo.write("hosts/b.nix", &host(&["../modules/base.nix"], &[]));
        if git {
            repo.git(&["add", "."]);
        }
        repo
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn write(&self, rel: &str, text: &str) {
        let p = self.path().join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }

    fn git(&self, args: &[&str]) {
        let out = Command::new("git")
            .current_dir(self.path())
            .args(args)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", self.path())
            .env_remove("GIT_DIR")
            .env_remove("GIT_INDEX_FILE")
            .env_remove("GIT_WORK_TREE")
            .output()
            .expect("git is installed (a missing tool is a failure)");
        assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// Runs cachectl in `cwd` (relative to the repository): exit code, stdout, stderr.
    fn run_in(&self, cwd: &str, args: &[&str]) -> (i32, String, String) {
        let out = Command::new(env!("CARGO_BIN_EXE_cachectl"))
            .current_dir(self.path().join(cwd))
            .args(args)
            .env_remove("GIT_DIR")
            .env_remove("GIT_INDEX_FILE")
            .env_remove("GIT_WORK_TREE")
            .output()
            .expect("run cachectl");
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        (out.status.code().unwrap_or(-1), text(&out.stdout), text(&out.stderr))
    }

    fn run(&self, args: &[&str]) -> (i32, String, String) {
        self.run_in("", args)
    }
}

#[test]
fn a_host_file_alone_pairs_with_the_key_of_the_base_it_imports() {
    let repo = Repo::standard(true);
    assert_eq!(repo.run(&["check", "--deny-warnings", "hosts/a.nix"]), (0, String::new(), String::new()));
    // Today's behaviour on request: the named file alone.
    let (code, out, _) = repo.run(&["check", "--isolated", "hosts/a.nix"]);
    assert_eq!(code, 0);
    expect![[r#"
        hosts/a.nix:6:33: warning[no-trusted-key]: no trusted key pairs with `http://magnolia:5000`: Nix rejects its unsigned paths; add its public key to trusted-public-keys (a mirror signed by another key is fine)
        hosts/a.nix:6:33: warning[no-fallback]: `http://magnolia:5000` is on a LAN or a tailnet: when it is unreachable (away from that network, Tailscale is down, or during an install) builds hang or fail, see NixOS/nix#1990; add `connect-timeout = 5;` and `fallback = true;` to nix.settings
    "#]]
    .assert_eq(&out);
    // From a subdirectory, as a hook may run.
    assert_eq!(repo.run_in("hosts", &["check", "--deny-warnings", "a.nix"]).0, 0);
}

#[test]
fn imports_are_followed_even_when_not_tracked() {
    let repo = Repo::new(true);
    repo.write("flake.nix", FLAKE);
    repo.write("hosts/a.nix", &host(&["../modules"], &["http://magnolia:5000"]));
    repo.write("modules/default.nix", "{ imports = [ ./base.nix ]; }\n");
    repo.write("modules/base.nix", &base());
    // A file nobody imports and git does not track is not read: its key does not count.
    repo.write("modules/hypr.nix", "{ nix.settings.trusted-public-keys = [ \"hyprland.cachix.org-1:a7pgxzMz7+chwVL3/pzj6jIBMioiJM7ypFP8PwtkuGc=\" ]; }\n");
    repo.write("hosts/c.nix", &host(&[], &["https://hyprland.cachix.org"]));
    repo.git(&["add", "flake.nix", "hosts"]);
    assert_eq!(repo.run(&["check", "--deny-warnings", "hosts/a.nix"]), (0, String::new(), String::new()));
    let (_, out, _) = repo.run(&["check", "hosts/c.nix"]);
    assert!(out.starts_with("hosts/c.nix:5:33: warning[no-trusted-key]"), "{out}");
}

#[test]
fn tracked_files_pair_without_an_import() {
    let repo = Repo::new(true);
    // The flake wires base.nix in with a computed list: no static edge to follow.
    repo.write("flake.nix", "{ outputs = { nixpkgs, ... }: { nixosConfigurations.a = nixpkgs.lib.nixosSystem { modules = map (f: ./. + f) [ \"/hosts/a.nix\" \"/modules/base.nix\" ]; }; }; }\n");
    repo.write("modules/base.nix", &base());
    repo.write("hosts/a.nix", &host(&[], &["http://magnolia:5000"]));
    repo.git(&["add", "."]);
    assert_eq!(repo.run(&["check", "--deny-warnings", "hosts/a.nix"]), (0, String::new(), String::new()));
    // base.nix's magnolia key is used by a host's substituter: not unused.
    assert_eq!(repo.run(&["check", "--deny-warnings", "modules/base.nix"]), (0, String::new(), String::new()));
    let (_, out, _) = repo.run(&["check", "--isolated", "modules/base.nix"]);
    assert!(out.contains("warning[unused-key]: key `magnolia.cache`"), "{out}");
}

#[test]
fn duplicates_only_within_one_configuration() {
    let repo = Repo::standard(true);
    let nc = "https://nix-community.cachix.org";
    // Two hosts listing the same cache: two configurations, no duplicate.
    repo.write("hosts/a.nix", &host(&[], &[nc]));
    repo.write("hosts/b.nix", &host(&[], &[nc]));
    assert_eq!(repo.run(&["check", "--deny-warnings", "hosts/a.nix", "hosts/b.nix"]).1, "");
    // Listed by a host and by the base module it imports: a duplicate, citing the base module.
    repo.write("hosts/a.nix", &host(&["../modules/base.nix"], &[nc]));
    let (code, out, _) = repo.run(&["check", "hosts/a.nix", "hosts/b.nix"]);
    assert_eq!(code, 0);
    // b does not import base.nix, which holds the key: a trusts the cache, b does not.
    expect![[r#"
        hosts/a.nix:6:33: warning[duplicate]: `https://nix-community.cachix.org` is already listed at modules/base.nix:5:22
        hosts/b.nix:5:33: warning[host-drift]: `https://nix-community.cachix.org` reaches b without a trusted key for it (a trusts `nix-community.cachix.org-1`): Nix there rejects its paths; add the key to a file that host imports
    "#]]
    .assert_eq(&out);
    // Named alone, base.nix is told about the host that repeats it.
    let (_, out, _) = repo.run(&["check", "modules/base.nix"]);
    let dup: Vec<&str> = out.lines().filter(|l| l.contains("[duplicate]")).collect();
    assert_eq!(
        dup,
        [
            "modules/base.nix:5:22: warning[duplicate]: `https://nix-community.cachix.org` is already listed at hosts/a.nix:6:33"
        ]
    );
    // Two files of one flake `modules` list are one configuration.
    repo.write("flake.nix", &FLAKE.replace("[ ./hosts/b.nix ]", "[ ./hosts/b.nix ./hosts/extra.nix ]"));
    repo.write("hosts/extra.nix", &host(&[], &[nc]));
    let (_, out, _) = repo.run(&["check", "hosts/extra.nix"]);
    let dup: Vec<&str> = out.lines().filter(|l| !l.contains("[host-drift]")).collect();
    assert_eq!(
        dup,
        [
            "hosts/extra.nix:5:33: warning[duplicate]: `https://nix-community.cachix.org` is already listed at hosts/b.nix:5:33"
        ]
    );
    assert!(out.contains("reaches b without a trusted key"), "host b still lacks the key a has: {out}");
    // --isolated: the files named are one configuration, as before.
    let (_, out, _) = repo.run(&["check", "--isolated", "hosts/a.nix", "hosts/b.nix"]);
    let dup: Vec<&str> = out.lines().filter(|l| l.contains("[duplicate]")).collect();
    assert_eq!(
        dup,
        [
            "hosts/b.nix:5:33: warning[duplicate]: `https://nix-community.cachix.org` is already listed at hosts/a.nix:6:33"
        ]
    );
}

#[test]
fn findings_are_reported_only_in_the_files_named() {
    let repo = Repo::standard(true);
    let broken = base().replace(MAG_KEY, "magnolia.cache:7MVd").replace("https://nix", "http://nix");
    repo.write("modules/base.nix", &broken);
    let (code, out, err) = repo.run(&["check", "hosts/b.nix"]);
    assert_eq!((code, out.as_str(), err.as_str()), (0, "", ""));
    let (code, out, _) = repo.run(&["check", "modules/base.nix"]);
    assert_eq!(code, 1);
    assert!(
        out.contains("modules/base.nix:8:7: error[key-mismatch]") && out.contains("warning[insecure-http]"),
        "{out}"
    );
    assert!(out.lines().all(|l| l.starts_with("modules/base.nix:")), "{out}");
}

#[test]
fn a_directory_without_git_reads_the_tree_under_its_root() {
    let repo = Repo::new(false);
    repo.write("flake.nix", "{ outputs = _: { }; }\n");
    repo.write("modules/base.nix", &base());
    repo.write("hosts/a.nix", &host(&[], &["http://magnolia:5000"]));
    // Skipped: hidden directories, build results, node_modules; a symlink loop is no trap.
    for skipped in [".direnv/k.nix", "result/k.nix", "result-1/k.nix", "node_modules/k.nix"] {
        repo.write(skipped, "{ nix.settings.trusted-public-keys = [ \"hyprland.cachix.org-1:a7pgxzMz7+chwVL3/pzj6jIBMioiJM7ypFP8PwtkuGc=\" ]; }\n");
    }
    std::os::unix::fs::symlink(".", repo.path().join("hosts/loop")).expect("symlink");
    repo.write("hosts/c.nix", &host(&[], &["https://hyprland.cachix.org"]));
    assert_eq!(repo.run(&["check", "--deny-warnings", "hosts/a.nix"]), (0, String::new(), String::new()));
    assert!(repo.run(&["check", "hosts/c.nix"]).1.contains("warning[no-trusted-key]"));
    // No root marker at all: only imports give context.
    std::fs::remove_file(repo.path().join("flake.nix")).expect("rm");
    assert!(repo.run(&["check", "hosts/a.nix"]).1.contains("warning[no-trusted-key]"));
    repo.write("hosts/a.nix", &host(&["../modules/base.nix"], &["http://magnolia:5000"]));
    assert_eq!(repo.run(&["check", "--deny-warnings", "hosts/a.nix"]).1, "");
}

#[test]
fn a_named_file_outside_the_repository_gets_its_own_context() {
    let repo = Repo::standard(true);
    let outside = tempfile::tempdir().expect("tempdir");
    let lone = outside.path().join("lone.nix");
    std::fs::write(&lone, host(&[], &["http://magnolia:5000"])).expect("write");
    let (_, out, _) = repo.run(&["check", lone.to_str().expect("utf-8")]);
    assert!(out.contains("warning[no-trusted-key]"), "the repository is not its configuration: {out}");
    // Importing the repository's base module by path pairs it, and citations are relative.
    let base_path = repo.path().join("modules/base.nix");
    let text =
        host(&[base_path.to_str().expect("utf-8")], &["http://magnolia:5000", "https://nix-community.cachix.org"]);
    std::fs::write(&lone, text).expect("write");
    let (code, out, _) = repo.run(&["check", lone.to_str().expect("utf-8")]);
    assert_eq!(code, 0);
    let shown = format!(
        "{}:6:56: warning[duplicate]: `https://nix-community.cachix.org` is already listed at modules/base.nix:5:22\n",
        lone.display()
    );
    assert_eq!(out, shown);
}

#[test]
fn symlinks_are_read_once() {
    let repo = Repo::standard(true);
    std::os::unix::fs::symlink("hosts/a.nix", repo.path().join("configuration.nix")).expect("symlink");
    std::os::unix::fs::symlink("base.nix", repo.path().join("modules/same.nix")).expect("symlink");
    repo.write("hosts/a.nix", &host(&["../modules/base.nix", "../modules/same.nix"], &["http://magnolia:5000"]));
    repo.git(&["add", "."]);
    let (code, out, err) = repo.run(&["check", "--deny-warnings", "configuration.nix", "hosts/a.nix"]);
    assert_eq!((code, out.as_str(), err.as_str()), (0, "", ""), "a file is never a duplicate of itself");
}

#[test]
fn a_broken_or_unreadable_context_file_is_skipped_quietly() {
    let repo = Repo::standard(true);
    repo.write("modules/broken.nix", "{ nix.settings.trusted-public-keys = [ \"x\" ; }\n");
    std::fs::write(repo.path().join("modules/latin1.nix"), b"# caf\xe9\n{ }\n").expect("write");
    repo.write("hosts/b.nix", &host(&["../modules/base.nix", "../modules/broken.nix", "../modules/missing.nix"], &[]));
    let deep = format!("{{ x = {}1{}; }}\n", "[ ".repeat(400), " ]".repeat(400));
    repo.write("modules/deep.nix", &deep);
    repo.git(&["add", "."]);
    let (code, out, err) = repo.run(&["check", "--deny-warnings", "hosts/a.nix", "hosts/b.nix"]);
    assert_eq!((code, out.as_str(), err.as_str()), (0, "", ""));
    let (code, out, _) = repo.run(&["check", "modules/broken.nix"]);
    assert_eq!(code, 1);
    assert!(out.starts_with("modules/broken.nix:1:"), "named, it is reported: {out}");
}

#[test]
fn a_tree_too_large_gives_context_from_imports_only_with_a_note() {
    let repo = Repo::new(false);
    repo.write("flake.nix", "{ outputs = _: { }; }\n");
    repo.write("modules/base.nix", &base());
    repo.write("hosts/a.nix", &host(&["../modules/base.nix"], &["http://magnolia:5000"]));
    repo.write("hosts/c.nix", &host(&[], &["http://magnolia:5000"]));
    std::fs::create_dir_all(repo.path().join("gen")).expect("mkdir");
    for i in 0..5000 {
        std::fs::write(repo.path().join(format!("gen/{i}.nix")), "{ }\n").expect("write");
    }
    let (code, out, err) = repo.run(&["check", "--deny-warnings", "hosts/a.nix"]);
    assert_eq!((code, out.as_str()), (0, ""), "imports are still followed");
    assert!(err.starts_with("cachectl: note: ") && err.contains("more than 5000 .nix files"), "{err}");
    assert!(repo.run(&["check", "hosts/c.nix"]).1.contains("warning[no-trusted-key]"), "no tree context");
}

#[test]
fn an_import_cycle_ends_and_merges_its_files() {
    let repo = Repo::new(true);
    repo.write("flake.nix", FLAKE);
    repo.write("a.nix", &host(&["./b.nix"], &["https://nix-community.cachix.org"]));
    repo.write("b.nix", &host(&["./a.nix"], &["https://nix-community.cachix.org"]));
    repo.write("keys.nix", &format!("{{ nix.settings.trusted-public-keys = [ \"{NC_KEY}\" ]; }}\n"));
    repo.git(&["add", "."]);
    let (code, out, _) = repo.run(&["check", "a.nix"]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        "a.nix:6:33: warning[duplicate]: `https://nix-community.cachix.org` is already listed at b.nix:6:33\n"
    );
}

#[test]
fn without_files_the_configured_file_is_checked_with_context() {
    let repo = Repo::standard(true);
    repo.write("cachectl.toml", "file = \"hosts/a.nix\"\n");
    assert_eq!(repo.run(&["check", "--deny-warnings"]), (0, String::new(), String::new()));
    assert!(repo.run(&["check", "--isolated"]).1.contains("hosts/a.nix:6:33: warning[no-trusted-key]"));
}

#[test]
fn json_lists_the_named_files_caches_paired_with_context_keys() {
    let repo = Repo::standard(true);
    let (code, out, _) = repo.run(&["--json", "check", "hosts/a.nix"]);
    assert_eq!(code, 0);
    expect![[r#"
        {
          "caches": [
            {
              "file": "hosts/a.nix",
              "key": "magnolia.cache",
              "line": 6,
              "url": "http://magnolia:5000"
            }
          ],
          "diagnostics": []
        }
    "#]]
    .assert_eq(&out);
}

#[test]
fn a_forced_key_list_counts_only_in_its_own_configuration() {
    let repo = Repo::standard(true);
    // An installer image that trusts only magnolia: unrelated to host a.
    repo.write(
        "iso.nix",
        &format!("{{ lib, ... }}: {{ nix.settings.trusted-public-keys = lib.mkForce [ \"{MAG_KEY}\" ]; }}\n"),
    );
    repo.write("hosts/a.nix", &host(&["../modules/base.nix"], &["https://cache.nixos.org"]));
    repo.git(&["add", "."]);
    assert_eq!(repo.run(&["check", "--deny-warnings", "hosts/a.nix"]).1, "");
    // Imported by the host, it does drop cache.nixos.org's key there.
    repo.write("hosts/a.nix", &host(&["../modules/base.nix", "../iso.nix"], &["https://cache.nixos.org"]));
    let (_, out, _) = repo.run(&["check", "hosts/a.nix"]);
    assert!(
        out.starts_with(
            "hosts/a.nix:7:33: warning[no-trusted-key]: no trusted key pairs with `https://cache.nixos.org`"
        ),
        "{out}"
    );
}

#[test]
fn the_fixtures_are_valid_nix_for_the_real_parser() {
    let repo = Repo::standard(false);
    let env = nixenv::NixEnv::new();
    let files: Vec<PathBuf> =
        ["flake.nix", "modules/base.nix", "hosts/a.nix"].iter().map(|f| repo.path().join(f)).collect();
    let out = nixenv::output(env.command("nix-instantiate").arg("--parse").args(&files));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}
