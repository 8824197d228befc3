//! `cachectl coverage` with a hostile cache in front of a good one. The hostile server
//! answers `/nix-cache-info` properly (priority 10, so it is asked first) and then
//! misbehaves on every narinfo: silence, a trickle, endless bodies and headers, garbage,
//! 1xx floods, hang-ups, extra answers smuggled into the stream (which a pipelining
//! client must not pin on the next path), and a validly signed narinfo of another path.
//!
//! Every run must end (the per-request `--timeout` is 1 s), count exactly the paths the
//! good cache serves as substitutable, never count a path the good cache lacks, and print
//! one JSON report. Nothing is timed.

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

use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use coverage_env::{cache, counts, json, repo, run, text};
use coverage_gen::{Key, fake_paths, path_list, write_cache};
use coverage_server::CacheServer;

/// How the hostile server answers a narinfo request.
#[derive(Clone, Copy, Debug)]
enum Evil {
    Silent,
    /// A valid 404, one byte every 100 ms.
    Drip,
    EndlessChunked,
    /// A chunk-size line that never ends.
    EndlessSizeLine,
    HugeLength,
    Garbage,
    HugeHeader,
    ManyHeaders,
    Flood1xx,
    Hangup,
    /// A 404, then a complete extra `200` answer with another path's signed narinfo.
    Smuggle,
    /// A validly signed narinfo, but of another store path.
    WrongPath,
}

const ALL: [Evil; 12] = [
    Evil::Silent,
    Evil::Drip,
    Evil::EndlessChunked,
    Evil::EndlessSizeLine,
    Evil::HugeLength,
    Evil::Garbage,
    Evil::HugeHeader,
    Evil::ManyHeaders,
    Evil::Flood1xx,
    Evil::Hangup,
    Evil::Smuggle,
    Evil::WrongPath,
];

/// However a test goes, the server gives up after this long.
const LIFETIME: Duration = Duration::from_secs(60);

struct Hostile {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
}

