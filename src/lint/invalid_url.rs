//! `invalid-url`: a substituter that is not a store URL Nix can open.

use super::context::{Context, show};
use super::{Diagnostic, Rule, Severity};
use crate::keys::PublicKey;
use crate::store_url::{StoreUrl, UrlError};

pub const RULE: Rule = Rule {
    code: "invalid-url",
    severity: Severity::Error,
    summary: "a substituter is not a valid store URL",
    doc: "\
A value in `substituters` (or `extra-substituters`, `trusted-substituters`, the old
`binaryCaches`) is not a store URL: it is empty, has no `scheme://`, uses a scheme Nix
does not know (Nix knows http, https, s3, gs, ssh, ssh-ng, file, local, daemon, unix),
has no host, or contains whitespace, quotes or `${`.

Why it matters: Nix fails to open the store (`don't know how to open Nix store …`) and,
depending on the version, either aborts or skips the cache with a warning on every
command.

How to fix: write the full URL, e.g. `https://cache.example.org` rather than
`cache.example.org`. Two caches belong in two list elements, not in one string separated
by a space. A key (`name:base64`) belongs in `trusted-public-keys`, not here.",
};

pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for item in cx.store_urls() {
        let Some(v) = item.public_value() else { continue };
        let msg = match StoreUrl::parse(v) {
            Ok(_) => continue,
            Err(_) if PublicKey::parse(v).is_ok() => {
                format!("`{}` is a public key, not a store URL: it belongs in trusted-public-keys", show(v))
            }
            Err(e @ (UrlError::NoScheme(_) | UrlError::NoHost(_) | UrlError::NonAsciiHost(_))) => {
                e.to_string().replace(v, &show(v))
            }
            Err(UrlError::Empty) => "empty store url".to_owned(),
            Err(e) => format!("`{}`: {e}", show(v)),
        };
        out.push(cx.at_item(item, &RULE, msg));
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;

    #[test]
    fn each_defect_is_named() {
        let text =
            module(&["cache.example.org", "ftp://x.org", "https:///x", "https://a.org https://b.org", ""], &[], "");
        expect_test::expect![[r#"
            [
                "m.nix:4:22: error[invalid-url]: `cache.example.org` is not a store url: expected scheme://… with one of http, https, s3, gs, ssh, ssh-ng, file, local, daemon, unix",
                "m.nix:4:42: error[invalid-url]: `ftp://x.org`: `ftp` is not a Nix store scheme (expected one of http, https, s3, gs, ssh, ssh-ng, file, local, daemon, unix)",
                "m.nix:4:56: error[invalid-url]: store url `https:///x` has no host",
                "m.nix:4:69: error[invalid-url]: `https://a.org https://b.org`: store url contains whitespace, a quote, a backslash or a control character",
                "m.nix:4:99: error[invalid-url]: empty store url",
            ]
        "#]]
        .assert_debug_eq(&lint1(&text, "invalid-url"));
    }

    #[test]
    fn valid_stores_pass() {
        let text = module(
            &["https://cache.nixos.org/", "ssh-ng://builder@host", "file:///var/cache?trusted=1", "daemon"],
            &[],
            "",
        );
        assert!(lint1(&text, "invalid-url").is_empty());
    }

    #[test]
    fn the_condition_of_an_optional_element_is_not_an_element() {
        let text = "{ config, lib, ... }:\n{\n  nix.settings.substituters = [ ]\n    ++ lib.optional (config.networking.hostName != \"eve\") \"https://cache.example.org\"\n    ++ (if config.x then [ \"nope\" ] else [ ]);\n}\n";
        let lines = lint1(text, "invalid-url");
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(lines[0].contains("`nope`"), "{lines:?}");
    }
}
