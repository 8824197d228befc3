//! CLI tests: the built binary in temp dirs, exit codes, and files left byte-identical
//! whenever an edit is refused.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use cachectl::keys::encode_b64;

const MAG_KEY: &str = "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0=";
const NC_KEY: &str = "nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs=";

fn data(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(p)
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

/// A temp dir holding `modules/base.nix` with the given content.
fn repo(base: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("modules")).expect("mkdir");
    std::fs::write(dir.path().join("modules/base.nix"), base).expect("write");
    dir
}

fn base(dir: &tempfile::TempDir) -> String {
    std::fs::read_to_string(dir.path().join("modules/base.nix")).expect("read")
}

const BASE: &str = "{ ... }:\n{\n  nix.settings = {\n    substituters = [\n      \"https://cache.nixos.org\"\n    ];\n    trusted-public-keys = [\n      \"cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=\"\n    ];\n  };\n}\n";

fn valid_key(name: &str, seed: u8) -> String {
    let sk = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
    format!("{name}:{}", encode_b64(sk.verifying_key().as_bytes()))
}

#[test]
fn refused_files_stay_byte_identical_with_file_and_line() {
    let cases = [
        ("computed-map.nix", "computed-map.nix:8: error: the list is computed with `map`"),
        ("inherit-from.nix", "inherit-from.nix:7: error: `substituters` is inherited from `shared`"),
        ("extra-options.nix", "extra-options.nix:4: error: `substituters` is set in nix.extraOptions text"),
        ("syntax-error.nix", "syntax-error.nix:4:3: error: syntax error"),
        (
            "etc-nix-conf-text.nix",
            "etc-nix-conf-text.nix:5: error: this file already sets caches where cachectl cannot add safely",
        ),
        ("foldl-records.nix", "line 11 (`nix.settings` is computed (`foldl'`))"),
        ("settings-import.nix", "settings-import.nix:3: error: this file already sets caches"),
        ("hm-no-package.nix", "this looks like a home-manager module (line 3) without `nix.package`"),
        ("unrecognised-set.nix", "unrecognised-set.nix:5: error:"),
        ("lambda-defaults-text.nix", "lambda-defaults-text.nix:6: error:"),
        (
            "two-places.nix",
            "two-places.nix: error: 2 places set caches; choose one with --at LINE: line 3 (nix.settings), line 5",
        ),
    ];
    for (file, want) in cases {
        let dir = tempfile::tempdir().expect("tempdir");
        // The broken file is stored as `.broken` so repository-wide parse checks skip it.
        let stored =
            if file == "syntax-error.nix" { format!("refuse/{file}.broken") } else { format!("refuse/{file}") };
        let original = std::fs::read(data(&stored)).expect("read");
        std::fs::write(dir.path().join(file), &original).expect("write");
        let out = run(dir.path(), &["add", "magnolia", "--file", file]);
        assert_eq!(out.status.code(), Some(2), "{file}: {}", text(&out.stderr));
        assert!(text(&out.stderr).contains(want), "{file}: {}", text(&out.stderr));
        assert!(text(&out.stderr).contains("nothing was written"), "{file}");
        assert_eq!(std::fs::read(dir.path().join(file)).expect("read"), original, "{file} changed");
    }
}

#[test]
fn at_line_picks_one_of_several_places() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(data("refuse/two-places.nix"), dir.path().join("h.nix")).expect("copy");
    let out = run(dir.path(), &["-f", "h.nix", "add", "magnolia", "--at", "5"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let t = std::fs::read_to_string(dir.path().join("h.nix")).expect("read");
    assert!(t.contains("lib.mkForce [ \"https://cache.nixos.org\" \"http://magnolia:5000\" ]"), "{t}");
    assert!(t.contains("  nix.settings.substituters = [ \"https://cache.nixos.org\" ];"), "{t}");
}

#[test]
fn secret_keys_are_refused_and_never_echoed() {
    let secret_b64 = encode_b64(&[0x5a; 64]);
    let secret = format!("x.cachix.org-1:{secret_b64}");
    let dir = repo(BASE);
    for args in [
        vec!["add", "https://x.cachix.org", "--key", secret.as_str()],
        vec!["--json", "add", "https://x.cachix.org", "--key", secret.as_str(), "--dry-run"],
    ] {
        let out = run(dir.path(), &args);
        assert_eq!(out.status.code(), Some(2));
        let all = text(&out.stdout) + &text(&out.stderr);
        assert!(all.contains("secret"), "{all}");
        assert!(all.contains("rotate"), "{all}");
        assert!(!all.contains(&secret_b64[..16]), "the secret leaked: {all}");
    }
    assert_eq!(base(&dir), BASE);
}

#[test]
fn bad_keys_urls_and_names_are_errors() {
    let dir = repo(BASE);
    let typo = NC_KEY.replace("mB9F", "mB9G");
    let short = format!("x-1:{}", encode_b64(&[1; 31]));
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["add", "https://x.cachix.org", "--offline"], "pass --key"),
        (vec!["add", "https://x.cachix.org", "--key", "no-colon"], "invalid key: key has no `name:` prefix"),
        (vec!["add", "https://x.cachix.org", "--key", "x-1:@@@"], "not valid base64"),
        (vec!["add", "https://x.cachix.org", "--key", &short], "decodes to 31 bytes"),
        (vec!["add", "nix-community", "--key", &typo], "likely a typo"),
        (vec!["add", "https://x.org\"; boot.kernelParams = [ \"x\" ]; \"", "--key", MAG_KEY], "invalid store url"),
        (vec!["add", "https://x.org/${builtins.currentTime}", "--key", MAG_KEY], "treat as code"),
        (vec!["add", "ftp://x.org", "--key", MAG_KEY], "not a Nix store scheme"),
        (
            vec!["add", "nosuchcache", "--offline"],
            "unknown cache `nosuchcache`; known caches: cache.nixos.org, nix-community, magnolia",
        ),
        (
            vec!["add", "magnolia", "--via", "wifi"],
            "unknown route `wifi` for cache `magnolia`; known routes: tailscale",
        ),
    ];
    for (args, want) in cases {
        let out = run(dir.path(), &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(text(&out.stderr).contains(want), "{args:?}: {}", text(&out.stderr));
        assert!(!text(&out.stderr).ends_with(".\n"), "messages have no trailing period");
    }
    assert_eq!(base(&dir), BASE);
}

