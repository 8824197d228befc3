//! Property test: generated module layouts, every edit re-parses and reads back right.
//!
//! Layouts vary in nesting (`nix.settings = { … }`, `nix = { settings … }`, dotted,
//! `mkIf`, `mkMerge`, `determinateNix.customSettings`), list shapes (absent, `[ ]`, one line, one per line, comments,
//! wrappers), indentation (2, 4, tab) and line endings. Properties: no panic; an add only
//! inserts (the old text is a subsequence of the new), a remove only deletes; the result
//! parses, holds the cache (or no longer does), and a second run changes nothing.

use cachectl::nix::plan::{self, AddRequest, RemoveRequest};
use cachectl::nix::{locate, model::ElemValue};
use proptest::prelude::*;

const POOL: &[&str] = &[
    "\"https://cache.nixos.org\"",
    "\"https://cache.nixos.org/\"",
    "https://cache.nixos.org",
    "\"https://nix-community.cachix.org?priority=10\"",
    "(lib.mkBefore \"https://nix-community.cachix.org\")",
    "\"http://magnolia:5000\"",
    "\"http://192.168.1.50:5000?priority=5\"",
    "\"http://${host}:5000\"",
    "''https://other.example.org''",
];
const KEYS: &[&str] = &[
    "\"cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=\"",
    "\"nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs=\"",
    "\"magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0=\"",
];
const MAG: &str = "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0=";

#[derive(Debug, Clone)]
struct ListShape {
    present: bool,
    multiline: bool,
    items: Vec<usize>,
    comment: u8,
    wrapper: u8,
}

#[derive(Debug, Clone)]
struct Layout {
    nesting: u8,
    indent: u8,
    crlf: bool,
    lambda: bool,
    subs: ListShape,
    keys: ListShape,
    extra_setting: bool,
}

fn list_shape(pool: usize) -> impl Strategy<Value = ListShape> {
    (any::<bool>(), any::<bool>(), prop::collection::vec(0..pool, 0..4), 0u8..4, 0u8..3).prop_map(
        |(present, multiline, items, comment, wrapper)| ListShape { present, multiline, items, comment, wrapper },
    )
}

fn layout() -> impl Strategy<Value = Layout> {
    (0u8..7, 0u8..3, any::<bool>(), any::<bool>(), list_shape(POOL.len()), list_shape(KEYS.len()), any::<bool>())
        .prop_map(|(nesting, indent, crlf, lambda, subs, keys, extra_setting)| Layout {
            nesting,
            indent,
            crlf,
            lambda,
            subs,
            keys,
            extra_setting,
        })
}

fn render_list(shape: &ListShape, pool: &[&str], ind: &str, depth: usize) -> String {
    let wrap = |s: String| match shape.wrapper {
        1 => format!("lib.mkBefore {s}"),
        2 => format!("lib.mkForce {s}"),
        _ => s,
    };
    let items: Vec<String> = shape.items.iter().map(|&i| pool[i].to_owned()).collect();
    if !shape.multiline {
        let mut s = String::from("[");
        for (n, it) in items.iter().enumerate() {
            if shape.comment == 1 && n == 0 {
                s.push_str(" /* first */");
            }
            s.push(' ');
            s.push_str(it);
        }
        s.push_str(if items.is_empty() && shape.comment == 2 { " /* none */ ]" } else { " ]" });
        return wrap(s);
    }
    let inner = ind.repeat(depth + 1);
    let mut s = String::from("[\n");
    if shape.comment == 1 {
        s.push_str(&format!("{inner}# caches\n"));
    }
    for it in &items {
        s.push_str(&format!("{inner}{it}"));
        if shape.comment == 2 {
            s.push_str(" # note");
        }
        s.push('\n');
    }
    if shape.comment == 3 {
        s.push_str(&format!("{inner}# \"http://old:5000\"\n"));
    }
    s.push_str(&format!("{}]", ind.repeat(depth)));
    wrap(s)
}

