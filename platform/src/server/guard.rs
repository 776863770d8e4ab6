//! The guard of one connection against slow and oversized clients.
//!
//! hyper's own header timer starts when a connection goes idle, so it cannot tell a kept-alive connection resting
//! between requests from a client trickling a request head, and its automatic 408/414/431 replies have no body. The
//! guard watches the bytes instead ([`GuardedIo`]) and the requests being handled ([`RequestToken`]), and decides:
//! - a request head must be complete within `header_read_timeout` of its first byte (408);
//! - a new connection must start its first request within `header_read_timeout`, and a kept-alive one its next
//!   request within `idle_timeout` of the last byte written to it (closed quietly: there is nothing to answer);
//!   a reply the client does not read counts as idle too;
//! - a request line longer than [`MAX_REQUEST_LINE`] gets 414, a head larger than [`MAX_HEAD_BYTES`] or of more
//!   than [`MAX_HEAD_LINES`] lines 431, before hyper has buffered it;
//! - a head that is not HTTP/1.x at all (httparse, hyper's own parser, refuses it) gets 400, before hyper answers
//!   it with an empty body.
//!
//! While a request is being handled the guard keeps no clock: the router's request timeout bounds that.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{ready, Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::Notify;
use tokio::time::Instant;

/// Longest request line (method, target, version).
pub const MAX_REQUEST_LINE: usize = 8 * 1024;
/// Largest request head (request line and header fields).
pub const MAX_HEAD_BYTES: usize = 32 * 1024;
/// Most lines in a request head (the request line and the header fields).
pub const MAX_HEAD_LINES: usize = 100;

/// Why the guard ends a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Nothing arrived in time (or the client stopped reading): closed without a reply.
    Idle,
    /// 400: not a request head hyper would take (syntax, target, body framing).
    Malformed,
    /// A request head started but was not finished in time: 408.
    HeadTimeout,
    /// 414.
    RequestLineTooLong,
    /// 431.
    HeadTooLarge,
}

impl Verdict {
    /// The status and reason of the reply sent before closing, if any.
    pub fn reply(self) -> Option<(u16, &'static str, String)> {
        match self {
            Verdict::Idle => None,
            Verdict::Malformed => Some((
                400,
                "Bad Request",
                "the request head is not valid HTTP/1.1 (request line, header syntax or body framing)".into(),
            )),
            Verdict::HeadTimeout => Some((
                408,
                "Request Timeout",
                "the request head was not received in time".into(),
            )),
            Verdict::RequestLineTooLong => Some((
                414,
                "URI Too Long",
                format!("the request line exceeds {MAX_REQUEST_LINE} bytes"),
            )),
            Verdict::HeadTooLarge => Some((
                431,
                "Request Header Fields Too Large",
                format!(
                    "the request head exceeds {MAX_HEAD_BYTES} bytes or {MAX_HEAD_LINES} lines"
                ),
            )),
        }
    }
}

/// Where the end of a request head is, found byte by byte as reads arrive (a head may come in any number of pieces),
/// and whether the head parses.
#[derive(Debug, Default)]
struct HeadScanner {
    /// The head so far, without the blank lines hyper skips before a request line.
    head: Vec<u8>,
    bytes: usize,
    /// Complete non-empty lines so far (the request line is the first).
    lines: usize,
    /// Length of the line being read, without CR.
    line_len: usize,
    complete: bool,
}

impl HeadScanner {
    fn feed(&mut self, data: &[u8]) -> Result<(), Verdict> {
        for &b in data {
            if self.complete {
                // The rest is the body, or a pipelined request that hyper bounds itself.
                return Ok(());
            }
            self.bytes += 1;
            let leading_blank = self.lines == 0 && self.line_len == 0 && matches!(b, b'\r' | b'\n');
            if !leading_blank {
                self.head.push(b);
            }
            match b {
                b'\n' if self.line_len == 0 => {
                    // An empty line ends the head; before the request line, hyper skips it.
                    self.complete = self.lines > 0;
                    if self.complete && !parses(&self.head) {
                        return Err(Verdict::Malformed);
                    }
                }
                b'\n' => {
                    self.lines += 1;
                    self.line_len = 0;
                    if self.lines > MAX_HEAD_LINES {
                        return Err(Verdict::HeadTooLarge);
                    }
                }
                b'\r' => {}
                _ => {
                    self.line_len += 1;
                    if self.lines == 0 && self.line_len > MAX_REQUEST_LINE {
                        return Err(Verdict::RequestLineTooLong);
                    }
                }
            }
            if self.bytes > MAX_HEAD_BYTES {
                return Err(Verdict::HeadTooLarge);
            }
        }
        Ok(())
    }
}

