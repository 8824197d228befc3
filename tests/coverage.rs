//! `cachectl coverage` on the built binary, against caches served on 127.0.0.1: caches made
//! by the real Nix (signed, signed by an untrusted key, tampered, content-addressed) and
//! generated ones (ed25519-dalek signatures, thousands of paths). Counts and exit codes are
//! exact; nothing is timed.

#[path = "support/coverage_env.rs"]
mod coverage_env;
#[path = "support/coverage_gen.rs"]
mod coverage_gen;
#[path = "support/coverage_server.rs"]
mod coverage_server;
#[path = "support/httpd.rs"]
mod httpd;
#[path = "support/nixcache.rs"]
mod nixcache;
#[path = "support/nixenv.rs"]
mod nixenv;

use coverage_env::{
    ca_cache, cache, counts, entry, json, narinfo_field, refused_port, repo, run, tampered_signed, text,
};
use coverage_gen::{FakePath, Key, fake_paths, path_list, tamper, write_cache};
use coverage_server::{CacheServer, Flaky};
use nixcache::nix_cache;

/// A store path that no cache has.
const ABSENT: &str = "/nix/store/00000000000000000000000000000000-absent-1.0";

/// Three caches: test-1's cache with `hello` tampered, the cache signed only by the
/// untrusted test-2, and unsigned content-addressed paths; test-1 is trusted.
struct Mixed {
    servers: [CacheServer; 3],
    dir: tempfile::TempDir,
    paths: Vec<String>,
}

fn mixed(name: &str) -> Mixed {
    let (nc, ca) = (nix_cache(), ca_cache());
    let tampered = tampered_signed(nc, name);
    let servers = [&tampered, &nc.other, &ca.dir].map(|d| CacheServer::start(d, None));
    let dir = repo(&servers.each_ref().map(CacheServer::url), std::slice::from_ref(&nc.key1));
    let paths = vec![nc.hello.clone(), nc.greeting.clone(), ca.ok.clone(), ca.bad.clone(), ABSENT.to_owned()];
    std::fs::write(dir.path().join("paths.txt"), paths.join("\n") + "\n").expect("write paths");
    Mixed { servers, dir, paths }
}

#[test]
fn nix_made_caches_are_judged_like_nix() {
    let m = mixed("cov-tampered-json");
    let (nc, ca) = (nix_cache(), ca_cache());
    let [s1, s2, s3] = &m.servers;
    let out = run(m.dir.path(), &["coverage", "--paths", "paths.txt", "--json"], None);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let v = json(&out);
    assert_eq!(counts(&v), (5, 2, 2, 1));
    assert_eq!(v["paths"].as_array().map(Vec::len), Some(5));

    let hello = entry(&v, &nc.hello);
    assert_eq!(hello["status"], "untrusted");
    let reasons: Vec<String> = hello["problems"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| format!("{}: {}", p["cache"], p["reason"]))
        .collect();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(reasons[0].contains("bad signature from trusted key(s) test-1"), "{reasons:?}");
    assert!(reasons[1].contains("signed only by untrusted key(s) test-2"), "{reasons:?}");
    let greeting = entry(&v, &nc.greeting);
    assert_eq!(
        (greeting["status"].as_str(), greeting["cache"].as_str()),
        (Some("substitutable"), Some(s1.url().as_str()))
    );
    assert_eq!(greeting["signed_by"], serde_json::json!(["test-1"]));
    let ok = entry(&v, &ca.ok);
    assert_eq!((ok["status"].as_str(), ok["content_addressed"].as_bool()), (Some("substitutable"), Some(true)));
    let bad = entry(&v, &ca.bad);
    assert_eq!(bad["status"], "untrusted");
    assert!(
        bad["problems"][0]["reason"].as_str().is_some_and(|r| r.contains("content address does not match")),
        "{bad}"
    );
    assert_eq!(entry(&v, ABSENT)["status"], "missing");

    // Per cache: what it was asked, had, and serves with a trusted signature.
    let file_size: u64 = narinfo_field(&nc.signed, &nc.greeting, "FileSize").parse().expect("number");
    let c1 = cache(&v, &s1.url());
    assert_eq!(
        (&c1["asked"], &c1["found"], &c1["verified"], c1["bytes"].as_u64()),
        (&5.into(), &2.into(), &1.into(), Some(file_size))
    );
    let c2 = cache(&v, &s2.url());
    assert_eq!((&c2["asked"], &c2["found"], &c2["verified"]), (&4.into(), &1.into(), &0.into()));
    let c3 = cache(&v, &s3.url());
    assert_eq!((&c3["asked"], &c3["found"], &c3["verified"]), (&4.into(), &2.into(), &1.into()));
    // A path served with a trusted signature is not asked of the caches after it.
    assert_eq!((s1.asked_for(&nc.greeting), s2.asked_for(&nc.greeting), s3.asked_for(&nc.greeting)), (1, 0, 0));
    assert!(m.paths.iter().all(|p| s1.asked_for(p) == 1));
}

