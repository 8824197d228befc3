//! Before ⇒ after cases for each fix, applied through the lint (as `cachectl fix` does).

use crate::lint::{self, Severity};
use crate::registry::Registry;

/// Lints `files` together, applies the fixes of the first file stage by stage until none is
/// left, and returns the final text of the first file and the codes fixed.
pub(crate) fn fix_all(files: &[(&str, &str)]) -> (String, Vec<&'static str>) {
    let mut texts: Vec<(String, String)> = files.iter().map(|(p, t)| ((*p).to_owned(), (*t).to_owned())).collect();
    let mut fixed = Vec::new();
    let mut failed: Vec<String> = Vec::new();
    for _ in 0..20 {
        let report = lint::check(&texts, &Registry::builtin());
        let diags: Vec<_> = report
            .diagnostics
            .iter()
            .filter(|d| d.file == texts[0].0 && d.fix.is_some() && !failed.contains(&d.to_string()))
            .collect();
        let fixes: Vec<_> = diags.iter().filter_map(|d| d.fix.as_ref()).collect();
        match super::apply(&texts[0].1, &fixes) {
            Ok(None) => break,
            Ok(Some(a)) => {
                fixed.extend(a.done.iter().map(|&i| diags[i].code));
                texts[0].1 = a.text;
            }
            Err((which, _)) => failed.extend(which.iter().map(|&i| diags[i].to_string())),
        }
    }
    (texts.swap_remove(0).1, fixed)
}

fn fixable_left(files: &[(&str, &str)]) -> Vec<String> {
    let owned: Vec<(String, String)> = files.iter().map(|(p, t)| ((*p).to_owned(), (*t).to_owned())).collect();
    lint::check(&owned, &Registry::builtin())
        .diagnostics
        .iter()
        .filter(|d| d.fix.is_some())
        .map(|d| d.to_string())
        .collect()
}

fn check(before: &str, after: expect_test::Expect) {
    let (text, codes) = fix_all(&[("m.nix", before)]);
    after.assert_eq(&text);
    assert!(!codes.is_empty(), "nothing was fixed");
    assert_eq!(fixable_left(&[("m.nix", &text)]), Vec::<String>::new());
    // A second run finds nothing to do.
    assert_eq!(fix_all(&[("m.nix", &text)]).0, text);
}

const NIXOS: &str = "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=";

#[test]
fn duplicate_later_copy_goes_with_its_comment() {
    check(
        "{\n  nix.settings.substituters = [\n    \"https://cache.nixos.org/\"\n    \"https://cache.nixos.org\" # again\n    \"https://nix-community.cachix.org\"\n  ];\n  nix.settings.trusted-public-keys = [ \"nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs=\" ];\n}\n",
        expect_test::expect![[r#"
            {
              nix.settings.substituters = [
                "https://cache.nixos.org/"
                "https://nix-community.cachix.org"
              ];
              nix.settings.trusted-public-keys = [ "nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs=" ];
            }
        "#]],
    );
}

#[test]
fn deprecated_options_are_renamed_in_place() {
    check(
        "{ ... }:\n{\n  nix.binaryCaches = [ \"https://cache.nixos.org/\" ]; # main\n  nix.binaryCachePublicKeys = [ \"cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=\" ];\n}\n",
        expect_test::expect![[r#"
            { ... }:
            {
              nix.settings.substituters = [ "https://cache.nixos.org/" ]; # main
              nix.settings.trusted-public-keys = [ "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=" ];
            }
        "#]],
    );
}

#[test]
fn deprecated_option_merges_into_the_new_list() {
    let before = format!(
        "{{\n  nix = {{\n    binaryCaches = [ \"https://cache.nixos.org\" \"https://a.example.org\" ];\n    settings = {{\n      substituters = [\n        \"https://cache.nixos.org/\"\n      ];\n      trusted-public-keys = [ \"{NIXOS}\" \"a.example.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs=\" ];\n    }};\n  }};\n}}\n"
    );
    check(
        &before,
        expect_test::expect![[r#"
            {
              nix = {
                settings = {
                  substituters = [
                    "https://cache.nixos.org/"
                    "https://a.example.org"
                  ];
                  trusted-public-keys = [ "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=" "a.example.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs=" ];
                };
              };
            }
        "#]],
    );
}

#[test]
fn lan_cache_gets_timeout_and_fallback_in_the_file_style() {
    let mag = "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0=";
    check(
        &format!(
            "{{\n  nix.settings = {{\n    substituters = [ \"http://magnolia:5000\" ];\n    trusted-public-keys = [ \"{mag}\" ];\n  }};\n}}\n"
        ),
        expect_test::expect![[r#"
            {
              nix.settings = {
                substituters = [ "http://magnolia:5000" ];
                trusted-public-keys = [ "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0=" ];
                connect-timeout = 5;
                fallback = true;
              };
            }
        "#]],
    );
}

#[test]
fn insecure_known_cache_goes_https_and_typo_key_is_replaced() {
    let typo = NIXOS.replace("MrAURk", "MrAUrk");
    check(
        &format!(
            "{{\n  nix.settings.substituters = [ \"http://cache.nixos.org?priority=40\" ];\n  nix.settings.trusted-public-keys = [ \"{typo}\" ];\n}}\n"
        ),
        expect_test::expect![[r#"
            {
              nix.settings.substituters = [ "https://cache.nixos.org?priority=40" ];
              nix.settings.trusted-public-keys = [ "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=" ];
            }
        "#]],
    );
}

#[test]
fn missing_known_key_is_added_and_a_secret_removed() {
    let secret = format!("magnolia.cache:{}", "A".repeat(86) + "==");
    check(
        &format!(
            "{{\n  nix.settings.substituters = [\n    \"https://nix-community.cachix.org\"\n  ];\n  nix.settings.trusted-public-keys = [\n    \"{secret}\"\n  ];\n}}\n"
        ),
        expect_test::expect![[r#"
            {
              nix.settings.substituters = [
                "https://nix-community.cachix.org"
              ];
              nix.settings.trusted-public-keys = [
                "nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs="
              ];
            }
        "#]],
    );
}

#[test]
fn a_copy_in_a_file_that_is_not_always_there_is_left_alone() {
    // Two hosts both list a cache; neither imports the other: not duplicates at all.
    let a = "{ imports = [ ./base.nix ]; nix.settings.substituters = [ \"https://a.example.org\" ]; }";
    let base = "{ nix.settings.substituters = [ \"https://a.example.org?priority=10\" ]; }";
    let owned = vec![("a.nix".to_owned(), a.to_owned()), ("base.nix".to_owned(), base.to_owned())];
    let report = lint::check(&owned, &Registry::builtin());
    let dup: Vec<_> = report.diagnostics.iter().filter(|d| d.code == "duplicate").collect();
    assert_eq!(dup.len(), 1, "{dup:?}");
    assert!(dup[0].fix.is_none(), "other store parameters: not removed automatically");
    assert!(report.diagnostics.iter().all(|d| d.severity != Severity::Error));
}
