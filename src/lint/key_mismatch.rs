//! `key-mismatch`: a key named like a known cache's key, with different bytes.

use base64::Engine as _;

use super::context::Context;
use super::{Diagnostic, Rule, Severity};
use crate::fix::Fix;
use crate::keys;
use crate::nix::model::ListValue;
use crate::registry::Cache;

pub const RULE: Rule = Rule {
    code: "key-mismatch",
    severity: Severity::Error,
    summary: "a key has the name of a known cache's key but not its published value",
    doc: "\
A trusted key has the same name as the key of a cache cachectl knows (built in:
cache.nixos.org, nix-community, magnolia; or listed in cachectl.toml), but its value is
not the published one. The message says where the two first differ, without printing
either key in full.

Why it matters: Nix looks keys up by name when it verifies a signature. With the right
name and wrong bytes, every signature of that cache fails, so Nix rejects its paths
(`lacks a signature by a trusted key`) and builds everything locally. Nix's base64
decoder is lenient, so a one-character typo usually still decodes to 32 bytes: a format
check alone cannot catch it, and Nix itself says nothing until it substitutes.

How to fix: replace the value with the published key (`cachectl add NAME` writes it for a
known cache). If the cache really rotated its key, update `key =` in cachectl.toml.
`cachectl check --online` verifies a real signature from the cache.",
};

/// The known cache whose key has this key's name, when the values differ.
pub fn published_differs<'r>(cx: &Context<'r>, value: &str) -> Option<&'r Cache> {
    let cache = cx.registry.by_key_name(keys::key_name(value)?)?;
    let bytes = |s: &str| {
        let b64 = s.trim().split_once(':').map_or("", |(_, b)| b.trim());
        base64::engine::general_purpose::STANDARD_NO_PAD.decode(b64.trim_end_matches('=')).ok()
    };
    let same = match (bytes(value), bytes(&cache.key)) {
        (Some(a), Some(b)) => a == b,
        _ => value.trim() == cache.key.trim(),
    };
    (!same).then_some(cache)
}

pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for item in cx.keys() {
        let Some(v) = item.public_value() else { continue };
        let Some(cache) = published_differs(cx, v) else { continue };
        let name = keys::key_name(v).unwrap_or_default();
        let msg = format!(
            "key `{name}` is not the published key of {}: it {}",
            cache.name,
            keys::describe_difference(v, &cache.key)
        );
        let d = cx.at_item(item, &RULE, msg);
        let editable = matches!(item.at.list.value, ListValue::Literal { .. }) && !item.at.site.kind.is_text();
        out.push(match item.elem.literal_range.filter(|_| editable) {
            Some(literal) => d.with_fix(Fix::Replace { literal, value: cache.key.trim().to_owned() }),
            None => d,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;

    #[test]
    fn typo_is_located_without_printing_the_keys() {
        let typo = NIXOS_KEY.replace("MrAURk", "MrAUrk");
        let text = module(&["https://cache.nixos.org"], &[&typo], "");
        expect_test::expect![[r#"
            [
                "m.nix:5:29: error[key-mismatch]: key `cache.nixos.org-1` is not the published key of cache.nixos.org: it differs at base64 character 24 (`rkbJ…` instead of `RkbJ…`)",
            ]
        "#]]
        .assert_debug_eq(&lint1(&text, "key-mismatch"));
        assert!(!lint1(&text, "key-mismatch")[0].contains(&typo[18..]));
    }

    #[test]
    fn padding_differences_are_not_a_mismatch() {
        let unpadded = NIXOS_KEY.trim_end_matches('=');
        let text = module(&["https://cache.nixos.org"], &[unpadded, MAG_KEY], "");
        assert!(lint1(&text, "key-mismatch").is_empty());
    }

    #[test]
    fn truncated_known_key_is_a_mismatch() {
        let text = module(&[], &["magnolia.cache:7MVdzDOzQsVItEh"], "");
        let lines = lint1(&text, "key-mismatch");
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(lines[0].contains("has length 15 instead of 44"), "{lines:?}");
    }
}
