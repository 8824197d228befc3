//! `cachectl export` on the built binary: nix.conf lines and JSON for an install script,
//! with tailnet caches left out, checked against what the real Nix reads from them.

#[path = "support/coverage_env.rs"]
mod coverage_env;
#[path = "support/nixcache.rs"]
mod nixcache;
#[path = "support/nixenv.rs"]
mod nixenv;

use coverage_env::{json, run, text};

const MAG_KEY: &str = "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0=";
const NIXOS_KEY: &str = "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=";

/// magnolia over Tailscale and over the LAN, then cache.nixos.org.
fn magnolia_repo() -> tempfile::TempDir {
    let subs = ["http://magnolia:5000", "http://192.168.1.50:5000", "https://cache.nixos.org"].map(String::from);
    coverage_env::repo(&subs, &[MAG_KEY.to_owned(), NIXOS_KEY.to_owned()])
}

#[test]
fn tailnet_caches_are_left_out_with_a_comment() {
    let dir = magnolia_repo();
    let out = run(dir.path(), &["export"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    expect_test::expect![[r#"
        # Binary caches of modules/base.nix, written by cachectl export.
        # left out http://magnolia:5000 (modules/base.nix:5): reachable only over Tailscale, which is not up during an install (--include-unreachable keeps it)
        substituters = http://192.168.1.50:5000 https://cache.nixos.org
        trusted-public-keys = magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0= cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=
    "#]]
    .assert_eq(&text(&out.stdout));
    assert_eq!(
        text(&out.stderr),
        "modules/base.nix:5: note: left out http://magnolia:5000: reachable only over Tailscale, which is not up during an install\n"
    );
}

#[test]
fn include_unreachable_and_extra_forms() {
    let dir = magnolia_repo();
    let out = run(dir.path(), &["export", "--include-unreachable", "--extra"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let conf = text(&out.stdout);
    assert!(
        conf.contains("\nextra-substituters = http://magnolia:5000 http://192.168.1.50:5000 https://cache.nixos.org\n"),
        "{conf}"
    );
    assert!(conf.contains(&format!("\nextra-trusted-public-keys = {MAG_KEY} {NIXOS_KEY}\n")), "{conf}");
    assert!(!conf.contains("left out"), "{conf}");
    assert_eq!(text(&out.stderr), "");
}

#[test]
fn json_format() {
    let dir = magnolia_repo();
    for args in [&["export", "--format", "json"][..], &["--json", "export", "--extra"][..]] {
        let out = run(dir.path(), args, None);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let v = json(&out);
        let extra = args.contains(&"--extra");
        assert_eq!(v["extra"], extra);
        assert_eq!(v["options"]["substituters"], if extra { "extra-substituters" } else { "substituters" });
        assert_eq!(v["substituters"], serde_json::json!(["http://192.168.1.50:5000", "https://cache.nixos.org"]));
        assert_eq!(v["trusted-public-keys"], serde_json::json!([MAG_KEY, NIXOS_KEY]));
        assert_eq!(v["left_out"][0]["url"], "http://magnolia:5000");
        assert_eq!(v["left_out"][0]["line"], 5);
        assert_eq!(v["file"], "modules/base.nix");
    }
}

#[test]
fn what_cannot_be_exported_fails_without_leaking_secrets() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("modules")).expect("mkdir");
    let secret = cachectl::keys::encode_b64(&[0x5a; 64]);
    let nix = format!(
        "{{ host, ... }}: {{\n  nix.settings.substituters = [ \"http://${{host}}:5000\" \"https://cache.nixos.org\" ];\n  \
         nix.settings.trusted-public-keys = [ \"leak-1:{secret}\" \"{NIXOS_KEY}\" ];\n}}\n"
    );
    std::fs::write(dir.path().join("modules/base.nix"), nix).expect("write");
    let out = run(dir.path(), &["export"], None);
    assert_eq!(out.status.code(), Some(1));
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(stdout.contains("\nsubstituters = https://cache.nixos.org\n"), "{stdout}");
    assert!(stdout.contains(&format!("\ntrusted-public-keys = {NIXOS_KEY}\n")), "{stdout}");
    assert!(stderr.contains("modules/base.nix:2: warning: a substituter is computed"), "{stderr}");
    assert!(
        stderr.contains("modules/base.nix:3: warning: trusted key left out: key `leak-1` is a secret signing key"),
        "{stderr}"
    );
    assert!(!stdout.contains(&secret[..16]) && !stderr.contains(&secret[..16]), "the secret was printed");
}

/// Nix reads the written lines back: the base options replace its setting, the `extra-`
/// forms add to it.
#[test]
fn real_nix_reads_the_exported_lines() {
    let dir = magnolia_repo();
    for (extra, want) in [
        (false, "http://192.168.1.50:5000 https://cache.nixos.org"),
        (true, "file:///nonexistent-base-cache http://192.168.1.50:5000 https://cache.nixos.org"),
    ] {
        let args: &[&str] = if extra { &["export", "--extra"] } else { &["export"] };
        let out = run(dir.path(), args, None);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let env = nixenv::NixEnv::new();
        let conf = env.path().join("conf/nix.conf");
        let base = std::fs::read_to_string(&conf)
            .expect("read nix.conf")
            .replace("substituters =\n", "substituters = file:///nonexistent-base-cache\n");
        std::fs::write(&conf, base + &text(&out.stdout)).expect("write nix.conf");
        let shown = nixenv::output(env.command("nix").args(["show-config", "--json"]));
        assert!(shown.status.success(), "{}", text(&shown.stderr));
        let v: serde_json::Value = serde_json::from_slice(&shown.stdout).expect("nix show-config prints JSON");
        let subs: Vec<&str> =
            v["substituters"]["value"].as_array().into_iter().flatten().filter_map(|s| s.as_str()).collect();
        assert_eq!(subs.join(" "), want, "extra: {extra}");
        let keys: Vec<&str> =
            v["trusted-public-keys"]["value"].as_array().into_iter().flatten().filter_map(|s| s.as_str()).collect();
        assert!(keys.contains(&MAG_KEY) && keys.contains(&NIXOS_KEY), "{keys:?}");
    }
}
