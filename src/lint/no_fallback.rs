//! `no-fallback`: a LAN or tailnet cache without `connect-timeout` and `fallback = true`.

use super::context::{Context, Domain, show, site_domain, store_url};
use super::{Diagnostic, Rule, Severity};
use crate::fix::Fix;
use crate::nix::model::SiteKind;

pub const RULE: Rule = Rule {
    code: "no-fallback",
    severity: Severity::Warning,
    summary: "a LAN or tailnet cache has no connect-timeout and fallback = true",
    doc: "\
A substituter is on a LAN or a tailnet (Tailscale), but the configuration does not set
both `connect-timeout` and `fallback = true` in any file of the configuration (the files
named, the repository's other tracked `.nix` files and the files they import), since NixOS
merges `nix.settings` from all modules.

Why it matters: such a cache is often unreachable: away from home, before the VPN is up,
and during a NixOS install, where Tailscale is not running at all. Nix then waits on
every connection (`connect-timeout` had no limit before Nix 2.29, is 5 s in 2.29 and
15 s from 2.32) and, without `fallback`, fails instead of building locally. Only with
`fallback = true` does Nix also disable a failing cache for a while. Hanging
`nixos-rebuild` on an unreachable LAN cache is a long-standing complaint: NixOS/nix#1990,
NixOS/nix#3514, NixOS/nix#2661, NixOS/nixpkgs#54302.

How to fix: add both settings next to the substituter:

    nix.settings = {
      connect-timeout = 5;
      fallback = true;
    };

Loopback caches are not reported. Settings written as text in `nix.extraOptions` are not
read by cachectl; move them to `nix.settings`.",
};

pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for item in cx.items.iter().filter(|i| i.at.is_substituters()) {
        let domain = item.at.domain();
        let Some(url) = store_url(item) else { continue };
        let bare = !url.host.contains('.') && !url.host.contains(':');
        let (kind, when) = if url.is_tailnet() && bare {
            // A name without a dot: MagicDNS, or a LAN machine's name.
            ("a LAN or a tailnet", "away from that network, Tailscale is down, or during an install")
        } else if url.is_tailnet() {
            ("a tailnet", "Tailscale is not up during an install")
        } else if url.is_lan() {
            ("a LAN", "away from that network, or during an install")
        } else {
            continue;
        };
        if matches!(domain, Domain::NixConf(_)) {
            continue;
        }
        let settings = || {
            cx.models()
                .flat_map(|(f, m)| m.sites.iter().map(move |s| (f, s)))
                .filter(move |(f, s)| applies(site_domain(*f, s), domain))
                .map(|(_, s)| s)
        };
        let timeout = settings().filter_map(|s| s.setting("connect-timeout")).any(|s| last_word(&s.value) != "0");
        let fallback = settings().filter_map(|s| s.setting("fallback")).any(|s| last_word(&s.value) == "true");
        let fix = match (timeout, fallback) {
            (true, true) => continue,
            (false, false) => "`connect-timeout = 5;` and `fallback = true;`",
            (false, true) => "`connect-timeout = 5;`",
            (true, false) => "`fallback = true;`",
        };
        let block = match item.at.site.kind {
            SiteKind::Legacy => format!("{}.settings", item.at.site.path),
            _ => item.at.site.path.clone(),
        };
        let msg = format!(
            "`{}` is on {kind}: when it is unreachable ({when}) builds hang or fail, see NixOS/nix#1990; add {fix} to {block}",
            show(url.base())
        );
        let d = cx.at_item(item, &RULE, msg);
        let site = item.at.site;
        let mut add = Vec::new();
        if !timeout {
            add.push(("connect-timeout".to_owned(), "5".to_owned()));
        }
        if !fallback {
            add.push(("fallback".to_owned(), "true".to_owned()));
        }
        // A setting already written with another value (`connect-timeout = 0;`) is the
        // user's to change: a second binding would not parse.
        let fixable = site.kind != SiteKind::Legacy && add.iter().all(|(k, _)| site.setting(k).is_none());
        out.push(if fixable { d.with_fix(Fix::Settings { site: site.range, add }) } else { d });
    }
}

/// True when settings made in `from` apply to caches of `to`: the same configuration, or
/// the top-level one that a specialisation inherits.
fn applies(from: Domain<'_>, to: Domain<'_>) -> bool {
    from == to || (from == Domain::Modules("") && to.is_modules())
}

/// The value without wrappers: `lib.mkDefault true` → `true`, `(5)` → `5`.
fn last_word(value: &str) -> &str {
    value.split_whitespace().last().unwrap_or_default().trim_matches(|c| c == '(' || c == ')')
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;

    #[test]
    fn private_cache_without_settings_shows_the_fix() {
        let text =
            module(&["http://magnolia:5000", "http://192.168.1.50:5000", "http://127.0.0.1:5000"], &[MAG_KEY], "");
        expect_test::expect![[r#"
            [
                "m.nix:4:22: warning[no-fallback]: `http://magnolia:5000` is on a LAN or a tailnet: when it is unreachable (away from that network, Tailscale is down, or during an install) builds hang or fail, see NixOS/nix#1990; add `connect-timeout = 5;` and `fallback = true;` to nix.settings",
                "m.nix:4:45: warning[no-fallback]: `http://192.168.1.50:5000` is on a LAN: when it is unreachable (away from that network, or during an install) builds hang or fail, see NixOS/nix#1990; add `connect-timeout = 5;` and `fallback = true;` to nix.settings",
            ]
        "#]]
        .assert_debug_eq(&lint1(&text, "no-fallback"));
    }

    #[test]
    fn settings_from_another_file_count_and_half_a_fix_is_named() {
        let host = module(&["http://magnolia:5000"], &[MAG_KEY], "    fallback = lib.mkDefault true;\n");
        let base = "{ nix.settings.connect-timeout = 3; }";
        assert!(lint(&[("base.nix", base), ("host.nix", &host)], "no-fallback").is_empty());
        let lines = lint(&[("host.nix", &host)], "no-fallback");
        assert!(lines.len() == 1 && lines[0].ends_with("add `connect-timeout = 5;` to nix.settings"), "{lines:?}");
        let zero = module(&["http://magnolia:5000"], &[MAG_KEY], "    connect-timeout = 0;\n    fallback = true;\n");
        assert_eq!(lint1(&zero, "no-fallback").len(), 1);
    }
}
