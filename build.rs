//! Build script: renders the man page and the shell completions from the CLI definitions
//! (src/cli.rs, compiled here too), and leaves the unwind tables out of release binaries
//! on Linux.
//!
//! The man page and completions are files in OUT_DIR that `cachectl man` and `cachectl
//! completions` print; clap_mangen and clap_complete are build dependencies only, so they
//! are not part of the release binary's fat-LTO link.
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
use std::path::{Path, PathBuf};

// src/cli.rs names `cachectl::limits::…` and `cachectl::coverage::DEFAULT_JOBS`: here,
// `cachectl` is this build script, which has the same limits.
extern crate self as cachectl;

#[allow(dead_code)]
#[path = "src/limits.rs"]
mod limits;

#[allow(dead_code)]
mod coverage {
    pub const DEFAULT_JOBS: usize = crate::limits::COVERAGE_JOBS;
}

#[allow(dead_code)]
#[path = "src/cli.rs"]
mod cli;

/// Writes `cachectl.bash`, `.zsh`, `.fish` and the man page `cachectl.1` to `out`.
fn render(out: &Path) -> std::io::Result<()> {
    use clap::CommandFactory;
    use clap_complete::{generate, shells};
    let mut cmd = cli::Cli::command();
    let write = |file: &str, bytes: Vec<u8>| fs::write(out.join(file), bytes);
    let mut buf = Vec::new();
    generate(shells::Bash, &mut cmd, "cachectl", &mut buf);
    write("cachectl.bash", std::mem::take(&mut buf))?;
    generate(shells::Zsh, &mut cmd, "cachectl", &mut buf);
    write("cachectl.zsh", std::mem::take(&mut buf))?;
    generate(shells::Fish, &mut cmd, "cachectl", &mut buf);
    write("cachectl.fish", std::mem::take(&mut buf))?;
    clap_mangen::Man::new(cmd).render(&mut buf)?;
    write("cachectl.1", buf)
}

const SCRIPT: &str = "/* cachectl's build.rs: no unwind tables in a panic=abort release binary */
SECTIONS { /DISCARD/ : { *(.eh_frame) *(.eh_frame_hdr) } }
INSERT AFTER .text;
";

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=src/cli.rs");
    println!("cargo::rerun-if-changed=src/limits.rs");
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    if let Err(e) = render(&out) {
        panic!("cannot write the man page and completions to {}: {e}", out.display());
    }
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