#[test]
fn real_nix_agrees_on_content_addressed_paths() {
    let (nc, ca) = (nix_cache(), ca_cache());
    let store = format!("file://{}", ca.dir.display());
    for (path, want) in [(&ca.ok, true), (&ca.bad, false)] {
        let args = ["store", "verify", "--no-contents", "--store", &store, "--trusted-public-keys", &nc.key1, path];
        assert_eq!(nc.run("nix", &args).status.success(), want, "nix store verify {path}");
    }
}

#[test]
fn human_report_lists_what_will_be_built_by_package() {
    let m = mixed("cov-tampered-text");
    let nc = nix_cache();
    let out = run(m.dir.path(), &["coverage", "--paths", "paths.txt"], None);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert_eq!(text(&out.stderr), "", "no progress bar or warning when piped");
    let report = text(&out.stdout);
    let s1 = m.servers[0].url();
    for want in [
        "5 store paths checked against 3 caches of modules/base.nix\n",
        "  substitutable  2   40.0%  Nix accepts them: will be downloaded\n",
        "  untrusted      2   40.0%",
        "  missing        1   20.0%  in no cache: will be built\n",
        "caches, in the order Nix asks them:\n",
        "untrusted (Nix will refuse these and build them), by package:\n  hello: 1 path, ",
        &format!("    {}\n      {s1}: bad signature from trusted key(s) test-1", nc.hello),
        "missing (these will be built), by package:\n  absent: 1 path\n",
    ] {
        assert!(report.contains(want), "missing {want:?} in:\n{report}");
    }
    let line = report.lines().find(|l| l.starts_with(&format!("  {s1} "))).unwrap_or_default();
    assert!(line.contains("  priority 0 ") && line.contains("  serves 1 path, "), "{line:?} in:\n{report}");
}

