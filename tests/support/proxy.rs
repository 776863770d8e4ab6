//! A fault-injecting HTTP/1.1 proxy on loopback, between the kiosk and the platform. It reads each request whole
//! (head and `Content-Length` body) and treats it by the mode current when the request arrived, so a keep-alive
//! connection opened in one mode still sees the next mode. Modes switch at run time.

use std::net::SocketAddr;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Forward requests and replies untouched.
    Pass,
    /// Close each new connection at once (reset), reading nothing.
    Refuse,
    /// Answer `HTTP/1.1 500` without forwarding.
    Error500,
    /// Read the request and never answer (until the client gives up).
    Hang,
    /// Forward the request, read the platform's whole reply (so it is committed), pass on only the first part of
    /// it, then reset the connection: the kiosk loses a reply to a batch the platform applied.
    ResetMidResponse,
    /// Forward the request, keep the platform's whole reply and never pass it on (the test kills the platform
    /// meanwhile), then reset the connection.
    HoldReply,
}

/// What happened to one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Refused,
    Answered500,
    /// The request hung; `client_gave_up` when the client closed the connection (its timeout) before the mode
    /// changed or the proxy stopped.
    Hung {
        client_gave_up: bool,
    },
    Forwarded {
        status: u16,
    },
    Reset {
        status: u16,
        passed: usize,
        total: usize,
    },
    Held {
        status: u16,
    },
    /// The platform could not be reached or closed the connection without a reply.
    UpstreamFailed(String),
}

#[derive(Debug, Clone)]
pub struct Record {
    pub mode: Mode,
    pub method: String,
    pub path: String,
    pub outcome: Outcome,
}

impl Record {
    pub fn is_events(&self) -> bool {
        self.method == "POST" && self.path.ends_with("/events")
    }
}

/// Signals to a test that wants to act at an exact moment (e.g. kill the platform mid-batch).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signal {
    /// An events batch was written to the platform; its reply has not been read yet.
    EventsForwarded,
    /// The platform's reply to an events batch is in the proxy's hands (HoldReply mode) and will never be passed on.
    EventsReplyHeld,
}

struct Shared {
    mode: Mutex<Mode>,
    upstream: SocketAddr,
    records: Mutex<Vec<Record>>,
    signals: Mutex<Option<mpsc::Sender<Signal>>>,
    mode_changed: tokio::sync::Notify,
}

/// The proxy; dropping it stops it and closes every connection.
pub struct Proxy {
    runtime: Option<tokio::runtime::Runtime>,
    pub port: u16,
    shared: Arc<Shared>,
}

