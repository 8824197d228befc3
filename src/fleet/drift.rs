//! Findings that only a fleet shows (`cachectl check` in a flake): a cache whose key is
//! trusted on some of the hosts that use it but not on others (`host-drift`), and a LAN or
//! tailnet cache on a host whose own files set no `connect-timeout` and `fallback = true`
//! (`no-fallback`, judged per host: another host's settings do not help it). A finding in a
//! shared file is made once, naming the hosts it affects.

use std::collections::BTreeMap;

use super::Host;
use crate::store_url::{self, StoreUrl};

/// One fleet finding at a cache's place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub code: &'static str,
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

pub fn findings(hosts: &[Host]) -> Vec<Finding> {
    let mut out = Vec::new();
    keys(hosts, &mut out);
    fallback(hosts, &mut out);
    out.sort_by(|a, b| (&a.file, a.line, a.column, a.code).cmp(&(&b.file, b.line, b.column, b.code)));
    out
}

/// Places (file, line, column) of a cache, with the hosts it reaches from there.
type Places<'a> = BTreeMap<(&'a str, usize, usize), Vec<&'a Host>>;

fn by_place<'a>(hosts: &'a [Host], url_id: &str) -> Places<'a> {
    let mut p: Places<'a> = BTreeMap::new();
    for h in hosts {
        for c in h.caches.iter().filter(|c| store_url::normalize(&c.url) == url_id) {
            p.entry((c.file.as_str(), c.line, c.column)).or_default().push(h);
        }
    }
    p
}

fn names(hosts: &[&Host]) -> String {
    let v: Vec<&str> = hosts.iter().map(|h| h.name.as_str()).collect();
    v.join(", ")
}

/// `host-drift`: a cache trusted on some of its hosts and not on others.
fn keys(hosts: &[Host], out: &mut Vec<Finding>) {
    let mut ids: Vec<String> =
        hosts.iter().flat_map(|h| h.caches.iter().map(|c| store_url::normalize(&c.url))).collect();
    ids.sort();
    ids.dedup();
    for id in ids {
        // NixOS trusts cache.nixos.org's key by default; `?trusted=1` stores need none.
        let implicit = id == "https://cache.nixos.org";
        let unsigned = hosts.iter().flat_map(|h| &h.caches).any(|c| {
            store_url::normalize(&c.url) == id
                && c.url
                    .split_once('?')
                    .is_some_and(|(_, p)| p.split('&').any(|kv| kv == "trusted=1" || kv == "trusted=true"))
        });
        if implicit || unsigned {
            continue;
        }
        let keyed = |h: &Host| h.caches.iter().find(|c| store_url::normalize(&c.url) == id).and_then(|c| c.key.clone());
        let with: Vec<(&Host, String)> = hosts.iter().filter_map(|h| keyed(h).map(|k| (h, k))).collect();
        if with.is_empty() {
            continue;
        }
        for ((file, line, column), on) in by_place(hosts, &id) {
            let without: Vec<&Host> = on.into_iter().filter(|h| keyed(h).is_none()).collect();
            if without.is_empty() {
                continue;
            }
            let (other, key) = (&with[0].0.name, &with[0].1);
            let here = |c: &&super::HostCache| c.file == file && c.line == line && c.column == column;
            let url = without[0].caches.iter().find(here).map_or(id.clone(), |c| c.url.clone());
            out.push(Finding {
                code: "host-drift",
                file: file.to_owned(),
                line,
                column,
                message: format!(
                    "`{}` reaches {} without a trusted key for it ({other} trusts `{key}`): Nix there rejects its paths; add the key to a file {} import{}",
                    store_url::redact_credentials(&url),
                    names(&without),
                    if without.len() == 1 { "that host" } else { "those hosts" },
                    if without.len() == 1 { "s" } else { "" }
                ),
            });
        }
    }
}

/// `no-fallback` per host: the host's own files must set both settings.
fn fallback(hosts: &[Host], out: &mut Vec<Finding>) {
    let mut seen: BTreeMap<(String, usize, usize), Vec<&Host>> = BTreeMap::new();
    for h in hosts {
        let timeout = h.settings.iter().any(|(n, v, _)| n == "connect-timeout" && last_word(v) != "0");
        let fallback = h.settings.iter().any(|(n, v, _)| n == "fallback" && last_word(v) == "true");
        if timeout && fallback {
            continue;
        }
        for c in &h.caches {
            let Ok(u) = StoreUrl::parse(&c.url) else { continue };
            if (u.is_lan() || u.is_tailnet()) && !u.is_loopback() {
                seen.entry((c.file.clone(), c.line, c.column)).or_default().push(h);
            }
        }
    }
    for ((file, line, column), on) in seen {
        let url = on[0]
            .caches
            .iter()
            .find(|c| c.file == file && c.line == line && c.column == column)
            .map_or("", |c| c.url.as_str());
        out.push(Finding {
            code: "no-fallback",
            file,
            line,
            column,
            message: format!(
                "`{}` is on a LAN or tailnet, but {} set{} no `connect-timeout` and `fallback = true` in {} own files: when it is unreachable, builds there hang or fail",
                store_url::redact_credentials(url),
                names(&on),
                if on.len() == 1 { "s" } else { "" },
                if on.len() == 1 { "its" } else { "their" }
            ),
        });
    }
}

fn last_word(value: &str) -> &str {
    value.split_whitespace().last().unwrap_or_default().trim_matches(|c| c == '(' || c == ')')
}

#[cfg(test)]
mod tests {
    use super::super::*;
    use super::*;

    fn host(name: &str, caches: &[(&str, Option<&str>, &str)], settings: &[(&str, &str)]) -> Host {
        Host {
            name: name.into(),
            kind: HostKind::Nixos,
            files: Vec::new(),
            caches: caches
                .iter()
                .map(|(u, k, f)| HostCache {
                    url: (*u).into(),
                    key: k.map(Into::into),
                    file: (*f).into(),
                    line: 3,
                    column: 5,
                })
                .collect(),
            keys: Vec::new(),
            settings: settings.iter().map(|(n, v)| ((*n).into(), (*v).into(), "x.nix".into())).collect(),
            unresolved: Vec::new(),
        }
    }

    #[test]
    fn a_key_on_one_host_only_is_drift_and_settings_count_per_host() {
        let ok = [("connect-timeout", "5"), ("fallback", "true")];
        let hosts = vec![
            host("mimosa", &[("http://magnolia:5000", Some("magnolia.cache"), "hosts/mimosa.nix")], &ok),
            host("lilas", &[("http://magnolia:5000/", None, "base.nix")], &[]),
            host("tilleul", &[("http://magnolia:5000/", None, "base.nix")], &ok),
        ];
        let got: Vec<String> =
            findings(&hosts).iter().map(|f| format!("{}:{} {} {}", f.file, f.line, f.code, f.message)).collect();
        expect_test::expect![[r#"
            [
                "base.nix:3 host-drift `http://magnolia:5000/` reaches lilas, tilleul without a trusted key for it (mimosa trusts `magnolia.cache`): Nix there rejects its paths; add the key to a file those hosts import",
                "base.nix:3 no-fallback `http://magnolia:5000/` is on a LAN or tailnet, but lilas sets no `connect-timeout` and `fallback = true` in its own files: when it is unreachable, builds there hang or fail",
            ]
        "#]]
        .assert_debug_eq(&got);
    }
}
