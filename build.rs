//! Build script: leaves the unwind tables out of release binaries on Linux.
//!
//! The release profile has `panic = "abort"` (nothing unwinds) and `strip = true` (a
//! backtrace would have no names to show), so `.eh_frame` and `.eh_frame_hdr` only take
//! space: about 465 KB, 13 % of the binary. `-C force-unwind-tables=no` does not remove
//! them: in a fat-LTO build LLVM still writes a frame description for every function
//! (measured in docs/build.md). A two-line linker script discards them instead.
//!
//! They are kept (nothing is passed to the linker) for every non-release build, off Linux,
//! when the release profile is switched to unwinding through the environment
//! (`CARGO_PROFILE_RELEASE_PANIC=unwind`), with mold, which takes no `INSERT` scripts, and
//! on request: `CACHECTL_KEEP_UNWIND_TABLES=1`. The cost of dropping them is only that a
//! panic prints its message without a stack trace.

use std::env;
use std::fs;
use std::path::PathBuf;

const SCRIPT: &str = "/* cachectl's build.rs: no unwind tables in a panic=abort release binary */
SECTIONS { /DISCARD/ : { *(.eh_frame) *(.eh_frame_hdr) } }
INSERT AFTER .text;
";

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=CACHECTL_KEEP_UNWIND_TABLES");
    println!("cargo::rerun-if-env-changed=CARGO_PROFILE_RELEASE_PANIC");
    if keep_unwind_tables() {
        return;
    }
    let Some(out_dir) = env::var_os("OUT_DIR").map(PathBuf::from) else { return };
    let script = out_dir.join("discard-unwind-tables.ld");
    if fs::write(&script, SCRIPT).is_err() {
        println!("cargo::warning=cannot write {}; the unwind tables stay in", script.display());
        return;
    }
    println!("cargo::rustc-link-arg-bins=-Wl,--script={}", script.display());
}

fn keep_unwind_tables() -> bool {
    let var = |name: &str| env::var(name).unwrap_or_default();
    let requested = !matches!(var("CACHECTL_KEEP_UNWIND_TABLES").as_str(), "" | "0");
    let unwinds = var("CARGO_PROFILE_RELEASE_PANIC") == "unwind";
    let mold = var("CARGO_ENCODED_RUSTFLAGS").contains("mold");
    requested || unwinds || mold || var("PROFILE") != "release" || var("CARGO_CFG_TARGET_OS") != "linux"
}
