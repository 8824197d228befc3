//! `duplicate`: the same cache or key listed twice in one merged configuration.

use std::collections::HashMap;

use super::context::{Context, Domain, Item, show};
use super::{Diagnostic, Rule, Severity};
use crate::fix::Fix;
use crate::keys;
use crate::nix::model::ListValue;
use crate::store_url;

pub const RULE: Rule = Rule {
    code: "duplicate",
    severity: Severity::Warning,
    summary: "a substituter or key is listed twice",
    doc: "\
The same substituter or key appears twice in the lists that NixOS merges: in one list, in
two lists of one file, or in two files of one configuration (a specialisation is a
configuration of its own, and a list forced with `lib.mkForce` replaces the others). NixOS
concatenates the list definitions of all modules without removing duplicates, so a cache in
base.nix and again in a host file that imports it is listed twice in the final nix.conf.

Which files are one configuration comes from the static imports: two files are merged
when one imports the other (`imports = [ ../modules/base.nix ]`, also through other files),
or when one file or one flake `modules = [ … ]` list imports both. Two host files that
both import base.nix are two configurations, so a cache listed in each is not a duplicate.
The other entry may be in a file that was not named (`check hosts/a.nix` cites
`modules/base.nix:12:5`); with `--isolated`, the files named are taken as one
configuration and no other file is read. URLs are compared without store
parameters, a trailing `/` or case in the scheme and host: `https://cache.nixos.org` and
`https://cache.nixos.org/` are the same cache. Keys are compared by name: two different
values under one name are reported too. Two copies in different blocks that are both
under `lib.mkIf` (or in `if … then … else` branches) are not reported: their conditions
may exclude each other. `substituters`, `extra-substituters` and
`binaryCaches` count as one list; `trusted-substituters` is separate, and each flake's
`nixConfig` stands alone.

Why it matters: Nix drops only exactly equal strings, so `…org` and `…org/` are queried as
two caches (twice the requests for every missing path). A duplicate with other store
parameters (`?priority=`) makes the effective priority depend on list order. Two values
under one key name mean one of them is never used.

How to fix: keep one entry, in the module that all hosts import. Note that NixOS itself
adds `https://cache.nixos.org/` (with the slash) to every configuration.",
};

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Class {
    Substituters,
    Trusted,
    Keys,
}

pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    // Items by what they name, context files first, then the named files in order: a
    // named file's entry is reported against an earlier one, which may be in a context file.
    let named = |i: &Item<'_>| cx.files.get(i.at.file).is_some_and(|f| f.named);
    let mut groups: HashMap<(Domain, Class, String), Vec<&Item<'_>>> = HashMap::new();
    for pass in [false, true] {
        for item in cx.items.iter().filter(|i| named(i) == pass) {
            if let Some(key) = identity(item) {
                groups.entry(key).or_default().push(item);
            }
        }
    }
    let mut found = Vec::new();
    for ((_, class, id), items) in &groups {
        for (n, item) in items.iter().enumerate().filter(|(_, i)| named(i)) {
            // The first earlier entry of the same configuration (two host files that both
            // import base.nix are two configurations: their lists are never concatenated).
            let Some(prev) = items[..n].iter().find(|p| collides(cx, p, item)) else { continue };
            found.push((item, message(cx, *class, id, prev, item), removable(cx, prev, item)));
        }
    }
    found.sort_by_key(|(i, _, _)| (i.at.file, i.offset()));
    out.extend(found.into_iter().map(|(item, msg, fix)| {
        let d = cx.at_item(item, &RULE, msg);
        if fix { d.with_fix(Fix::Remove { element: item.elem.range }) } else { d }
    }));
}

/// The later copy can go without changing any configuration: it is written the same way
/// (store parameters and key value included), is always present where the earlier one is
/// (its file imports the earlier one's, and neither is conditional), and is a plain element.
fn removable(cx: &Context<'_>, prev: &Item<'_>, item: &Item<'_>) -> bool {
    let same_value = match (prev.public_value(), item.public_value()) {
        (Some(a), Some(b)) if item.at.is_keys() => a.trim() == b.trim(),
        (Some(a), Some(b)) => a.split_once('?').map(|p| p.1) == b.split_once('?').map(|p| p.1),
        _ => false,
    };
    let always = |i: &Item<'_>| !i.conditional && !i.at.site.conditional;
    let plain = matches!(item.at.list.value, ListValue::Literal { .. }) && !item.at.site.kind.is_text();
    same_value
        && always(prev)
        && always(item)
        && plain
        && prev.at.list.wrapper() == item.at.list.wrapper()
        && cx.merge.includes(item.at.file, prev.at.file)
}

/// What an entry names: its list class and the normalised URL or the key name.
fn identity<'a>(item: &Item<'a>) -> Option<(Domain<'a>, Class, String)> {
    let domain = item.at.domain();
    if matches!(domain, Domain::NixConf(_)) {
        return None;
    }
    let v = item.public_value()?;
    let (class, id) = if item.at.is_keys() {
        (Class::Keys, keys::key_name(v)?.to_owned())
    } else if item.at.is_substituters() {
        (Class::Substituters, store_url::normalize(v))
    } else {
        (Class::Trusted, store_url::normalize(v))
    };
    Some((domain, class, id))
}

