//! `cachectl check` and `cachectl explain` end to end: the built binary on the golden
//! modules of tests/data/check, copied into a temp dir so paths in the output are relative.
//!
//! Each `<code>.nix` module triggers the finding `<code>`; clean.nix and no-cache.nix
//! trigger nothing; cross/ is a base module whose key pairs with a host's substituter.
//! The temp dir has no `.git`, `flake.nix` or `cachectl.toml`, so only imports give
//! context here; tests/check_context.rs covers repositories.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use expect_test::expect;

/// The random 64 bytes in secret-key.nix, which must never be printed.
const SECRET_B64: &str = "Fdy9SKu1i8RUsa43VpuMoTJqTvF8V7RZLthXgdDZqLzgBQ8elHIZCbYCddsZX8rtxENmmgW3tVjxBjw8FjnWQw==";

fn golden() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/check")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

/// A temp dir holding a copy of the golden modules.
fn workdir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(&golden(), dir.path());
    dir
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cachectl"))
        .current_dir(dir)
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("run cachectl")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

/// The golden modules named after a code, sorted.
fn code_modules() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(golden())
        .expect("read_dir")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".nix") && n != "clean.nix" && n != "no-cache.nix")
        .collect();
    names.sort();
    names
}

#[test]
fn each_golden_module_reports_its_code_and_the_exit_status_follows_severity() {
    let dir = workdir();
    let mut snapshot = String::new();
    for name in code_modules() {
        let want = name.trim_end_matches(".nix");
        let rule_severity = {
            let out = run(dir.path(), &["explain", want]);
            assert_eq!(code(&out), 0, "explain {want}: {}", text(&out.stderr));
            let first = text(&out.stdout);
            first.split(['(', ')']).nth(1).unwrap_or_default().to_owned()
        };
        let out = run(dir.path(), &["check", &name]);
        let stdout = text(&out.stdout);
        let prefix = format!("{name}:");
        assert!(
            stdout.lines().any(|l| l.starts_with(&prefix) && l.contains(&format!(": {rule_severity}[{want}]: "))),
            "{name} should report {rule_severity}[{want}]:\n{stdout}"
        );
        let expected_exit = if stdout.contains(": error[") { 1 } else { 0 };
        assert_eq!(code(&out), expected_exit, "{name}: {stdout}{}", text(&out.stderr));
        assert!(text(&out.stderr).starts_with("cachectl: 1 file checked: "), "{name}: {}", text(&out.stderr));
        snapshot.push_str(&format!("$ cachectl check {name}  # exit {}\n{stdout}", code(&out)));
    }
    expect![[r#"
        $ cachectl check deprecated-option.nix  # exit 0
        deprecated-option.nix:3:3: warning[deprecated-option]: `nix.binaryCaches` is deprecated: rename it to `nix.settings.substituters`
        deprecated-option.nix:4:3: warning[deprecated-option]: `nix.binaryCachePublicKeys` is deprecated: rename it to `nix.settings.trusted-public-keys`
        $ cachectl check duplicate.nix  # exit 0
        duplicate.nix:7:39: warning[duplicate]: `https://cache.nixos.org` is the same cache as `https://cache.nixos.org/` at duplicate.nix:4:5
        duplicate.nix:10:5: warning[duplicate]: key `nix-community.cachix.org-1` is already listed at duplicate.nix:9:5
        $ cachectl check flake-untrusted.nix  # exit 0
        flake-untrusted.nix:5:5: info[flake-untrusted]: `nixConfig.extra-substituters` applies only for trusted users: for others Nix says "ignoring untrusted flake configuration setting" and skips the cache
        $ cachectl check insecure-http.nix  # exit 0
        insecure-http.nix:4:22: warning[insecure-http]: `http://cache.example.org` is plain http to a public host: use `https://cache.example.org` (signatures stop tampering, not eavesdropping or stalling)
        $ cachectl check invalid-key.nix  # exit 1
        invalid-key.nix:6:7: error[invalid-key]: key `cache.example.org-1` decodes to 3 bytes, a public key has 32
        $ cachectl check invalid-url.nix  # exit 1
        invalid-url.nix:4:22: error[invalid-url]: `nix-community.cachix.org` is not a store url: expected scheme://… with one of http, https, s3, gs, ssh, ssh-ng, file, local, daemon, unix
        $ cachectl check key-mismatch.nix  # exit 1
        key-mismatch.nix:6:29: error[key-mismatch]: key `nix-community.cachix.org-1` is not the published key of nix-community: it differs at base64 character 43 (`z=…` instead of `s=…`)
        $ cachectl check mk-default.nix  # exit 0
        mk-default.nix:4:5: warning[mk-default]: `lib.mkDefault` loses to NixOS's own definition of `substituters` (cache.nixos.org), so this whole list is ignored: remove `lib.mkDefault`
        $ cachectl check mk-force.nix  # exit 0
        mk-force.nix:4:5: info[mk-force]: `lib.mkForce` drops NixOS's default substituter https://cache.nixos.org/ and the substituters of every other module
        $ cachectl check no-fallback.nix  # exit 0
        no-fallback.nix:4:22: warning[no-fallback]: `http://magnolia:5000` is on a LAN or a tailnet: when it is unreachable (away from that network, Tailscale is down, or during an install) builds hang or fail, see NixOS/nix#1990; add `connect-timeout = 5;` and `fallback = true;` to nix.settings
        $ cachectl check no-trusted-key.nix  # exit 0
        no-trusted-key.nix:6:7: warning[no-trusted-key]: no trusted key pairs with `https://hyprland.cachix.org`: Nix rejects its unsigned paths; add its public key to trusted-public-keys (a mirror signed by another key is fine)
        $ cachectl check not-checked.nix  # exit 0
        not-checked.nix:4:5: info[not-checked]: `nix.settings.substituters` could not be checked statically: the list is computed with `map`
        not-checked.nix:5:5: info[not-checked]: `nix.settings.trusted-public-keys` could not be checked statically: `trusted-public-keys` is inherited from `caches`: its value lives elsewhere
        $ cachectl check secret-key.nix  # exit 1
        secret-key.nix:5:22: warning[no-trusted-key]: no trusted key pairs with `http://magnolia:5000`: Nix rejects its unsigned paths; add its public key to trusted-public-keys (a mirror signed by another key is fine)
        secret-key.nix:7:7: error[secret-key]: `magnolia.cache:<secret redacted>` in `trusted-public-keys` is a secret signing key (64 bytes), not a public key: remove it and rotate it, it has leaked
        $ cachectl check syntax-error.nix  # exit 1
        syntax-error.nix:5:3: error[syntax-error]: syntax error: unexpected `}`, expected `;`
        $ cachectl check unused-key.nix  # exit 0
        unused-key.nix:7:7: warning[unused-key]: key `hyprland.cachix.org-1` pairs with no substituter in the files checked: remove it if its cache is gone (fine if it signs a mirror or a cache set elsewhere)
    "#]].assert_eq(&snapshot);
}

#[test]
fn clean_and_cacheless_modules_pass_silently() {
    let dir = workdir();
    for args in [
        &["check", "clean.nix"][..],
        &["check", "no-cache.nix"],
        &["check", "clean.nix", "no-cache.nix", "--deny-warnings"],
    ] {
        let out = run(dir.path(), args);
        assert_eq!(code(&out), 0, "{args:?}: {}", text(&out.stderr));
        assert_eq!(text(&out.stdout), "", "{args:?}");
        assert_eq!(text(&out.stderr), "", "{args:?}");
    }
}

#[test]
fn a_syntax_error_is_a_finding_with_its_position() {
    let dir = workdir();
    let out = run(dir.path(), &["check", "syntax-error.nix", "clean.nix"]);
    assert_eq!(code(&out), 1);
    expect![[r#"
        syntax-error.nix:5:3: error[syntax-error]: syntax error: unexpected `}`, expected `;`
    "#]]
    .assert_eq(&text(&out.stdout));
    assert_eq!(text(&out.stderr), "cachectl: 2 files checked: 1 error\n");
}

#[test]
fn unreadable_files_are_errors_with_exit_2() {
    let dir = workdir();
    let out = run(dir.path(), &["check", "clean.nix", "missing.nix"]);
    assert_eq!(code(&out), 2);
    assert!(text(&out.stderr).starts_with("cachectl: error: cannot read missing.nix: "), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "");
    let out = run(dir.path(), &["check", "cross"]);
    assert_eq!(code(&out), 2);
    assert!(text(&out.stderr).contains("cross is a directory"), "{}", text(&out.stderr));
    std::fs::write(dir.path().join("latin1.nix"), b"# caf\xe9\n{ }\n").expect("write");
    let out = run(dir.path(), &["check", "latin1.nix"]);
    assert_eq!(code(&out), 2);
    assert!(text(&out.stderr).contains("latin1.nix is not UTF-8 text"), "{}", text(&out.stderr));
}

#[test]
fn warnings_pass_unless_denied_and_infos_always_pass() {
    let dir = workdir();
    let warn = run(dir.path(), &["check", "no-trusted-key.nix"]);
    assert_eq!(code(&warn), 0);
    let denied = run(dir.path(), &["check", "--deny-warnings", "no-trusted-key.nix"]);
    assert_eq!(code(&denied), 1);
    assert_eq!(text(&warn.stdout), text(&denied.stdout));
    let info = run(dir.path(), &["check", "--deny-warnings", "flake-untrusted.nix", "mk-force.nix", "not-checked.nix"]);
    assert_eq!(code(&info), 0, "{}", text(&info.stdout));
    assert!(text(&info.stdout).lines().all(|l| l.contains(": info[")), "{}", text(&info.stdout));
}

#[test]
fn keys_in_base_pair_with_substituters_in_a_host_file() {
    let dir = workdir();
    let together = run(dir.path(), &["check", "--deny-warnings", "cross/base.nix", "cross/host.nix"]);
    assert_eq!(code(&together), 0, "{}", text(&together.stdout));
    assert_eq!(text(&together.stdout), "");
    // Alone, host.nix still pairs: it imports base.nix, which is read as context.
    let host = run(dir.path(), &["check", "--deny-warnings", "cross/host.nix"]);
    assert_eq!((code(&host), text(&host.stdout)), (0, String::new()));
    let host = run(dir.path(), &["check", "--isolated", "cross/host.nix"]);
    expect![[r#"
        cross/host.nix:5:33: warning[no-trusted-key]: no trusted key pairs with `http://magnolia:5000`: Nix rejects its unsigned paths; add its public key to trusted-public-keys (a mirror signed by another key is fine)
        cross/host.nix:5:33: warning[no-fallback]: `http://magnolia:5000` is on a LAN or a tailnet: when it is unreachable (away from that network, Tailscale is down, or during an install) builds hang or fail, see NixOS/nix#1990; add `connect-timeout = 5;` and `fallback = true;` to nix.settings
    "#]].assert_eq(&text(&host.stdout));
    let base = run(dir.path(), &["check", "cross/base.nix"]);
    expect![[r#"
        cross/base.nix:8:7: warning[unused-key]: key `magnolia.cache` pairs with no substituter in the files checked: remove it if its cache is gone (fine if it signs a mirror or a cache set elsewhere)
    "#]].assert_eq(&text(&base.stdout));

    let json = run(dir.path(), &["--json", "check", "cross/base.nix", "cross/host.nix"]);
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).expect("one JSON document");
    expect![[r#"
        [
          {
            "file": "cross/base.nix",
            "key": "cache.nixos.org-1",
            "line": 5,
            "url": "https://cache.nixos.org/"
          },
          {
            "file": "cross/host.nix",
            "key": "magnolia.cache",
            "line": 5,
            "url": "http://magnolia:5000"
          }
        ]"#]]
    .assert_eq(&serde_json::to_string_pretty(&doc["caches"]).expect("json"));
}

#[test]
fn duplicates_count_across_files_checked_as_one_configuration() {
    let dir = workdir();
    // Unrelated by imports, the two files are two configurations.
    let out = run(dir.path(), &["check", "--deny-warnings", "clean.nix", "cross/base.nix"]);
    assert_eq!((code(&out), text(&out.stdout)), (0, String::new()));
    let out = run(dir.path(), &["check", "--isolated", "clean.nix", "cross/base.nix"]);
    expect![[r#"
        cross/base.nix:5:22: warning[duplicate]: `https://cache.nixos.org/` is already listed at clean.nix:6:7
        cross/base.nix:7:7: warning[duplicate]: key `cache.nixos.org-1` is already listed at clean.nix:11:7
        cross/base.nix:8:7: warning[duplicate]: key `magnolia.cache` is already listed at clean.nix:13:7
    "#]]
    .assert_eq(&text(&out.stdout));
    assert_eq!(code(&out), 0);
}

#[test]
fn json_is_one_document_with_the_documented_fields() {
    let dir = workdir();
    let mut args = vec!["--json", "check"];
    let names = code_modules();
    args.extend(names.iter().map(String::as_str));
    let out = run(dir.path(), &args);
    assert_eq!(code(&out), 1);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is exactly one JSON document");
    let keys = |v: &serde_json::Value| -> Vec<String> {
        let mut k: Vec<String> = v.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default();
        k.sort();
        k
    };
    assert_eq!(keys(&doc), ["caches", "diagnostics"]);
    let diags = doc["diagnostics"].as_array().expect("array");
    assert!(diags.len() >= names.len(), "{diags:?}");
    for d in diags {
        assert_eq!(keys(d), ["code", "column", "file", "line", "message", "severity"]);
        assert!(["error", "warning", "info"].contains(&d["severity"].as_str().unwrap_or_default()), "{d}");
        assert!(d["line"].as_u64().is_some_and(|l| l >= 1) && d["column"].as_u64().is_some_and(|c| c >= 1), "{d}");
    }
    for c in doc["caches"].as_array().expect("array") {
        assert_eq!(keys(c), ["file", "key", "line", "url"]);
    }
    // The text form has the same findings, one per line.
    let plain = run(dir.path(), &args[1..]);
    assert_eq!(text(&plain.stdout).lines().count(), diags.len());
}

#[test]
fn a_secret_key_is_never_printed() {
    let dir = workdir();
    let needles = [SECRET_B64, &SECRET_B64[..16], &SECRET_B64[40..60], SECRET_B64.trim_end_matches('=')];
    // Also pasted as a substituter, where it would otherwise be echoed as an invalid URL.
    let as_url = format!("{{ nix.settings.substituters = [ \"{SECRET_B64}\" \"k:{SECRET_B64}\" ]; }}\n");
    std::fs::write(dir.path().join("secret-url.nix"), as_url).expect("write");
    for args in [
        &["check", "secret-key.nix"][..],
        &["--json", "check", "secret-key.nix"],
        &["check", "secret-url.nix"],
        &["--json", "check", "secret-url.nix", "secret-key.nix"],
    ] {
        let out = run(dir.path(), args);
        assert_eq!(code(&out), 1, "{args:?}");
        let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert!(all.contains("secret"), "{args:?}: {all}");
        for n in needles {
            assert!(!all.contains(n), "{args:?} printed the secret: {all}");
        }
    }
    let out = run(dir.path(), &["check", "secret-key.nix"]);
    assert!(
        text(&out.stdout).contains("secret-key.nix:7:7: error[secret-key]: `magnolia.cache:<secret redacted>`"),
        "{}",
        text(&out.stdout)
    );
    assert!(text(&out.stdout).contains("rotate"), "{}", text(&out.stdout));
}

#[test]
fn without_files_the_configured_nix_file_is_checked() {
    let dir = workdir();
    std::fs::create_dir_all(dir.path().join("modules")).expect("mkdir");
    std::fs::copy(dir.path().join("no-fallback.nix"), dir.path().join("modules/base.nix")).expect("copy");
    let out = run(dir.path(), &["check"]);
    assert!(text(&out.stdout).starts_with("modules/base.nix:4:22: warning[no-fallback]: "), "{}", text(&out.stdout));
    let out = run(dir.path(), &["check", "--file", "invalid-key.nix"]);
    assert_eq!(code(&out), 1);
    assert!(text(&out.stdout).starts_with("invalid-key.nix:6:7: error[invalid-key]: "), "{}", text(&out.stdout));
}

#[test]
fn the_registry_names_mirrors_so_they_pair() {
    let dir = workdir();
    let module = "{ nix.settings = {\n  substituters = [ \"http://192.168.1.50:5000\" ];\n  trusted-public-keys = [ \"magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0=\" ];\n  connect-timeout = 5; fallback = true;\n}; }\n";
    std::fs::write(dir.path().join("lan.nix"), module).expect("write");
    let out = run(dir.path(), &["check", "lan.nix"]);
    expect![[r#"
        lan.nix:2:20: info[no-trusted-key]: no trusted key pairs with `http://192.168.1.50:5000` by name; `magnolia.cache`, in the same block, pairs with no substituter either and may sign it (`cachectl check --online` tells; a cachectl.toml route pairs them)
        lan.nix:3:27: info[unused-key]: key `magnolia.cache` pairs with no substituter by name; `http://192.168.1.50:5000`, in the same block, pairs with no key either and may be signed by it (`cachectl check --online` tells; a cachectl.toml route pairs them)
    "#]].assert_eq(&text(&out.stdout));
    let toml = "[caches.magnolia]\nkey = \"magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0=\"\n[caches.magnolia.via]\ntailscale = \"http://magnolia:5000\"\nlan = \"http://192.168.1.50:5000\"\n";
    std::fs::write(dir.path().join("cachectl.toml"), toml).expect("write");
    let out = run(dir.path(), &["check", "--deny-warnings", "lan.nix"]);
    assert_eq!((code(&out), text(&out.stdout)), (0, String::new()));
}

#[test]
fn the_same_file_twice_is_checked_once() {
    let dir = workdir();
    let out = run(dir.path(), &["check", "clean.nix", "./clean.nix"]);
    assert_eq!((code(&out), text(&out.stdout)), (0, String::new()));
}

#[test]
fn explain_lists_codes_documents_each_and_rejects_unknown_ones() {
    let dir = workdir();
    let list = run(dir.path(), &["explain"]);
    assert_eq!(code(&list), 0);
    let listing = text(&list.stdout);
    for name in code_modules() {
        let c = name.trim_end_matches(".nix");
        assert!(listing.lines().any(|l| l.trim_start().starts_with(&format!("{c} "))), "{c} missing:\n{listing}");
    }
    let out = run(dir.path(), &["explain", "no-fallback"]);
    let doc = text(&out.stdout);
    assert!(doc.starts_with("no-fallback (warning): "), "{doc}");
    assert!(doc.contains("connect-timeout = 5;\n      fallback = true;") && doc.contains("NixOS/nix#1990"), "{doc}");
    let doc = text(&run(dir.path(), &["explain", "no-trusted-key"]).stdout);
    assert!(doc.contains("mirror"), "{doc}");
    let out = run(dir.path(), &["explain", "no-such-code"]);
    assert_eq!(code(&out), 2);
    assert!(
        text(&out.stderr).starts_with("cachectl: error: unknown code `no-such-code`; known codes: syntax-error, "),
        "{}",
        text(&out.stderr)
    );
}
