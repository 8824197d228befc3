//! Shared helpers for the before⇒after edit tests (`tests/edits*.rs`).
#![allow(dead_code)] // each test crate uses a different part

use cachectl::nix::plan::{self, AddRequest, RemoveRequest};
use expect_test::Expect;

pub const MAG_URL: &str = "http://magnolia:5000";
pub const MAG_LAN: &str = "http://192.168.1.50:5000";
pub const MAG_KEY: &str = "magnolia.cache:7MVdzDOzQsVItEh+ewmU4Ga8TOke40asmXY1p9nQhC0=";
pub const NC_URL: &str = "https://nix-community.cachix.org";
pub const NC_KEY: &str = "nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs=";

pub fn show(before: &str, r: Result<plan::Outcome, plan::EditError>) -> String {
    match r {
        Ok(o) => {
            let notes: String = o.notes.iter().map(|n| format!("# note line {}: {}\n", n.line, n.message)).collect();
            match o.new_text {
                // CR and tab are made visible so layout is part of the snapshot.
                Some(t) => format!("{notes}{}", t.replace('\r', "␍").replace('\t', "→")),
                None => {
                    let _ = before;
                    format!("{notes}(unchanged)\n")
                }
            }
        }
        Err(e) => format!("error: {e}\n"),
    }
}

pub fn add_at(before: &str, url: &str, key: &str, at: Option<usize>, expect: Expect) {
    let req = AddRequest { url: url.into(), key: key.into(), alternatives: vec![MAG_URL.into(), MAG_LAN.into()], at };
    let r = plan::add(before, &req);
    if let Ok(plan::Outcome { new_text: Some(t), .. }) = &r {
        let again = plan::add(t, &req).expect("second add works");
        assert!(again.new_text.is_none(), "add is not idempotent:\n{t}");
    }
    expect.assert_eq(&show(before, r));
}

pub fn add(before: &str, expect: Expect) {
    add_at(before, MAG_URL, MAG_KEY, None, expect)
}

pub fn remove(before: &str, urls: &[&str], key_names: &[&str], expect: Expect) {
    let req = RemoveRequest {
        urls: urls.iter().map(|s| s.to_string()).collect(),
        key_names: key_names.iter().map(|s| s.to_string()).collect(),
        at: None,
    };
    expect.assert_eq(&show(before, plan::remove(before, &req)));
}

/// The text of a fixture under `tests/data/`.
pub fn fixture(path: &str) -> String {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(path);
    std::fs::read_to_string(p).expect("fixture")
}

/// `add` of magnolia (the default request) on a fixture.
pub fn add_file(path: &str, expect: Expect) {
    add(&fixture(path), expect)
}

/// `add` of nix-community on a fixture.
pub fn add_nc(path: &str, expect: Expect) {
    add_at(&fixture(path), NC_URL, NC_KEY, None, expect)
}

/// `remove` of nix-community (URL and key) on a fixture.
pub fn remove_nc(path: &str, expect: Expect) {
    remove(&fixture(path), &[NC_URL], &["nix-community.cachix.org-1"], expect)
}
