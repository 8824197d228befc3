//! before⇒after cases for list layouts, comments, elements, refusals and removal,
//! through the pure core (no I/O). Update with `UPDATE_EXPECT=1 cargo test --test edits_layout`.

#[path = "support/edit_cases.rs"]
mod edit_cases;

use edit_cases::*;
use expect_test::expect;

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
            # note line 5: http://magnolia:5000 is already in substituters at line 5
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
}