impl Hostile {
    fn start(evil: Evil, other_narinfo: String) -> Hostile {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("addr");
        let stop = Arc::new(AtomicBool::new(false));
        let (flag, other) = (Arc::clone(&stop), Arc::new(other_narinfo));
        std::thread::spawn(move || {
            let born = Instant::now();
            while !flag.load(Ordering::SeqCst) && born.elapsed() < LIFETIME {
                match listener.accept() {
                    Ok((conn, _)) => {
                        let (flag, other) = (Arc::clone(&flag), Arc::clone(&other));
                        std::thread::spawn(move || serve(conn, evil, &other, &flag));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Hostile { addr, stop }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn live(stop: &AtomicBool, born: Instant) -> bool {
    !stop.load(Ordering::SeqCst) && born.elapsed() < LIFETIME
}

fn answer(status: &str, body: &str) -> Vec<u8> {
    format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

fn serve(mut conn: TcpStream, evil: Evil, other: &str, stop: &AtomicBool) {
    let born = Instant::now();
    let _ = conn.set_read_timeout(Some(Duration::from_millis(200)));
    let mut rng = 0x9e37_79b9_7f4a_7c15_u64;
    while live(stop, born) {
        let target = match httpd::read_request(&mut conn) {
            Some((_, target)) => target,
            None if conn.peek(&mut [0u8; 1]).is_err() && live(stop, born) => continue,
            None => return,
        };
        if target == "/nix-cache-info" {
            if conn.write_all(&answer("200 OK", "StoreDir: /nix/store\nPriority: 10\n")).is_err() {
                return;
            }
            continue;
        }
        let flood = |conn: &mut TcpStream, chunk: &[u8]| {
            while live(stop, born) && conn.write_all(chunk).is_ok() {}
        };
        match evil {
            Evil::Silent => {
                while live(stop, born) && conn.peek(&mut [0u8; 1]).map_or(true, |n| n > 0) {
                    std::thread::sleep(Duration::from_millis(20));
                }
                return;
            }
            Evil::Drip => {
                for b in answer("404 Not Found", "not here") {
                    std::thread::sleep(Duration::from_millis(100));
                    if !live(stop, born) || conn.write_all(&[b]).is_err() {
                        return;
                    }
                }
            }
            Evil::EndlessChunked => {
                let _ = conn.write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
                return flood(
                    &mut conn,
                    b"400\r\n"
                        .iter()
                        .chain([b'x'; 1024].iter())
                        .chain(b"\r\n")
                        .copied()
                        .collect::<Vec<u8>>()
                        .as_slice(),
                );
            }
            Evil::EndlessSizeLine => {
                let _ = conn.write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;");
                return flood(&mut conn, &[b'x'; 4096]);
            }
            Evil::HugeLength => {
                let _ = conn.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000000000\r\n\r\n");
                return flood(&mut conn, &[b'x'; 4096]);
            }
            Evil::Garbage => {
                let mut chunk = [0u8; 4096];
                for b in &mut chunk {
                    rng ^= rng << 13;
                    rng ^= rng >> 7;
                    rng ^= rng << 17;
                    *b = rng as u8;
                }
                return flood(&mut conn, &chunk);
            }
            Evil::HugeHeader => {
                let _ = conn.write_all(b"HTTP/1.1 200 OK\r\nX-Long: ");
                return flood(&mut conn, &[b'a'; 4096]);
            }
            Evil::ManyHeaders => {
                let _ = conn.write_all(b"HTTP/1.1 200 OK\r\n");
                return flood(&mut conn, b"X-A: b\r\n");
            }
            Evil::Flood1xx => return flood(&mut conn, b"HTTP/1.1 100 Continue\r\n\r\n"),
            Evil::Hangup => return,
            Evil::Smuggle => {
                let mut both = answer("404 Not Found", "");
                both.extend(answer("200 OK", other));
                if conn.write_all(&both).is_err() {
                    return;
                }
            }
            Evil::WrongPath => {
                if conn.write_all(&answer("200 OK", other)).is_err() {
                    return;
                }
            }
        }
    }
}

#[test]
fn a_hostile_cache_in_front_costs_nothing_but_its_own_paths() {
    let key = Key::new("hostile-1", 5);
    let paths = fake_paths(120, "hostile", 31);
    // The good cache lacks the last 10 paths: nothing the hostile cache sends may make
    // them count as substitutable.
    let dir = tempfile::tempdir().expect("tempdir");
    write_cache(dir.path(), &paths[..110], &[&key], Some(50));
    let good = CacheServer::start(dir.path(), None);
    // A validly signed narinfo, of a path that is not among the checked ones.
    let stranger = fake_paths(1, "stranger", 99).remove(0);
    let other = stranger.narinfo(&[&key]);

    std::thread::scope(|scope| {
        let runs: Vec<_> = ALL
            .iter()
            .map(|&evil| {
                let (key, other, paths, good) = (&key, other.clone(), &paths, &good);
                scope.spawn(move || {
                    let hostile = Hostile::start(evil, other);
                    let r = repo(&[hostile.url(), good.url()], &[key.public()]);
                    std::fs::write(r.path().join("paths.txt"), path_list(paths)).expect("write paths");
                    let args = ["coverage", "--paths", "paths.txt", "--json", "--timeout", "1", "--jobs", "16"];
                    let out = run(r.path(), &args, None);
                    (evil, hostile.url(), out)
                })
            })
            .collect();
        for handle in runs {
            let (evil, url, out) = handle.join().expect("run thread");
            assert_eq!(out.status.code(), Some(1), "{evil:?}: {}", text(&out.stderr));
            let v = json(&out);
            let (total, substitutable, untrusted, missing) = counts(&v);
            assert_eq!((total, substitutable), (120, 110), "{evil:?}: {v:#}");
            assert_eq!(untrusted + missing, 10, "{evil:?}");
            assert_eq!(cache(&v, &url)["verified"], 0, "{evil:?}: {v:#}");
            assert_eq!(cache(&v, &good.url())["verified"], 110, "{evil:?}: {v:#}");
            for p in &paths[110..] {
                let entry = coverage_env::entry(&v, &p.path);
                assert_ne!(entry["status"], "substitutable", "{evil:?}: {entry:#}");
            }
        }
    });
}
