//! What every edit must satisfy, and a mutator of Nix modules to try it on.
//!
//! Shared by the CI harness (`tests/fuzz_edit.rs`) and the cargo-fuzz target
//! (`fuzz/fuzz_targets/edit.rs`); both include this file with `#[path]`.
//!
//! For one input text and one operation ([`ops`]), [`check`] runs `plan::add` or
//! `plan::remove` and holds it to these properties:
//! - it does not panic;
//! - a refusal is an `Err` and nothing else (the caller writes nothing);
//! - "nothing to do" (`new_text: None`) is only answered when the cache is already there
//!   (add) or not there (remove);
//! - an edit re-parses, and its cache lists are the old lists plus exactly the URL and key
//!   (add, or one other route of the same cache replaced in place), or minus exactly every
//!   matching URL and key (remove);
//! - an add only inserts text and a remove only deletes text (except `[ ]` for an emptied
//!   list); a file written with CRLF stays CRLF;
//! - the same operation on the result changes nothing (idempotence).
//!
//! The lists are read with cachectl's own locator here; `tests/fuzz_edit.rs` also checks a
//! sample of edits with the real Nix evaluator, which is independent of it.

#![allow(dead_code)] // each includer uses a different part

use std::panic::{AssertUnwindSafe, catch_unwind};

use cachectl::keys;
use cachectl::nix::locate;
use cachectl::nix::model::{ElemValue, FileModel};
use cachectl::nix::plan::{self, AddRequest, EditError, Outcome, RemoveRequest};
use cachectl::store_url::normalize;

pub const MAG_TS: &str = "http://magnolia:5000";
pub const MAG_LAN: &str = "http://192.168.1.50:5000";
pub const MAG_KEY: &str = "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0=";
pub const HYP_URL: &str = "https://hyprland.cachix.org";
pub const HYP_KEY: &str = "hyprland.cachix.org-1:a7pgxzMz7+chwVL3/pzj6jIBMioiJM7ypFP8PwtkuGc=";
pub const NC_URL: &str = "https://nix-community.cachix.org";
pub const NC_KEY: &str = "nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs=";
pub const NIXOS_URL: &str = "https://cache.nixos.org";
pub const NIXOS_KEY: &str = "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=";

/// A logical edit.
#[derive(Debug, Clone)]
pub enum Op {
    Add(AddRequest),
    Remove(RemoveRequest),
}

/// An edit with its name and the `cachectl` arguments (with `tests/data/registry.toml`)
/// that make the same request.
#[derive(Debug, Clone)]
pub struct NamedOp {
    pub name: &'static str,
    pub cli: &'static [&'static str],
    pub op: Op,
}

fn add(url: &str, key: &str, routes: &[&str]) -> Op {
    Op::Add(AddRequest {
        url: url.to_owned(),
        key: key.to_owned(),
        alternatives: routes.iter().map(|r| (*r).to_owned()).collect(),
        at: None,
    })
}

fn remove(urls: &[&str], key_name: &str) -> Op {
    Op::Remove(RemoveRequest {
        urls: urls.iter().map(|u| (*u).to_owned()).collect(),
        key_names: vec![key_name.to_owned()],
        at: None,
    })
}

/// The operations tried on every input.
pub fn ops() -> Vec<NamedOp> {
    vec![
        NamedOp { name: "add magnolia", cli: &["add", "magnolia"], op: add(MAG_TS, MAG_KEY, &[MAG_TS, MAG_LAN]) },
        NamedOp {
            name: "add magnolia --via lan",
            cli: &["add", "magnolia", "--via", "lan"],
            op: add(MAG_LAN, MAG_KEY, &[MAG_TS, MAG_LAN]),
        },
        NamedOp {
            name: "add hyprland --key",
            cli: &["add", HYP_URL, "--key", HYP_KEY],
            op: add(HYP_URL, HYP_KEY, &[HYP_URL]),
        },
        NamedOp {
            name: "remove nix-community",
            cli: &["remove", "nix-community"],
            op: remove(&[NC_URL], "nix-community.cachix.org-1"),
        },
        NamedOp { name: "remove nixos", cli: &["remove", "nixos"], op: remove(&[NIXOS_URL], "cache.nixos.org-1") },
        NamedOp {
            name: "remove magnolia",
            cli: &["remove", "magnolia"],
            op: remove(&[MAG_TS, MAG_LAN], "magnolia.cache"),
        },
    ]
}

