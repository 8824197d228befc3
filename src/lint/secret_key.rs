//! `secret-key`: a 64-byte secret signing key pasted where a public key (or URL) belongs.

use super::context::{Context, show};
use super::{Diagnostic, Rule, Severity};
use crate::fix::Fix;
use crate::nix::model::ListValue;

pub const RULE: Rule = Rule {
    code: "secret-key",
    severity: Severity::Error,
    summary: "a secret signing key is in the configuration: remove it and rotate it",
    doc: "\
A value in a cache list decodes to 64 bytes. Nix public keys are 32 bytes; 64 bytes is the
secret signing key (seed followed by public key), the content of the `sec` file that
`nix-store --generate-binary-cache-key NAME sec pub` writes. cachectl never prints the
value, only its name.

Why it matters: whoever can read this file (the repository, its history, every clone, and
the world-readable Nix store once the configuration is built) can sign store paths that
every machine trusting this key will install. The key must be treated as leaked.

How to fix:
  1. Remove the value from the file.
  2. Rotate: generate a new pair (`nix-store --generate-binary-cache-key NAME-2 sec pub`),
     configure the cache to sign with the new secret key, and list the new *public* key
     (the `pub` file) in `trusted-public-keys`.
  3. Re-sign what the cache serves (`nix store sign -k sec --all` or your server's
     equivalent) and drop the old public key everywhere.
Removing the line alone is not enough: the old key stays in the Git history.",
};

pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for item in &cx.items {
        let Some(v) = item.value().filter(|_| item.secret) else { continue };
        let msg = format!(
            "`{}` in `{}` is a secret signing key (64 bytes), not a public key: remove it and rotate it, it has leaked",
            show(v),
            item.at.list.kind.name()
        );
        let d = cx.at_item(item, &RULE, msg);
        let editable = matches!(item.at.list.value, ListValue::Literal { .. }) && !item.conditional;
        out.push(if editable { d.with_fix(Fix::Remove { element: item.elem.range }) } else { d });
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use crate::keys::encode_b64;

    #[test]
    fn secret_is_reported_without_its_value() {
        let raw = encode_b64(&[0x5au8; 64]);
        let secret = format!("magnolia.cache:{raw}");
        let text = module(&["http://magnolia:5000"], &[&secret], "");
        let lines = all(&[("m.nix", &text)]);
        expect_test::expect![[r#"
            [
                "m.nix:5:29: error[secret-key]: `magnolia.cache:<secret redacted>` in `trusted-public-keys` is a secret signing key (64 bytes), not a public key: remove it and rotate it, it has leaked",
            ]
        "#]]
        .assert_debug_eq(&lint1(&text, "secret-key"));
        for l in &lines {
            assert!(!l.contains(&raw[..20]), "secret leaked: {l}");
        }
    }

    #[test]
    fn secret_pasted_as_a_substituter_is_not_echoed() {
        let raw = encode_b64(&[0x33u8; 64]);
        let text = module(&[&raw], &[], "");
        let lines = all(&[("m.nix", &text)]);
        assert!(lines.iter().any(|l| l.contains("[secret-key]") && l.contains("`<secret redacted>`")), "{lines:?}");
        assert!(lines.iter().all(|l| !l.contains(&raw[..20])), "{lines:?}");
    }
}
