//! `cachectl coverage` against an HTTPS cache on 127.0.0.1 that speaks only HTTP/2: the
//! built binary must negotiate h2 by ALPN, multiplex its narinfo requests over one
//! connection, verify every signature, and trust a private CA given the way the system
//! TLS stack takes one (`SSL_CERT_FILE`) or the way Nix does (`NIX_SSL_CERT_FILE`). Without that CA, the cache is dropped with a TLS
//! error, not silently skipped.

#[path = "support/coverage_env.rs"]
mod coverage_env;
#[path = "support/coverage_gen.rs"]
mod coverage_gen;
#[path = "support/h2d.rs"]
mod h2d;
#[path = "support/nixcache.rs"]
mod nixcache;
#[path = "support/nixenv.rs"]
mod nixenv;
#[path = "support/tls.rs"]
mod tls;

use std::process::Command;

use coverage_env::{cache, counts, json, repo, run_command, text};
use coverage_gen::{Key, fake_paths, path_list, tamper, write_cache};

#[test]
fn https_caches_are_checked_over_one_http2_connection() {
    let key = Key::new("h2-1", 21);
    let paths = fake_paths(400, "h2", 77);
    let dir = tempfile::tempdir().expect("tempdir");
    write_cache(dir.path(), &paths, &[&key], None);
    tamper(dir.path(), &paths[5]);
    let pki = tls::Pki::new();
    let server = h2d::H2Server::start(dir.path(), pki.server_config_alpn(&[b"h2"]));
    let r = repo(&[server.url()], &[key.public()]);
    std::fs::write(r.path().join("paths.txt"), path_list(&paths)).expect("write paths");
    std::fs::write(r.path().join("ca.pem"), &pki.ca_pem).expect("write ca");
    // A bundle whose first certificate is another CA: every certificate of it counts.
    std::fs::write(r.path().join("bundle.pem"), format!("{}{}", tls::Pki::new().ca_pem, pki.ca_pem)).expect("bundle");

    let coverage = |ca: Option<(&str, &str)>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_cachectl"));
        cmd.env_clear().env("PATH", std::env::var_os("PATH").unwrap_or_default()).current_dir(r.path());
        if let Some((var, file)) = ca {
            cmd.env(var, r.path().join(file));
        }
        run_command(cmd.args(["coverage", "--paths", "paths.txt", "--json", "--timeout", "5"]), None)
    };

    let out = coverage(Some(("SSL_CERT_FILE", "ca.pem")));
    assert_eq!(out.status.code(), Some(1), "one tampered path: {}", text(&out.stderr));
    let v = json(&out);
    assert_eq!(counts(&v), (400, 399, 1, 0), "{v:#}");
    assert_eq!(cache(&v, &server.url())["verified"], 399);
    assert_eq!(server.protocols(), ["h2"], "every connection negotiated HTTP/2");
    assert_eq!(server.connections(), 1, "nix-cache-info and 400 narinfos share one connection");
    assert_eq!(server.requests(), 401, "nix-cache-info, then each narinfo once");

    // The private CA is what made it work: without it, a TLS error, and nothing verified.
    let before = server.requests();
    let out = coverage(None);
    let v = json(&out);
    assert_eq!(counts(&v), (400, 0, 0, 400), "{}", text(&out.stderr));
    let error = cache(&v, &server.url())["error"].as_str().unwrap_or_default().to_owned();
    assert!(error.contains("tls error") && error.contains("UnknownIssuer"), "{error}");
    assert_eq!(server.requests(), before, "no request went through an untrusted connection");

    // Nix's own variable adds the CA to the system roots; a missing file is an error.
    let out = coverage(Some(("NIX_SSL_CERT_FILE", "ca.pem")));
    assert_eq!(counts(&json(&out)), (400, 399, 1, 0), "{}", text(&out.stderr));
    let out = coverage(Some(("NIX_SSL_CERT_FILE", "bundle.pem")));
    assert_eq!(counts(&json(&out)), (400, 399, 1, 0), "{}", text(&out.stderr));
    let out = coverage(Some(("NIX_SSL_CERT_FILE", "nowhere.pem")));
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("cannot read NIX_SSL_CERT_FILE") && err.contains("nowhere.pem"), "{err}");
}