/// What the editor answered, when it kept every property.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Refused with this message; the caller writes nothing.
    Refused { message: String, internal: bool },
    /// Nothing to change.
    Unchanged,
    /// The new text.
    Edited(String),
}

/// Runs the operation, catching panics.
pub fn run(text: &str, op: &Op) -> Result<Result<Outcome, EditError>, String> {
    catch_unwind(AssertUnwindSafe(|| match op {
        Op::Add(r) => plan::add(text, r),
        Op::Remove(r) => plan::remove(text, r),
    }))
    .map_err(|p| {
        let msg = p
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_else(|| "non-string panic".to_owned());
        format!("panicked: {msg}")
    })
}

/// The cache lists of a file, flattened: every substituter list (`substituters`,
/// `extra-substituters`, `binaryCaches`) and every key list, each sorted. Conditional
/// elements (`++ lib.optional …`) count, as Nix would see them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Lists {
    pub urls: Vec<String>,
    pub keys: Vec<String>,
}

fn value(v: &ElemValue) -> String {
    match v {
        ElemValue::Str(s) => s.clone(),
        ElemValue::Opaque(t) => format!("<expr {t}>"),
    }
}

pub fn lists_of(model: &FileModel) -> Lists {
    let mut out = Lists::default();
    for l in model.sites.iter().flat_map(|s| s.lists.iter()) {
        let vals = l.elements().iter().chain(l.conditional()).map(|e| value(&e.value));
        if l.kind.is_substituters() {
            out.urls.extend(vals);
        } else if l.kind.is_keys() {
            out.keys.extend(vals);
        }
    }
    out.urls.sort();
    out.keys.sort();
    out
}

/// Multiset difference of two sorted lists: (in `after` only, in `before` only).
pub fn delta(before: &[String], after: &[String]) -> (Vec<String>, Vec<String>) {
    let (mut added, mut removed) = (Vec::new(), Vec::new());
    let (mut i, mut j) = (0, 0);
    while i < before.len() || j < after.len() {
        match (before.get(i), after.get(j)) {
            (Some(b), Some(a)) if a == b => {
                i += 1;
                j += 1;
            }
            (Some(b), Some(a)) if b < a => {
                removed.push(b.clone());
                i += 1;
            }
            (Some(_), Some(a)) | (None, Some(a)) => {
                added.push(a.clone());
                j += 1;
            }
            (Some(b), None) => {
                removed.push(b.clone());
                i += 1;
            }
            (None, None) => break,
        }
    }
    (added, removed)
}

fn key_name(k: &str) -> Option<&str> {
    keys::key_name(k.trim())
}

/// True when `small` can be obtained from `big` by deleting characters.
pub fn is_subsequence(small: &str, big: &str) -> bool {
    let mut it = big.chars();
    small.chars().all(|c| it.any(|b| b == c))
}

/// A line feed without a carriage return before it.
fn has_bare_lf(text: &str) -> bool {
    text.matches('\n').count() != text.matches("\r\n").count()
}

/// `text` without the whitespace inside empty brackets (`[ ]`, `{ }`, any whitespace rnix
/// accepts, tabs and carriage returns included). When the editor fills an empty list or
/// attribute set it writes its own spacing there, by design.
fn without_empty_bracket_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        rest = &rest[c.len_utf8()..];
        out.push(c);
        let close = match c {
            '[' => ']',
            '{' => '}',
            _ => continue,
        };
        let inner = rest.len() - rest.trim_start().len();
        if inner > 0 && rest[inner..].starts_with(close) {
            rest = &rest[inner..];
        }
    }
    out
}

/// `added` is `want` once, or several times when one let-bound list is shared by several
/// options (`shared`): appending to it adds the value to each of them.
fn added_once(added: &[String], want: &str, shared: bool) -> bool {
    match added {
        [a] => a == want,
        [_, ..] if shared => added.iter().all(|a| a == want),
        _ => false,
    }
}

