//! `insecure-http`: a public cache reached over plain http.

use super::context::{Context, show, store_url};
use super::{Diagnostic, Rule, Severity};
use crate::fix::Fix;
use crate::nix::model::ListValue;

pub const RULE: Rule = Rule {
    code: "insecure-http",
    severity: Severity::Warning,
    summary: "a public cache is reached over plain http",
    doc: "\
A substituter on a public host uses `http://` instead of `https://`. Hosts on loopback,
on a LAN (RFC 1918 and link-local addresses, `.local`, `.lan`, `.home.arpa`,
`.internal`) and on a tailnet (MagicDNS names without a dot, `*.ts.net`, 100.64.0.0/10)
are not reported: narinfos are signed and NARs are checked against the signed hash, and
a tailnet is encrypted anyway.

Why it matters: signatures stop tampering, not eavesdropping or interference. Over the
internet, anyone on the path sees which store paths the machine asks for (which reveals
the software it runs) and can drop, stall or replay answers. Some networks also rewrite
plain-http traffic, which shows up as hash mismatches.

How to fix: use `https://`. Public caches (cache.nixos.org, Cachix, attic, garnix) all
serve https. For a self-hosted cache on the internet, put it behind a TLS proxy, or reach
it over a VPN or tailnet instead.",
};

pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for item in cx.store_urls() {
        let Some(url) = store_url(item) else { continue };
        if url.scheme != "http" || url.is_private_host() {
            continue;
        }
        let https = format!("https{}", url.base().get(4..).unwrap_or_default());
        let msg = format!(
            "`{}` is plain http to a public host: use `{}` (signatures stop tampering, not eavesdropping or stalling)",
            show(url.base()),
            show(&https)
        );
        let d = cx.at_item(item, &RULE, msg);
        let known =
            cx.registry.by_url(&https).is_some() || url.host == "cache.nixos.org" || url.host.ends_with(".cachix.org");
        let editable = matches!(item.at.list.value, ListValue::Literal { .. }) && !item.at.site.kind.is_text();
        let https_raw = format!("https{}", url.raw.get(4..).unwrap_or_default());
        out.push(match item.elem.literal_range.filter(|_| known && editable) {
            Some(literal) => d.with_fix(Fix::Replace { literal, value: https_raw }),
            None => d,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;

    #[test]
    fn public_http_is_reported_private_hosts_are_not() {
        let subs = [
            "http://cache.example.org",
            "http://magnolia:5000",
            "http://192.168.1.50:5000",
            "http://127.0.0.1:8080",
            "http://box.tail1234.ts.net",
            "http://nas.shack:3142",
            "https://cache.example.org",
        ];
        let text = module(&subs, &[], "");
        expect_test::expect![[r#"
            [
                "m.nix:4:22: warning[insecure-http]: `http://cache.example.org` is plain http to a public host: use `https://cache.example.org` (signatures stop tampering, not eavesdropping or stalling)",
            ]
        "#]]
        .assert_debug_eq(&lint1(&text, "insecure-http"));
    }
}
