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
use expect_test::{Expect, expect};

fn fixture(path: &str) -> String {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(path);
    std::fs::read_to_string(p).expect("fixture")
}

fn add_file(path: &str, expect: Expect) {
    add(&fixture(path), expect)
}

fn add_nc(path: &str, expect: Expect) {
    add_at(&fixture(path), NC_URL, NC_KEY, None, expect)
}

fn remove_nc(path: &str, expect: Expect) {
    remove(&fixture(path), &[NC_URL], &["nix-community.cachix.org-1"], expect)
}

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
fn let_lists_interpolated_into_extra_options() {
    add_file(
        "shapes/extra-options-let.nix",
        expect![[r##"
        # eval: conf (call m).nix.extraOptions
        { lib, ... }:
        let
          caches = [
            "https://nix-community.cachix.org"
            "http://magnolia:5000"
          ];
          keys = [
            "nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs="
            "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0="
          ];
        in
        {
          nix.extraOptions = ''
            experimental-features = nix-command flakes
            extra-substituters = ${lib.concatStringsSep " " caches}
            extra-trusted-public-keys = ${lib.concatStringsSep " " keys}
          '';
        }
    "##]],
    );
    add_nc(
        "shapes/extra-options-let.nix",
        expect![[r#"
        # note line 5: https://nix-community.cachix.org is already in extra-substituters of nix.extraOptions at line 5
        # note line 8: key nix-community.cachix.org-1 is already trusted
        (unchanged)
    "#]],
    );
    remove_nc(
        "shapes/extra-options-let.nix",
        expect![[r##"
        # note line 5: removed https://nix-community.cachix.org from extra-substituters
        # note line 8: removed nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs= from extra-trusted-public-keys
        # eval: conf (call m).nix.extraOptions
        { lib, ... }:
        let
          caches = [ ];
          keys = [ ];
        in
        {
          nix.extraOptions = ''
            experimental-features = nix-command flakes
            extra-substituters = ${lib.concatStringsSep " " caches}
            extra-trusted-public-keys = ${lib.concatStringsSep " " keys}
          '';
        }
    "##]],
    );
}

#[test]
fn let_lists_interpolated_into_nix_conf_files() {
    add_file(
        "shapes/xdg-nix-conf-let.nix",
        expect![[r##"
        # eval: conf (call m).xdg.configFile."nix/nix.conf".text
        { config, lib, pkgs, ... }:
        let
          substituters = [ "https://cache.nixos.org" "https://nix-community.cachix.org" "http://magnolia:5000" ];
          trustedPublicKeys = [
            "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY="
            "nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs="
            "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0="
          ];
        in
        {
          home.stateVersion = "24.05";
          xdg.configFile."nix/nix.conf".text = ''
            experimental-features = nix-command flakes
            substituters = ${lib.concatStringsSep " " substituters}
            trusted-public-keys = ${lib.concatStringsSep " " trustedPublicKeys}
          '';
        }
    "##]],
    );
    add_file(
        "shapes/etc-nix-conf-let.nix",
        expect![[r##"
        # eval: conf (call m).environment.etc."nix/nix.conf".text
        { lib, ... }:
        let
          caches = [ "https://nix-community.cachix.org" "http://magnolia:5000" ];
          cacheKeys = [ "nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs=" "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0=" ];
        in
        {
          environment.etc."nix/nix.conf".text = ''
            build-users-group = nixbld
            substituters = https://cache.nixos.org ${toString caches}
            trusted-public-keys = cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY= ${toString cacheKeys}
          '';
        }
    "##]],
    );
    add_file(
        "shapes/home-file-nix-conf-let.nix",
        expect![[r##"
        # eval: conf (call m).home.file.".config/nix/nix.conf".text
        { lib, ... }:
        let
          extraCaches = [
            "https://nix-community.cachix.org"
            "http://magnolia:5000"
          ];
          extraKeys = [
            "nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs="
            "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0="
          ];
          caches = lib.concatStringsSep " " extraCaches;
        in
        {
          home.file.".config/nix/nix.conf".text = ''
            extra-substituters = ${caches}
            extra-trusted-public-keys = ${builtins.concatStringsSep " " extraKeys}
          '';
        }
    "##]],
    );
    remove_nc(
        "shapes/etc-nix-conf-let.nix",
        expect![[r##"
        # note line 4: removed https://nix-community.cachix.org from substituters
        # note line 5: removed nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs= from trusted-public-keys
        # eval: conf (call m).environment.etc."nix/nix.conf".text
        { lib, ... }:
        let
          caches = [ ];
          cacheKeys = [ ];
        in
        {
          environment.etc."nix/nix.conf".text = ''
            build-users-group = nixbld
            substituters = https://cache.nixos.org ${toString caches}
            trusted-public-keys = cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY= ${toString cacheKeys}
          '';
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
fn nix_conf_text_is_refused_with_its_lines() {
    add_file(
        "refuse/etc-nix-conf-text.nix",
        expect![[r#"
            error: line 5: this file already sets caches where cachectl cannot add safely, and a new block beside them would be wrong: line 5 (`extra-substituters` in `environment.etc."nix/nix.conf".text`, read-only), line 6 (`extra-trusted-public-keys` in `environment.etc."nix/nix.conf".text`, read-only); edit one of them by hand, or move them to nix.settings and run cachectl again
        "#]],
    );
    add_nc(
        "refuse/etc-nix-conf-text.nix",
        expect![[r##"
        # note line 5: https://nix-community.cachix.org is already in extra-substituters of `environment.etc."nix/nix.conf".text` at line 5, which cachectl cannot edit
        # note line 6: key nix-community.cachix.org-1 is already trusted
        (unchanged)
    "##]],
    );
    remove_nc(
        "refuse/etc-nix-conf-text.nix",
        expect![[r#"
        error: line 5: it is set where cachectl cannot edit (line 5, line 6: `extra-substituters` is set in nix.conf text (`environment.etc."nix/nix.conf".text`)); nothing was removed: remove it there by hand
    "#]],
    );
}

#[test]
fn folded_records_are_refused_never_duplicated() {
    add_file(
        "refuse/foldl-records.nix",
        expect![[r#"
            error: line 6: this file already sets caches where cachectl cannot add safely, and a new block beside them would be wrong: line 6 (a public key outside the cache settings cachectl reads), line 11 (`nix.settings` is computed (`foldl'`)); edit one of them by hand, or move them to nix.settings and run cachectl again
        "#]],
    );
    add_nc(
        "refuse/foldl-records.nix",
        expect![[r#"
        # note line 5: https://nix-community.cachix.org is already in this file at line 5
        (unchanged)
    "#]],
    );
}

#[test]
fn computed_settings_are_refused() {
    add_file(
        "refuse/settings-import.nix",
        expect![[r#"
        error: line 3: this file already sets caches where cachectl cannot add safely, and a new block beside them would be wrong: line 3 (`nix.settings` is computed (`import`)); edit one of them by hand, or move them to nix.settings and run cachectl again
    "#]],
    );
}

#[test]
fn home_manager_without_nix_package_is_refused() {
    add_file(
        "refuse/hm-no-package.nix",
        expect![[r#"
        error: this looks like a home-manager module (line 3) without `nix.package`, and home-manager rejects nix.settings without it: set nix.package first, or add the cache to the system configuration
    "#]],
    );
}

#[test]
fn unrecognised_set_needs_at() {
    add_file(
        "refuse/unrecognised-set.nix",
        expect![[r#"
        error: line 5: this file already sets caches where cachectl cannot add safely, and a new block beside them would be wrong: line 5 (`substituters` in `deploy.nodes.web`, editable with --at); edit one of them by hand, or name the set to edit with --at LINE (e.g. --at 5)
    "#]],
    );
}

#[test]
fn formal_defaults_in_text_are_refused() {
    add_file(
        "refuse/lambda-defaults-text.nix",
        expect![[r#"
        error: line 6: this file already sets caches where cachectl cannot add safely, and a new block beside them would be wrong: line 6 (`substituters` in `nixConf`, read-only); edit one of them by hand, or move them to nix.settings and run cachectl again
    "#]],
    );
    add_nc(
        "refuse/lambda-defaults-text.nix",
        expect![[r#"
        error: line 4: https://nix-community.cachix.org is already in this file, in a place cachectl cannot edit, without its key: add the key there by hand
    "#]],
    );
}

#[test]
fn extra_options_already_listing_the_cache() {
    add_nc(
        "refuse/extra-options-and-settings.nix",
        expect![[r#"
        # note line 5: https://nix-community.cachix.org is already in extra-substituters of nix.extraOptions at line 5, which cachectl cannot edit
        # note line 6: key nix-community.cachix.org-1 is already trusted
        (unchanged)
    "#]],
    );
    add_file(
        "refuse/extra-options-and-settings.nix",
        expect![[r#"
        { ... }:
        {
          nix.settings.trusted-users = [ "root" ];
          nix.settings.substituters = [
            "http://magnolia:5000"
          ];
          nix.settings.trusted-public-keys = [
            "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0="
          ];
          nix.extraOptions = ''
            extra-substituters = https://nix-community.cachix.org
            extra-trusted-public-keys = nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs=
          '';
        }
    "#]],
    );
    remove_nc(
        "refuse/extra-options-and-settings.nix",
        expect![[r#"
        error: line 5: it is set where cachectl cannot edit (line 5, line 6: `extra-substituters` is set in nix.extraOptions text (nix.conf lines)); nothing was removed: remove it there by hand
    "#]],
    );
}

#[test]
fn two_sites_reading_the_same_let_lists_are_one_place() {
    add_file(
        "shapes/shared-let-two-sites.nix",
        expect![[r##"
        # eval: (call m).determinateNix.customSettings
        # One module for NixOS and nix-darwin with Determinate: both read the same lists.
        { ... }:
        let
          substituters = [
            "https://cache.nixos.org"
            "https://nix-community.cachix.org"
            "http://magnolia:5000"
          ];
          trusted-public-keys = [
            "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY="
            "nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs="
            "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0="
          ];
        in
        {
          nix.settings = {
            inherit substituters trusted-public-keys;
          };
          determinateNix.customSettings = {
            inherit substituters trusted-public-keys;
            lazy-trees = true;
          };
        }
    "##]],
    );
    remove_nc(
        "shapes/shared-let-two-sites.nix",
        expect![[r##"
        # note line 7: removed https://nix-community.cachix.org from substituters
        # note line 11: removed nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs= from trusted-public-keys
        # eval: (call m).determinateNix.customSettings
        # One module for NixOS and nix-darwin with Determinate: both read the same lists.
        { ... }:
        let
          substituters = [
            "https://cache.nixos.org"
          ];
          trusted-public-keys = [
            "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY="
          ];
        in
        {
          nix.settings = {
            inherit substituters trusted-public-keys;
          };
          determinateNix.customSettings = {
            inherit substituters trusted-public-keys;
            lazy-trees = true;
          };
        }
    "##]],
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

#[test]
fn at_names_another_editable_place_when_the_cache_is_in_text() {
    // nix-community is in the nix.conf text (read-only); --at 3 asks for nix.settings.
    add_at(
        &fixture("refuse/extra-options-and-settings.nix"),
        NC_URL,
        NC_KEY,
        Some(3),
        expect![[r##"
        # note line 6: key nix-community.cachix.org-1 is already trusted
        { ... }:
        {
          nix.settings.trusted-users = [ "root" ];
          nix.settings.substituters = [
            "https://nix-community.cachix.org"
          ];
          nix.extraOptions = ''
            extra-substituters = https://nix-community.cachix.org
            extra-trusted-public-keys = nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs=
          '';
        }
    "##]],
    );
}

#[test]
fn at_on_a_computed_value_is_refused_never_planned_beside_it() {
    add_at(
        &fixture("refuse/settings-import.nix"),
        MAG_URL,
        MAG_KEY,
        Some(3),
        expect![[r#"
        error: line 3: `nix.settings` is computed (`import`); cachectl cannot edit a computed value safely, edit it by hand
    "#]],
    );
    add_at(
        "{ lib, ... }:\n{\n  nix = {\n    settings = lib.mkIf true base;\n    gc.automatic = true;\n  };\n}\n",
        MAG_URL,
        MAG_KEY,
        None,
        expect![[r#"
            error: line 4: this file already sets caches where cachectl cannot add safely, and a new block beside them would be wrong: line 4 (`nix.settings` is computed (`base`)); edit one of them by hand, or move them to nix.settings and run cachectl again
        "#]],
    );
}

#[test]
fn at_picks_a_set_cachectl_would_not_choose_by_itself() {
    let text = "{\n  deploy.web = {\n    substituters = [ \"https://cache.example.org\" ];\n  };\n  nix.settings.trusted-public-keys = [ \"magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0=\" ];\n}\n";
    add_at(
        text,
        MAG_URL,
        MAG_KEY,
        Some(3),
        expect![[r##"
        # note line 5: key magnolia.cache is already trusted
        {
          deploy.web = {
            substituters = [ "https://cache.example.org" "http://magnolia:5000" ];
          };
          nix.settings.trusted-public-keys = [ "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0=" ];
        }
    "##]],
    );
    add_at(
        text,
        MAG_URL,
        MAG_KEY,
        None,
        expect![[r##"
        # note line 5: key magnolia.cache is already trusted
        {
          deploy.web = {
            substituters = [ "https://cache.example.org" ];
          };
          nix.settings.trusted-public-keys = [ "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0=" ];
          nix.settings.substituters = [ "http://magnolia:5000" ];
        }
    "##]],
    );
}
