//! Hostile and broken cache servers: each is reported as failing, with the right class,
//! while the good caches checked alongside it are reported OK.
//!
//! Every server listens on 127.0.0.1 only, and every client has DNS replaced by a resolver
//! that resolves nothing, so no test can reach anything but loopback. Servers stop on drop,
//! and each of their loops is bounded in time as well.
//!
//! There are no timing assertions here: `scripts/bench-hostile` measures the time and the
//! peak memory of a check against five hostile servers and prints the figures. The ignored
//! tests `bench_serve` and `bench_check` at the end are its two halves.

#![allow(clippy::print_stdout)] // the bench halves print their figures

#[path = "support/checking.rs"]
mod checking;
#[path = "support/httpd.rs"]
mod httpd;

use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use cachectl::keys::{PublicKey, encode_b64};
use cachectl::narinfo::{NarInfo, nix32_encode};
use cachectl::net::{CacheReport, CacheTarget, ClientOptions, run_blocking};
use checking::{NoDns, key, options, target};
use ed25519_dalek::{Signer, SigningKey};

/// The deadline per cache in these tests (as `check --online --timeout 2`).
const TIMEOUT: Duration = Duration::from_secs(2);
/// No server loop runs longer than this, whatever the client does.
const SERVER_LIFETIME: Duration = Duration::from_secs(60);

// ---- a good cache ------------------------------------------------------------------------

/// A directory holding a binary cache with one narinfo signed by `good-1`.
struct GoodCache {
    dir: tempfile::TempDir,
    key: String,
    path: String,
}

fn good_cache() -> GoodCache {
    let sk = SigningKey::from_bytes(&[7; 32]);
    let key = format!("good-1:{}", encode_b64(sk.verifying_key().as_bytes()));
    let hash = nix32_encode(&[3; 20]);
    let path = format!("/nix/store/{hash}-hello");
    let unsigned = format!(
        "StorePath: {path}\nURL: nar/hello.nar\nCompression: none\nNarHash: sha256:{}\nNarSize: 120\nReferences: \n",
        nix32_encode(&[9; 32])
    );
    let fingerprint = NarInfo::parse(&unsigned).expect("narinfo parses").fingerprint();
    let sig = encode_b64(&sk.sign(fingerprint.as_bytes()).to_bytes());
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("nix-cache-info"), "StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 30\n")
        .expect("write nix-cache-info");
    std::fs::write(dir.path().join(format!("{hash}.narinfo")), format!("{unsigned}Sig: good-1:{sig}\n"))
        .expect("write narinfo");
    GoodCache { dir, key, path }
}

impl GoodCache {
    fn trusted(&self) -> Vec<PublicKey> {
        vec![key(&self.key)]
    }

    fn serve(&self) -> httpd::Server {
        httpd::Server::start(httpd::Mode::Dir(self.dir.path().to_owned()))
    }
}

fn assert_good(r: &CacheReport) {
    assert_eq!(
        (r.reachable, r.key_verified, r.error.as_deref(), r.verdict.as_str()),
        (true, Some(true), None, "signed by trusted key good-1"),
        "the good cache {} next to hostile ones",
        r.url
    );
}

// ---- hostile servers ---------------------------------------------------------------------

/// How a hostile server misbehaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Evil {
    /// Accepts the connection and never answers.
    Silent,
    /// Answers a valid response, one byte a second.
    Drip,
    /// A chunked body that never ends.
    EndlessChunked,
    /// A body without length that never ends (ends only when the connection closes).
    EndlessUnsized,
    /// Claims a terabyte body.
    HugeLength,
    /// Redirects every request to itself, with an absolute URL.
    RedirectLoop,
    /// Random bytes instead of HTTP.
    Garbage,
    /// One header line that never ends.
    HugeHeader,
    /// Thousands of small headers.
    ManyHeaders,
    /// `100 Continue` answers, forever (fifty a second).
    EndlessInformational,
    /// `100 Continue` answers, forever, as fast as the connection takes them.
    Flood1xx,
    /// Closes every connection at once.
    Hangup,
    /// A good `nix-cache-info`, then a narinfo that never comes.
    StallsOnNarinfo,
}