impl Proxy {
    /// Listen on 127.0.0.1 (a free port) and forward to `upstream`.
    pub fn start(upstream: SocketAddr, mode: Mode) -> Proxy {
        assert!(
            upstream.ip().is_loopback(),
            "the proxy only forwards to loopback"
        );
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .thread_name("fault-proxy")
            .build()
            .expect("proxy runtime");
        let listener = runtime
            .block_on(TcpListener::bind("127.0.0.1:0"))
            .expect("proxy bind");
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(Shared {
            mode: Mutex::new(mode),
            upstream,
            records: Mutex::new(Vec::new()),
            signals: Mutex::new(None),
            mode_changed: tokio::sync::Notify::new(),
        });
        let s = shared.clone();
        runtime.spawn(async move {
            loop {
                let Ok((conn, _)) = listener.accept().await else {
                    continue;
                };
                let s = s.clone();
                tokio::spawn(async move { connection(conn, s).await });
            }
        });
        Proxy {
            runtime: Some(runtime),
            port,
            shared,
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn set_mode(&self, mode: Mode) {
        *self.shared.mode.lock().unwrap() = mode;
        self.shared.mode_changed.notify_waiters();
    }

    pub fn mode(&self) -> Mode {
        *self.shared.mode.lock().unwrap()
    }

    /// Every request handled so far.
    pub fn records(&self) -> Vec<Record> {
        self.shared.records.lock().unwrap().clone()
    }

    /// Events-batch requests handled so far whose outcome matches `f`.
    pub fn count_events(&self, f: impl Fn(&Outcome) -> bool) -> usize {
        self.shared
            .records
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.is_events() && f(&r.outcome))
            .count()
    }

    /// Receive [`Signal`]s from now on (replaces an earlier subscriber).
    pub fn subscribe(&self) -> mpsc::Receiver<Signal> {
        let (tx, rx) = mpsc::channel();
        *self.shared.signals.lock().unwrap() = Some(tx);
        rx
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

impl Shared {
    fn record(&self, mode: Mode, head: &RequestHead, outcome: Outcome) {
        self.records.lock().unwrap().push(Record {
            mode,
            method: head.method.clone(),
            path: head.path.clone(),
            outcome,
        });
    }

    fn signal(&self, s: Signal) {
        if let Some(tx) = self.signals.lock().unwrap().as_ref() {
            let _ = tx.send(s);
        }
    }

    fn mode(&self) -> Mode {
        *self.mode.lock().unwrap()
    }
}

struct RequestHead {
    method: String,
    path: String,
}

/// Close with RST instead of FIN (linger 0 never blocks).
#[allow(deprecated)]
fn reset(stream: TcpStream) {
    let _ = stream.set_linger(Some(Duration::ZERO));
    drop(stream);
}

async fn connection(conn: TcpStream, shared: Arc<Shared>) {
    let _ = conn.set_nodelay(true);
    if shared.mode() == Mode::Refuse {
        let head = RequestHead {
            method: "-".into(),
            path: "-".into(),
        };
        shared.record(Mode::Refuse, &head, Outcome::Refused);
        reset(conn);
        return;
    }
    let mut client = BufReader::new(conn);
    let mut upstream: Option<BufReader<TcpStream>> = None;
    // Bounded: a kiosk sends a handful of requests per connection; the cap only guards against a runaway loop.
    for _ in 0..10_000 {
        let Ok(Some((head, raw))) = read_message(&mut client, true).await else {
            return;
        };
        let mode = shared.mode();
        let is_events = head.method == "POST" && head.path.ends_with("/events");
        match mode {
            Mode::Refuse => {
                shared.record(mode, &head, Outcome::Refused);
                reset(client.into_inner());
                return;
            }
            Mode::Error500 => {
                let body = b"{\"error\":\"injected by the test proxy\"}";
                let reply = format!(
                    "HTTP/1.1 500 Internal Server Error\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let stream = client.get_mut();
                let _ = stream.write_all(reply.as_bytes()).await;
                let _ = stream.write_all(body).await;
                let _ = stream.flush().await;
                shared.record(mode, &head, Outcome::Answered500);
                return;
            }
            Mode::Hang => {
                // Wait for the client to give up (EOF or error), or the mode to change, bounded at two minutes.
                let mut sink = [0u8; 1024];
                let gave_up = tokio::select! {
                    r = async { loop { match client.read(&mut sink).await { Ok(0) | Err(_) => break true, Ok(_) => {} } } } => r,
                    _ = shared.mode_changed.notified() => false,
                    _ = tokio::time::sleep(Duration::from_secs(120)) => false,
                };
                shared.record(
                    mode,
                    &head,
                    Outcome::Hung {
                        client_gave_up: gave_up,
                    },
                );
                reset(client.into_inner());
                return;
            }
            Mode::Pass | Mode::ResetMidResponse | Mode::HoldReply => {
                let reply = match forward(&mut upstream, shared.upstream, &raw).await {
                    Ok(()) => {
                        if is_events {
                            shared.signal(Signal::EventsForwarded);
                        }
                        read_reply(&mut upstream).await
                    }
                    Err(e) => Err(e),
                };
                let (status, reply) = match reply {
                    Ok(r) => r,
                    Err(e) => {
                        shared.record(mode, &head, Outcome::UpstreamFailed(e.to_string()));
                        reset(client.into_inner());
                        return;
                    }
                };
                match mode {
                    Mode::Pass => {
                        if client.get_mut().write_all(&reply).await.is_err() {
                            return;
                        }
                        shared.record(mode, &head, Outcome::Forwarded { status });
                    }
                    Mode::ResetMidResponse => {
                        // Part of the status line and headers: the client has started reading a reply it never gets.
                        let passed = (reply.len() / 3).clamp(1, 40);
                        let _ = client.get_mut().write_all(&reply[..passed]).await;
                        let _ = client.get_mut().flush().await;
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        shared.record(
                            mode,
                            &head,
                            Outcome::Reset {
                                status,
                                passed,
                                total: reply.len(),
                            },
                        );
                        reset(client.into_inner());
                        return;
                    }
                    _ => {
                        if is_events {
                            shared.signal(Signal::EventsReplyHeld);
                        }
                        shared.record(mode, &head, Outcome::Held { status });
                        reset(client.into_inner());
                        return;
                    }
                }
            }
        }
    }
}

/// Write `raw` to the upstream connection, (re)connecting when there is none.
async fn forward(
    upstream: &mut Option<BufReader<TcpStream>>,
    addr: SocketAddr,
    raw: &[u8],
) -> std::io::Result<()> {
    if upstream.is_none() {
        let s = tokio::time::timeout(Duration::from_secs(5), TcpStream::connect(addr))
            .await
            .map_err(|_| std::io::Error::other("connect timed out"))??;
        let _ = s.set_nodelay(true);
        *upstream = Some(BufReader::new(s));
    }
    let s = upstream.as_mut().unwrap().get_mut();
    if let Err(e) = s.write_all(raw).await {
        *upstream = None;
        return Err(e);
    }
    Ok(())
}

/// Read one whole reply from upstream: (status, raw bytes). Drops the connection on any failure.
async fn read_reply(
    upstream: &mut Option<BufReader<TcpStream>>,
) -> std::io::Result<(u16, Vec<u8>)> {
    let conn = upstream
        .as_mut()
        .ok_or_else(|| std::io::Error::other("no upstream"))?;
    let result = tokio::time::timeout(Duration::from_secs(30), read_message(conn, false)).await;
    match result {
        Ok(Ok(Some((head, raw)))) => {
            let status = head.path.parse().unwrap_or(0);
            if raw
                .windows(17)
                .any(|w| w.eq_ignore_ascii_case(b"connection: close"))
            {
                *upstream = None;
            }
            Ok((status, raw))
        }
        Ok(Ok(None)) => {
            *upstream = None;
            Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "platform closed the connection without a reply",
            ))
        }
        Ok(Err(e)) => {
            *upstream = None;
            Err(e)
        }
        Err(_) => {
            *upstream = None;
            Err(std::io::Error::other("platform reply timed out"))
        }
    }
}

/// Read one HTTP/1.1 message (request when `request`, else response): head lines, then a `Content-Length` body or a
/// chunked one. `None` at a clean EOF before any byte. For a response, `path` holds the status code.
async fn read_message(
    r: &mut BufReader<TcpStream>,
    request: bool,
) -> std::io::Result<Option<(RequestHead, Vec<u8>)>> {
    let mut raw = Vec::new();
    let mut first = String::new();
    if r.read_line(&mut first).await? == 0 {
        return Ok(None);
    }
    raw.extend_from_slice(first.as_bytes());
    let mut parts = first.split_whitespace();
    let (a, b) = (
        parts.next().unwrap_or("").to_string(),
        parts.next().unwrap_or("").to_string(),
    );
    let mut content_length = 0usize;
    let mut chunked = false;
    for _ in 0..200 {
        let mut line = String::new();
        if r.read_line(&mut line).await? == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "EOF in headers",
            ));
        }
        raw.extend_from_slice(line.as_bytes());
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':') {
            let (k, v) = (k.trim().to_ascii_lowercase(), v.trim());
            if k == "content-length" {
                content_length = v.parse().unwrap_or(0);
            } else if k == "transfer-encoding" && v.to_ascii_lowercase().contains("chunked") {
                chunked = true;
            }
        }
    }
    if chunked {
        for _ in 0..100_000 {
            let mut size_line = String::new();
            if r.read_line(&mut size_line).await? == 0 {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "EOF in chunked body",
                ));
            }
            raw.extend_from_slice(size_line.as_bytes());
            let size = usize::from_str_radix(size_line.trim().split(';').next().unwrap_or("0"), 16)
                .unwrap_or(0);
            if size == 0 {
                // trailers until the empty line
                for _ in 0..100 {
                    let mut t = String::new();
                    if r.read_line(&mut t).await? == 0 {
                        break;
                    }
                    raw.extend_from_slice(t.as_bytes());
                    if t.trim_end().is_empty() {
                        break;
                    }
                }
                break;
            }
            let mut chunk = vec![0u8; size + 2];
            r.read_exact(&mut chunk).await?;
            raw.extend_from_slice(&chunk);
        }
    } else if content_length > 0 {
        let mut body = vec![0u8; content_length];
        r.read_exact(&mut body).await?;
        raw.extend_from_slice(&body);
    }
    // For a response, `method` holds the HTTP version and `path` the status code.
    let _ = request;
    Ok(Some((RequestHead { method: a, path: b }, raw)))
}
