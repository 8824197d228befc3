//! before⇒after cases for the shapes found in real configurations beyond `nix.settings`
//! (issue #11): bare settings sets, functions returning settings, `let`-bound lists fed into
//! nix.conf text, Determinate Nix's `customSettings`, and the shapes that must be refused
//! with their lines instead of getting a second settings block.
//!
//! The fixtures live in `tests/data/shapes/` (edited in place) and `tests/data/refuse/`.
//! Update with `UPDATE_EXPECT=1 cargo test --test edits_shapes` and review the diff.

#[path = "support/edit_cases.rs"]
mod edit_cases;

use edit_cases::*;
use expect_test::expect;

#[test]
fn vars_file_is_a_settings_set() {
    add_file(
        "shapes/vars-file.nix",
        expect![[r##"
        # eval: m
        # Shared cache settings, imported by the hosts (`nix.settings = import ./caches.nix;`).
        {
          substituters = [
            "https://cache.nixos.org"
            "https://nix-community.cachix.org" # community
            "http://magnolia:5000"
          ];
          trusted-public-keys = [
            "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY="
            "nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs="
            "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0="
          ];
          connect-timeout = 5;
        }
    "##]],
    );
    add_nc(
        "shapes/vars-file.nix",
        expect![[r#"
        # note line 6: https://nix-community.cachix.org is already in substituters of the file's top level at line 6
        # note line 10: key nix-community.cachix.org-1 is already trusted
        (unchanged)
    "#]],
    );
    remove_nc(
        "shapes/vars-file.nix",
        expect![[r##"
        # note line 6: removed https://nix-community.cachix.org from substituters
        # note line 10: removed nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs= from trusted-public-keys
        # eval: m
        # Shared cache settings, imported by the hosts (`nix.settings = import ./caches.nix;`).
        {
          substituters = [
            "https://cache.nixos.org"
          ];
          trusted-public-keys = [
            "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY="
          ];
          connect-timeout = 5;
        }
    "##]],
    );
}

#[test]
fn function_with_let_bound_list() {
    add_file(
        "shapes/vars-function-let.nix",
        expect![[r##"
        # eval: call m
        { lib, ... }:
        let
          substituters = [
            "https://cache.nixos.org"
            "https://nix-community.cachix.org"
            "http://magnolia:5000"
          ];
        in
        {
          inherit substituters;
          trusted-public-keys = [
            "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY="
            "nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs="
            "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0="
          ];
          fallback = true;
        }
    "##]],
    );
}

#[test]
fn function_returning_settings() {
    add_file(
        "shapes/mk-nix-config.nix",
        expect![[r##"
        # eval: (m.mkNixConfig { pkgs = { }; inherit lib; }).settings
        {
          mkNixConfig =
            { pkgs, lib }:
            {
              settings = {
                experimental-features = [ "nix-command" "flakes" ];
                extra-substituters = [ "https://nix-community.cachix.org" "http://magnolia:5000" ];
                extra-trusted-public-keys = [ "nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs=" "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0=" ];
              };
              gc.automatic = true;
            };
        }
    "##]],
    );
    remove_nc(
        "shapes/mk-nix-config.nix",
        expect![[r##"
        # note line 8: removed https://nix-community.cachix.org from extra-substituters
        # note line 9: removed nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs= from extra-trusted-public-keys
        # eval: (m.mkNixConfig { pkgs = { }; inherit lib; }).settings
        {
          mkNixConfig =
            { pkgs, lib }:
            {
              settings = {
                experimental-features = [ "nix-command" "flakes" ];
                extra-substituters = [ ];
                extra-trusted-public-keys = [ ];
              };
              gc.automatic = true;
            };
        }
    "##]],
    );
}

#[test]
fn determinate_custom_settings() {
    add_file(
        "shapes/determinate.nix",
        expect![[r##"
        # eval: (call m).determinateNix.customSettings
        { ... }:
        {
          nix.enable = false;
          determinateNix = {
            enable = true;
            customSettings = {
              eval-cores = 0;
              extra-substituters = [
                "https://nix-community.cachix.org"
                "http://magnolia:5000"
              ];
              extra-trusted-public-keys = [
                "nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs="
                "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0="
              ];
            };
          };
        }
    "##]],
    );
    add_file(
        "shapes/determinate-new.nix",
        expect![[r##"
        # eval: (call m).determinateNix.customSettings or { }
        { ... }:
        {
          nix.enable = false;
          determinateNix.enable = true;
          determinateNix.customSettings = {
            extra-substituters = [
              "http://magnolia:5000"
            ];
            extra-trusted-public-keys = [
              "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0="
            ];
          };
          system.stateVersion = 6;
        }
    "##]],
    );
}

#[test]
fn nix_settings_bound_to_a_let_set() {
    add_file(
        "shapes/settings-let-set.nix",
        expect![[r##"
        # eval: (call m).nix.settings
        { ... }:
        let
          settings = {
            auto-optimise-store = true;
            substituters = [ "https://cache.nixos.org" "https://nix-community.cachix.org" "http://magnolia:5000" ];
            trusted-public-keys = [
              "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY="
              "nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs="
              "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0="
            ];
          };
        in
        {
          nix.settings = settings;
        }
    "##]],
    );
    remove_nc(
        "shapes/settings-let-set.nix",
        expect![[r##"
        # note line 6: removed https://nix-community.cachix.org from substituters
        # note line 9: removed nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs= from trusted-public-keys
        # eval: (call m).nix.settings
        { ... }:
        let
          settings = {
            auto-optimise-store = true;
            substituters = [ "https://cache.nixos.org" ];
            trusted-public-keys = [
              "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY="
            ];
          };
        in
        {
          nix.settings = settings;
        }
    "##]],
    );
}

#[test]
fn flake_with_only_nix_config() {
    add_file(
        "shapes/flake-nixconfig-only.nix",
        expect![[r##"
        # eval: m.nixConfig
        {
          nixConfig = {
            extra-substituters = [ "https://nix-community.cachix.org" "http://magnolia:5000" ];
            extra-trusted-public-keys = [ "nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs=" "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0=" ];
          };
        }
    "##]],
    );
}

#[test]
fn option_declarations_are_not_sites() {
    add_file(
        "modules/options-declared.nix",
        expect![[r#"
        { config, lib, ... }:
        {
          options.my.nix.settings = lib.mkOption {
            type = lib.types.attrs;
            default = {
              substituters = [ "https://cache.example.org" ];
            };
          };
          config = {
            services.harmonia.settings = {
              bind = "[::]:5000";
              priority = 50;
            };
            nix.settings = {
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
fn vars_files_with_their_own_names() {
    add_file(
        "shapes/vars-public-keys.nix",
        expect![[r##"
        # eval: { substituters = m.substituters; trusted-public-keys = m.publicKeys; }
        # One list of caches for flake.nix (nixConfig) and the hosts (nix.settings).
        {
          substituters = [
            "https://cache.nixos.org"
            "https://nix-community.cachix.org"
            "http://magnolia:5000"
          ];

          publicKeys = [
            "nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs="
            "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0="
          ];
        }
    "##]],
    );
    remove_nc(
        "shapes/vars-public-keys.nix",
        expect![[r##"
        # note line 6: removed https://nix-community.cachix.org from substituters
        # note line 10: removed nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs= from trusted-public-keys
        # eval: { substituters = m.substituters; trusted-public-keys = m.publicKeys; }
        # One list of caches for flake.nix (nixConfig) and the hosts (nix.settings).
        {
          substituters = [
            "https://cache.nixos.org"
          ];

          publicKeys = [ ];
        }
    "##]],
    );
    add_file(
        "shapes/vars-camel-case.nix",
        expect![[r##"
        # eval: { extra-substituters = (call m).nixSettings.extraSubstituters; extra-trusted-public-keys = (call m).nixSettings.extraTrustedPublicKeys; }
        { lib, ... }:
        {
          nixSettings = {
            extraSubstituters = [ "https://nix-community.cachix.org" "http://magnolia:5000" ];
            extraTrustedPublicKeys = [ "nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs=" "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0=" ];
          };
        }
    "##]],
    );
    remove_nc(
        "shapes/vars-camel-case.nix",
        expect![[r#"
        # note line 5: removed https://nix-community.cachix.org from extra-substituters
        # note line 6: removed nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs= from extra-trusted-public-keys
        # eval: { extra-substituters = (call m).nixSettings.extraSubstituters; extra-trusted-public-keys = (call m).nixSettings.extraTrustedPublicKeys; }
        { lib, ... }:
        {
          nixSettings = {
            extraSubstituters = [ ];
            extraTrustedPublicKeys = [ ];
          };
        }
    "#]],
    );
}
