//! The HTTP/1.1 wire format of an answer: status line and headers (httparse), and the
//! two ways a body's end is known here, `Content-Length` and chunked encoding.

use std::time::Duration;

use super::Trouble;
use crate::net::NetError;
use crate::net::client::NARINFO_LIMIT;

pub(super) enum Framing {
    Length(usize),
    Chunked,
}

pub(super) struct Head {
    pub(super) len: usize,
    pub(super) status: u16,
    pub(super) retry_after: Option<Duration>,
    pub(super) keep_alive: bool,
    pub(super) framing: Framing,
}

/// The status line and headers at the start of `buf`, once complete.
pub(super) fn parse_head(buf: &[u8]) -> Result<Option<Head>, Trouble> {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut resp = httparse::Response::new(&mut headers);
    let len = match resp.parse(buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) if buf.len() > crate::limits::PIPELINE_MAX_HEAD_BYTES => {
            return Err(Trouble::Unsupported);
        }
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(_) => return Err(Trouble::Unsupported),
    };
    let status = resp.code.unwrap_or(0);
    if resp.version != Some(1) || (300..400).contains(&status) || status < 200 {
        return Err(Trouble::Unsupported);
    }
    let header = |name: &str| {
        resp.headers.iter().find(|h| h.name.eq_ignore_ascii_case(name)).and_then(|h| std::str::from_utf8(h.value).ok())
    };
    let keep_alive = !header("connection").is_some_and(|v| v.to_ascii_lowercase().contains("close"));
    let retry_after = header("retry-after").and_then(|v| v.trim().parse().ok()).map(Duration::from_secs);
    let framing = if header("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked")) {
        Framing::Chunked
    } else if let Some(n) = header("content-length") {
        Framing::Length(n.trim().parse().map_err(|_| Trouble::Unsupported)?)
    } else if status == 204 {
        Framing::Length(0)
    } else {
        // The body would end with the connection: not something to pipeline.
        return Err(Trouble::Unsupported);
    };
    Ok(Some(Head { len, status, retry_after, keep_alive, framing }))
}

/// The most bytes a chunked answer may take on the wire, framing included.
pub(super) const CHUNKED_WIRE_LIMIT: usize = crate::limits::PIPELINE_MAX_CHUNKED_BYTES;

/// The longest chunk-size or trailer line accepted (extensions included).
const CHUNK_LINE_LIMIT: usize = crate::limits::PIPELINE_MAX_CHUNK_LINE_BYTES;

/// Where the line starting at `at` ends (its length, without CRLF), or `None` when it has
/// not all arrived. A line longer than [`CHUNK_LINE_LIMIT`] fails at once: searched only
/// that far, an endless line costs one bounded scan per read, not a rescan of everything.
fn line_end(data: &[u8], at: usize) -> Result<Option<usize>, Trouble> {
    let rest = data.get(at..).unwrap_or_default();
    let window = rest.get(..CHUNK_LINE_LIMIT + 2).unwrap_or(rest);
    match window.windows(2).position(|w| w == b"\r\n") {
        Some(eol) => Ok(Some(eol)),
        None if window.len() > CHUNK_LINE_LIMIT => Err(Trouble::Net(NetError::TooLarge { limit: NARINFO_LIMIT })),
        None => Ok(None),
    }
}