#[test]
fn min_percent_decides_the_exit_code() {
    let key = Key::new("gen-1", 1);
    let paths = fake_paths(10, "pct", 7);
    let dir = tempfile::tempdir().expect("tempdir");
    write_cache(dir.path(), &paths[..8], &[&key], Some(40));
    let server = CacheServer::start(dir.path(), None);
    let r = repo(&[server.url()], &[key.public()]);
    std::fs::write(r.path().join("paths.txt"), path_list(&paths)).expect("write");
    for (extra, code) in [(None, 1), (Some("80"), 0), (Some("80.5"), 1), (Some("0"), 0)] {
        let mut args = vec!["coverage", "--paths", "paths.txt", "--json"];
        args.extend(extra.map(|p| ["--min-percent", p]).into_iter().flatten());
        let out = run(r.path(), &args, None);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {}", text(&out.stderr));
        let v = json(&out);
        assert_eq!(counts(&v), (10, 8, 0, 2));
        assert_eq!(v["percent"], 80.0);
    }
    let v = json(&run(r.path(), &["coverage", "--paths", "paths.txt", "--json"], None));
    let keys: Vec<&str> = v.as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default();
    assert_eq!(keys, ["caches", "file", "missing", "paths", "percent", "substitutable", "total", "untrusted"]);
    std::fs::write(r.path().join("some.txt"), path_list(&paths[..8])).expect("write");
    let out = run(r.path(), &["coverage", "--paths", "some.txt"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = run(r.path(), &["coverage", "--paths", "paths.txt", "--min-percent", "101"], None);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn paths_are_read_from_stdin() {
    let key = Key::new("gen-1", 2);
    let paths = fake_paths(30, "stdin", 8);
    let dir = tempfile::tempdir().expect("tempdir");
    write_cache(dir.path(), &paths, &[&key], None);
    let server = CacheServer::start(dir.path(), None);
    let r = repo(&[server.url()], &[key.public()]);
    // As `nix path-info -rsS` prints them: sizes after the path, and a repeated path.
    let listed: String = paths.iter().map(|p| format!("{}\t1024\t2048\n", p.path)).collect();
    let out = run(r.path(), &["coverage", "--paths", "-", "--json"], Some(&format!("{listed}{}\n", paths[0].path)));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(counts(&json(&out)), (30, 30, 0, 0));
    let out = run(r.path(), &["coverage", "--paths", "-"], Some(&format!("{}\n\nnot-a-path\n", paths[0].path)));
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("stdin:3: `not-a-path` is not a store path"), "{}", text(&out.stderr));
}

#[test]
fn dead_caches_are_dropped_without_stalling_the_run() {
    let key = Key::new("gen-1", 3);
    let paths = fake_paths(200, "dead", 9);
    let dir = tempfile::tempdir().expect("tempdir");
    write_cache(dir.path(), &paths, &[&key], Some(50));
    let good = CacheServer::start(dir.path(), None);
    let silent = httpd::Server::start(httpd::Mode::Silent);
    let refused = format!("http://127.0.0.1:{}", refused_port());
    let r = repo(&[refused.clone(), silent.url(), good.url()], &[key.public()]);
    std::fs::write(r.path().join("paths.txt"), path_list(&paths)).expect("write");
    let out = run(r.path(), &["coverage", "--paths", "paths.txt", "--json", "--timeout", "1"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v = json(&out);
    assert_eq!(counts(&v), (200, 200, 0, 0));
    assert_eq!(cache(&v, &refused)["error"], "unreachable: connection refused");
    assert!(cache(&v, &silent.url())["error"].as_str().is_some_and(|e| e.contains("timed out")), "{v:#}");
    assert_eq!(cache(&v, &good.url())["verified"], 200);
}

#[test]
fn a_cache_that_stops_answering_is_given_up_after_one_timeout() {
    let key = Key::new("gen-1", 9);
    let paths = fake_paths(300, "stall", 13);
    let (first, second) = (tempfile::tempdir().expect("tempdir"), tempfile::tempdir().expect("tempdir"));
    write_cache(first.path(), &paths, &[&key], Some(10));
    write_cache(second.path(), &paths, &[&key], Some(50));
    // nix-cache-info answers; every narinfo request then hangs.
    let stalled = CacheServer::start(first.path(), Some(Flaky { times: u32::MAX, status: 0 }));
    let good = CacheServer::start(second.path(), None);
    let r = repo(&[stalled.url(), good.url()], &[key.public()]);
    std::fs::write(r.path().join("paths.txt"), path_list(&paths)).expect("write");
    let args = ["coverage", "--paths", "paths.txt", "--json", "--timeout", "1", "--jobs", "16"];
    let out = run(r.path(), &args, None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v = json(&out);
    assert_eq!(counts(&v), (300, 300, 0, 0));
    let c = cache(&v, &stalled.url());
    // Only the first 16 requests waited for the timeout; the other paths skipped the cache.
    assert_eq!((&c["asked"], &c["errors"], &c["verified"]), (&16.into(), &16.into(), &0.into()));
    assert_eq!(c["error"], "timed out after 1s");
    assert_eq!(cache(&v, &good.url())["verified"], 300);
}

#[test]
fn trusted_caches_and_require_sigs_false_take_unsigned_paths() {
    let nc = nix_cache();
    let server = CacheServer::start(&nc.other, None);
    let list = format!("{}\n{}\n", nc.hello, nc.greeting);
    let check = |dir: &tempfile::TempDir| json(&run(dir.path(), &["coverage", "--paths", "-", "--json"], Some(&list)));
    // Signed only by test-2, which is not trusted.
    let v = check(&repo(&[server.url()], std::slice::from_ref(&nc.key1)));
    assert_eq!(counts(&v), (2, 0, 2, 0));
    // `?trusted=1`: Nix takes the cache's paths without checking signatures.
    let url = format!("{}?trusted=1", server.url());
    let v = check(&repo(std::slice::from_ref(&url), std::slice::from_ref(&nc.key1)));
    assert_eq!(counts(&v), (2, 2, 0, 0));
    assert_eq!((&entry(&v, &nc.hello)["trusted_cache"], &cache(&v, &url)["trusted"]), (&true.into(), &true.into()));
    // `require-sigs = false` does that for every cache.
    let dir = repo(&[server.url()], std::slice::from_ref(&nc.key1));
    let base = std::fs::read_to_string(dir.path().join("modules/base.nix")).expect("read");
    let base = base.replace("nix.settings = {", "nix.settings = {\n    require-sigs = false;");
    std::fs::write(dir.path().join("modules/base.nix"), base).expect("write");
    assert_eq!(counts(&check(&dir)), (2, 2, 0, 0));
}

#[test]
fn file_caches_are_read_from_disk() {
    let nc = nix_cache();
    let url = format!("file://{}", nc.signed.display());
    let dir = repo(std::slice::from_ref(&url), std::slice::from_ref(&nc.key1));
    let list = format!("{}\n{}\n{ABSENT}\n", nc.hello, nc.greeting);
    let out = run(dir.path(), &["coverage", "--paths", "-", "--json"], Some(&list));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let v = json(&out);
    assert_eq!(counts(&v), (3, 2, 0, 1));
    assert_eq!(cache(&v, &url)["verified"], 2);
}

#[test]
fn busy_servers_are_retried() {
    let key = Key::new("gen-1", 4);
    let paths = fake_paths(40, "busy", 10);
    let (a, b) = (tempfile::tempdir().expect("tempdir"), tempfile::tempdir().expect("tempdir"));
    write_cache(a.path(), &paths[..20], &[&key], None);
    write_cache(b.path(), &paths[20..], &[&key], None);
    let unavailable = CacheServer::start(a.path(), Some(Flaky { times: 2, status: 503 }));
    let limited = CacheServer::start(b.path(), Some(Flaky { times: 2, status: 429 }));
    let r = repo(&[unavailable.url(), limited.url()], &[key.public()]);
    std::fs::write(r.path().join("paths.txt"), path_list(&paths)).expect("write");
    let out = run(r.path(), &["coverage", "--paths", "paths.txt", "--json"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v = json(&out);
    assert_eq!(counts(&v), (40, 40, 0, 0));
    assert_eq!(
        (&cache(&v, &unavailable.url())["verified"], &cache(&v, &limited.url())["verified"]),
        (&20.into(), &20.into())
    );
    // Two failures, then the answer.
    assert!(paths[..20].iter().all(|p| unavailable.asked_for(&p.path) == 3));
    assert!(paths[20..].iter().all(|p| limited.asked_for(&p.path) == 3));
}

#[test]
fn caches_are_asked_in_priority_order_and_only_until_one_serves() {
    let key = Key::new("gen-1", 5);
    let paths = fake_paths(60, "prio", 11);
    let (low, high) = (tempfile::tempdir().expect("tempdir"), tempfile::tempdir().expect("tempdir"));
    write_cache(low.path(), &paths, &[&key], Some(50));
    write_cache(high.path(), &paths[..50], &[&key], Some(10));
    let (s_low, s_high) = (CacheServer::start(low.path(), None), CacheServer::start(high.path(), None));
    // Listed first, but Priority 50 puts it after the Priority 10 cache.
    let r = repo(&[s_low.url(), s_high.url()], &[key.public()]);
    std::fs::write(r.path().join("paths.txt"), path_list(&paths)).expect("write");
    let v = json(&run(r.path(), &["coverage", "--paths", "paths.txt", "--json"], None));
    assert_eq!(counts(&v), (60, 60, 0, 0));
    let urls: Vec<&str> = v["caches"].as_array().into_iter().flatten().filter_map(|c| c["url"].as_str()).collect();
    assert_eq!(urls, [s_high.url(), s_low.url()]);
    assert_eq!((&cache(&v, &s_high.url())["verified"], &cache(&v, &s_low.url())["verified"]), (&50.into(), &10.into()));
    assert!(paths[..50].iter().all(|p| s_low.asked_for(&p.path) == 0 && s_high.asked_for(&p.path) == 1));
    assert!(paths[50..].iter().all(|p| s_low.asked_for(&p.path) == 1 && s_high.asked_for(&p.path) == 1));
    // A `?priority=` parameter overrides nix-cache-info, as in Nix.
    let r = repo(&[format!("{}?priority=5", s_low.url()), s_high.url()], &[key.public()]);
    std::fs::write(r.path().join("paths.txt"), path_list(&paths)).expect("write");
    let v = json(&run(r.path(), &["coverage", "--paths", "paths.txt", "--json"], None));
    assert_eq!(cache(&v, &format!("{}?priority=5", s_low.url()))["verified"], 60);
}

#[test]
fn generated_caches_at_scale() {
    let (a_key, b_key, stranger) = (Key::new("a-1", 6), Key::new("b-1", 7), Key::new("stranger-1", 8));
    let paths: Vec<FakePath> = fake_paths(3000, "scale", 12);
    let dirs: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().expect("tempdir")).collect();
    write_cache(dirs[0].path(), &paths[..2000], &[&a_key], None);
    for p in paths[..2000].iter().step_by(20) {
        tamper(dirs[0].path(), p);
    }
    write_cache(dirs[1].path(), &paths[1500..2500], &[&b_key, &stranger], None);
    write_cache(dirs[2].path(), &paths[2500..2800], &[&stranger], None);
    let servers: Vec<CacheServer> = dirs.iter().map(|d| CacheServer::start(d.path(), None)).collect();
    let urls: Vec<String> = servers.iter().map(CacheServer::url).collect();
    let r = repo(&urls, &[a_key.public(), b_key.public()]);
    std::fs::write(r.path().join("paths.txt"), path_list(&paths)).expect("write");
    let out = run(r.path(), &["coverage", "--paths", "paths.txt", "--json", "--jobs", "64"], None);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let v = json(&out);
    // 1900 verified in a, 25 tampered ones and 500 more in b; 75 tampered and 300 signed by a stranger; 200 nowhere.
    assert_eq!(counts(&v), (3000, 2425, 375, 200));
    let verified: Vec<u64> = urls.iter().map(|u| cache(&v, u)["verified"].as_u64().unwrap_or(0)).collect();
    assert_eq!(verified, [1900, 525, 0]);
    assert_eq!(cache(&v, &urls[2])["found"], 300);
}

#[test]
fn an_installable_is_checked_through_the_local_nix() {
    let nc = nix_cache();
    let system = nc.ok("nix", &["eval", "--impure", "--raw", "--expr", "builtins.currentSystem"]);
    let server = CacheServer::start(&nc.signed, None);
    let r = repo(&[server.url()], std::slice::from_ref(&nc.key1));
    // The same derivations as the fixture's, so hello and greeting are in the cache; top is not.
    let flake = format!(
        "{{\n  outputs = {{ self }}: let\n    mk = name: script: builtins.derivation {{ inherit name; system = \"{system}\"; builder = \"/bin/sh\"; args = [ \"-c\" script ]; }};\n    \
         hello = mk \"hello\" \"echo hi > $out\";\n    greeting = mk \"greeting\" \"echo ${{hello}} > $out\";\n    \
         top = mk \"top\" \"echo ${{greeting}} > $out\";\n  in {{ nixosConfigurations.mimosa = {{ config.system.build.toplevel = top; }}; }};\n}}\n"
    );
    std::fs::write(r.path().join("flake.nix"), flake).expect("write flake");
    let env = nixenv::NixEnv::new();
    let conf = env.path().join("conf/nix.conf");
    let extended = std::fs::read_to_string(&conf).expect("read nix.conf") + "flake-registry =\n";
    std::fs::write(&conf, extended).expect("write nix.conf");
    let mut cmd = env.command(env!("CARGO_BIN_EXE_cachectl"));
    for var in ["http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"] {
        cmd.env_remove(var);
    }
    cmd.current_dir(r.path()).args(["coverage", ".#nixosConfigurations.mimosa", "--json"]);
    let out = coverage_env::run_command(&mut cmd, None);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let v = json(&out);
    assert_eq!(counts(&v), (3, 2, 0, 1));
    assert_eq!(entry(&v, &nc.hello)["status"], "substitutable");
    let top = v["paths"].as_array().into_iter().flatten().find(|e| e["status"] == "missing").expect("top is missing");
    assert!(top["path"].as_str().is_some_and(|p| p.ends_with("-top")), "{top}");
}

#[test]
fn an_empty_list_and_a_dead_cache_are_said_plainly() {
    let refused = format!("http://127.0.0.1:{}", refused_port());
    let r = repo(std::slice::from_ref(&refused), &[Key::new("gen-1", 4).public()]);
    let out = run(r.path(), &["coverage", "--paths", "-"], Some(""));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    assert!(report.starts_with("0 store paths checked against 0 of the 1 cache of modules/base.nix\n"), "{report}");
    // No paths means no share: a dash, not 100% of everything.
    assert!(report.contains("  substitutable  0       -  "), "{report}");
    assert!(report.contains(&format!("{refused}  not used: unreachable: connection refused")), "{report}");
}