/// Checks the change from `before` to `after` lists against an add. `shared`: the file
/// binds a cache list in a `let` (so one append may show up in several options).
pub fn expect_add(before: &Lists, after: &Lists, r: &AddRequest, shared: bool) -> Result<(), String> {
    let want = normalize(&r.url);
    let routes: Vec<String> = r.alternatives.iter().map(|u| normalize(u)).chain([want.clone()]).collect();
    let (added, removed) = delta(&before.urls, &after.urls);
    if before.urls.iter().any(|u| normalize(u) == want) {
        if !(added.is_empty() && removed.is_empty()) {
            return Err(format!("url already there, yet urls changed: +{added:?} -{removed:?}"));
        }
    } else {
        let ok = match (added.as_slice(), removed.as_slice()) {
            (a, []) => added_once(a, &r.url, shared),
            // Another route of the same cache, replaced in place (its parameters kept), in
            // every option that shares the list.
            ([a], [old]) => normalize(a) == want && routes.contains(&normalize(old)),
            (a, old) if shared && a.len() == old.len() => {
                a.iter().all(|x| normalize(x) == want) && old.iter().all(|o| routes.contains(&normalize(o)))
            }
            _ => false,
        };
        if !ok {
            return Err(format!("urls: expected +{:?} (or a route replaced), got +{added:?} -{removed:?}", r.url));
        }
    }
    let (added, removed) = delta(&before.keys, &after.keys);
    let name = key_name(&r.key);
    let ok = match (added.as_slice(), removed.as_slice()) {
        ([], []) => before.keys.iter().any(|k| k.trim() == r.key.trim()),
        (a @ [_, ..], []) => added_once(a, &r.key, shared),
        // A different key under the same name, replaced by the right one.
        ([a], [old]) => *a == r.key && key_name(old) == name,
        _ => false,
    };
    if !ok {
        return Err(format!("keys: expected +{:?} (or already there), got +{added:?} -{removed:?}", r.key));
    }
    Ok(())
}

fn remove_hits(before: &Lists, r: &RemoveRequest) -> (Vec<String>, Vec<String>) {
    let urls: Vec<String> = r.urls.iter().map(|u| normalize(u)).collect();
    let gone_urls = before.urls.iter().filter(|u| urls.contains(&normalize(u))).cloned().collect();
    let gone_keys = before
        .keys
        .iter()
        .filter(|k| key_name(k).is_some_and(|n| r.key_names.iter().any(|x| x == n)))
        .cloned()
        .collect();
    (gone_urls, gone_keys)
}

/// Checks the change from `before` to `after` lists against a remove.
pub fn expect_remove(before: &Lists, after: &Lists, r: &RemoveRequest) -> Result<(), String> {
    let (gone_urls, gone_keys) = remove_hits(before, r);
    let (added, removed) = delta(&before.urls, &after.urls);
    if !added.is_empty() || removed != gone_urls {
        return Err(format!("urls: expected -{gone_urls:?}, got +{added:?} -{removed:?}"));
    }
    let (added, removed) = delta(&before.keys, &after.keys);
    if !added.is_empty() || removed != gone_keys {
        return Err(format!("keys: expected -{gone_keys:?}, got +{added:?} -{removed:?}"));
    }
    Ok(())
}

