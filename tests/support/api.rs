//! A stand-in for the Cachix and attic APIs on 127.0.0.1: fixed answers per path, an
//! optional bearer token, and hostile answers (huge, slow, malformed, redirect loops).

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone)]
pub enum Reply {
    /// Status and JSON body.
    Json(u16, String),
    /// Waits this long, then sends nothing.
    Slow(Duration),
    /// A 302 to this location (relative or absolute).
    Redirect(String),
    /// A 200 with this many bytes of JSON-looking data.
    Huge(usize),
}

pub struct Api {
    port: u16,
    /// Every request: its path and whether it carried the right token.
    pub seen: Arc<Mutex<Vec<(String, bool)>>>,
}

impl Api {
    /// Serves `routes`; with `token`, every route answers 401 without `Authorization: Bearer TOKEN`.
    /// `{SELF}` in a JSON body becomes the server's own URL.
    pub fn start(routes: Vec<(String, Reply)>, token: Option<String>) -> Api {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (routes, token, log) = (routes.clone(), token.clone(), Arc::clone(&log));
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                    let mut line = String::new();
                    if reader.read_line(&mut line).is_err() {
                        return;
                    }
                    let path = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
                    let mut auth = None;
                    loop {
                        let mut h = String::new();
                        if reader.read_line(&mut h).is_err() || h.trim().is_empty() {
                            break;
                        }
                        if let Some((k, v)) = h.split_once(':')
                            && k.eq_ignore_ascii_case("authorization")
                        {
                            auth = Some(v.trim().to_owned());
                        }
                    }
                    let authorised = token.as_ref().is_none_or(|t| auth.as_deref() == Some(&format!("Bearer {t}")));
                    log.lock().expect("lock").push((path.clone(), authorised));
                    let mut stream = stream;
                    let send = |s: &mut std::net::TcpStream, status: u16, extra: &str, body: &[u8]| {
                        let head = format!(
                            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n{extra}\r\n",
                            body.len()
                        );
                        let _ = s.write_all(head.as_bytes());
                        let _ = s.write_all(body);
                    };
                    if !authorised {
                        return send(&mut stream, 401, "", b"{\"error\":\"unauthorized\"}");
                    }
                    match routes.iter().find(|(p, _)| *p == path).map(|(_, r)| r.clone()) {
                        Some(Reply::Json(status, body)) => {
                            let body = body.replace("{SELF}", &format!("http://127.0.0.1:{port}"));
                            send(&mut stream, status, "", body.as_bytes())
                        }
                        Some(Reply::Slow(d)) => std::thread::sleep(d),
                        Some(Reply::Redirect(to)) => send(&mut stream, 302, &format!("location: {to}\r\n"), b""),
                        Some(Reply::Huge(n)) => {
                            let mut body = b"{\"uri\":\"".to_vec();
                            body.extend(std::iter::repeat_n(b'a', n));
                            body.extend_from_slice(b"\"}");
                            send(&mut stream, 200, "", &body);
                        }
                        None => send(&mut stream, 404, "", b"{}"),
                    }
                });
            }
        });
        Api { port, seen }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}