/// Would hyper take `head` as a request head? It parses with httparse, then refuses a target that is not a URI and a
/// body framing it cannot follow; those refusals are checked here as hyper makes them, the rest is left to it.
fn parses(head: &[u8]) -> bool {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEAD_LINES];
    let mut req = httparse::Request::new(&mut headers);
    if !matches!(req.parse(head), Ok(httparse::Status::Complete(_))) {
        return false;
    }
    if req
        .path
        .is_none_or(|p| axum::http::Uri::try_from(p).is_err())
    {
        return false;
    }
    let named = |name: &'static str| {
        req.headers
            .iter()
            .filter(move |h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value)
    };
    if let Some(last) = named("transfer-encoding").next_back() {
        // The final coding must be chunked, and HTTP/1.0 has none.
        let chunked = std::str::from_utf8(last)
            .ok()
            .and_then(|v| v.rsplit(',').next())
            .is_some_and(|c| c.trim().eq_ignore_ascii_case("chunked"));
        return chunked && req.version == Some(1);
    }
    // Every Content-Length is one and the same decimal number.
    let mut length = None;
    for value in named("content-length") {
        let Some(n) = decimal(value) else {
            return false;
        };
        if length.is_some_and(|l| l != n) {
            return false;
        }
        length = Some(n);
    }
    true
}

fn decimal(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0u64, |n, &d| {
        d.is_ascii_digit()
            .then(|| n.checked_mul(10)?.checked_add(u64::from(d - b'0')))
            .flatten()
    })
}

/// The timeouts the guard applies.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub header_read: Duration,
    pub idle: Duration,
}

#[derive(Debug)]
struct State {
    /// Requests being handled (their replies not yet fully handed to hyper).
    in_flight: usize,
    /// When the connection last became ready for a request.
    waiting_since: Instant,
    served_any: bool,
    last_write: Instant,
    /// First byte of the request head being read, while waiting.
    head_started: Option<Instant>,
    scanner: HeadScanner,
    /// Set by the read side when a head breaks a limit.
    verdict: Option<Verdict>,
}

/// Shared by a connection's IO wrapper, its service and its watchdog.
#[derive(Debug)]
pub struct ConnGuard {
    timeouts: Timeouts,
    state: Mutex<State>,
    /// Wakes the watchdog when a verdict is set or the last request in flight ends.
    wake: Notify,
}

impl ConnGuard {
    pub fn new(timeouts: Timeouts) -> Arc<ConnGuard> {
        let now = Instant::now();
        Arc::new(ConnGuard {
            timeouts,
            state: Mutex::new(State {
                in_flight: 0,
                waiting_since: now,
                served_any: false,
                last_write: now,
                head_started: None,
                scanner: HeadScanner::default(),
                verdict: None,
            }),
            wake: Notify::new(),
        })
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding this lock leaves plain counters behind: still usable.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A request head was parsed and handed to the service: no clock runs until its reply is done.
    pub fn begin_request(self: &Arc<Self>) -> RequestToken {
        let mut s = self.state();
        s.in_flight += 1;
        s.head_started = None;
        s.scanner = HeadScanner::default();
        RequestToken {
            guard: Arc::clone(self),
        }
    }

    fn end_request(&self) {
        let mut s = self.state();
        s.in_flight -= 1;
        if s.in_flight == 0 {
            s.waiting_since = Instant::now();
            s.served_any = true;
            s.head_started = None;
            s.scanner = HeadScanner::default();
            drop(s);
            self.wake.notify_one();
        }
    }

    /// Bytes just read. `false`: they break a limit and must not reach hyper.
    fn on_read(&self, data: &[u8]) -> bool {
        if data.is_empty() {
            return true;
        }
        let mut s = self.state();
        if s.in_flight > 0 || s.verdict.is_some() {
            return s.verdict.is_none();
        }
        if s.head_started.is_none() {
            s.head_started = Some(Instant::now());
        }
        match s.scanner.feed(data) {
            Ok(()) => true,
            Err(v) => {
                s.verdict = Some(v);
                drop(s);
                self.wake.notify_one();
                false
            }
        }
    }

    fn on_write(&self) {
        self.state().last_write = Instant::now();
    }

    /// When the connection must end if nothing changes, and why; `None` while a request is being handled.
    fn deadline(&self) -> Result<Option<(Instant, Verdict)>, Verdict> {
        let s = self.state();
        if let Some(v) = s.verdict {
            return Err(v);
        }
        if s.in_flight > 0 {
            return Ok(None);
        }
        Ok(Some(match s.head_started {
            Some(t) => (t + self.timeouts.header_read, Verdict::HeadTimeout),
            None if s.served_any => (
                s.waiting_since.max(s.last_write) + self.timeouts.idle,
                Verdict::Idle,
            ),
            None => (
                s.waiting_since.max(s.last_write) + self.timeouts.header_read,
                Verdict::Idle,
            ),
        }))
    }

    /// Completes when the connection must end.
    pub async fn watch(&self) -> Verdict {
        loop {
            match self.deadline() {
                Err(v) => return v,
                Ok(None) => self.wake.notified().await,
                Ok(Some((at, verdict))) => {
                    if Instant::now() >= at {
                        return verdict;
                    }
                    // Sleep to the deadline, then look again: reads and writes may have moved it.
                    tokio::select! {
                        _ = tokio::time::sleep_until(at) => {}
                        _ = self.wake.notified() => {}
                    }
                }
            }
        }
    }
}

/// Held while a request is handled, dropped when its reply body has been handed to hyper in full.
#[derive(Debug)]
pub struct RequestToken {
    guard: Arc<ConnGuard>,
}

impl Drop for RequestToken {
    fn drop(&mut self) {
        self.guard.end_request();
    }
}

/// The connection's socket, reporting to its guard every byte read and every write.
#[derive(Debug)]
pub struct GuardedIo<T> {
    inner: T,
    guard: Arc<ConnGuard>,
}

impl<T> GuardedIo<T> {
    pub fn new(inner: T, guard: Arc<ConnGuard>) -> Self {
        GuardedIo { inner, guard }
    }