/// True when `prev` and `item` both end up in one list of one configuration.
fn collides(cx: &Context<'_>, prev: &Item<'_>, item: &Item<'_>) -> bool {
    // Two sometimes-present entries may exclude each other; a forced list replaces the
    // others instead of adding to them.
    let forced = |i: &Item<'_>| i.at.list.wrapper() == Some("mkForce");
    let same_list = std::ptr::eq(prev.at.list, item.at.list);
    // Two blocks under `mkIf` (or `if` branches) may have exclusive conditions.
    let sometimes = |i: &Item<'_>| i.conditional || i.at.site.conditional;
    let both_sometimes = sometimes(prev) && sometimes(item) && !std::ptr::eq(prev.at.site, item.at.site);
    let exclusive =
        (prev.conditional && item.conditional) || both_sometimes || (!same_list && (forced(prev) || forced(item)));
    !exclusive && cx.merge.merged(prev.at.file, item.at.file)
}

fn message(cx: &Context<'_>, class: Class, id: &str, prev: &Item<'_>, item: &Item<'_>) -> String {
    let (v, earlier) = (item.public_value().unwrap_or_default(), prev.public_value().unwrap_or_default());
    let at = cx.position(prev);
    match class {
        Class::Keys if earlier.trim() == v.trim() => format!("key `{id}` is already listed at {at}"),
        Class::Keys => format!(
            "key `{id}` is already listed at {at} with another value: Nix keeps one key per name, so one of them is never used"
        ),
        _ if earlier == v => format!("`{}` is already listed at {at}", show(v)),
        _ => format!("`{}` is the same cache as `{}` at {at}", show(v), show(earlier)),
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;

    #[test]
    fn same_cache_in_another_spelling_and_file() {
        let base = module(&["https://cache.nixos.org/", "https://cache.nixos.org"], &[NIXOS_KEY], "");
        let host = module(&["https://Cache.NixOS.org?priority=10"], &[NIXOS_KEY], "");
        expect_test::expect![[r#"
            [
                "base.nix:4:49: warning[duplicate]: `https://cache.nixos.org` is the same cache as `https://cache.nixos.org/` at base.nix:4:22",
                "host.nix:4:22: warning[duplicate]: `https://Cache.NixOS.org?priority=10` is the same cache as `https://cache.nixos.org/` at base.nix:4:22",
                "host.nix:5:29: warning[duplicate]: key `cache.nixos.org-1` is already listed at base.nix:5:29",
            ]
        "#]]
        .assert_debug_eq(&lint(&[("base.nix", &base), ("host.nix", &host)], "duplicate"));
    }

    #[test]
    fn two_values_under_one_name() {
        let other = MAG_KEY.replace("7MVd", "8MVd");
        let text = module(&[], &[MAG_KEY, &other], "");
        let lines = lint1(&text, "duplicate");
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(lines[0].contains("with another value"), "{lines:?}");
    }

    #[test]
    fn separate_configurations_do_not_collide() {
        let flake = "{ nixConfig.extra-substituters = [ \"https://nix-community.cachix.org\" ];\n  outputs = _: { }; }";
        let module_ = "{ nix.settings.substituters = [ \"https://nix-community.cachix.org\" ];\n  nix.settings.trusted-substituters = [ \"https://nix-community.cachix.org\" ]; }";
        assert!(lint(&[("flake.nix", flake), ("m.nix", module_)], "duplicate").is_empty());
        let special = "{ nix.settings.substituters = [ \"https://a.org\" ];\n  specialisation.x.configuration.nix.settings.substituters = lib.mkForce [ \"https://a.org\" ]; }";
        assert!(lint1(special, "duplicate").is_empty());
        let both = "{ nix.settings.substituters = [ \"https://a.org\" ] ++ lib.optional x \"https://b.org\" ++ lib.optional (!x) \"https://b.org\"; }";
        assert!(lint1(both, "duplicate").is_empty());
        // Two `mkIf` blocks may have exclusive conditions; one unconditional copy collides.
        let branches = "{ lib, cfg, ... }: lib.mkMerge [\n  (lib.mkIf cfg.a { nix.settings.substituters = [ \"https://a.org\" ]; })\n  (lib.mkIf (!cfg.a) { nix.settings.substituters = [ \"https://a.org\" ]; })\n]\n";
        assert!(lint1(branches, "duplicate").is_empty());
        let always = "{ lib, cfg, ... }: lib.mkMerge [\n  (lib.mkIf cfg.a { nix.settings.substituters = [ \"https://a.org\" ]; })\n  { nix.settings.substituters = [ \"https://a.org\" ]; }\n]\n";
        assert_eq!(lint1(always, "duplicate").len(), 1);
    }
}
