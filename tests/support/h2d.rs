//! An HTTPS cache server on 127.0.0.1 that speaks HTTP/2 only (ALPN `h2`, tokio-rustls and
//! the `h2` crate), serving a directory. It counts TCP connections and requests, and
//! records the protocol each connection negotiated, so that a test can show that a client
//! used HTTP/2 and multiplexed its requests over few connections.

#![allow(dead_code)]

use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;

#[derive(Default)]
struct Counts {
    connections: AtomicUsize,
    requests: AtomicUsize,
    /// The ALPN protocol of each connection (empty when none was agreed).
    alpn: Mutex<Vec<String>>,
}

/// A running server; its runtime (and the server) stops when dropped.
pub struct H2Server {
    port: u16,
    counts: Arc<Counts>,
    _runtime: tokio::runtime::Runtime,
}

impl H2Server {
    /// Serves `dir` over TLS with `config`, which should offer `h2` by ALPN.
    pub fn start(dir: &Path, config: Arc<rustls::ServerConfig>) -> H2Server {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("rt");
        let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("addr").port();
        let counts = Arc::new(Counts::default());
        let acceptor = tokio_rustls::TlsAcceptor::from(config);
        let (dir, state) = (dir.to_path_buf(), Arc::clone(&counts));
        runtime.spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                state.connections.fetch_add(1, Ordering::SeqCst);
                let (acceptor, dir, state) = (acceptor.clone(), dir.clone(), Arc::clone(&state));
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(tcp).await else { return };
                    let alpn = tls.get_ref().1.alpn_protocol().map(|p| String::from_utf8_lossy(p).into_owned());
                    if let Ok(mut log) = state.alpn.lock() {
                        log.push(alpn.clone().unwrap_or_default());
                    }
                    if alpn.as_deref() == Some("h2") {
                        serve_h2(tls, dir, state).await;
                    }
                });
            }
        });
        H2Server { port, counts, _runtime: runtime }
    }

    pub fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }

    pub fn connections(&self) -> usize {
        self.counts.connections.load(Ordering::SeqCst)
    }

    pub fn requests(&self) -> usize {
        self.counts.requests.load(Ordering::SeqCst)
    }

    pub fn protocols(&self) -> Vec<String> {
        self.counts.alpn.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

async fn serve_h2<T>(io: T, dir: PathBuf, state: Arc<Counts>)
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let Ok(mut conn) = h2::server::handshake(io).await else { return };
    while let Some(Ok((request, mut respond))) = conn.accept().await {
        state.requests.fetch_add(1, Ordering::SeqCst);
        let file = local(&dir, request.uri().path());
        tokio::spawn(async move {
            // Small files: a blocking read is fine in a test server.
            let body = file.and_then(|f| std::fs::read(f).ok());
            let status = if body.is_some() { 200 } else { 404 };
            let head = http::Response::builder().status(status).body(()).expect("response");
            let Ok(mut stream) = respond.send_response(head, false) else { return };
            let _ = stream.send_data(Bytes::from(body.unwrap_or_default()), true);
        });
    }
}

/// The file under `dir` that `target` names, if it stays inside `dir`.
fn local(dir: &Path, target: &str) -> Option<PathBuf> {
    let rel = Path::new(target.trim_start_matches('/'));
    rel.components().all(|c| matches!(c, Component::Normal(_))).then(|| dir.join(rel))
}
