//! The flake's outputs, evaluated by the real Nix evaluator.
//!
//! nixpkgs cannot be downloaded where the tests run, so the flake's `outputs` function is
//! called by hand with `tests/data/stub-nixpkgs.nix` as the `nixpkgs` input. That checks
//! what a typo or a wrong attribute path would break (the output schema, the package's
//! name, version and lock file, the app's program path, the hook definition) without
//! building anything. Whether the package really builds is CI's `nix flake check`.

#[path = "support/nixenv.rs"]
mod nixenv;

use serde_json::Value;

const SYSTEMS: [&str; 4] = ["x86_64-linux", "aarch64-linux", "x86_64-darwin", "aarch64-darwin"];

/// Evaluates `expr` with the repository root as the base of relative paths and returns the
/// result as JSON.
fn eval(expr: &str) -> Value {
    let root = env!("CARGO_MANIFEST_DIR");
    let env = nixenv::NixEnv::new();
    let out = nixenv::output(
        env.command("nix-instantiate").current_dir(root).args(["--eval", "--strict", "--json", "--expr", expr]),
    );
    assert!(out.status.success(), "nix-instantiate failed:\n{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("nix-instantiate printed JSON")
}

/// The parts of the flake that the tests look at, turned into plain data: functions and
/// paths can't go through `--json`, and paths would be copied into the store.
const FLAKE_FACTS: &str = r#"
let
  stub = import ./tests/data/stub-nixpkgs.nix;
  flake = import ./flake.nix;
  out = flake.outputs { self = out; nixpkgs = stub; };
  mapAttrs = builtins.mapAttrs;
  package = p: {
    # an attribute set with `outPath` would turn into just that string in JSON
    out = p.outPath;
    inherit (p) pname version postInstall;
    lockFile = toString p.cargoLock.lockFile;
    srcFiles = p.src.files;
    meta = { inherit (p.meta) description mainProgram license platforms; };
    nativeBuildInputs = map (d: d.name) p.nativeBuildInputs;
  };
in
{
  inherit (flake) description;
  inputs = mapAttrs (_: i: i.url) flake.inputs;
  outputNames = builtins.attrNames out;
  packages = mapAttrs (_: mapAttrs (_: package)) out.packages;
  apps = out.apps;
  checks = mapAttrs (_: c: {
    names = builtins.attrNames c;
    packageOutPath = c.cachectl.outPath;
    dogfood = c.dogfood.script;
  }) out.checks;
  devShells = mapAttrs (_: s: map (p: p.name) s.default.packages) out.devShells;
  formatter = mapAttrs (_: f: f.name) out.formatter;
  overlay = package (out.overlays.default stub.legacyPackages.x86_64-linux { }).cachectl;
  gitHooks = out.lib.gitHooks { cachectl = { outPath = "/nix/store/stub-cachectl"; }; };
}
"#;

/// `FLAKE_FACTS`, evaluated once for all tests of this file.
fn facts() -> &'static Value {
    static FACTS: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    FACTS.get_or_init(|| eval(FLAKE_FACTS))
}

fn str_at<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or_else(|| panic!("{pointer} is not a string in {v:#}"))
}

#[test]
fn flake_has_one_input_nixpkgs_unstable() {
    let facts = facts();
    assert_eq!(facts["inputs"], serde_json::json!({ "nixpkgs": "github:NixOS/nixpkgs/nixos-unstable" }));
    assert!(!str_at(facts, "/description").is_empty());
    for output in ["apps", "checks", "devShells", "formatter", "lib", "overlays", "packages"] {
        assert!(
            facts["outputNames"].as_array().is_some_and(|a| a.contains(&Value::from(output))),
            "missing output {output}: {}",
            facts["outputNames"]
        );
    }
}

