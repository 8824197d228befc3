//! cargo-fuzz target: arbitrary bytes as a Nix module, every `oracle::ops()` operation on it,
//! every property of `fuzz/oracle.rs` checked. A broken property panics, which libFuzzer
//! reports as a crash and saves under `fuzz/artifacts/edit/`.
//!
//! Run with `scripts/fuzz` (it seeds the corpus from tests/data), or by hand:
//! `cargo +nightly fuzz run edit fuzz/corpus/edit -- -max_total_time=600`.

#![no_main]

#[path = "../oracle.rs"]
mod oracle;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for op in oracle::ops() {
        match oracle::check(text, &op.op) {
            Ok(oracle::Answer::Refused { internal: true, message })
                if std::env::var_os("CACHECTL_FUZZ_STRICT").is_some() =>
            {
                panic!("`cachectl {}`: {message}", op.cli.join(" "))
            }
            Ok(_) => {}
            Err(why) => panic!("`cachectl {}`: {why}", op.cli.join(" ")),
        }
    }
});