struct Hostile {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Hostile {
    fn start(evil: Evil) -> Hostile {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener.set_nonblocking(true).expect("nonblocking listener");
        let addr = listener.local_addr().expect("local addr");
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let born = Instant::now();
            let mut conns = Vec::new();
            let mut n = 0u64;
            while !flag.load(Ordering::SeqCst) && born.elapsed() < SERVER_LIFETIME {
                match listener.accept() {
                    Ok((conn, _)) => {
                        n += 1;
                        let flag = Arc::clone(&flag);
                        conns.push(std::thread::spawn(move || misbehave(conn, evil, addr, n, &flag)));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
            flag.store(true, Ordering::SeqCst);
            for c in conns {
                let _ = c.join();
            }
        });
        Hostile { addr, stop, thread: Some(thread) }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Writes `chunk` again and again until the client goes away, the server stops, or the
/// server's lifetime is over.
fn flood(conn: &mut TcpStream, chunk: &[u8], stop: &AtomicBool) {
    let born = Instant::now();
    while !stop.load(Ordering::SeqCst) && born.elapsed() < SERVER_LIFETIME {
        if conn.write_all(chunk).is_err() {
            return;
        }
    }
}

/// Sleeps in small steps; false when the server is stopping.
fn nap(d: Duration, stop: &AtomicBool) -> bool {
    let until = Instant::now() + d;
    while Instant::now() < until {
        if stop.load(Ordering::SeqCst) {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    true
}

fn misbehave(mut conn: TcpStream, evil: Evil, addr: SocketAddr, n: u64, stop: &AtomicBool) {
    let _ = conn.set_nonblocking(false);
    let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = conn.set_write_timeout(Some(Duration::from_secs(5)));
    if evil == Evil::Garbage {
        // No need to wait for the request: noise from the first byte.
        let mut rng = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let noise: Vec<u8> = (0..64 * 1024)
            .map(|_| {
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                rng.to_le_bytes()[0]
            })
            .collect();
        flood(&mut conn, &noise, stop);
        return;
    }
    let Some((_, path)) = httpd::read_request(&mut conn) else { return };
    match evil {
        Evil::Silent => {
            let _ = nap(SERVER_LIFETIME, stop);
        }
        Evil::Drip => {
            let body = "StoreDir: /nix/store\n";
            let resp = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}", body.len());
            for b in resp.bytes() {
                if conn.write_all(&[b]).is_err() || !nap(Duration::from_secs(1), stop) {
                    return;
                }
            }
        }
        Evil::EndlessChunked => {
            let _ = conn.write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
            let line = "StoreDir: /nix/store\n".repeat(390);
            flood(&mut conn, format!("{:x}\r\n{line}\r\n", line.len()).as_bytes(), stop);
        }
        Evil::EndlessUnsized => {
            let _ = conn.write_all(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
            flood(&mut conn, "StoreDir: /nix/store\n".repeat(390).as_bytes(), stop);
        }
        Evil::HugeLength => {
            let _ = conn.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000000000\r\n\r\n");
            flood(&mut conn, &[b'#'; 8192], stop);
        }
        Evil::RedirectLoop => {
            let resp = format!(
                "HTTP/1.1 302 Found\r\nLocation: http://{addr}{path}?{n}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            let _ = conn.write_all(resp.as_bytes());
        }
        Evil::HugeHeader => {
            let _ = conn.write_all(b"HTTP/1.1 200 OK\r\nX-Junk: ");
            flood(&mut conn, &[b'a'; 8192], stop);
        }
        Evil::ManyHeaders => {
            let _ = conn.write_all(b"HTTP/1.1 200 OK\r\n");
            let mut i = 0u64;
            let born = Instant::now();
            while !stop.load(Ordering::SeqCst) && born.elapsed() < SERVER_LIFETIME {
                i += 1;
                if conn.write_all(format!("X-{i}: {i}\r\n").as_bytes()).is_err() {
                    return;
                }
            }
        }
        Evil::EndlessInformational => {
            // Paced: at full speed, an unoptimised (test) build parses 1xx answers so slowly
            // that a connection hogs the runtime for tens of seconds before it yields. The
            // release build keeps up, as scripts/bench-hostile shows with `Evil::Flood1xx`.
            let born = Instant::now();
            while born.elapsed() < SERVER_LIFETIME && conn.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").is_ok() {
                if !nap(Duration::from_millis(20), stop) {
                    return;
                }
            }
        }
        Evil::Flood1xx => flood(&mut conn, b"HTTP/1.1 100 Continue\r\n\r\n", stop),
        Evil::Hangup => drop(conn),
        Evil::StallsOnNarinfo => {
            if path.ends_with("nix-cache-info") {
                let body = "StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 30\n";
                let resp = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}", body.len());
                let _ = conn.write_all(resp.as_bytes());
                // Keep the connection open for the next request, and never answer it.
                let _ = httpd::read_request(&mut conn);
            }
            let _ = nap(SERVER_LIFETIME, stop);
        }
        Evil::Garbage => {}
    }
}

/// The hostile servers with the class each must be reported with, and words the message
/// must contain.
const CASES: &[(Evil, &str, &str)] = &[
    (Evil::Silent, "timeout", "timed out after 2s"),
    (Evil::Drip, "timeout", "timed out after 2s"),
    (Evil::EndlessChunked, "too-large", "response too large (over 65536 bytes)"),
    (Evil::EndlessUnsized, "too-large", "response too large (over 65536 bytes)"),
    (Evil::HugeLength, "too-large", "response too large (over 65536 bytes)"),
    (Evil::RedirectLoop, "redirects", "too many redirects"),
    (Evil::Garbage, "network", "connection failed"),
    (Evil::HugeHeader, "network", "connection failed"),
    (Evil::ManyHeaders, "network", "connection failed"),
    (Evil::EndlessInformational, "timeout", "timed out after 2s"),
    (Evil::Hangup, "network", "connection failed"),
    (Evil::StallsOnNarinfo, "timeout", "timed out after 2s"),
];

fn code(r: &CacheReport) -> &'static str {
    r.error_kind.as_ref().map_or("none", |e| e.code())
}

fn check(opts: &ClientOptions, caches: Vec<CacheTarget>, trusted: &[PublicKey]) -> Vec<CacheReport> {
    run_blocking(opts, caches, trusted, TIMEOUT).expect("the check runs")
}

#[test]
fn every_hostile_server_fails_with_its_class_while_good_caches_pass() {
    let good = good_cache();
    let (g1, g2) = (good.serve(), good.serve());
    let servers: Vec<Hostile> = CASES.iter().map(|(evil, _, _)| Hostile::start(*evil)).collect();
    // Good caches first, in the middle and last: none is held up by its neighbours.
    let mut caches = vec![target(&g1.url(), &[&good.path])];
    caches.extend(servers.iter().map(|s| target(&s.url(), &[&good.path])));
    caches.insert(1 + servers.len() / 2, target(&g2.url(), &[&good.path]));
    caches.push(target(&format!("file://{}", good.dir.path().display()), &[&good.path]));
    let reports = check(&options(&NoDns::default()), caches, &good.trusted());
    assert_eq!(reports.len(), CASES.len() + 3);
    let mut hostile = reports.iter().filter(|r| r.url.starts_with("http://") && r.url != g1.url() && r.url != g2.url());
    for ((evil, class, words), server) in CASES.iter().zip(&servers) {
        let r = hostile.next().expect("a report for every server");
        assert_eq!(r.url, server.url(), "reports keep the input order");
        let err = r.error.as_deref().unwrap_or("<no error>");
        assert_eq!(code(r), *class, "{evil:?}: {err}");
        assert!(err.contains(words), "{evil:?}: {err}");
        assert!(r.verdict.contains(err), "{evil:?}: the verdict names the error: {}", r.verdict);
        assert_eq!(r.key_verified, None, "{evil:?}: nothing was verified");
    }
    for r in reports.iter().filter(|r| !r.url.starts_with("http://") || r.url == g1.url() || r.url == g2.url()) {
        assert_good(r);
    }
    // A cache that answered nix-cache-info is reachable, even when it stalls later.
    let stall = reports.iter().find(|r| r.url == servers[CASES.len() - 1].url()).expect("stall report");
    assert!(stall.reachable && stall.store_dir.as_deref() == Some("/nix/store"), "{stall:?}");
}

#[test]
fn tls_with_a_bad_certificate_is_a_tls_error() {
    let good = good_cache();
    let pki = Pki::new();
    let cases = [
        (pki.self_signed(), "invalid peer certificate: UnknownIssuer"),
        (pki.leaf(&["cache.example.invalid"], false), "invalid peer certificate: certificate not valid for name"),
        (pki.leaf(&["127.0.0.1"], true), "invalid peer certificate: certificate expired"),
    ];
    let servers: Vec<httpd::Server> = cases
        .iter()
        .map(|(cfg, _)| {
            let opts = httpd::Options { tls: Some(Arc::clone(cfg)), no_length: false };
            httpd::Server::start_with(httpd::Mode::Dir(good.dir.path().to_owned()), opts)
        })
        .collect();
    // The CA is trusted, so the good certificate passes and only the bad ones fail.
    let fine = httpd::Server::start_with(
        httpd::Mode::Dir(good.dir.path().to_owned()),
        httpd::Options { tls: Some(pki.leaf(&["127.0.0.1"], false)), no_length: false },
    );
    let opts = ClientOptions { extra_roots_pem: vec![pki.ca_pem.clone().into_bytes()], ..options(&NoDns::default()) };
    let mut caches: Vec<CacheTarget> = servers.iter().map(|s| target(&s.url(), &[&good.path])).collect();
    caches.push(target(&fine.url(), &[&good.path]));
    let reports = check(&opts, caches, &good.trusted());
    for (r, (_, want)) in reports.iter().zip(&cases) {
        assert_eq!(code(r), "tls", "{r:?}");
        let err = r.error.as_deref().unwrap_or_default();
        assert!(err.starts_with(&format!("tls error: {want}")), "{err}");
        assert!(!r.reachable);
    }
    assert_good(reports.last().expect("the good https cache"));
    // An https server that accepts and never starts the handshake: a timeout.
    let mute = Hostile::start(Evil::Silent);
    let r = check(&opts, vec![target(&format!("https://{}", mute.addr), &[])], &[]).remove(0);
    assert_eq!(code(&r), "timeout", "{r:?}");
}

#[test]
fn a_file_cache_that_never_delivers_costs_only_its_deadline() {
    // `nix-cache-info` is a FIFO nobody writes to: opening it blocks forever.
    let dir = tempfile::tempdir().expect("tempdir");
    let fifo = dir.path().join("nix-cache-info");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("run mkfifo");
    assert!(made.success());
    let good = good_cache();
    let server = good.serve();
    let caches = vec![target(&format!("file://{}", dir.path().display()), &[]), target(&server.url(), &[&good.path])];
    let trusted = good.trusted();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(check(&options(&NoDns::default()), caches, &trusted));
    });
    // A watchdog, not a timing assertion: without it a regression would hang CI.
    let reports = rx.recv_timeout(Duration::from_secs(60)).expect("run_blocking returned");
    assert_eq!(code(&reports[0]), "timeout", "{:?}", reports[0]);
    assert_good(&reports[1]);
    // Unblock the reader left behind. O_NONBLOCK: if no reader is waiting, fail at once.
    use std::os::unix::fs::OpenOptionsExt as _;
    const O_NONBLOCK: i32 = 0o4000; // Linux
    let _ = std::fs::OpenOptions::new().write(true).custom_flags(O_NONBLOCK).open(&fifo);
}

#[test]
fn a_narinfo_full_of_signatures_is_checked_within_limits() {
    let good = good_cache();
    let hash = nix32_encode(&[3; 20]);
    let file = good.dir.path().join(format!("{hash}.narinfo"));
    let real = std::fs::read_to_string(&file).expect("narinfo");
    // Just under the narinfo size limit: thousands of bogus signatures by the trusted key's
    // name, then the one real signature.
    let bogus = format!("Sig: good-1:{}\n", encode_b64(&[1; 64]));
    let n = (cachectl::limits::NARINFO_MAX_BYTES - real.len()) / bogus.len() - 1;
    let (head, sig) = real.split_at(real.find("Sig:").expect("signed"));
    std::fs::write(&file, format!("{head}{}{sig}", bogus.repeat(n))).expect("write");
    let server = good.serve();
    let r = check(&options(&NoDns::default()), vec![target(&server.url(), &[&good.path])], &good.trusted()).remove(0);
    // Only the first signatures are looked at, so the real one at the end is not found.
    assert!(n > cachectl::limits::NARINFO_MAX_SIGNATURES);
    assert_eq!((r.reachable, r.error.as_deref(), r.key_verified), (true, None, Some(false)), "{r:?}");
    assert!(r.verdict.contains("bad signature from trusted key(s) good-1"), "{}", r.verdict);
    // Over the size limit: refused without parsing.
    std::fs::write(&file, format!("{head}{}{sig}", bogus.repeat(n + 100))).expect("write");
    let r = check(&options(&NoDns::default()), vec![target(&server.url(), &[&good.path])], &good.trusted()).remove(0);
    assert_eq!(code(&r), "too-large", "{r:?}");
}

// ---- certificates ------------------------------------------------------------------------

/// A CA, and server configurations with certificates good and bad.
struct Pki {
    ca_pem: String,
    issuer: rcgen::Issuer<'static, rcgen::KeyPair>,
}

impl Pki {
    fn new() -> Pki {
        let ca_key = rcgen::KeyPair::generate().expect("ca key");
        let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).expect("ca params");
        ca.distinguished_name.push(rcgen::DnType::CommonName, "cachectl hostile test ca");
        ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca.key_usages = vec![rcgen::KeyUsagePurpose::KeyCertSign];
        let cert = ca.self_signed(&ca_key).expect("ca cert");
        Pki { ca_pem: cert.pem(), issuer: rcgen::Issuer::new(ca, ca_key) }
    }

