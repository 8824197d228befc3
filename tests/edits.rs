//! before⇒after cases for every edit shape, through the pure core (no I/O).
//!
//! Each case shows the file after the edit, or the error that refused it. Update with
//! `UPDATE_EXPECT=1 cargo test --test edits` and review the diff.

use cachectl::nix::plan::{self, AddRequest, RemoveRequest};
use expect_test::{Expect, expect};

const MAG_URL: &str = "http://magnolia:5000";
const MAG_LAN: &str = "http://192.168.1.50:5000";
const MAG_KEY: &str = "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0=";
const NC_URL: &str = "https://nix-community.cachix.org";
const NC_KEY: &str = "nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs=";

fn show(before: &str, r: Result<plan::Outcome, plan::EditError>) -> String {
    match r {
        Ok(o) => {
            let notes: String = o.notes.iter().map(|n| format!("# note line {}: {}\n", n.line, n.message)).collect();
            match o.new_text {
                // CR and tab are made visible so layout is part of the snapshot.
                Some(t) => format!("{notes}{}", t.replace('\r', "␍").replace('\t', "→")),
                None => {
                    let _ = before;
                    format!("{notes}(unchanged)\n")
                }
            }
        }
        Err(e) => format!("error: {e}\n"),
    }
}

fn add_at(before: &str, url: &str, key: &str, at: Option<usize>, expect: Expect) {
    let req = AddRequest { url: url.into(), key: key.into(), alternatives: vec![MAG_URL.into(), MAG_LAN.into()], at };
    let r = plan::add(before, &req);
    if let Ok(plan::Outcome { new_text: Some(t), .. }) = &r {
        let again = plan::add(t, &req).expect("second add works");
        assert!(again.new_text.is_none(), "add is not idempotent:\n{t}");
    }
    expect.assert_eq(&show(before, r));
}

fn add(before: &str, expect: Expect) {
    add_at(before, MAG_URL, MAG_KEY, None, expect)
}

fn remove(before: &str, urls: &[&str], key_names: &[&str], expect: Expect) {
    let req = RemoveRequest {
        urls: urls.iter().map(|s| s.to_string()).collect(),
        key_names: key_names.iter().map(|s| s.to_string()).collect(),
        at: None,
    };
    expect.assert_eq(&show(before, plan::remove(before, &req)));
}

