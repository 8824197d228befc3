//! `invalid-key`: a trusted public key that Nix cannot use.

use super::context::{Context, show};
use super::{Diagnostic, Rule, Severity, key_mismatch};
use crate::keys::KeyError;

pub const RULE: Rule = Rule {
    code: "invalid-key",
    severity: Severity::Error,
    summary: "a trusted public key is malformed (no name, not base64, wrong length, not an ed25519 key)",
    doc: "\
A value in `trusted-public-keys` (or `extra-trusted-public-keys`, `binaryCachePublicKeys`)
is not a usable public key. Nix expects `name:base64`, split at the first `:`, where the
name is not empty and the base64 decodes to the 32 bytes of an ed25519 public key. The
message says which part is wrong:
  - no `name:` prefix, or an empty name;
  - the text after `:` is not base64;
  - it decodes to the wrong number of bytes (a public key has 32);
  - the 32 bytes are not a valid ed25519 point, which usually means a typo: Nix's base64
    decoder is lenient, so a one-character typo often still decodes to 32 bytes.

Why it matters: Nix does not complain when it reads the setting. It fails only when it
substitutes: paths from the cache are rejected as unsigned (`cannot add path … because it
lacks a signature by a trusted key`) and Nix builds them locally instead.

How to fix: copy the key again from the cache's documentation (Cachix shows it on the
cache's page; for nix-serve or harmonia it is the `pub` file made by
`nix-store --generate-binary-cache-key`). A key with the name of a cache cachectl knows is
compared with the published key instead (see `key-mismatch`).",
};

pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for item in cx.keys() {
        let Some(v) = item.public_value() else { continue };
        if key_mismatch::published_differs(cx, v).is_some() {
            continue;
        }
        let Some(parsed) = &item.key else { continue };
        let msg = match parsed {
            Ok(_) => continue,
            Err(_) if v.contains("://") => {
                format!("`{}` is a store URL, not a key: it belongs in substituters", show(v))
            }
            Err(KeyError::Secret { .. }) => continue,
            Err(e @ (KeyError::NoName | KeyError::EmptyName)) => format!("`{}`: {e}", show(v)),
            Err(e) => e.to_string(),
        };
        out.push(cx.at_item(item, &RULE, msg));
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use crate::keys::encode_b64;

    #[test]
    fn each_defect_is_named() {
        let mut off_curve = [0u8; 32];
        off_curve[0] = 2;
        let off_curve = format!("mine-1:{}", encode_b64(&off_curve));
        let text = module(&[], &["nokey", ":abc", "mine-1:!!!!", "mine-1:AAAA", &off_curve, "https://a.org"], "");
        expect_test::expect![[r#"
            [
                "m.nix:5:29: error[invalid-key]: `nokey`: key has no `name:` prefix (expected `name:base64`)",
                "m.nix:5:37: error[invalid-key]: `:abc`: key name is empty (expected `name:base64`)",
                "m.nix:5:44: error[invalid-key]: key `mine-1` is not valid base64",
                "m.nix:5:58: error[invalid-key]: key `mine-1` decodes to 3 bytes, a public key has 32",
                "m.nix:5:72: error[invalid-key]: key `mine-1` is not a valid ed25519 public key (not a curve point)",
                "m.nix:5:126: error[invalid-key]: `https://a.org` is a store URL, not a key: it belongs in substituters",
            ]
        "#]]
        .assert_debug_eq(&lint1(&text, "invalid-key"));
    }

    #[test]
    fn valid_and_known_keys_are_not_invalid() {
        let text = module(&[], &[NIXOS_KEY, MAG_KEY, NC_KEY], "");
        assert!(lint1(&text, "invalid-key").is_empty());
        // A typo in a known key is reported once, as key-mismatch.
        let typo = NIXOS_KEY.replace("6NCH", "6NCX");
        let text = module(&[], &[&typo], "");
        assert!(lint1(&text, "invalid-key").is_empty());
        assert_eq!(lint1(&text, "key-mismatch").len(), 1);
    }
}
