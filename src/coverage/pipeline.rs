//! HTTP/1.1 pipelining for plain-`http://` caches: many narinfo GETs written at once on a
//! few keep-alive connections, the answers read back in order.
//!
//! A narinfo request is tiny, so a request-response client spends most of its time in
//! syscalls and wake-ups, one round each per path. Pipelining sends up to [`DEPTH`]
//! requests in one write and reads their answers with as few reads as the bytes allow,
//! which is what brings the check close to what the server can deliver. RFC 9112 §9.3
//! requires servers to answer pipelined requests in order; nginx, nix-serve (Starman) and
//! harmonia (actix-web) do.
//!
//! Anything unusual hands the requests back to the reqwest client ([`Reply::Fallback`]),
//! and the cache is not pipelined again: redirects, HTTP/1.0, `Connection: close`, a body
//! without a length, an answer that does not parse, or a connection that dies or stalls
//! after some answers. A kept-alive connection that the server had closed while idle is
//! reopened and its requests sent again, once. Only what would fail without pipelining too
//! (refused, no DNS, no answer at all within the timeout) is reported as a failure.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio::sync::{Mutex, mpsc, oneshot};

use crate::net::NetError;
use crate::net::client::NARINFO_LIMIT;
use crate::store_url::StoreUrl;

mod wire;

use wire::{CHUNKED_WIRE_LIMIT, Framing, dechunk, parse_head};

/// Requests written at once on one connection.
pub const DEPTH: usize = crate::limits::PIPELINE_DEPTH;
/// Connections per cache (nginx spreads them over its workers).
pub const CONNECTIONS: usize = crate::limits::PIPELINE_CONNECTIONS;

/// The answer to one pipelined GET.
#[derive(Debug)]
pub(super) enum Reply {
    Answer {
        status: u16,
        retry_after: Option<Duration>,
        body: Vec<u8>,
    },
    Failed(NetError),
    /// Ask again with the ordinary client.
    Fallback,
}

struct Request {
    target: String,
    reply: oneshot::Sender<Reply>,
    /// Sent again after the connection closed under it.
    resent: bool,
}

struct Shared {
    host: String,
    port: u16,
    /// `Host:` header value.
    authority: String,
    tailnet: bool,
    timeout: Duration,
    user_agent: String,
    queue: Mutex<mpsc::UnboundedReceiver<Request>>,
    /// Set once the server has answered something this client cannot pipeline.
    broken: AtomicBool,
}

/// The pipelining client of one cache.
pub(super) struct Pipeline {
    tx: mpsc::UnboundedSender<Request>,
    shared: Arc<Shared>,
    started: AtomicBool,
    base_path: String,
}

impl Pipeline {
    /// A pipeline for `url`, or `None` when it must go through reqwest: not plain http,
    /// credentials in the URL, or a proxy configured in the environment.
    pub(super) fn new(url: &StoreUrl, timeout: Duration, user_agent: &str, proxies: bool) -> Option<Pipeline> {
        if url.scheme != "http" || proxies {
            return None;
        }
        let rest = url.base().split_once("://")?.1;
        let (authority, path) = rest.split_once('/').map_or((rest, ""), |(a, p)| (a, p));
        if authority.contains('@') || authority.is_empty() {
            return None;
        }
        let host = url.host.trim_matches(|c| c == '[' || c == ']').to_owned();
        let (tx, rx) = mpsc::unbounded_channel();
        let shared = Shared {
            host,
            port: url.port.unwrap_or(80),
            authority: authority.to_owned(),
            tailnet: url.is_tailnet(),
            timeout,
            user_agent: user_agent.to_owned(),
            queue: Mutex::new(rx),
            broken: AtomicBool::new(false),
        };
        let base_path = format!("/{}", path.trim_end_matches('/'));
        let base_path = if base_path == "/" { String::new() } else { base_path };
        Some(Pipeline { tx, shared: Arc::new(shared), started: AtomicBool::new(false), base_path })
    }

