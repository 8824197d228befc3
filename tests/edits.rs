//! before⇒after cases for every edit shape, through the pure core (no I/O): module
//! shapes (nesting, wrappers, `mkIf`/`mkMerge`, `++`, `let`, flakes, missing blocks).
//!
//! Each case shows the file after the edit, or the error that refused it. Update with
//! `UPDATE_EXPECT=1 cargo test --test edits --test edits_layout` and review the diff.

#[path = "support/edit_cases.rs"]
mod edit_cases;

use edit_cases::*;
use expect_test::expect;

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
            # note line 6: http://magnolia:5000 is already in substituters at line 6
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
            # note line 5: http://magnolia:5000 is already in substituters at line 5
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