#[test]
fn file_flag_works_before_and_after_the_subcommand_and_default_is_found_upwards() {
    let dir = repo(BASE);
    std::fs::create_dir_all(dir.path().join("hosts/deep")).expect("mkdir");
    let out = run(&dir.path().join("hosts/deep"), &["add", "magnolia", "--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("+      \"http://magnolia:5000\""), "{}", text(&out.stdout));
    assert_eq!(base(&dir), BASE, "dry-run wrote");
    let out = run(dir.path(), &["-f", "modules/base.nix", "add", "nix-community"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = run(dir.path(), &["remove", "nix-community", "--file", "modules/base.nix"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(base(&dir), BASE, "add then remove must restore the file");
    let empty = tempfile::tempdir().expect("tempdir");
    let out = run(empty.path(), &["list"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("pass --file PATH"), "{}", text(&out.stderr));
}

#[test]
fn registry_file_sets_routes_and_default_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("nixos")).expect("mkdir");
    std::fs::write(dir.path().join("nixos/common.nix"), BASE).expect("write");
    let toml = std::fs::read_to_string(data("registry.toml")).expect("toml") + "\n";
    std::fs::write(dir.path().join("cachectl.toml"), format!("file = \"nixos/common.nix\"\n{toml}")).expect("write");
    let out = run(dir.path(), &["add", "magnolia", "--via", "lan"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = run(dir.path(), &["add", "magnolia", "--via", "tailscale"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("replaced http://192.168.1.50:5000 with http://magnolia:5000"),
        "{}",
        text(&out.stderr)
    );
    let t = std::fs::read_to_string(dir.path().join("nixos/common.nix")).expect("read");
    assert_eq!(t.matches("magnolia").count(), 2, "{t}");
    assert!(!t.contains("192.168"), "{t}");
    let out = run(dir.path(), &["remove", "magnolia"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(dir.path().join("nixos/common.nix")).expect("read"), BASE);
}

#[test]
fn removing_what_is_not_there_is_a_note_and_success() {
    let dir = repo(BASE);
    let out = run(dir.path(), &["remove", "magnolia"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stderr).contains("magnolia is not configured here; nothing to remove"), "{}", text(&out.stderr));
    assert_eq!(base(&dir), BASE);
}

#[test]
fn list_shows_name_url_params_key_and_position() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(data("modules/params-calls-unquoted.nix"), dir.path().join("m.nix")).expect("copy");
    let out = run(dir.path(), &["list", "-f", "m.nix"]);
    assert_eq!(out.status.code(), Some(0));
    let t = text(&out.stdout);
    assert!(t.contains("nix-community        https://nix-community.cachix.org?priority=10"), "{t}");
    assert!(t.contains("m.nix:5:5"), "{t}");
    let out = run(dir.path(), &["--json", "list", "-f", "m.nix"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let caches = v["caches"].as_array().expect("caches");
    assert_eq!(caches.len(), 3);
    assert_eq!(caches[2]["params"], "priority=20&trusted=1");
    assert_eq!(caches[2]["key"], "hyprland.cachix.org-1:a7pgxzMz7+chwVL3/pzj6jIBMioiJM7ypFP8PwtkuGc=");
    assert_eq!(caches[0]["line"], 4);
}

#[test]
fn extra_options_are_listed_read_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(data("refuse/extra-options.nix"), dir.path().join("m.nix")).expect("copy");
    let out = run(dir.path(), &["--json", "list", "-f", "m.nix"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let urls: Vec<&str> = v["caches"].as_array().expect("caches").iter().filter_map(|c| c["url"].as_str()).collect();
    assert_eq!(urls, ["https://cache.nixos.org", "https://nix-community.cachix.org"]);
}

#[test]
fn writes_keep_crlf_and_mode() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("c.nix");
    std::fs::copy(data("modules/crlf-tabs.nix"), &p).expect("copy");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    let out = run(dir.path(), &["add", "magnolia", "-f", "c.nix"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let t = std::fs::read_to_string(&p).expect("read");
    assert!(t.contains("\t\t\t\"http://magnolia:5000\"\r\n"), "{t:?}");
    assert_eq!(t.matches('\n').count(), t.matches("\r\n").count(), "a bare LF was written");
    assert_eq!(std::fs::metadata(&p).expect("meta").permissions().mode() & 0o777, 0o640);
}

#[test]
fn json_edit_report_and_dry_run_diff() {
    let dir = repo(BASE);
    let out = run(dir.path(), &["--json", "add", "magnolia", "--dry-run"]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["changed"], true);
    assert_eq!(v["written"], false);
    assert!(v["diff"].as_str().expect("diff").contains(&format!("+      \"{MAG_KEY}\"")));
    assert_eq!(base(&dir), BASE);
}

#[test]
fn parallel_adds_lose_no_update_and_leave_no_temp_files() {
    let dir = repo(BASE);
    let children: Vec<_> = (0..16u8)
        .map(|i| {
            let url = format!("https://c{i}.cachix.org");
            let key = valid_key(&format!("c{i}.cachix.org-1"), i + 1);
            Command::new(env!("CARGO_BIN_EXE_cachectl"))
                .current_dir(dir.path())
                .args(["add", &url, "--key", &key, "--offline"])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().expect("wait");
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    }
    let t = base(&dir);
    for i in 0..16u8 {
        assert!(t.contains(&format!("\"https://c{i}.cachix.org\"")), "c{i} lost:\n{t}");
        assert!(t.contains(&valid_key(&format!("c{i}.cachix.org-1"), i + 1)), "key {i} lost");
    }
    let names: Vec<_> = std::fs::read_dir(dir.path().join("modules"))
        .expect("dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name())
        .collect();
    assert_eq!(names, ["base.nix"]);
}

#[test]
fn closed_stdout_is_not_an_error() {
    let dir = repo(BASE);
    let mut child = Command::new(env!("CARGO_BIN_EXE_cachectl"))
        .current_dir(dir.path())
        .args(["man"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
}

#[test]
fn completions_and_man_page() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run(dir.path(), &["completions", "bash"]);
    assert!(text(&out.stdout).contains("_cachectl"), "bash completion");
    assert!(text(&run(dir.path(), &["completions", "zsh"]).stdout).starts_with("#compdef cachectl"), "zsh");
    assert!(text(&run(dir.path(), &["completions", "fish"]).stdout).contains("complete -c cachectl"), "fish");
    let out = run(dir.path(), &["completions", "elvish"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("[possible values: bash, zsh, fish]"), "{}", text(&out.stderr));
    let out = run(dir.path(), &["man"]);
    assert!(text(&out.stdout).starts_with(".ie") || text(&out.stdout).contains(".TH cachectl"), "man page");
}

#[test]
fn list_marks_read_only_places_with_their_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(data("refuse/etc-nix-conf-text.nix"), dir.path().join("m.nix")).expect("copy");
    let out = run(dir.path(), &["--json", "list", "-f", "m.nix"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let caches = v["caches"].as_array().expect("caches");
    assert_eq!(caches.len(), 1, "{v}");
    let c = &caches[0];
    assert_eq!(c["url"], "https://nix-community.cachix.org");
    assert_eq!(c["editable"], false);
    assert!(c["reason"].as_str().is_some_and(|r| r.contains("nix.conf text")), "{c}");
    assert_eq!((c["line"].as_u64(), c["column"].as_u64()), (Some(5), Some(26)));
    let table = run(dir.path(), &["list", "-f", "m.nix"]);
    let shown = text(&table.stdout);
    assert!(shown.contains("m.nix:5:26") && shown.contains("(read-only: environment.etc"), "{shown}");
}

#[test]
fn list_reads_let_lists_fed_into_text_as_editable() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(data("shapes/extra-options-let.nix"), dir.path().join("m.nix")).expect("copy");
    let out = run(dir.path(), &["--json", "list", "-f", "m.nix"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let caches = v["caches"].as_array().expect("caches");
    assert_eq!(caches.len(), 1, "{v}");
    assert_eq!(caches[0]["editable"], true);
    assert_eq!(caches[0]["option"], "extra-substituters");
    assert_eq!(caches[0]["line"], 5);
    assert_eq!(caches[0]["key"], "nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs=");
}

#[test]
fn add_in_a_bare_settings_file_edits_it_in_place() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(data("shapes/vars-file.nix"), dir.path().join("caches.nix")).expect("copy");
    let reg = data("registry.toml");
    let out = run(dir.path(), &["--config", reg.to_str().expect("utf-8"), "add", "magnolia", "-f", "caches.nix"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let after = std::fs::read_to_string(dir.path().join("caches.nix")).expect("read");
    let before = std::fs::read_to_string(data("shapes/vars-file.nix")).expect("read");
    assert_eq!(after.matches(" = {").count(), before.matches(" = {").count(), "a block was created:\n{after}");
    assert_eq!(after.matches("\"http://magnolia:5000\"").count(), 1, "{after}");
}
