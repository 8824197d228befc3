//! before⇒after cases for `let`-bound lists that feed nix.conf text (issue #11):
//! `nix.extraOptions`, `environment.etc."nix/nix.conf".text`, `home.file`, `xdg.configFile`
//! with `${lib.concatStringsSep " " caches}` or `${toString caches}`, and lists shared by two
//! sites. The text is never rewritten; the list it interpolates is.
//!
//! Update with `UPDATE_EXPECT=1 cargo test --test edits_text` and review the diff.

#[path = "support/edit_cases.rs"]
mod edit_cases;

use edit_cases::*;
use expect_test::expect;

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