/// Runs `op` on `text` and checks every property. `Err` describes a broken property.
pub fn check(text: &str, op: &Op) -> Result<Answer, String> {
    let outcome = match run(text, op)? {
        Err(e) => {
            let internal = matches!(e, EditError::Verify(_));
            return Ok(Answer::Refused { message: e.to_string(), internal });
        }
        Ok(o) => o,
    };
    // The editor parsed the input, so the locator must too.
    let model = locate(text).map_err(|e| format!("the editor accepted text the locator rejects: {e}"))?;
    let before = lists_of(&model);
    let Some(new) = outcome.new_text else {
        return match op {
            Op::Add(r) => {
                let want = normalize(&r.url);
                let has_url = before.urls.iter().any(|u| normalize(u) == want);
                let has_key = before.keys.iter().any(|k| k.trim() == r.key.trim());
                // A cache already written in a shape cachectl reads but does not edit (records
                // folded into a computed `nix.settings`, issue #11) is reported, not added twice.
                let words = |t: &str| t.split(|c: char| c.is_whitespace() || c == '"').any(|w| normalize(w) == want);
                let anywhere = words(text) && text.contains(r.key.trim());
                if (has_url && has_key) || anywhere {
                    Ok(Answer::Unchanged)
                } else {
                    Err(format!("add changed nothing, but url present: {has_url}, key present: {has_key}"))
                }
            }
            Op::Remove(r) => {
                let (u, k) = remove_hits(&before, r);
                if u.is_empty() && k.is_empty() {
                    Ok(Answer::Unchanged)
                } else {
                    Err(format!("remove changed nothing, but these are there: {u:?} {k:?}"))
                }
            }
        };
    };
    if new == text {
        return Err("an edit that changes nothing was returned as an edit".to_owned());
    }
    let after_model = locate(&new).map_err(|e| format!("the edited text does not parse: {e}"))?;
    let after = lists_of(&after_model);
    match op {
        Op::Add(r) => {
            let shared = model
                .sites
                .iter()
                .flat_map(|s| s.lists.iter())
                .any(|l| matches!(&l.value, cachectl::nix::model::ListValue::Literal { via_let: Some(_), .. }));
            expect_add(&before, &after, r, shared)?;
            let replaced = delta(&before.urls, &after.urls).1.len() + delta(&before.keys, &after.keys).1.len();
            if replaced == 0 && !is_subsequence(&without_empty_bracket_whitespace(text), &new) {
                return Err("add deleted text".to_owned());
            }
        }
        Op::Remove(r) => {
            expect_remove(&before, &after, r)?;
            if !is_subsequence(&new, text) && !is_subsequence(&new.replace("[ ]", "[]"), text) {
                return Err("remove inserted text".to_owned());
            }
        }
    }
    if text.contains("\r\n") && !has_bare_lf(text) && has_bare_lf(&new) {
        return Err("a CRLF file got a bare LF".to_owned());
    }
    match run(&new, op)? {
        Ok(o) if o.new_text.is_none() => {}
        Ok(_) => return Err("not idempotent: the same operation on the result changes it again".to_owned()),
        Err(e) => return Err(format!("the same operation on the result is refused: {e}")),
    }
    Ok(Answer::Edited(new))
}

/// A small, seeded pseudo-random generator (SplitMix64): runs are reproducible by seed.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`0` when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next_u64() % n as u64) as usize }
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        items.get(self.below(items.len()))
    }
}

/// Pieces of Nix syntax, module idioms and cache values to insert.
const TOKENS: &[&str] = &[
    "[",
    "]",
    "{",
    "}",
    ";",
    "\"",
    "''",
    "${",
    "#",
    "/*",
    "*/",
    "=",
    "++",
    " ",
    "\n",
    "\t",
    "\r\n",
    "\r",
    "(",
    ")",
    ".",
    ",",
    ":",
    "?",
    "@",
    "\\",
    "$",
    "...",
    "or",
    "rec ",
    "lib.mkForce ",
    "lib.mkBefore ",
    "lib.mkIf true ",
    "with lib; ",
    "assert true; ",
    "let x = 1; in ",
    "inherit ",
    "nix.settings.",
    "settings.",
    "substituters = [ ];",
    "trusted-public-keys = [ ];",
    "extra-substituters = [ ];",
    "nix.settings.substituters = [ ];",
    "substituters",
    "\"a\\\"b\"",
    "\"\\${x}\"",
    "[ ]",
    "{ }",
    "null",
    "true",
    "mkDefault",
    "lib.optional true \"http://magnolia:5000\" ++ ",
    " ++ [ \"http://magnolia:5000\" ]",
];