/// A complete chunked body at the start of `data`, and how many bytes it took.
pub(super) fn dechunk(data: &[u8]) -> Result<Option<(Vec<u8>, usize)>, Trouble> {
    let mut body = Vec::new();
    let mut at = 0;
    loop {
        let Some(eol) = line_end(data, at)? else { return Ok(None) };
        let line = std::str::from_utf8(&data[at..at + eol]).map_err(|_| Trouble::Unsupported)?;
        let size_hex = line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_hex, 16).map_err(|_| Trouble::Unsupported)?;
        // Checked before any arithmetic with it: a hostile size must not overflow.
        if size > NARINFO_LIMIT.saturating_sub(body.len()) {
            return Err(Trouble::Net(NetError::TooLarge { limit: NARINFO_LIMIT }));
        }
        at += eol + 2;
        if size == 0 {
            // Trailers end with an empty line.
            loop {
                let Some(eol) = line_end(data, at)? else { return Ok(None) };
                at += eol + 2;
                if eol == 0 {
                    return Ok(Some((body, at)));
                }
            }
        }
        if data.len() < at + size + 2 {
            return Ok(None);
        }
        body.extend_from_slice(&data[at..at + size]);
        at += size + 2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endless_chunk_lines_fail_without_waiting_for_the_wire_limit() {
        let mut size_line = b"1;".to_vec();
        size_line.resize(CHUNK_LINE_LIMIT + 1, b'x');
        assert!(matches!(dechunk(&size_line), Err(Trouble::Net(NetError::TooLarge { .. }))));
        size_line.truncate(CHUNK_LINE_LIMIT);
        assert!(matches!(dechunk(&size_line), Ok(None)), "still arriving");
        let mut trailer = b"0\r\n".to_vec();
        trailer.resize(trailer.len() + CHUNK_LINE_LIMIT + 1, b'x');
        assert!(matches!(dechunk(&trailer), Err(Trouble::Net(NetError::TooLarge { .. }))));
        let fine = b"3;ext=1\r\nabc\r\n0\r\nX-Trailer: 1\r\n\r\n";
        assert!(matches!(dechunk(fine), Ok(Some((body, used))) if body == b"abc" && used == fine.len()));
    }

    #[test]
    fn heads_are_read_once_complete() {
        let text = b"HTTP/1.1 503 Busy\r\nRetry-After: 2\r\nContent-Length: 3\r\nConnection: Close\r\n\r\nabc";
        assert!(matches!(parse_head(&text[..20]), Ok(None)));
        let head = parse_head(text).ok().flatten().expect("complete");
        assert_eq!(
            (head.len, head.status, head.retry_after, head.keep_alive),
            (text.len() - 3, 503, Some(Duration::from_secs(2)), false)
        );
        assert!(matches!(head.framing, Framing::Length(3)));
        assert!(matches!(parse_head(b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"), Err(Trouble::Unsupported)));
        assert!(matches!(parse_head(b"HTTP/1.1 200 OK\r\n\r\n"), Err(Trouble::Unsupported)), "no length");
        assert!(matches!(parse_head(b"garbage\r\n\r\n"), Err(Trouble::Unsupported)));
    }

    #[test]
    fn chunked_bodies_are_joined() {
        let body = b"4\r\nStor\r\n6;x=y\r\nePath:\r\n0\r\nTrailer: 1\r\n\r\nNEXT";
        let (joined, used) = dechunk(body).ok().flatten().expect("complete");
        assert_eq!((joined.as_slice(), &body[used..]), (&b"StorePath:"[..], &b"NEXT"[..]));
        assert!(matches!(dechunk(&body[..12]), Ok(None)), "incomplete");
        assert!(matches!(dechunk(b"zz\r\n"), Err(Trouble::Unsupported)));
    }

    #[test]
    fn hostile_chunk_sizes_are_refused_without_overflow() {
        for size in ["ffffffffffffffff", "fffffffffffffffe", &format!("{:x}", NARINFO_LIMIT + 1)] {
            let body = format!("{size}\r\nabc\r\n0\r\n\r\n");
            assert!(matches!(dechunk(body.as_bytes()), Err(Trouble::Net(NetError::TooLarge { .. }))), "{size}");
        }
        let half = format!("{:x}", NARINFO_LIMIT / 2 + 1);
        let mut two = format!("{half}\r\n").into_bytes();
        two.extend(std::iter::repeat_n(b'x', NARINFO_LIMIT / 2 + 1));
        two.extend_from_slice(format!("\r\n{half}\r\n").as_bytes());
        assert!(matches!(dechunk(&two), Err(Trouble::Net(NetError::TooLarge { .. }))), "the sum counts");
        assert!(matches!(dechunk(b"10000000000000000000\r\n"), Err(Trouble::Unsupported)), "beyond usize");
    }
}
