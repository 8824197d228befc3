//! A loopback cache server for the coverage tests that records every request and can fail
//! on purpose: the first `n` requests for each narinfo get a chosen status (429, 503…),
//! the next ones are served; status 0 means no answer at all (the connection stalls).
//! HTTP/1.1 with keep-alive, one thread per connection, on 127.0.0.1 only.

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// How to fail before serving.
#[derive(Clone, Copy, Debug)]
pub struct Flaky {
    /// Failed answers per narinfo before it is served.
    pub times: u32,
    pub status: u16,
}

struct Shared {
    dir: PathBuf,
    flaky: Option<Flaky>,
    /// Every request target, in arrival order.
    log: Mutex<Vec<String>>,
    failed: Mutex<HashMap<String, u32>>,
}

/// A running server; stops when dropped.
pub struct CacheServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl CacheServer {
    pub fn start(dir: &Path, flaky: Option<Flaky>) -> CacheServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let stop = Arc::new(AtomicBool::new(false));
        let shared = Arc::new(Shared {
            dir: dir.to_path_buf(),
            flaky,
            log: Mutex::new(Vec::new()),
            failed: Mutex::new(HashMap::new()),
        });
        let (flag, state) = (Arc::clone(&stop), Arc::clone(&shared));
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if flag.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let state = Arc::clone(&state);
                std::thread::spawn(move || serve(conn, &state));
            }
        });
        CacheServer { addr, stop, shared, thread: Some(thread) }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Request targets received so far.
    pub fn requests(&self) -> Vec<String> {
        self.shared.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// How many requests asked for the narinfo of `store_path`.
    pub fn asked_for(&self, store_path: &str) -> usize {
        let base = store_path.rsplit('/').next().unwrap_or_default();
        let want = format!("/{}.narinfo", base.get(..32).unwrap_or_default());
        self.requests().iter().filter(|r| **r == want).count()
    }
}

impl Drop for CacheServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(conn: TcpStream, state: &Shared) {
    let _ = conn.set_read_timeout(Some(std::time::Duration::from_secs(10)));
    let Ok(mut writer) = conn.try_clone() else { return };
    let mut reader = BufReader::new(conn);
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            if header == "\r\n" || header == "\n" {
                break;
            }
        }
        let mut words = request_line.split_whitespace();
        let (method, target) = (words.next().unwrap_or_default(), words.next().unwrap_or_default().to_owned());
        if let Ok(mut log) = state.log.lock() {
            log.push(target.clone());
        }
        let (status, body) = answer(state, &target);
        let head = format!(
            "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nContent-Type: text/plain\r\nRetry-After: 0\r\n\r\n",
            body.len()
        );
        let sent = writer
            .write_all(head.as_bytes())
            .and_then(|()| if method == "HEAD" { Ok(()) } else { writer.write_all(&body) });
        if sent.and_then(|()| writer.flush()).is_err() {
            return;
        }
    }
}

fn answer(state: &Shared, target: &str) -> (u16, Vec<u8>) {
    let path = target.split('?').next().unwrap_or_default();
    if let Some(flaky) = state.flaky.filter(|_| path.ends_with(".narinfo")) {
        let mut failed = state.failed.lock().expect("lock");
        let n = failed.entry(path.to_owned()).or_insert(0);
        if *n < flaky.times {
            *n += 1;
            if flaky.status == 0 {
                drop(failed);
                std::thread::sleep(std::time::Duration::from_secs(30));
            }
            return (flaky.status, b"try again\n".to_vec());
        }
    }
    let rel = Path::new(path.trim_start_matches('/'));
    if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
        return (404, b"not found\n".to_vec());
    }
    match std::fs::read(state.dir.join(rel)) {
        Ok(body) => (200, body),
        Err(_) => (404, b"not found\n".to_vec()),
    }
}
