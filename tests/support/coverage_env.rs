//! Shared pieces of the coverage and export tests: a temp repository whose
//! `modules/base.nix` lists given caches and keys, the built binary run in it, and a cache
//! of content-addressed paths made by the real Nix.
//!
//! The binary runs with a cleared environment (no proxy variables), so it only ever talks
//! to the 127.0.0.1 URLs the tests give it.

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use crate::nixcache::{NixCache, nix_cache};

/// A temp dir holding `modules/base.nix` with these substituters and trusted keys.
pub fn repo(substituters: &[String], keys: &[String]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("modules")).expect("mkdir");
    let quote = |items: &[String]| items.iter().map(|s| format!("\n      \"{s}\"")).collect::<String>();
    let text = format!(
        "{{ ... }}:\n{{\n  nix.settings = {{\n    substituters = [{}\n    ];\n    trusted-public-keys = [{}\n    ];\n  }};\n}}\n",
        quote(substituters),
        quote(keys)
    );
    std::fs::write(dir.path().join("modules/base.nix"), text).expect("write base.nix");
    dir
}

/// `cachectl ARGS` in `dir`, with `stdin` piped in, and no inherited environment but PATH.
pub fn run(dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cachectl"));
    cmd.env_clear().env("PATH", std::env::var_os("PATH").unwrap_or_default());
    run_command(cmd.current_dir(dir).args(args), stdin)
}

/// Runs a prepared `cachectl` command, feeding `stdin` if given.
pub fn run_command(cmd: &mut Command, stdin: Option<&str>) -> Output {
    cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("run cachectl");
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(text.as_bytes()).expect("write stdin");
    }
    child.wait_with_output().expect("wait for cachectl")
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The JSON on stdout, or a panic showing stderr.
pub fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}\nstderr:\n{}", text(&out.stdout), text(&out.stderr)))
}

/// `(total, substitutable, untrusted, missing)` of a `--json` report.
pub fn counts(v: &serde_json::Value) -> (u64, u64, u64, u64) {
    let n = |k: &str| v[k].as_u64().unwrap_or(u64::MAX);
    (n("total"), n("substitutable"), n("untrusted"), n("missing"))
}

/// The `paths` entry of `path` in a `--json` report.
pub fn entry<'a>(v: &'a serde_json::Value, path: &str) -> &'a serde_json::Value {
    v["paths"]
        .as_array()
        .and_then(|a| a.iter().find(|e| e["path"] == path))
        .unwrap_or_else(|| panic!("{path} is not in the report: {v:#}"))
}

/// The `caches` entry of `url`.
pub fn cache<'a>(v: &'a serde_json::Value, url: &str) -> &'a serde_json::Value {
    v["caches"]
        .as_array()
        .and_then(|a| a.iter().find(|c| c["url"] == url))
        .unwrap_or_else(|| panic!("{url} is not in the report: {v:#}"))
}

/// A port on 127.0.0.1 that refuses connections.
pub fn refused_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("bind").port()
}

/// An unsigned cache of two content-addressed paths (`nix-store --add`): `ok`, whose
/// `CA:` matches its path, and `bad`, whose `CA:` was replaced by `ok`'s.
pub struct CaCache {
    pub dir: PathBuf,
    pub ok: String,
    pub bad: String,
}

pub fn ca_cache() -> &'static CaCache {
    static CACHE: OnceLock<CaCache> = OnceLock::new();
    CACHE.get_or_init(|| {
        let nc = nix_cache();
        for (name, body) in [("ca-ok.txt", "content-addressed ok\n"), ("ca-bad.txt", "content-addressed bad\n")] {
            std::fs::write(nc.root.join(name), body).expect("write ca file");
        }
        let ok = nc.ok("nix-store", &["--add", "ca-ok.txt"]);
        let bad = nc.ok("nix-store", &["--add", "ca-bad.txt"]);
        let dir = nc.root.join("ca-cache");
        nc.ok("nix", &["copy", "--to", &format!("file://{}", dir.display()), &ok, &bad]);
        let ca_line = |p: &str| {
            std::fs::read_to_string(NixCache::narinfo_file(&dir, p))
                .expect("read narinfo")
                .lines()
                .find(|l| l.starts_with("CA:"))
                .map(str::to_owned)
                .expect("nix-store --add makes a CA field")
        };
        let (good_ca, bad_ca) = (ca_line(&ok), ca_line(&bad));
        let file = NixCache::narinfo_file(&dir, &bad);
        let text = std::fs::read_to_string(&file).expect("read narinfo");
        std::fs::write(&file, text.replace(&bad_ca, &good_ca)).expect("write narinfo");
        CaCache { dir, ok, bad }
    })
}

/// A copy of the `test-1` signed cache with the NarSize of `hello` changed.
pub fn tampered_signed(nc: &NixCache, name: &str) -> PathBuf {
    let dir = nc.copy_cache(&nc.signed, name);
    let file = NixCache::narinfo_file(&dir, &nc.hello);
    let text = std::fs::read_to_string(&file).expect("read narinfo");
    let changed: Vec<String> = text
        .lines()
        .map(|l| if l.starts_with("NarSize:") { "NarSize: 4096".to_owned() } else { l.to_owned() })
        .collect();
    std::fs::write(&file, changed.join("\n") + "\n").expect("write narinfo");
    dir
}

/// A narinfo field of `store_path` in cache `dir`.
pub fn narinfo_field(dir: &Path, store_path: &str, field: &str) -> String {
    let text = std::fs::read_to_string(NixCache::narinfo_file(dir, store_path)).expect("read narinfo");
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{field}: ")).map(str::to_owned))
        .unwrap_or_else(|| panic!("no {field} in the narinfo of {store_path}"))
}