/// List elements: cache URLs and keys in their various spellings (some keys wrong).
const ELEMENTS: &[&str] = &[
    "\"https://nix-community.cachix.org\"",
    "\"http://magnolia:5000\"",
    "\"http://192.168.1.50:5000?priority=5\"",
    "\"magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0=\"",
    "\"magnolia.cache:AAAAzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0=\"",
    "\"https://cache.nixos.org/\"",
    "\"cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=\"",
    "https://cache.nixos.org",
    "\"hyprland.cachix.org-1:a7pgxzMz7+chwVL3/pzj6jIBMioiJM7ypFP8PwtkuGc=\"",
    "\"https://hyprland.cachix.org\"",
    "''http://magnolia:5000''",
    "\"http://${host}:5000\"",
];

/// Characters beyond ASCII: letters, symbols, invisible and line-breaking ones.
const UNICODE: &[&str] =
    &["é", "ß", "→", "中", "🦀", "\u{200B}", "\u{FEFF}", "\u{2028}", "\u{00A0}", "\u{0301}", "\u{1F600}", "\u{0085}"];

const COMMENTS: &[&str] = &[
    "# a comment",
    "# \"http://magnolia:5000\"",
    "# ];",
    "# substituters = [ \"x\" ];",
    "#",
    "# é → 🦀",
    "/* block */",
    "/* \"https://cache.nixos.org\" ; ] */",
    "/**/",
    "/* multi\n   line */",
    "/* * / * */",
];

/// The byte offsets of the starts of characters in `s`, and its end.
fn boundaries(s: &str) -> Vec<usize> {
    s.char_indices().map(|(i, _)| i).chain([s.len()]).collect()
}

fn line_starts(s: &str) -> Vec<usize> {
    [0].into_iter().chain(s.match_indices('\n').map(|(i, _)| i + 1)).filter(|&i| i <= s.len()).collect()
}

/// Offsets just after whitespace, where an inserted token does not split a word.
fn gaps(s: &str) -> Vec<usize> {
    s.char_indices().filter(|(_, c)| c.is_whitespace()).map(|(i, c)| i + c.len_utf8()).collect()
}

fn insert_at(s: &str, at: usize, what: &str) -> String {
    let mut out = String::with_capacity(s.len() + what.len());
    out.push_str(&s[..at]);
    out.push_str(what);
    out.push_str(&s[at..]);
    out
}

fn lines(s: &str) -> Vec<&str> {
    s.split_inclusive('\n').collect()
}