    fn config(cert: &rcgen::Certificate, key: &rcgen::KeyPair) -> Arc<rustls::ServerConfig> {
        use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        let mut cfg = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("protocol versions")
            .with_no_client_auth()
            .with_single_cert(vec![cert.der().clone()], key)
            .expect("server cert");
        cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
        Arc::new(cfg)
    }

    /// A leaf signed by the CA for `names`, expired or current.
    fn leaf(&self, names: &[&str], expired: bool) -> Arc<rustls::ServerConfig> {
        let key = rcgen::KeyPair::generate().expect("leaf key");
        let mut p = rcgen::CertificateParams::new(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>())
            .expect("leaf params");
        p.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
        if expired {
            p.not_before = rcgen::date_time_ymd(2001, 1, 1);
            p.not_after = rcgen::date_time_ymd(2002, 1, 1);
        }
        let cert = p.signed_by(&key, &self.issuer).expect("leaf cert");
        Pki::config(&cert, &key)
    }

    /// A certificate for 127.0.0.1 that signs itself.
    fn self_signed(&self) -> Arc<rustls::ServerConfig> {
        let key = rcgen::KeyPair::generate().expect("key");
        let p = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()]).expect("params");
        let cert = p.self_signed(&key).expect("self-signed cert");
        Pki::config(&cert, &key)
    }
}