#[test]
fn nested_settings_block() {
    add(
        r#"{ lib, ... }:
{
  nix.settings = {
    # caches
    substituters = [
      "https://cache.nixos.org"
    ];
    trusted-public-keys = [
      "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY="
    ];
  };
}
"#,
        expect![[r#"
            { lib, ... }:
            {
              nix.settings = {
                # caches
                substituters = [
                  "https://cache.nixos.org"
                  "http://magnolia:5000"
                ];
                trusted-public-keys = [
                  "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY="
                  "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0="
                ];
              };
            }
        "#]],
    );
}

#[test]
fn nix_attrset_with_settings_attrset() {
    add(
        "{\n  nix = {\n    gc.automatic = true;\n    settings = {\n      substituters = [ \"https://cache.nixos.org\" ];\n      trusted-public-keys = [ \"cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=\" ];\n    };\n  };\n}\n",
        expect![[r#"
            {
              nix = {
                gc.automatic = true;
                settings = {
                  substituters = [ "https://cache.nixos.org" "http://magnolia:5000" ];
                  trusted-public-keys = [ "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=" "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0=" ];
                };
              };
            }
        "#]],
    );
}

#[test]
fn fully_dotted_bindings() {
    add(
        "{\n  nix.settings.substituters = [\n    \"https://cache.nixos.org/\"\n  ];\n  nix.settings.trusted-public-keys = [\n    \"cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=\"\n  ];\n}\n",
        expect![[r#"
            {
              nix.settings.substituters = [
                "https://cache.nixos.org/"
                "http://magnolia:5000"
              ];
              nix.settings.trusted-public-keys = [
                "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY="
                "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0="
              ];
            }
        "#]],
    );
}

#[test]
fn dotted_substituters_only_creates_keys_next_to_it() {
    add(
        "{ ... }: {\n  nix.settings.substituters = [ \"https://cache.nixos.org\" ]; # main\n  networking.hostName = \"x\";\n}\n",
        expect![[r#"
            { ... }: {
              nix.settings.substituters = [ "https://cache.nixos.org" "http://magnolia:5000" ]; # main
              nix.settings.trusted-public-keys = [ "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0=" ];
              networking.hostName = "x";
            }
        "#]],
    );
}

#[test]
fn wrapped_in_mk_functions() {
    add(
        "{ lib, ... }: {\n  nix.settings.substituters = lib.mkBefore [\n    \"https://cache.nixos.org\"\n  ];\n  nix.settings.trusted-public-keys = lib.mkOrder 500 [ \"cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=\" ];\n}\n",
        expect![[r#"
            { lib, ... }: {
              nix.settings.substituters = lib.mkBefore [
                "https://cache.nixos.org"
                "http://magnolia:5000"
              ];
              nix.settings.trusted-public-keys = lib.mkOrder 500 [ "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=" "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0=" ];
            }
        "#]],
    );
    add(
        "{ lib, ... }: {\n  nix.settings = lib.mkForce {\n    substituters = lib.mkForce [ ];\n    trusted-public-keys = lib.mkDefault [ ];\n  };\n}\n",
        expect![[r#"
            { lib, ... }: {
              nix.settings = lib.mkForce {
                substituters = lib.mkForce [ "http://magnolia:5000" ];
                trusted-public-keys = lib.mkDefault [ "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0=" ];
              };
            }
        "#]],
    );
}

#[test]
fn module_with_options_and_mkif() {
    add(
        r#"{ config, lib, ... }:
let
  cfg = config.my.caches;
in
{
  options.my.caches.enable = lib.mkEnableOption "caches";
  config = lib.mkIf cfg.enable {
    nix.settings = {
      substituters = [ "https://cache.nixos.org" ];
      trusted-public-keys = [ "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=" ];
    };
  };
}
"#,
        expect![[r#"
            { config, lib, ... }:
            let
              cfg = config.my.caches;
            in
            {
              options.my.caches.enable = lib.mkEnableOption "caches";
              config = lib.mkIf cfg.enable {
                nix.settings = {
                  substituters = [ "https://cache.nixos.org" "http://magnolia:5000" ];
                  trusted-public-keys = [ "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=" "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0=" ];
                };
              };
            }
        "#]],
    );
}

#[test]
fn mk_merge_blocks() {
    add(
        r#"{ lib, config, ... }:
{
  config = lib.mkMerge [
    { services.openssh.enable = true; }
    (lib.mkIf config.services.tailscale.enable {
      nix.settings.substituters = [ "http://magnolia:5000" ];
    })
  ];
}
"#,
        expect![[r##"
            # note line 6: http://magnolia:5000 is already in substituters
            { lib, config, ... }:
            {
              config = lib.mkMerge [
                { services.openssh.enable = true; }
                (lib.mkIf config.services.tailscale.enable {
                  nix.settings.substituters = [ "http://magnolia:5000" ];
                  nix.settings.trusted-public-keys = [ "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0=" ];
                })
              ];
            }
        "##]],
    );
}

#[test]
fn partly_dotted_inside_nix_merge() {
    add(
        r#"{ lib, ... }:
{
  nix = lib.mkMerge [
    {
      settings.substituters = [ "https://cache.nixos.org" ];
      settings.trusted-public-keys = [ "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=" ];
    }
  ];
}
"#,
        expect![[r#"
            { lib, ... }:
            {
              nix = lib.mkMerge [
                {
                  settings.substituters = [ "https://cache.nixos.org" "http://magnolia:5000" ];
                  settings.trusted-public-keys = [ "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=" "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0=" ];
                }
              ];
            }
        "#]],
    );
}

#[test]
fn concatenation_edits_the_literal_list() {
    add(
        r#"{ lib, config, ... }:
{
  nix.settings.substituters = [
    "https://cache.nixos.org"
  ] ++ lib.optional config.services.tailscale.enable "http://magnolia:5000";
  nix.settings.trusted-public-keys = [ "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=" ];
}
"#,
        expect![[r##"
            # note line 5: http://magnolia:5000 is already in substituters
            { lib, config, ... }:
            {
              nix.settings.substituters = [
                "https://cache.nixos.org"
              ] ++ lib.optional config.services.tailscale.enable "http://magnolia:5000";
              nix.settings.trusted-public-keys = [ "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=" "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0=" ];
            }
        "##]],
    );
}

#[test]
fn concatenation_appends_to_the_literal_part() {
    add(
        "{ lib, cond, ... }: {\n  nix.settings.substituters = [ \"https://cache.nixos.org\" ] ++ lib.optionals cond [ \"https://hyprland.cachix.org\" ];\n}\n",
        expect![[r#"
            { lib, cond, ... }: {
              nix.settings.substituters = [ "https://cache.nixos.org" "http://magnolia:5000" ] ++ lib.optionals cond [ "https://hyprland.cachix.org" ];
              nix.settings.trusted-public-keys = [ "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0=" ];
            }
        "#]],
    );
}

#[test]
fn let_bound_list_edits_the_binding() {
    add(
        r#"{ ... }:
let
  caches = [
    "https://cache.nixos.org"
  ];
  keys = [ "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=" ];
in
{
  nix.settings.substituters = caches;
  nix.settings.trusted-public-keys = keys;
}
"#,
        expect![[r#"
            { ... }:
            let
              caches = [
                "https://cache.nixos.org"
                "http://magnolia:5000"
              ];
              keys = [ "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=" "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0=" ];
            in
            {
              nix.settings.substituters = caches;
              nix.settings.trusted-public-keys = keys;
            }
        "#]],
    );
}

#[test]
fn flake_nix_config() {
    add(
        r#"{
  description = "my systems";
  nixConfig = {
    extra-substituters = [ "https://nix-community.cachix.org" ];
    extra-trusted-public-keys = [ "nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs=" ];
  };
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
  outputs = { self, nixpkgs }: { };
}
"#,
        expect![[r#"
            {
              description = "my systems";
              nixConfig = {
                extra-substituters = [ "https://nix-community.cachix.org" "http://magnolia:5000" ];
                extra-trusted-public-keys = [ "nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs=" "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0=" ];
              };
              inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
              outputs = { self, nixpkgs }: { };
            }
        "#]],
    );
    add(
        "{\n  inputs.nixpkgs.url = \"github:NixOS/nixpkgs\";\n  outputs = { nixpkgs, ... }: { };\n}\n",
        expect![[r#"
            {
              inputs.nixpkgs.url = "github:NixOS/nixpkgs";
              outputs = { nixpkgs, ... }: { };
              nixConfig = {
                extra-substituters = [
                  "http://magnolia:5000"
                ];
                extra-trusted-public-keys = [
                  "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0="
                ];
              };
            }
        "#]],
    );
}

#[test]
fn extra_settings_in_a_module() {
    add(
        "{\n  nix.settings.extra-substituters = [ \"https://nix-community.cachix.org\" ];\n}\n",
        expect![[r#"
            {
              nix.settings.extra-substituters = [ "https://nix-community.cachix.org" "http://magnolia:5000" ];
              nix.settings.extra-trusted-public-keys = [ "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0=" ];
            }
        "#]],
    );
}

#[test]
fn settings_block_without_cache_lists() {
    add(
        "{ pkgs, ... }:\n{\n  # Réglages de Nix\n  nix.settings = {\n    max-jobs = 4; # nombre de tâches\n    cores = 2;\n  };\n}\n",
        expect![[r#"
            { pkgs, ... }:
            {
              # Réglages de Nix
              nix.settings = {
                max-jobs = 4; # nombre de tâches
                cores = 2;
                substituters = [
                  "http://magnolia:5000"
                ];
                trusted-public-keys = [
                  "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0="
                ];
              };
            }
        "#]],
    );
    add(
        "{\n  nix.settings = { };\n}\n",
        expect![[r#"
        {
          nix.settings = {
            substituters = [
              "http://magnolia:5000"
            ];
            trusted-public-keys = [
              "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0="
            ];
          };
        }
    "#]],
    );
}

#[test]
fn no_nix_attribute_at_all() {
    add(
        "{ config, pkgs, ... }:\n\n{\n    networking.hostName = \"mimosa\";\n    services.openssh.enable = true;\n}\n",
        expect![[r#"
            { config, pkgs, ... }:

            {
                networking.hostName = "mimosa";
                services.openssh.enable = true;
                nix.settings = {
                    substituters = [
                        "http://magnolia:5000"
                    ];
                    trusted-public-keys = [
                        "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0="
                    ];
                };
            }
        "#]],
    );
    add(
        "{ ... }: { }\n",
        expect![[r#"
        { ... }: {
          nix.settings = {
            substituters = [
              "http://magnolia:5000"
            ];
            trusted-public-keys = [
              "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0="
            ];
          };
        }
    "#]],
    );
    add(
        "{ lib, ... }: {\n  nix = {\n    gc.automatic = true;\n  };\n}\n",
        expect![[r#"
            { lib, ... }: {
              nix = {
                gc.automatic = true;
                settings = {
                  substituters = [
                    "http://magnolia:5000"
                  ];
                  trusted-public-keys = [
                    "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0="
                  ];
                };
              };
            }
        "#]],
    );
}

#[test]
fn list_layouts() {
    add(
        "{\n  nix.settings.substituters = [ ];\n  nix.settings.trusted-public-keys = [];\n}\n",
        expect![[r#"
            {
              nix.settings.substituters = [ "http://magnolia:5000" ];
              nix.settings.trusted-public-keys = [ "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0=" ];
            }
        "#]],
    );
    add(
        "{\n  nix.settings.substituters = [ \"https://cache.nixos.org\" \"https://nix-community.cachix.org\" ];\n  nix.settings.trusted-public-keys = [ \"cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=\" ];\n}\n",
        expect![[r#"
            {
              nix.settings.substituters = [ "https://cache.nixos.org" "https://nix-community.cachix.org" "http://magnolia:5000" ];
              nix.settings.trusted-public-keys = [ "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=" "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0=" ];
            }
        "#]],
    );
}

#[test]
fn crlf_and_tabs_are_kept() {
    add(
        "{\r\n\tnix.settings = {\r\n\t\tsubstituters = [\r\n\t\t\t\"https://cache.nixos.org\"\r\n\t\t];\r\n\t};\r\n}\r\n",
        expect![[r#"
            {␍
            →nix.settings = {␍
            →→substituters = [␍
            →→→"https://cache.nixos.org"␍
            →→→"http://magnolia:5000"␍
            →→];␍
            →→trusted-public-keys = [␍
            →→→"magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0="␍
            →→];␍
            →};␍
            }␍
        "#]],
    );
}

#[test]
fn comments_everywhere() {
    add(
        r#"{
  nix.settings = {
    substituters = [
      # the official cache
      "https://cache.nixos.org" # always first
      /* community */ "https://nix-community.cachix.org"
    ]; # end
    trusted-public-keys = [
      "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=" # official
    ];
  };
}
"#,
        expect![[r#"
            {
              nix.settings = {
                substituters = [
                  # the official cache
                  "https://cache.nixos.org" # always first
                  /* community */ "https://nix-community.cachix.org"
                  "http://magnolia:5000"
                ]; # end
                trusted-public-keys = [
                  "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=" # official
                  "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0="
                ];
              };
            }
        "#]],
    );
}

#[test]
fn lists_holding_only_comments() {
    add(
        "{\n  nix.settings.substituters = [\n    # \"http://old:5000\"\n  ];\n  nix.settings.trusted-public-keys = [ /* none yet */ ];\n}\n",
        expect![[r#"
            {
              nix.settings.substituters = [
                # "http://old:5000"
                "http://magnolia:5000"
              ];
              nix.settings.trusted-public-keys = [ /* none yet */ "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0=" ];
            }
        "#]],
    );
}

#[test]
fn interpolated_and_indented_strings_are_left_alone() {
    add(
        "{ host, ... }: {\n  nix.settings.substituters = [\n    \"http://${host}:5000\"\n    ''https://cache.nixos.org''\n  ];\n  nix.settings.trusted-public-keys = [ ];\n}\n",
        expect![[r#"
            { host, ... }: {
              nix.settings.substituters = [
                "http://${host}:5000"
                ''https://cache.nixos.org''
                "http://magnolia:5000"
              ];
              nix.settings.trusted-public-keys = [ "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0=" ];
            }
        "#]],
    );
}

#[test]
fn deprecated_options_are_edited_with_a_warning() {
    add(
        "{\n  nix.binaryCaches = [ \"https://cache.nixos.org\" ];\n  nix.binaryCachePublicKeys = [ \"cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=\" ];\n}\n",
        expect![[r##"
            # note line 2: nix.binaryCaches and nix.binaryCachePublicKeys are deprecated: rename them to nix.settings.substituters and nix.settings.trusted-public-keys
            {
              nix.binaryCaches = [ "https://cache.nixos.org" "http://magnolia:5000" ];
              nix.binaryCachePublicKeys = [ "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=" "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0=" ];
            }
        "##]],
    );
}

#[test]
fn store_parameters_call_wrapped_and_unquoted_elements() {
    add(
        "{ lib, ... }: {\n  nix.settings.substituters = [\n    https://cache.nixos.org\n    (lib.mkBefore \"https://nix-community.cachix.org?priority=10\")\n    \"http://magnolia:5000?priority=20&trusted=1\"\n  ];\n  nix.settings.trusted-public-keys = [ ];\n}\n",
        expect![[r##"
            # note line 5: http://magnolia:5000 is already in substituters
            { lib, ... }: {
              nix.settings.substituters = [
                https://cache.nixos.org
                (lib.mkBefore "https://nix-community.cachix.org?priority=10")
                "http://magnolia:5000?priority=20&trusted=1"
              ];
              nix.settings.trusted-public-keys = [ "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0=" ];
            }
        "##]],
    );
}

#[test]
fn another_route_is_replaced_in_place() {
    add_at(
        "{\n  nix.settings.substituters = [\n    \"https://cache.nixos.org\"\n    \"http://magnolia:5000/?priority=20\" # tailscale\n  ];\n  nix.settings.trusted-public-keys = [ \"magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0=\" ];\n}\n",
        MAG_LAN,
        MAG_KEY,
        None,
        expect![[r##"
            # note line 4: replaced http://magnolia:5000/?priority=20 with http://192.168.1.50:5000?priority=20 (another route of the same cache)
            # note line 6: key magnolia.cache is already trusted
            {
              nix.settings.substituters = [
                "https://cache.nixos.org"
                "http://192.168.1.50:5000?priority=20" # tailscale
              ];
              nix.settings.trusted-public-keys = [ "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0=" ];
            }
        "##]],
    );
}

#[test]
fn nested_in_functions_flake_parts_and_home_manager() {
    add(
        r#"{ inputs, ... }:
{
  flake.nixosModules.caches = { pkgs, ... }: {
    nix.settings = {
      substituters = [ "https://cache.nixos.org" ];
    };
  };
}
"#,
        expect![[r#"
            { inputs, ... }:
            {
              flake.nixosModules.caches = { pkgs, ... }: {
                nix.settings = {
                  substituters = [ "https://cache.nixos.org" "http://magnolia:5000" ];
                  trusted-public-keys = [ "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0=" ];
                };
              };
            }
        "#]],
    );
    add(
        r#"{ config, pkgs, ... }:
{
  home.username = "me";
  nix.package = pkgs.nix;
  nix.settings.extra-substituters = [ "https://nix-community.cachix.org" ];
  nix.settings.extra-trusted-public-keys = [
    "nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs="
  ];
}
"#,
        expect![[r#"
            { config, pkgs, ... }:
            {
              home.username = "me";
              nix.package = pkgs.nix;
              nix.settings.extra-substituters = [ "https://nix-community.cachix.org" "http://magnolia:5000" ];
              nix.settings.extra-trusted-public-keys = [
                "nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs="
                "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0="
              ];
            }
        "#]],
    );
}

#[test]
fn refusals_name_the_line_and_reason() {
    add(
        "{ lib, ... }:\nlet caches = [ { url = \"https://a.org\"; } ];\nin {\n  nix.settings.substituters = map (c: c.url) caches;\n}\n",
        expect![[r#"
            error: line 4: the list is computed with `map`; cachectl cannot edit computed lists safely, edit it by hand
        "#]],
    );
    add(
        "{ lib, ... }:\nlet caches = { trusted-public-keys = [ ]; };\nin {\n  nix.settings = {\n    substituters = [ ];\n    inherit (caches) trusted-public-keys;\n  };\n}\n",
        expect![[r#"
            error: line 6: `trusted-public-keys` is inherited from `caches`: its value lives elsewhere, so cachectl cannot edit it here
        "#]],
    );
    add(
        "{\n  nix.extraOptions = ''\n    extra-substituters = https://a.cachix.org\n    substituters = https://cache.nixos.org\n  '';\n}\n",
        expect![[r#"
            error: line 4: `substituters` is set in nix.extraOptions text, which overrides nix.settings; move it to nix.settings.substituters first
        "#]],
    );
    add(
        "{ a = 1; b = ; }\n",
        expect![[r#"
        error: 1:14: syntax error: unexpected `;`, expected one of `(`, rec, `{`, `[`, a string, an identifier
    "#]],
    );
}

#[test]
fn several_places_need_at() {
    let src = "{ lib, ... }: {\n  nix.settings.substituters = [ \"https://cache.nixos.org\" ];\n  specialisation.x.configuration = {\n    nix.settings.substituters = [ ];\n  };\n}\n";
    add(
        src,
        expect![[r#"
        error: 2 places set caches; choose one with --at LINE: line 2 (nix.settings), line 4 (specialisation.x.configuration.nix.settings)
    "#]],
    );
    add_at(
        src,
        MAG_URL,
        MAG_KEY,
        Some(4),
        expect![[r#"
        { lib, ... }: {
          nix.settings.substituters = [ "https://cache.nixos.org" ];
          specialisation.x.configuration = {
            nix.settings.substituters = [ "http://magnolia:5000" ];
            nix.settings.trusted-public-keys = [
              "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0="
            ];
          };
        }
    "#]],
    );
    add_at(
        src,
        MAG_URL,
        MAG_KEY,
        Some(6),
        expect![[r#"
        error: no cache settings at line 6; places that set caches: line 2 (nix.settings), line 4 (specialisation.x.configuration.nix.settings)
    "#]],
    );
}

#[test]
fn removal_takes_comments_and_all_routes() {
    remove(
        r#"{
  nix.settings = {
    substituters = [
      "https://cache.nixos.org"
      # magnolia, over tailscale
      "http://magnolia:5000/" # home server
      "http://192.168.1.50:5000?priority=10"
      "https://nix-community.cachix.org"
    ];
    trusted-public-keys = [ "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=" "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0=" ];
  };
}
"#,
        &[MAG_URL, MAG_LAN],
        &["magnolia.cache"],
        expect![[r##"
            # note line 6: removed http://magnolia:5000/ from substituters
            # note line 7: removed http://192.168.1.50:5000?priority=10 from substituters
            # note line 10: removed magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0= from trusted-public-keys
            {
              nix.settings = {
                substituters = [
                  "https://cache.nixos.org"
                  # magnolia, over tailscale
                  "https://nix-community.cachix.org"
                ];
                trusted-public-keys = [ "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=" ];
              };
            }
        "##]],
    );
    remove(
        "{\n  nix.settings.substituters = [ \"https://cache.nixos.org\" ];\n}\n",
        &[NC_URL],
        &["nix-community.cachix.org-1"],
        expect![[r#"
            (unchanged)
        "#]],
    );
    remove(
        "{\n  nix.settings.substituters = [\n    \"https://cache.nixos.org\"\n    \"https://nix-community.cachix.org\" ];\n  nix.settings.trusted-public-keys = [\n    \"nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs=\"\n  ];\n}\n",
        &[NC_URL],
        &["nix-community.cachix.org-1"],
        expect![[r##"
            # note line 4: removed https://nix-community.cachix.org from substituters
            # note line 6: removed nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs= from trusted-public-keys
            {
              nix.settings.substituters = [
                "https://cache.nixos.org" ];
              nix.settings.trusted-public-keys = [ ];
            }
        "##]],
    );
    let _ = NC_KEY;
}