/// One random change to `s`; `donors` are other files to splice lines from.
pub fn mutate_once(s: &str, rng: &mut Rng, donors: &[String]) -> String {
    let b = boundaries(s);
    let any_pos = |rng: &mut Rng| b.get(rng.below(b.len())).copied().unwrap_or(0);
    match rng.below(20) {
        0 => {
            // A comment on its own line, indented like the line it precedes.
            let starts = line_starts(s);
            let at = starts.get(rng.below(starts.len())).copied().unwrap_or(0);
            let indent: String = s[at..].chars().take_while(|c| *c == ' ' || *c == '\t').collect();
            let c = rng.pick(COMMENTS).copied().unwrap_or("#");
            let nl = if s.contains("\r\n") { "\r\n" } else { "\n" };
            insert_at(s, at, &format!("{indent}{c}{nl}"))
        }
        1 => {
            // A comment at the end of a line.
            let ends: Vec<usize> =
                s.match_indices('\n').map(|(i, _)| if s[..i].ends_with('\r') { i - 1 } else { i }).collect();
            let at = ends.get(rng.below(ends.len())).copied().unwrap_or(s.len());
            let c = rng.pick(COMMENTS).copied().unwrap_or("#");
            insert_at(s, at, &format!(" {c}"))
        }
        2 => {
            let g = gaps(s);
            let at = g.get(rng.below(g.len())).copied().unwrap_or(0);
            let c = rng.pick(&COMMENTS[6..]).copied().unwrap_or("/**/");
            insert_at(s, at, &format!("{c} "))
        }
        3 => {
            // Indent with tabs (or with a different number of spaces).
            let unit = *rng.pick(&["\t", "    ", " ", "\t "]).unwrap_or(&"\t");
            lines(s)
                .iter()
                .map(|l| {
                    let n = l.len() - l.trim_start_matches(' ').len();
                    format!("{}{}", unit.repeat(n / 2), &l[n - n % 2..])
                })
                .collect()
        }
        4 => match rng.below(3) {
            0 if !s.contains("\r\n") => s.replace('\n', "\r\n"),
            0 | 1 => s.replace("\r\n", "\n"),
            _ => {
                // One line ending changed: mixed endings.
                let nl: Vec<usize> = s.match_indices('\n').map(|(i, _)| i).collect();
                match nl.get(rng.below(nl.len())) {
                    Some(&i) if i > 0 && s[..i].ends_with('\r') => format!("{}{}", &s[..i - 1], &s[i..]),
                    Some(&i) => insert_at(s, i, "\r"),
                    None => s.to_owned(),
                }
            }
        },
        5 => {
            // Join two lines.
            let nl: Vec<usize> = s.match_indices('\n').map(|(i, _)| i).collect();
            let Some(&i) = nl.get(rng.below(nl.len())) else { return s.to_owned() };
            let start = if i > 0 && s[..i].ends_with('\r') { i - 1 } else { i };
            let rest = &s[i + 1..];
            let ws = rest.len() - rest.trim_start_matches([' ', '\t']).len();
            let glue = if rng.below(3) == 0 { "" } else { " " };
            format!("{}{glue}{}", &s[..start], &rest[ws..])
        }
        6 => {
            // Delete a few characters.
            let i = rng.below(b.len().max(1));
            let j = (i + 1 + rng.below(8)).min(b.len().saturating_sub(1));
            match (b.get(i), b.get(j)) {
                (Some(&x), Some(&y)) if x < y => format!("{}{}", &s[..x], &s[y..]),
                _ => s.to_owned(),
            }
        }
        7 | 8 => {
            let pool = if rng.below(4) == 0 { ELEMENTS } else { TOKENS };
            let t = rng.pick(pool).copied().unwrap_or(" ");
            let at = if rng.below(2) == 0 {
                any_pos(rng)
            } else {
                let g = gaps(s);
                g.get(rng.below(g.len())).copied().unwrap_or(0)
            };
            insert_at(s, at, t)
        }
        9 => {
            let u = rng.pick(UNICODE).copied().unwrap_or("é");
            let at = any_pos(rng);
            insert_at(s, at, u)
        }
        10 => {
            // Duplicate a line.
            let ls = lines(s);
            let i = rng.below(ls.len());
            let mut out: Vec<&str> = ls.clone();
            if let Some(l) = ls.get(i) {
                out.insert(i, l);
            }
            out.concat()
        }
        11 => {
            let mut ls = lines(s);
            if !ls.is_empty() {
                ls.remove(rng.below(ls.len()));
            }
            ls.concat()
        }
        12 => {
            let mut ls = lines(s);
            if ls.len() >= 2 {
                let i = rng.below(ls.len() - 1);
                ls.swap(i, i + 1);
            }
            ls.concat()
        }
        13 => {
            // Splice a few lines of another module in.
            let Some(d) = rng.pick(donors) else { return s.to_owned() };
            let dl = lines(d);
            let from = rng.below(dl.len());
            let n = 1 + rng.below(4);
            let piece: String = dl.iter().skip(from).take(n).copied().collect();
            let starts = line_starts(s);
            let at = starts.get(rng.below(starts.len())).copied().unwrap_or(0);
            insert_at(s, at, &piece)
        }
        14 => match rng.below(4) {
            0 => s.trim_end_matches(['\n', '\r']).to_owned(),
            1 => format!("\u{FEFF}{s}"),
            2 => s.replace('\n', "  \n"),
            _ => format!("{s}\n\n"),
        },
        15 => {
            // Rewrite one cache string in another legal form.
            let forms: &[(&str, &str)] = &[
                ("\"https://cache.nixos.org\"", "\"https://cache.nixos.org/\""),
                ("\"https://cache.nixos.org\"", "''https://cache.nixos.org''"),
                ("\"https://cache.nixos.org\"", "https://cache.nixos.org"),
                ("\"https://cache.nixos.org\"", "\"HTTPS://Cache.NixOS.org\""),
                ("\"https://nix-community.cachix.org\"", "\"https://nix-community.cachix.org?priority=10\""),
                ("\"https://nix-community.cachix.org\"", "(lib.mkBefore \"https://nix-community.cachix.org\")"),
                ("\"http://magnolia:5000\"", "\"http://192.168.1.50:5000\""),
                ("\"http://magnolia:5000\"", "\"http://magnolia:5000/\""),
                ("=\"", "=\"x\\\"y"),
            ];
            let (from, to) = rng.pick(forms).copied().unwrap_or(("", ""));
            let hits: Vec<usize> = s.match_indices(from).map(|(i, _)| i).collect();
            match hits.get(rng.below(hits.len())) {
                Some(&i) if !from.is_empty() => format!("{}{to}{}", &s[..i], &s[i + from.len()..]),
                _ => s.to_owned(),
            }
        }
        16 => {
            // Wrap a list, or take a wrapper away.
            let opens: Vec<usize> = s.match_indices(" [").map(|(i, _)| i + 1).collect();
            match opens.get(rng.below(opens.len())) {
                Some(&i) if rng.below(3) > 0 => {
                    let w =
                        *rng.pick(&["lib.mkBefore ", "lib.mkForce ", "lib.mkAfter ", "lib.mkDefault "]).unwrap_or(&"");
                    insert_at(s, i, w)
                }
                _ => s.replacen("lib.mkForce ", "", 1).replacen("lib.mkBefore ", "", 1),
            }
        }
        17 => {
            // A new element right after a `[`.
            let opens: Vec<usize> = s.match_indices('[').map(|(i, _)| i + 1).collect();
            let at = opens.get(rng.below(opens.len())).copied().unwrap_or(0);
            let t = rng.pick(ELEMENTS).copied().unwrap_or(" ");
            insert_at(s, at, &format!(" {t}"))
        }
        18 => {
            // Delete a whole token-ish run: a word, a string, a bracket.
            let i = any_pos(rng);
            let rest = &s[i..];
            let n = rest.find(|c: char| c.is_whitespace()).unwrap_or(rest.len());
            format!("{}{}", &s[..i], &rest[n..])
        }
        _ => {
            // A random character from the printable ASCII range or a control character.
            let c = char::from(u8::try_from(rng.below(128)).unwrap_or(b' '));
            let at = any_pos(rng);
            insert_at(s, at, &c.to_string())
        }
    }
}

