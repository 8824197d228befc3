//! The pipelining client against small scripted servers on 127.0.0.1.

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;

use super::*;

/// How the test server answers each request target; `None` closes the connection.
type Respond = fn(&str) -> Option<Vec<u8>>;

/// A server on 127.0.0.1 that answers pipelined requests in order with `respond`,
/// closing a connection after `per_connection` answers.
async fn server(respond: Respond, per_connection: usize) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            tokio::spawn(async move {
                let (mut buf, mut answered) = (Vec::new(), 0);
                let mut chunk = [0u8; 4096];
                while let Ok(n) = conn.read(&mut chunk).await {
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    while let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&buf[..end]).into_owned();
                        buf.drain(..end + 4);
                        let target = head.split_whitespace().nth(1).unwrap_or_default().to_owned();
                        let Some(answer) = respond(&target) else { return };
                        if conn.write_all(&answer).await.is_err() {
                            return;
                        }
                        answered += 1;
                        if answered == per_connection {
                            return;
                        }
                    }
                }
            });
        }
    });
    format!("http://{addr}")
}

fn ok(body: &str) -> Vec<u8> {
    format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

fn by_target(target: &str) -> Option<Vec<u8>> {
    Some(if target.contains("missing") {
        b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found".to_vec()
    } else if target.contains("busy") {
        b"HTTP/1.1 503 Busy\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n".to_vec()
    } else if target.contains("chunked") {
        let body = target.as_bytes();
        let (a, b) = body.split_at(body.len() / 2);
        let mut out = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
        for part in [a, b] {
            out.extend_from_slice(format!("{:x};ext=1\r\n", part.len()).as_bytes());
            out.extend_from_slice(part);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"0\r\nX-Trailer: 1\r\n\r\n");
        out
    } else {
        ok(target)
    })
}

fn pipeline(url: &str) -> Pipeline {
    let url = StoreUrl::parse(&format!("{url}/sub/")).expect("url");
    Pipeline::new(&url, Duration::from_secs(5), "test", false).expect("plain http is pipelined")
}

async fn get_all(pipe: &Arc<Pipeline>, names: &[String]) -> Vec<Reply> {
    let tasks: Vec<_> = names
        .iter()
        .map(|n| {
            let (pipe, n) = (Arc::clone(pipe), n.clone());
            tokio::spawn(async move { pipe.get(&n).await })
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.expect("task"));
    }
    out
}

#[tokio::test]
async fn answers_come_back_in_order_whatever_their_framing() {
    let pipe = Arc::new(pipeline(&server(by_target, usize::MAX).await));
    let names: Vec<String> = (0..200)
        .map(|i| match i % 4 {
            1 => format!("missing-{i}.narinfo"),
            2 => format!("busy-{i}.narinfo"),
            3 => format!("chunked-{i}.narinfo"),
            _ => format!("p{i}.narinfo"),
        })
        .collect();
    for (name, reply) in names.iter().zip(get_all(&pipe, &names).await) {
        let Reply::Answer { status, retry_after, body } = reply else { panic!("{name}: {reply:?}") };
        match status {
            404 => assert!(name.starts_with("missing")),
            503 => assert_eq!((name.starts_with("busy"), retry_after), (true, Some(Duration::from_secs(1)))),
            _ => assert_eq!((status, String::from_utf8_lossy(&body)), (200, format!("/sub/{name}").into())),
        }
    }
    assert!(!pipe.shared.broken.load(Ordering::Relaxed));
}

#[tokio::test]
async fn connections_closed_while_idle_are_reopened() {
    // Every connection answers one batch of at most three, then closes.
    let pipe = Arc::new(pipeline(&server(by_target, 3).await));
    for round in 0..5 {
        let names: Vec<String> = (0..3).map(|i| format!("r{round}-{i}.narinfo")).collect();
        let replies = get_all(&pipe, &names).await;
        assert!(replies.iter().all(|r| matches!(r, Reply::Answer { status: 200, .. })), "{replies:?}");
    }
}

#[tokio::test]
async fn what_cannot_be_pipelined_goes_back_to_reqwest() {
    let close: Respond = |t| {
        Some(format!("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{t}", t.len()).into_bytes())
    };
    let http10: Respond = |_| Some(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok".to_vec());
    let redirect: Respond = |_| Some(b"HTTP/1.1 302 Found\r\nLocation: /x\r\nContent-Length: 0\r\n\r\n".to_vec());
    let no_length: Respond = |_| Some(b"HTTP/1.1 200 OK\r\n\r\nuntil the end".to_vec());
    for (what, respond) in [("close", close), ("http/1.0", http10), ("redirect", redirect), ("no length", no_length)] {
        let pipe = Arc::new(pipeline(&server(respond, usize::MAX).await));
        let names: Vec<String> = (0..20).map(|i| format!("p{i}.narinfo")).collect();
        let replies = get_all(&pipe, &names).await;
        assert!(replies.iter().any(|r| matches!(r, Reply::Fallback)), "{what}: {replies:?}");
        assert!(replies.iter().all(|r| !matches!(r, Reply::Failed(_))), "{what}: {replies:?}");
        assert!(matches!(pipe.get("later.narinfo").await, Reply::Fallback), "{what}");
    }
}

#[tokio::test]
async fn refused_connections_fail_like_any_client() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("bind").port();
    let pipe = pipeline(&format!("http://127.0.0.1:{port}"));
    assert!(matches!(pipe.get("x.narinfo").await, Reply::Failed(NetError::Refused)));
    let https = StoreUrl::parse("https://cache.example").expect("url");
    assert!(Pipeline::new(&https, Duration::from_secs(1), "t", false).is_none());
    let proxied = StoreUrl::parse("http://cache.example").expect("url");
    assert!(Pipeline::new(&proxied, Duration::from_secs(1), "t", true).is_none());
}

#[tokio::test]
async fn oversized_answers_fail_alone_and_memory_stays_bounded() {
    // A declared length over the limit, a chunk size over it, and a chunk-size line that
    // never ends: each fails its own request; the connection cannot be read past it, so
    // the others go back to reqwest instead of failing.
    let length: Respond = |t| {
        Some(if t.contains("p3.") { b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\n".to_vec() } else { ok(t) })
    };
    let chunk: Respond = |t| {
        Some(if t.contains("p3.") {
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\nabc".to_vec()
        } else {
            ok(t)
        })
    };
    let endless: Respond = |t| {
        Some(if t.contains("p3.") {
            let mut out = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;".to_vec();
            out.resize(out.len() + wire::CHUNKED_WIRE_LIMIT + 1024 * 1024, b'x');
            out
        } else {
            ok(t)
        })
    };
    for (what, respond) in [("length", length), ("chunk size", chunk), ("endless size line", endless)] {
        let pipe = Arc::new(pipeline(&server(respond, usize::MAX).await));
        let names: Vec<String> = (0..8).map(|i| format!("p{i}.narinfo")).collect();
        let replies = get_all(&pipe, &names).await;
        let too_large = |r: &Reply| matches!(r, Reply::Failed(NetError::TooLarge { .. }));
        assert!(too_large(&replies[3]), "{what}: {replies:?}");
        assert_eq!(replies.iter().filter(|r| too_large(r)).count(), 1, "{what}: {replies:?}");
        let fine = |r: &Reply| matches!(r, Reply::Answer { status: 200, .. } | Reply::Fallback);
        assert!(replies.iter().enumerate().all(|(i, r)| i == 3 || fine(r)), "{what}: {replies:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn a_slow_server_that_keeps_answering_is_not_timed_out() {
    // 100 ms per answer, 40 answers over the 4 connections: a batch takes longer than the
    // 300 ms timeout, every single answer well within it. Each server connection sleeps
    // on a worker thread of its own; the client has the others.
    let slow: Respond = |t| {
        std::thread::sleep(Duration::from_millis(100));
        Some(ok(t))
    };
    let url = StoreUrl::parse(&format!("{}/sub/", server(slow, usize::MAX).await)).expect("url");
    let pipe = Arc::new(Pipeline::new(&url, Duration::from_millis(300), "test", false).expect("pipelined"));
    let names: Vec<String> = (0..40).map(|i| format!("p{i}.narinfo")).collect();
    let replies = get_all(&pipe, &names).await;
    assert!(replies.iter().all(|r| matches!(r, Reply::Answer { status: 200, .. })), "{replies:?}");
    assert!(!pipe.shared.broken.load(Ordering::Relaxed));
}