    /// GETs `name` (relative to the cache root).
    pub(super) async fn get(&self, name: &str) -> Reply {
        if self.shared.broken.load(Ordering::Relaxed) {
            return Reply::Fallback;
        }
        if !self.started.swap(true, Ordering::SeqCst) {
            for _ in 0..CONNECTIONS {
                tokio::spawn(connection(Arc::clone(&self.shared)));
            }
        }
        let (reply, answer) = oneshot::channel();
        let target = format!("{}/{name}", self.base_path);
        if self.tx.send(Request { target, reply, resent: false }).is_err() {
            return Reply::Fallback;
        }
        answer.await.unwrap_or(Reply::Fallback)
    }
}

/// One connection: takes up to [`DEPTH`] queued requests, writes them, reads the answers.
async fn connection(shared: Arc<Shared>) {
    let mut conn: Option<TcpStream> = None;
    let mut inbox = Inbox { data: Vec::with_capacity(64 * 1024), pos: 0 };
    let mut pending: VecDeque<Request> = VecDeque::new();
    loop {
        if pending.is_empty() {
            let mut queue = shared.queue.lock().await;
            let Some(first) = queue.recv().await else { return };
            pending.push_back(first);
            while pending.len() < DEPTH {
                match queue.try_recv() {
                    Ok(r) => pending.push_back(r),
                    Err(_) => break,
                }
            }
        }
        let fresh = conn.is_none();
        let mut answered = 0;
        let outcome = exchange(&shared, &mut conn, &mut inbox, &mut pending, &mut answered).await;
        let failure = match outcome {
            Ok(()) => continue,
            // Refused, no DNS, or silent: the cache's problem, not pipelining's.
            Err(Trouble::Net(e)) => Some(e),
            Err(Trouble::TimedOut) if answered == 0 => Some(NetError::timed_out(shared.timeout)),
            // A kept-alive connection the server had closed: send again on a new one.
            Err(Trouble::Closed) if !fresh && answered == 0 => None,
            // Anything else means this server does not pipeline well: use reqwest.
            _ => {
                shared.broken.store(true, Ordering::Relaxed);
                for r in pending.drain(..) {
                    let _ = r.reply.send(Reply::Fallback);
                }
                None
            }
        };
        conn = None;
        inbox.clear();
        let mut again = VecDeque::new();
        for mut r in pending.drain(..) {
            let reply = match &failure {
                Some(e) => Reply::Failed(e.clone()),
                None if !r.resent => {
                    r.resent = true;
                    again.push_back(r);
                    continue;
                }
                None => Reply::Fallback,
            };
            let _ = r.reply.send(reply);
        }
        pending = again;
    }
}

enum Trouble {
    /// The connection ended before all answers came (or the server said it would).
    Closed,
    /// Connecting, writing or one answer took longer than the timeout.
    TimedOut,
    Net(NetError),
    /// An answer this client does not pipeline (redirect, HTTP/1.0, unparsable).
    Unsupported,
}

/// Sends the pending requests on `conn` (opening it if needed) and answers them in order,
/// counting the answers in `answered`.
async fn exchange(
    shared: &Shared,
    conn: &mut Option<TcpStream>,
    inbox: &mut Inbox,
    pending: &mut VecDeque<Request>,
    answered: &mut usize,
) -> Result<(), Trouble> {
    let t = shared.timeout;
    if conn.is_none() {
        *conn = Some(within(t, connect(shared)).await?);
        inbox.clear();
    }
    let Some(stream) = conn.as_mut() else { return Err(Trouble::Closed) };
    // Everything after the target is the same for every request.
    let tail =
        format!(" HTTP/1.1\r\nHost: {}\r\nUser-Agent: {}\r\nAccept: */*\r\n\r\n", shared.authority, shared.user_agent);
    let mut out = String::with_capacity(pending.len() * (tail.len() + 64));
    for r in pending.iter() {
        out.push_str("GET ");
        out.push_str(&r.target);
        out.push_str(&tail);
    }
    within(t, async { stream.write_all(out.as_bytes()).await.map_err(|_| Trouble::Closed) }).await?;
    while !pending.is_empty() {
        let (answer, keep) = within(t, read_answer(stream, inbox)).await?;
        if let Some(r) = pending.pop_front() {
            let _ = r.reply.send(answer);
            *answered += 1;
        }
        if !keep {
            *conn = None;
            return if pending.is_empty() { Ok(()) } else { Err(Trouble::Closed) };
        }
    }
    Ok(())
}

