//! Secrets never leak: no output of the binary ever holds a secret key's bytes.
//!
//! A real ed25519 secret key (64 bytes, seed then public key, as `nix-store
//! --generate-binary-cache-key` writes it) is planted in `trusted-public-keys` of the file,
//! where users paste it by mistake, and given on the command line with `--key`. Every
//! command that reads the file or the key runs in text and `--json` form, with and without
//! `--dry-run`, and its stdout and stderr are searched for the secret in every encoding it
//! could be printed in: base64 (any 12 characters of it, padded or not), hex, and the
//! base64 of the seed alone.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use cachectl::keys::encode_b64;
use ed25519_dalek::SigningKey;

const BASE: &str = r#"{ lib, ... }:
{
  nix.settings = {
    substituters = [
      "https://cache.nixos.org"
      "https://leaky.cachix.org"
    ];
    trusted-public-keys = [
      "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY="
      "SECRET"
    ];
  };
}
"#;

/// The planted secret key: its `name:base64` form and every string that would betray it.
struct Secret {
    full: String,
    needles: Vec<String>,
}

fn secret(seed: u8) -> Secret {
    let sk = SigningKey::from_bytes(&[seed; 32]);
    let bytes = sk.to_keypair_bytes();
    let b64 = encode_b64(&bytes);
    let mut needles: Vec<String> = Vec::new();
    // Any 12 consecutive base64 characters of the secret (72 bits: no accidental match).
    // The last 43 characters encode the public half, which is not secret: skip windows
    // that lie entirely in it.
    let secret_part = &b64[..44];
    for i in 0..=secret_part.len() - 12 {
        needles.push(secret_part[i..i + 12].to_owned());
    }
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    needles.push(hex[..24].to_owned());
    needles.push(hex[..24].to_uppercase());
    needles.push(encode_b64(&bytes[..32]).trim_end_matches('=').to_owned());
    Secret { full: format!("leaky.cachix.org-1:{b64}"), needles }
}

fn data(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(p)
}

fn run(dir: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cachectl"))
        .current_dir(dir)
        .args(["--config", data("registry.toml").to_str().expect("utf-8 path")])
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run cachectl");
    if let Some(mut i) = child.stdin.take() {
        use std::io::Write as _;
        let _ = i.write_all(stdin.as_bytes());
    }
    child.wait_with_output().expect("wait for cachectl")
}