#[test]
fn packages_build_cachectl_from_the_lock_file_on_every_system() {
    let facts = facts();
    let root = env!("CARGO_MANIFEST_DIR");
    let cargo_toml: toml::Table =
        toml::from_str(&std::fs::read_to_string(format!("{root}/Cargo.toml")).expect("read Cargo.toml"))
            .expect("Cargo.toml is TOML");
    let version = cargo_toml["package"]["version"].as_str().expect("package.version");

    for system in SYSTEMS {
        let pkg = &facts["packages"][system]["cachectl"];
        assert_eq!(pkg["pname"], "cachectl", "{system}");
        assert_eq!(pkg["version"], version, "{system}: version comes from Cargo.toml");
        assert_eq!(pkg["lockFile"], format!("{root}/Cargo.lock"), "{system}");
        assert_eq!(pkg["meta"]["mainProgram"], "cachectl", "{system}");
        assert!(!str_at(pkg, "/meta/description").is_empty(), "{system}");
        assert_eq!(facts["packages"][system]["default"], *pkg, "{system}: default is cachectl");
    }

    let pkg = &facts["packages"]["x86_64-linux"]["cachectl"];
    // The source is only what cargo needs, so docs and CI edits don't rebuild the package.
    let src: Vec<&str> = pkg["srcFiles"].as_array().expect("srcFiles").iter().filter_map(Value::as_str).collect();
    for needed in [".cargo/config.toml", "Cargo.toml", "Cargo.lock", "build.rs", "src"] {
        assert!(src.contains(&format!("{root}/{needed}").as_str()), "{needed} not in src {src:?}");
    }
    for not_needed in ["flake.nix", "docs", "scripts", "README.md"] {
        assert!(!src.contains(&format!("{root}/{not_needed}").as_str()), "{not_needed} should not be in src {src:?}");
    }
    assert_eq!(pkg["nativeBuildInputs"], serde_json::json!(["install-shell-files"]));
    let post_install = str_at(pkg, "/postInstall");
    for piece in ["completions bash", "completions zsh", "completions fish", "installManPage"] {
        assert!(post_install.contains(piece), "postInstall lacks {piece}: {post_install}");
    }
}

#[test]
fn apps_run_the_cachectl_binary() {
    let facts = facts();
    for system in SYSTEMS {
        for name in ["cachectl", "default"] {
            let app = &facts["apps"][system][name];
            assert_eq!(app["type"], "app", "{system}.{name}");
            let program = str_at(app, "/program");
            assert!(program.ends_with("/bin/cachectl"), "{system}.{name}: {program}");
            assert!(
                program.starts_with(str_at(facts, &format!("/packages/{system}/cachectl/out"))),
                "{system}.{name} runs another package: {program}"
            );
            assert!(!str_at(app, "/meta/description").is_empty(), "{system}.{name}");
        }
    }
}

#[test]
fn checks_dev_shell_formatter_and_overlay_exist() {
    let facts = facts();
    for system in SYSTEMS {
        let checks = &facts["checks"][system];
        assert_eq!(checks["names"], serde_json::json!(["cachectl", "dogfood"]), "{system}");
        assert_eq!(
            checks["packageOutPath"], facts["packages"][system]["cachectl"]["out"],
            "{system}: the check builds the package"
        );
        assert!(str_at(checks, "/dogfood").contains("cachectl check"), "{system}");

        let shell = facts["devShells"][system].as_array().expect("devShell packages");
        for tool in ["cargo", "clippy", "rustfmt", "rust-analyzer", "rustc", "nix"] {
            assert!(shell.contains(&Value::from(tool)), "{system}: dev shell lacks {tool}");
        }
        assert_eq!(facts["formatter"][system], "nixfmt", "{system}");
    }
    assert_eq!(facts["overlay"], facts["packages"]["x86_64-linux"]["cachectl"]);
}

#[test]
fn git_hooks_definition_runs_cachectl_check_on_nix_files() {
    let facts = facts();
    let hook = &facts["gitHooks"]["cachectl-check"];
    assert_eq!(hook["enable"], true);
    assert_eq!(hook["files"], "\\.nix$");
    assert_eq!(hook["pass_filenames"], true);
    assert_eq!(hook["entry"], "/nix/store/stub-cachectl/bin/cachectl check");
    assert!(!str_at(hook, "/description").is_empty());

    let fix = &facts["gitHooks"]["cachectl-fix"];
    assert_eq!(fix["enable"], false, "a hook that edits files is opt-in");
    assert_eq!(fix["files"], "\\.nix$");
    assert_eq!(fix["entry"], "/nix/store/stub-cachectl/bin/cachectl fix");

    // The file on its own, as a git-hooks.nix user imports it.
    let direct = eval(r#"import ./nix/git-hooks.nix { cachectl = "/nix/store/x-cachectl"; }"#);
    assert_eq!(direct["cachectl-check"]["files"], "\\.nix$");
    assert!(str_at(&direct, "/cachectl-check/entry").contains("cachectl check"));
}

#[test]
fn pre_commit_hook_manifest_matches_the_nix_hook() {
    let manifest = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/.pre-commit-hooks.yaml"))
        .expect("read .pre-commit-hooks.yaml");
    for line in
        ["- id: cachectl-check", "entry: cachectl check", "language: rust", r"files: '\.nix$'", "pass_filenames: true"]
    {
        assert!(manifest.lines().any(|l| l.trim() == line), ".pre-commit-hooks.yaml lacks `{line}`");
    }
    let fix = manifest.split("- id: cachectl-fix").nth(1).expect("a cachectl-fix hook");
    assert!(fix.lines().any(|l| l.trim() == "entry: cachectl fix"), "{fix}");
}
