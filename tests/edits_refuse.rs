//! Refusal snapshots for the real-world shapes cachectl must not edit (issue #11): nix.conf
//! text, records folded into a computed `nix.settings`, home-manager without `nix.package`,
//! sets in unrecognised places; each refusal names every line that sets caches. Also what
//! `--at LINE` does with them.
//!
//! The fixtures live in `tests/data/refuse/`. Update with
//! `UPDATE_EXPECT=1 cargo test --test edits_refuse` and review the diff.

#[path = "support/edit_cases.rs"]
mod edit_cases;

use edit_cases::*;
use expect_test::expect;

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
        "{ lib, base, ... }:\n{\n  nix = {\n    settings = lib.mkIf true base;\n    gc.automatic = true;\n  };\n}\n",
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

#[test]
fn remove_leaves_sets_not_known_to_be_settings_unless_at_names_them() {
    let text = fixture("refuse/unrecognised-set.nix");
    let req = |at| cachectl::nix::plan::RemoveRequest {
        urls: vec!["https://cache.example.org".into()],
        key_names: vec!["cache.example.org-1".into()],
        at,
    };
    expect![[r#"
        error: line 5: it is set where cachectl cannot edit (line 5: `deploy.nodes.web` is not known to be Nix settings, so only --at LINE removes from it); nothing was removed: remove it there by hand
    "#]].assert_eq(&show(&text, cachectl::nix::plan::remove(&text, &req(None))));
    expect![[r##"
        # note line 5: removed https://cache.example.org from substituters
        { ... }:
        {
          deploy.nodes.web = {
            hostname = "web";
            substituters = [ ];
          };
        }
    "##]]
    .assert_eq(&show(&text, cachectl::nix::plan::remove(&text, &req(Some(5)))));
}