/// One to four random changes.
pub fn mutate(s: &str, rng: &mut Rng, donors: &[String]) -> String {
    let mut out = s.to_owned();
    for _ in 0..1 + rng.below(4) {
        out = mutate_once(&out, rng, donors);
    }
    out
}

/// True when `check` finds a broken property, or the editor's own verifier refused.
pub fn misbehaves(text: &str, op: &Op) -> bool {
    matches!(check(text, op), Err(_) | Ok(Answer::Refused { internal: true, .. }))
}

/// A smaller input that still misbehaves for `op` (see [`misbehaves`]): whole lines first,
/// then runs of characters, as long as the failure stays.
pub fn minimize(text: &str, op: &Op) -> String {
    let fails = |t: &str| misbehaves(t, op);
    let mut cur = text.to_owned();
    if !fails(&cur) {
        return cur;
    }
    let mut progress = true;
    while progress {
        progress = false;
        let ls = lines(&cur).into_iter().map(str::to_owned).collect::<Vec<_>>();
        for i in (0..ls.len()).rev() {
            let cand: String = ls.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, l)| l.as_str()).collect();
            if fails(&cand) {
                cur = cand;
                progress = true;
                break;
            }
        }
        if progress {
            continue;
        }
        for width in [16, 4, 1] {
            let b = boundaries(&cur);
            let mut k = 0;
            while k + width < b.len() {
                let cand = format!("{}{}", &cur[..b[k]], &cur[b[k + width]..]);
                if fails(&cand) {
                    cur = cand;
                    progress = true;
                    break;
                }
                k += 1;
            }
            if progress {
                break;
            }
        }
    }
    cur
}