    pub fn into_inner(self) -> T {
        self.inner
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for GuardedIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        ready!(Pin::new(&mut this.inner).poll_read(cx, buf))?;
        if this.guard.on_read(&buf.filled()[before..]) {
            Poll::Ready(Ok(()))
        } else {
            // Withheld: the watchdog has been woken and ends the connection with the reply.
            buf.set_filled(before);
            Poll::Pending
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for GuardedIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let n = ready!(Pin::new(&mut this.inner).poll_write(cx, buf))?;
        if n > 0 {
            this.guard.on_write();
        }
        Poll::Ready(Ok(n))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let n = ready!(Pin::new(&mut this.inner).poll_write_vectored(cx, bufs))?;
        if n > 0 {
            this.guard.on_write();
        }
        Poll::Ready(Ok(n))
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(pieces: &[&[u8]]) -> Result<bool, Verdict> {
        let mut s = HeadScanner::default();
        for p in pieces {
            s.feed(p)?;
        }
        Ok(s.complete)
    }

    #[test]
    fn a_head_is_found_across_pieces_and_the_body_is_not_counted() {
        assert_eq!(
            scan(&[b"GET / HTTP/1.1\r\nHost: a\r", b"\n\r", b"\n"]),
            Ok(true)
        );
        assert_eq!(scan(&[b"\r\nGET / HTTP/1.1\n\n"]), Ok(true));
        assert_eq!(scan(&[b"GET / HTTP/1.1\r\nHost: a\r\n"]), Ok(false));
        let body = "\n".repeat(MAX_HEAD_LINES * 10) + &"x".repeat(MAX_HEAD_BYTES * 2);
        assert_eq!(
            scan(&[
                b"POST / HTTP/1.1\r\ncontent-length: 1\r\n\r\n",
                body.as_bytes()
            ]),
            Ok(true)
        );
    }

    #[test]
    fn a_head_that_is_not_http_is_malformed() {
        assert_eq!(scan(&[b"GARBAGE\r\n\r\n"]), Err(Verdict::Malformed));
        assert_eq!(
            scan(&[b"GET / HTTP/1.1\r\nBad Header\r\n\r\n"]),
            Err(Verdict::Malformed)
        );
        assert_eq!(
            scan(&[b"GET /\x01 HTTP/1.1\r\n\r\n"]),
            Err(Verdict::Malformed)
        );
        assert_eq!(scan(&[b"GET / HTTP/2.0\r\n\r\n"]), Err(Verdict::Malformed));
        assert_eq!(
            scan(&[b"\r\n\r\nPOST /v1/x?a=1 HTTP/1.0\r\nA: b\r\n\tfolded\r\n\r\n"]),
            Err(Verdict::Malformed)
        );
        assert_eq!(
            scan(&[b"\r\n\r\nPOST /v1/x?a=%20 HTTP/1.0\r\nA: b c\r\n\r\n"]),
            Ok(true)
        );
        // Body framing hyper refuses.
        for bad in [
            &b"POST / HTTP/1.1\r\nContent-Length: abc\r\n\r\n"[..],
            b"POST / HTTP/1.1\r\nContent-Length: +1\r\n\r\n",
            b"POST / HTTP/1.1\r\nContent-Length: 1\r\ncontent-length: 2\r\n\r\n",
            b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
            b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
            b"GET http://[::1 HTTP/1.1\r\n\r\n",
        ] {
            assert_eq!(
                scan(&[bad]),
                Err(Verdict::Malformed),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        for good in [
            &b"POST / HTTP/1.1\r\nContent-Length: 12\r\nContent-Length: 12\r\n\r\n"[..],
            b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, Chunked\r\nContent-Length: x\r\n\r\n",
            b"GET http://platform/v1/catalog?since=3 HTTP/1.1\r\n\r\n",
        ] {
            assert_eq!(scan(&[good]), Ok(true), "{}", String::from_utf8_lossy(good));
        }
    }

    #[test]
    fn long_lines_big_heads_and_many_lines_break_the_limits() {
        let line = format!("GET /{} HTTP/1.1\r\n", "a".repeat(MAX_REQUEST_LINE));
        assert_eq!(scan(&[line.as_bytes()]), Err(Verdict::RequestLineTooLong));
        let big = format!("GET / HTTP/1.1\r\nx: {}\r\n", "a".repeat(MAX_HEAD_BYTES));
        assert_eq!(scan(&[big.as_bytes()]), Err(Verdict::HeadTooLarge));
        let many = format!("GET / HTTP/1.1\r\n{}", "a: 1\r\n".repeat(MAX_HEAD_LINES));
        assert_eq!(scan(&[many.as_bytes()]), Err(Verdict::HeadTooLarge));
        let fine = format!(
            "GET / HTTP/1.1\r\n{}\r\n",
            "a: 1\r\n".repeat(MAX_HEAD_LINES - 1)
        );
        assert_eq!(scan(&[fine.as_bytes()]), Ok(true));
    }

    const T: Timeouts = Timeouts {
        header_read: Duration::from_secs(5),
        idle: Duration::from_secs(60),
    };

    #[tokio::test(start_paused = true)]
    async fn a_new_connection_gets_the_header_timeout_a_kept_alive_one_the_idle_timeout() {
        let guard = ConnGuard::new(T);
        let start = Instant::now();
        assert_eq!(guard.watch().await, Verdict::Idle);
        assert_eq!(start.elapsed(), T.header_read);

        let guard = ConnGuard::new(T);
        drop(guard.begin_request());
        let start = Instant::now();
        assert_eq!(guard.watch().await, Verdict::Idle);
        assert_eq!(start.elapsed(), T.idle);
    }

    #[tokio::test(start_paused = true)]
    async fn a_started_head_must_finish_within_the_header_timeout_whatever_trickles_in() {
        let guard = ConnGuard::new(T);
        drop(guard.begin_request());
        tokio::time::advance(Duration::from_secs(30)).await;
        let start = Instant::now();
        assert!(guard.on_read(b"GET / HTTP/1.1\r\n"));
        let watch = guard.watch();
        tokio::pin!(watch);
        for _ in 0..4 {
            tokio::select! {
                v = &mut watch => panic!("cut too early: {v:?}"),
                _ = tokio::time::sleep(Duration::from_secs(1)) => assert!(guard.on_read(b"x: 1\r\n")),
            }
        }
        assert_eq!(watch.await, Verdict::HeadTimeout);
        assert_eq!(start.elapsed(), T.header_read);
    }

    #[tokio::test(start_paused = true)]
    async fn no_clock_runs_while_a_request_is_handled_and_writes_keep_a_reply_alive() {
        let guard = ConnGuard::new(T);
        let token = guard.begin_request();
        let watch = guard.watch();
        tokio::pin!(watch);
        tokio::select! {
            v = &mut watch => panic!("cut while handling: {v:?}"),
            _ = tokio::time::sleep(Duration::from_secs(600)) => {}
        }
        drop(token);
        // The reply is still being written, slowly: each write restarts the idle clock.
        for _ in 0..3 {
            tokio::time::advance(Duration::from_secs(50)).await;
            guard.on_write();
        }
        let start = Instant::now();
        assert_eq!(watch.await, Verdict::Idle);
        assert_eq!(start.elapsed(), T.idle);
    }

    #[tokio::test(start_paused = true)]
    async fn an_oversized_head_is_withheld_and_judged_at_once() {
        let guard = ConnGuard::new(T);
        assert!(guard.on_read(b"GET / HTTP/1.1\r\n"));
        assert!(!guard.on_read("a: 1\r\n".repeat(MAX_HEAD_LINES).as_bytes()));
        assert!(!guard.on_read(b"more"));
        assert_eq!(guard.watch().await, Verdict::HeadTooLarge);
    }
}
