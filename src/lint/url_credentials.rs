//! `url-credentials`: a substituter URL with a user name or password in it.

use super::context::{Context, show, store_url};
use super::{Diagnostic, Rule, Severity};

pub const RULE: Rule = Rule {
    code: "url-credentials",
    severity: Severity::Error,
    summary: "a substituter URL carries credentials (user:password@)",
    doc: "\
An http(s) substituter is written with credentials in its URL:
`https://user:password@cache.example.org`. cachectl never prints them: findings show
`https://<credentials redacted>@cache.example.org`.

Why it matters: NixOS writes `nix.settings` into /etc/nix/nix.conf, which every user of the
machine can read, and the generated file is a store path: world-readable in /nix/store,
and copied to every cache and machine the system closure goes to. The repository and its
history hold the password too. Treat it as leaked.

How to fix: take the credentials out of the URL and give them to Nix the way it reads
them, a netrc file:

    nix.settings.substituters = [ \"https://cache.example.org\" ];
    nix.settings.netrc-file = \"/etc/nix/netrc\";   # mode 0600, not in the store

with a line `machine cache.example.org login USER password PASSWORD` in that file, put
there by a secret manager (agenix, sops-nix) rather than by the configuration. Then change
the password. `cachectl add` refuses URLs with credentials for the same reason.",
};

pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for item in cx.store_urls() {
        let Some(url) = store_url(item).filter(|u| u.has_credentials()) else { continue };
        let msg = format!(
            "`{}` has credentials in its URL, which Nix copies into the world-readable nix.conf and the store: use `netrc-file` instead, and change the password",
            show(&url.raw)
        );
        out.push(cx.at_item(item, &RULE, msg));
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;

    #[test]
    fn credentials_are_an_error_and_never_printed() {
        let text = module(&["https://me:hunter2@cache.example.org", "ssh-ng://builder@host"], &[], "");
        let all_lines = all(&[("m.nix", &text)]);
        assert!(all_lines.iter().all(|l| !l.contains("hunter2") && !l.contains("me:")), "{all_lines:?}");
        expect_test::expect![[r#"
            [
                "m.nix:4:22: error[url-credentials]: `https://<credentials redacted>@cache.example.org` has credentials in its URL, which Nix copies into the world-readable nix.conf and the store: use `netrc-file` instead, and change the password",
            ]
        "#]]
        .assert_debug_eq(&lint1(&text, "url-credentials"));
    }
}