/// Every command line to try, with what to feed on stdin.
fn commands(key: &str) -> Vec<(Vec<String>, &'static str)> {
    let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<String>>();
    let mut cmds: Vec<(Vec<String>, &'static str)> = Vec::new();
    for json in [false, true] {
        let j: &[&str] = if json { &["--json"] } else { &[] };
        let with = |v: &[&str]| -> Vec<String> { s(j).into_iter().chain(s(v)).collect() };
        cmds.extend([
            (with(&["list"]), ""),
            (with(&["check"]), ""),
            (with(&["check", "m.nix"]), ""),
            (with(&["check", "--deny-warnings"]), ""),
            (with(&["check", "--online", "--timeout", "1"]), ""),
            (with(&["export"]), ""),
            (with(&["export", "--format", "json"]), ""),
            (with(&["coverage", "--paths", "-", "--timeout", "1"]), "/nix/store/00000000000000000000000000000000-x\n"),
            (with(&["add", "magnolia", "--dry-run"]), ""),
            (with(&["add", "https://other.cachix.org", "--key", key, "--dry-run"]), ""),
            (with(&["add", "https://leaky.cachix.org", "--key", key]), ""),
            (with(&["add", "https://leaky.cachix.org", "--key", key, "--dry-run"]), ""),
            (with(&["remove", "https://leaky.cachix.org", "--dry-run"]), ""),
            (with(&["remove", "https://leaky.cachix.org", "--key", key, "--dry-run"]), ""),
            (with(&["remove", "nixos", "--dry-run"]), ""),
            (with(&["explain", "secret-key"]), ""),
            // Writing commands last: they change the file.
            (with(&["add", "magnolia"]), ""),
            (with(&["remove", "magnolia"]), ""),
            (with(&["remove", "https://leaky.cachix.org"]), ""),
        ]);
    }
    cmds
}

fn leaks(out: &Output, secret: &Secret) -> Option<String> {
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    secret.needles.iter().find(|n| text.contains(n.as_str())).map(|n| format!("`{n}` in:\n{text}"))
}

/// Drops the unified-diff hunks from an output (text, or the `diff` field of JSON).
fn without_diffs(out: &Output) -> Output {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stdout = match serde_json::from_str::<serde_json::Value>(&stdout) {
        Ok(mut v) => {
            if let Some(o) = v.as_object_mut() {
                o.remove("diff");
            }
            v.to_string()
        }
        Err(_) => stdout.lines().filter(|l| !l.starts_with([' ', '+', '-', '@'])).collect::<Vec<_>>().join("\n"),
    };
    Output { status: out.status, stdout: stdout.into_bytes(), stderr: out.stderr.clone() }
}

fn check_all_outputs(strip_diffs: bool) {
    let secret = secret(0x42);
    assert!(secret.needles.len() > 30);
    let mut failures = Vec::new();
    let mut ran = 0;
    for (args, stdin) in commands(&secret.full) {
        // A fresh file for each command: the writing ones change it.
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("m.nix"), BASE.replace("SECRET", &secret.full)).expect("write module");
        let mut full: Vec<&str> = vec!["--file", "m.nix"];
        full.extend(args.iter().map(String::as_str));
        let mut out = run(dir.path(), &full, stdin);
        if strip_diffs {
            out = without_diffs(&out);
        }
        ran += 1;
        if let Some(l) = leaks(&out, &secret) {
            failures.push(format!("`cachectl {}` (exit {:?}) printed {l}", args.join(" "), out.status.code()));
        }
    }
    assert!(ran >= 38, "too few commands ran: {ran}");
    assert!(failures.is_empty(), "{} outputs leak the secret:\n\n{}", failures.len(), failures.join("\n\n"));
}

#[test]
fn no_output_ever_holds_the_secret_key() {
    check_all_outputs(false);
}

/// Everything but the diff hunks, until the diffs are redacted (see the ignored test).
#[test]
fn no_output_but_the_diffs_holds_the_secret_key() {
    check_all_outputs(true);
}

#[test]
fn the_secret_in_the_file_is_reported_without_its_bytes() {
    let secret = secret(0x17);
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("m.nix"), BASE.replace("SECRET", &secret.full)).expect("write module");
    let out = run(dir.path(), &["--file", "m.nix", "check"], "");
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "a leaked secret key is a finding: {text}");
    assert!(text.contains("secret"), "the finding names the problem: {text}");
    assert!(text.contains("leaky.cachix.org-1"), "the finding names the key: {text}");
    assert!(leaks(&out, &secret).is_none(), "{text}");
}

#[test]
fn the_needles_find_a_printed_secret() {
    // The search itself must work: a fake output that holds the key is caught in any form.
    let secret = secret(0x42);
    let b64 = secret.full.split_once(':').map(|(_, b)| b.to_owned()).expect("name:b64");
    for shown in [secret.full.clone(), format!("…{}…", &b64[5..20]), b64.trim_end_matches('=').to_owned()] {
        let out = Output { status: success(), stdout: shown.into_bytes(), stderr: Vec::new() };
        assert!(leaks(&out, &secret).is_some());
    }
    let public_half = &b64[44..];
    let out = Output { status: success(), stdout: public_half.as_bytes().to_vec(), stderr: Vec::new() };
    assert!(leaks(&out, &secret).is_none(), "the public half alone is not a leak");
}

fn success() -> std::process::ExitStatus {
    Command::new("true").status().expect("run true")
}