/// `step`, or [`Trouble::TimedOut`] after `timeout`. Each step gets the whole timeout: a
/// slow server that keeps answering is slow, not dead, however many answers a batch holds.
async fn within<T>(timeout: Duration, step: impl Future<Output = Result<T, Trouble>>) -> Result<T, Trouble> {
    tokio::time::timeout(timeout, step).await.unwrap_or(Err(Trouble::TimedOut))
}

async fn connect(shared: &Shared) -> Result<TcpStream, Trouble> {
    let addrs = tokio::net::lookup_host((shared.host.as_str(), shared.port))
        .await
        .map_err(|_| Trouble::Net(NetError::Dns { host: shared.host.clone(), tailnet: shared.tailnet }))?;
    let mut last = NetError::Connect("no address".to_owned());
    for addr in addrs {
        match TcpStream::connect(addr).await {
            Ok(stream) => {
                let _ = stream.set_nodelay(true);
                return Ok(stream);
            }
            Err(e) => {
                last = match e.kind() {
                    std::io::ErrorKind::ConnectionRefused => NetError::Refused,
                    std::io::ErrorKind::TimedOut => NetError::timed_out(shared.timeout),
                    _ => NetError::Connect(e.to_string()),
                }
            }
        }
    }
    Err(Trouble::Net(last))
}

/// Bytes read from a connection, and how far the answers read so far took.
///
/// Answers are read from `data[pos..]`; the consumed prefix is dropped only when more
/// bytes must be read, not after every answer, so a batch of pipelined answers is moved
/// in memory once per read instead of once per answer.
struct Inbox {
    data: Vec<u8>,
    pos: usize,
}

impl Inbox {
    fn unread(&self) -> &[u8] {
        self.data.get(self.pos..).unwrap_or_default()
    }

    fn clear(&mut self) {
        self.data.clear();
        self.pos = 0;
    }
}

/// Reads one answer; also says whether the connection stays open.
async fn read_answer(stream: &mut TcpStream, inbox: &mut Inbox) -> Result<(Reply, bool), Trouble> {
    loop {
        if let Some(head) = parse_head(inbox.unread())? {
            let body_start = head.len;
            // Too large: this answer fails, the rest of the connection cannot be read.
            let too_large = || Ok((Reply::Failed(NetError::TooLarge { limit: NARINFO_LIMIT }), false));
            let (body, used) = match head.framing {
                Framing::Length(n) if n > NARINFO_LIMIT => return too_large(),
                Framing::Length(n) => {
                    fill(stream, inbox, body_start + n).await?;
                    (inbox.unread()[body_start..body_start + n].to_vec(), body_start + n)
                }
                Framing::Chunked => loop {
                    match dechunk(&inbox.unread()[body_start..]) {
                        Ok(Some((body, used))) => break (body, body_start + used),
                        Err(Trouble::Net(NetError::TooLarge { .. })) => return too_large(),
                        Err(e) => return Err(e),
                        Ok(None) if inbox.unread().len() - body_start > CHUNKED_WIRE_LIMIT => return too_large(),
                        Ok(None) => more(stream, inbox).await?,
                    }
                },
            };
            inbox.pos += used;
            if inbox.pos == inbox.data.len() {
                inbox.clear();
            }
            let answer = Reply::Answer { status: head.status, retry_after: head.retry_after, body };
            return Ok((answer, head.keep_alive));
        }
        more(stream, inbox).await?;
    }
}

/// Reads until `want` unread bytes are there.
async fn fill(stream: &mut TcpStream, inbox: &mut Inbox, want: usize) -> Result<(), Trouble> {
    while inbox.unread().len() < want {
        more(stream, inbox).await?;
    }
    Ok(())
}

async fn more(stream: &mut TcpStream, inbox: &mut Inbox) -> Result<(), Trouble> {
    if inbox.pos > 0 {
        inbox.data.drain(..inbox.pos);
        inbox.pos = 0;
    }
    inbox.data.reserve(16 * 1024);
    match stream.read_buf(&mut inbox.data).await {
        Ok(0) | Err(_) => Err(Trouble::Closed),
        Ok(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests;
