//! A tiny HTTP/1.1 server for the online tests, on 127.0.0.1 only.
//!
//! It serves a directory (GET and HEAD, 404 otherwise), or misbehaves on purpose: never
//! answers, answers with a fixed status, or redirects forever. One thread per connection,
//! `Connection: close`; TLS goes through rustls' blocking `StreamOwned`.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

/// What the server does with a request.
#[derive(Clone, Debug)]
pub enum Mode {
    /// Serve files under this directory.
    Dir(PathBuf),
    /// Accept connections and never answer.
    Silent,
    /// Answer every request with this status and an empty body.
    Status(u16),
    /// Redirect every request to itself with `?n+1`.
    RedirectLoop,
}

/// Server settings beyond the mode.
#[derive(Clone, Default)]
pub struct Options {
    /// Leave out `Content-Length`, so the body ends when the connection closes.
    pub no_length: bool,
    /// Serve HTTPS with this rustls configuration.
    pub tls: Option<Arc<rustls::ServerConfig>>,
}

/// A running server; stops when dropped.
pub struct Server {
    addr: SocketAddr,
    https: bool,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    pub fn start(mode: Mode) -> Server {
        Server::start_with(mode, Options::default())
    }

    pub fn start_with(mode: Mode, opts: Options) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let stop = Arc::new(AtomicBool::new(false));
        let https = opts.tls.is_some();
        let flag = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let mut held = Vec::new();
            for conn in listener.incoming() {
                if flag.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                if let Mode::Silent = mode {
                    held.push(conn);
                    continue;
                }
                let (mode, opts) = (mode.clone(), opts.clone());
                std::thread::spawn(move || serve_conn(conn, &mode, &opts));
            }
        });
        Server { addr, https, stop, thread: Some(thread) }
    }

    /// `http://127.0.0.1:PORT` (or https).
    pub fn url(&self) -> String {
        let scheme = if self.https { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so that it sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve_conn(conn: TcpStream, mode: &Mode, opts: &Options) {
    let _ = conn.set_read_timeout(Some(std::time::Duration::from_secs(10)));
    match &opts.tls {
        Some(cfg) => {
            let Ok(tls) = rustls::ServerConnection::new(Arc::clone(cfg)) else {
                return;
            };
            let mut stream = rustls::StreamOwned::new(tls, conn);
            handle(&mut stream, mode, opts);
            stream.conn.send_close_notify();
            let _ = stream.flush();
        }
        None => {
            let mut conn = conn;
            handle(&mut conn, mode, opts);
        }
    }
}

fn handle(stream: &mut impl ReadWrite, mode: &Mode, opts: &Options) {
    let Some((method, target)) = read_request(stream) else {
        return;
    };
    let head_only = method == "HEAD";
    let path = target.split('?').next().unwrap_or_default();
    let (status, body, extra) = match mode {
        Mode::Dir(dir) => match resolve(dir, path).and_then(|p| std::fs::read(p).ok()) {
            Some(body) => (200, body, content_type(path)),
            None => (404, b"not found\n".to_vec(), String::new()),
        },
        Mode::Status(code) => (*code, Vec::new(), String::new()),
        Mode::RedirectLoop => {
            let n: u32 = target.split_once('?').and_then(|(_, q)| q.parse().ok()).unwrap_or(0);
            (302, Vec::new(), format!("Location: {path}?{}\r\n", n + 1))
        }
        Mode::Silent => return,
    };
    let length = if opts.no_length { String::new() } else { format!("Content-Length: {}\r\n", body.len()) };
    let head = format!("HTTP/1.1 {status} X\r\n{extra}{length}Connection: close\r\n\r\n");
    let _ = stream.write_all(head.as_bytes());
    if !head_only {
        let _ = stream.write_all(&body);
    }
    let _ = stream.flush();
}

trait ReadWrite: Read + Write {}
impl<T: Read + Write> ReadWrite for T {}

/// Reads the request head (at most 16 KiB); returns method and target. Also used by the
/// hostile servers of other tests.
pub fn read_request(stream: &mut impl Read) -> Option<(String, String)> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        if buf.len() > 16 * 1024 || stream.read(&mut byte).ok()? == 0 {
            return None;
        }
        buf.push(byte[0]);
    }
    let text = String::from_utf8_lossy(&buf);
    let mut words = text.lines().next()?.split_whitespace();
    Some((words.next()?.to_owned(), words.next()?.to_owned()))
}

/// The file under `dir` for a URL path, refusing `..` and anything that is not a file.
fn resolve(dir: &Path, url_path: &str) -> Option<PathBuf> {
    let rel = Path::new(url_path.trim_start_matches('/'));
    if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
        return None;
    }
    let full = dir.join(rel);
    full.is_file().then_some(full)
}

fn content_type(path: &str) -> String {
    let t = if path.ends_with(".narinfo") {
        "text/x-nix-narinfo"
    } else if path.ends_with("nix-cache-info") {
        "text/x-nix-cache-info"
    } else {
        "application/octet-stream"
    };
    format!("Content-Type: {t}\r\n")
}