fn render(l: &Layout) -> String {
    let ind = match l.indent {
        0 => "  ",
        1 => "    ",
        _ => "\t",
    };
    let mut bindings = Vec::new();
    if l.extra_setting {
        bindings.push(("max-jobs".to_owned(), "4".to_owned()));
    }
    let depth = match l.nesting {
        0 | 3 | 5 => 2,
        1 => 3,
        _ => 1,
    };
    if l.subs.present {
        bindings.push(("substituters".into(), render_list(&l.subs, POOL, ind, depth)));
    }
    if l.keys.present {
        bindings.push(("trusted-public-keys".into(), render_list(&l.keys, KEYS, ind, depth)));
    }
    let i1 = ind;
    let i2 = ind.repeat(2);
    let i3 = ind.repeat(3);
    let block = |prefix: &str, pad: &str| -> String {
        bindings.iter().map(|(k, v)| format!("{pad}{prefix}{k} = {v};\n")).collect()
    };
    let body = match l.nesting {
        0 => format!("{i1}nix.settings = {{\n{}{i1}}};\n", block("", &i2)),
        1 => format!("{i1}nix = {{\n{i2}settings = {{\n{}{i2}}};\n{i1}}};\n", block("", &i3)),
        2 => block("nix.settings.", i1),
        3 => format!("{i1}config = lib.mkIf true {{\n{}{i1}}};\n", block("nix.settings.", &i2)),
        // Determinate Nix's nix-darwin module (issue #11), nested and dotted.
        5 => format!("{i1}determinateNix.customSettings = {{\n{}{i1}}};\n", block("", &i2)),
        6 => block("determinateNix.customSettings.", i1),
        _ => format!("{i1}networking.hostName = \"x\";\n{}", block("nix.settings.", i1)),
    };
    // Nix rejects a free `lib` or `host` ("undefined variable"): a body using them needs the header.
    let head = if l.lambda || body.contains("lib.") || body.contains("${host}") { "{ lib, host, ... }:\n" } else { "" };
    let text = format!("{head}{{\n{body}}}\n");
    if l.crlf { text.replace('\n', "\r\n") } else { text }
}

fn is_subsequence(small: &str, big: &str) -> bool {
    let mut it = big.chars();
    small.chars().all(|c| it.any(|b| b == c))
}

fn urls(text: &str) -> Vec<String> {
    let m = locate(text).expect("parses");
    m.sites
        .iter()
        .flat_map(|s| s.lists.iter())
        .filter(|l| l.kind.is_substituters())
        .flat_map(|l| l.elements().iter().filter_map(|e| e.value.as_str().map(str::to_owned)))
        .collect()
}

fn op() -> impl Strategy<Value = u8> {
    0u8..4
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn every_edit_keeps_the_file_parseable_and_lossless(l in layout(), which in op()) {
        let before = render(&l);
        prop_assert!(locate(&before).is_ok(), "generator made invalid Nix:\n{before}");
        let norm = |u: &str| u.split('?').next().unwrap_or(u).trim_end_matches('/').to_owned();
        match which {
            0 | 1 => {
                let url = if which == 0 { "http://magnolia:5000" } else { "http://192.168.1.50:5000" };
                let req = AddRequest {
                    url: url.into(),
                    key: MAG.into(),
                    alternatives: vec!["http://magnolia:5000".into(), "http://192.168.1.50:5000".into()],
                    at: None,
                };
                let had_route = urls(&before).iter().any(|u| norm(u) == "http://magnolia:5000" || norm(u) == "http://192.168.1.50:5000");
                let no_site = !l.subs.present && !l.keys.present && !l.extra_setting;
                match plan::add(&before, &req) {
                    // A block cannot be created inside `mkIf`: refused, with the reason.
                    Err(e) if l.nesting == 3 && no_site => prop_assert!(e.to_string().contains("`config`"), "{e}"),
                    Err(e) => prop_assert!(false, "add refused a plain layout: {e}\n{before}"),
                    Ok(o) => {
                        let after = o.new_text.clone().unwrap_or_else(|| before.clone());
                        let got = urls(&after);
                        prop_assert!(got.iter().any(|u| norm(u) == url), "url missing:\n{after}");
                        prop_assert!(after.contains(MAG), "key missing:\n{after}");
                        if !had_route {
                            prop_assert!(is_subsequence(&before, &after), "add deleted text:\n{before}\n=>\n{after}");
                        }
                        if l.crlf {
                            prop_assert_eq!(after.matches('\n').count(), after.matches("\r\n").count());
                        }
                        let again = plan::add(&after, &req).expect("second add");
                        prop_assert!(again.new_text.is_none(), "not idempotent:\n{after}");
                    }
                }
            }
            _ => {
                let (urls_gone, key) = if which == 2 {
                    (vec!["http://magnolia:5000".to_owned(), "http://192.168.1.50:5000".to_owned()], "magnolia.cache")
                } else {
                    (vec!["https://nix-community.cachix.org".to_owned()], "nix-community.cachix.org-1")
                };
                let req = RemoveRequest { urls: urls_gone.clone(), key_names: vec![key.into()], at: None };
                let o = plan::remove(&before, &req).expect("remove never refuses these layouts");
                let after = o.new_text.clone().unwrap_or_else(|| before.clone());
                prop_assert!(is_subsequence(&after, &before) || after.contains("[ ]"), "remove inserted text:\n{before}\n=>\n{after}");
                let left = urls(&after);
                prop_assert!(!left.iter().any(|u| urls_gone.contains(&norm(u))), "still there:\n{after}");
                let m = locate(&after).expect("parses");
                let keys_left = m.sites.iter().flat_map(|s| s.lists.iter()).filter(|l| l.kind.is_keys())
                    .flat_map(|l| l.elements().iter()).filter(|e| matches!(&e.value, ElemValue::Str(s) if s.starts_with(key))).count();
                prop_assert_eq!(keys_left, 0);
            }
        }
    }
}