// ---- the two halves of scripts/bench-hostile -----------------------------------------------

/// The five hostile servers of the benchmark (the list, one of each kind that
/// costs a client the most: time, body, redirects, noise, headers).
const BENCH: &[Evil] = &[Evil::Silent, Evil::Drip, Evil::EndlessChunked, Evil::RedirectLoop, Evil::Garbage];

/// More hostile servers for `BENCH_ALL=1`: every kind, the unpaced 1xx flood included.
const BENCH_MORE: &[Evil] =
    &[Evil::HugeHeader, Evil::ManyHeaders, Evil::HugeLength, Evil::Flood1xx, Evil::StallsOnNarinfo];

/// Serves the benchmark's hostile servers and a good cache; writes a Nix module listing
/// them to `$BENCH_MODULE` and their URLs and probe to `$BENCH_MODULE.env`, then serves
/// until `$BENCH_MODULE.stop` exists (at most a minute).
#[test]
#[ignore = "half of scripts/bench-hostile"]
fn bench_serve() {
    let Some(module) = std::env::var_os("BENCH_MODULE").map(std::path::PathBuf::from) else { return };
    let good = good_cache();
    let g = good.serve();
    let more = if std::env::var_os("BENCH_ALL").is_some() { BENCH_MORE } else { &[] };
    let servers: Vec<Hostile> = BENCH.iter().chain(more).map(|e| Hostile::start(*e)).collect();
    let mut urls: Vec<String> = servers.iter().map(Hostile::url).collect();
    urls.push(g.url());
    let list: String = urls.iter().map(|u| format!("      \"{u}\"\n")).collect();
    let text = format!(
        "{{\n  nix.settings = {{\n    substituters = [\n{list}    ];\n    trusted-public-keys = [\n      \"{}\"\n    ];\n  }};\n}}\n",
        good.key
    );
    std::fs::write(&module, text).expect("write module");
    let env = format!("URLS='{}'\nPROBE='{}'\nKEY='{}'\n", urls.join(" "), good.path, good.key);
    std::fs::write(with_suffix(&module, ".env"), env).expect("write env");
    let stop = with_suffix(&module, ".stop");
    let born = Instant::now();
    while !stop.exists() && born.elapsed() < SERVER_LIFETIME {
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn with_suffix(p: &Path, suffix: &str) -> std::path::PathBuf {
    let mut s = p.as_os_str().to_owned();
    s.push(suffix);
    s.into()
}

/// Checks `$BENCH_URLS` with `$BENCH_PROBE` and `$BENCH_KEY` trusted, as `check --online
/// --timeout 2` does, and prints the wall time and this process's peak memory.
#[test]
#[ignore = "half of scripts/bench-hostile"]
fn bench_check() {
    let (Ok(urls), Ok(probe), Ok(k)) =
        (std::env::var("BENCH_URLS"), std::env::var("BENCH_PROBE"), std::env::var("BENCH_KEY"))
    else {
        return;
    };
    let caches: Vec<CacheTarget> = urls.split_whitespace().map(|u| target(u, &[&probe])).collect();
    let start = Instant::now();
    let reports =
        run_blocking(&ClientOptions { system_proxy: false, ..ClientOptions::default() }, caches, &[key(&k)], TIMEOUT)
            .expect("runs");
    let elapsed = start.elapsed();
    for r in &reports {
        println!("bench: {:<28} {:<10} {}", r.url, r.error_kind.as_ref().map_or("ok", |e| e.code()), r.verdict);
    }
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let hwm = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap_or("VmHWM: ?");
    println!(
        "bench: run_blocking wall time {:.2} s; peak memory of the test process {}",
        elapsed.as_secs_f64(),
        hwm.trim_start_matches("VmHWM:").trim()
    );
}
