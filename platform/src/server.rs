//! Running the platform, and the library entry points the kiosk's end-to-end tests use.
//!
//! The accept loop is the platform's own (hyper directly, HTTP/1.1: the kiosks speak nothing else) so that it can
//! bound what a client may hold: every connection is under a [`guard`] (header-read and idle timeouts, head size
//! limits), the number of connections is capped, and shutdown has a deadline.
//!
//! At the cap, the loop stops accepting: further connections wait in the kernel's listen queue, costing the platform
//! nothing, and are served as soon as a slot frees. Slots free quickly even under a flood of slow clients (each is
//! cut off within the header-read timeout), so a kiosk waits for a slot rather than being turned away while the
//! flood lasts; its own request timeout and retries with backoff cover the wait.

mod connection;
mod guard;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use hyper::server::conn::http1;
use hyper_util::rt::TokioTimer;
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;

use crate::api::{router_with_timeout, AppState, REQUEST_TIMEOUT};
use crate::auth::valid_kiosk_id;
use crate::store::{DbUrl, Store};
use crate::tokens::{hash_token, new_token};

pub use guard::{MAX_HEAD_BYTES, MAX_HEAD_LINES, MAX_REQUEST_LINE};

/// How the server treats its clients. The defaults suit a hall's platform and a city's alike.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeOptions {
    /// Seconds a client has to send a complete request head, from its first byte (and a new connection to start
    /// its first request).
    #[arg(long, value_name = "SECS", default_value = "10", value_parser = parse_secs)]
    pub header_read_timeout: Duration,
    /// Seconds a kept-alive connection may stay silent between requests (or leave a reply unread).
    #[arg(long, value_name = "SECS", default_value = "60", value_parser = parse_secs)]
    pub idle_timeout: Duration,
    /// Seconds a request may take once its head is in, body upload included (then 408).
    #[arg(long, value_name = "SECS", default_value = "30", value_parser = parse_secs)]
    pub request_timeout: Duration,
    /// Most connections served at once; more wait in the listen queue until one closes.
    #[arg(long, value_name = "N", default_value = "1024", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,
    /// Seconds that shutdown waits for requests in flight before dropping the connections left.
    #[arg(long, value_name = "SECS", default_value = "10", value_parser = parse_secs)]
    pub shutdown_deadline: Duration,
    /// The data key file sealing personal data at rest (postal addresses, call-back numbers, deposit codes): 32
    /// random bytes as hex, made 0600 on first use. Default: beside a SQLite database (`FILE.key`). A PostgreSQL
    /// platform has none unless given, and every instance must be given the same file; without a key, events
    /// carrying such data are rejected (the kiosks keep them).
    #[arg(long, value_name = "FILE", env = "SANBAN_DATA_KEY")]
    pub data_key: Option<std::path::PathBuf>,
    /// The hall's IANA time zone: the one its dates and slot times are in, and whose midnight closes a day for the
    /// no-show pass.
    #[arg(long, value_name = "ZONE", default_value = "Asia/Shanghai")]
    pub timezone: chrono_tz::Tz,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            request_timeout: REQUEST_TIMEOUT,
            max_connections: 1024,
            shutdown_deadline: Duration::from_secs(10),
            data_key: None,
            timezone: chrono_tz::Asia::Shanghai,
        }
    }
}

fn parse_secs(text: &str) -> Result<Duration, String> {
    text.parse::<f64>()
        .ok()
        .filter(|s| *s > 0.0)
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .ok_or_else(|| format!("{text:?} is not a positive number of seconds"))
}

/// Serves API v1 on `listener` over the store `db` names (a SQLite file path, `sqlite://FILE` or `postgres://…`)
/// until SIGTERM or Ctrl-C, then finishes the requests in flight (within the shutdown deadline) and closes the
/// store.
pub async fn serve(listener: tokio::net::TcpListener, db: impl Into<DbUrl>) -> anyhow::Result<()> {
    serve_with(listener, db, ServeOptions::default(), shutdown_signal()).await
}

/// As [`serve`], stopping when `shutdown` completes (tests use a oneshot).
pub async fn serve_with_shutdown(
    listener: tokio::net::TcpListener,
    db: impl Into<DbUrl>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    serve_with(listener, db, ServeOptions::default(), shutdown).await
}

/// As [`serve_with_shutdown`], with `options`.
pub async fn serve_with(
    listener: tokio::net::TcpListener,
    db: impl Into<DbUrl>,
    options: ServeOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let db = db.into();
    let data_key = crate::privacy::data_key_for(&db, options.data_key.as_deref())?;
    if data_key.is_none() {
        tracing::warn!(
            "no --data-key: postal requests, call-back numbers and staff deposits will be rejected"
        );
    }
    let state = AppState::open(&db)
        .await
        .with_context(|| format!("opening database {db}"))?
        .with_data_key(data_key);
    serve_state(listener, state, options, shutdown).await;
    // The state (and with it the store: SQLite's writer thread, or the PostgreSQL pool) is dropped here: queued
    // writes are finished before we return.
    tracing::info!("sanban platform stopped");
    Ok(())
}

/// Serves API v1 on `listener` over an open store's `state` with `options`, until `shutdown` completes and the
/// connections are closed (several routers may share one store: tests run two "instances" that way).
pub async fn serve_state(
    listener: tokio::net::TcpListener,
    state: AppState,
    options: ServeOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let state = state.with_timezone(options.timezone);
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, db = %state.store().url(), max_connections = options.max_connections,
            timezone = %options.timezone, "sanban platform serving");
    }
    let no_shows = tokio::spawn(no_show_pass(state.clone()));
    accept_loop(
        listener,
        router_with_timeout(state, options.request_timeout),
        &options,
        shutdown,
    )
    .await;
    no_shows.abort();
}

/// How often the server closes past days: each run marks the bookings of every day before today still "booked"
/// as missed (idempotent), so a day is closed within this long after the hall's midnight.
const NO_SHOW_PASS_EVERY: Duration = Duration::from_secs(3600);

/// The no-show pass, run by the server every [`NO_SHOW_PASS_EVERY`] (and by `sanban-platform appointments
/// no-shows`).
async fn no_show_pass(state: AppState) {
    let mut every = tokio::time::interval(NO_SHOW_PASS_EVERY);
    loop {
        every.tick().await;
        let yesterday = state.hall().today() - chrono::Duration::days(1);
        match state.store().mark_no_shows(&yesterday.to_string()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(through = %yesterday, missed = n, "no-show pass"),
            Err(e) => tracing::warn!(error = %e, "no-show pass failed; retried at the next run"),
        }
    }
}

async fn accept_loop(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    options: &ServeOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        // The guard reads heads against its own, lower limits and answers in JSON; hyper's are a backstop.
        .header_read_timeout(options.header_read_timeout + options.idle_timeout)
        .max_headers(MAX_HEAD_LINES + 28)
        .keep_alive(true);
    let http = Arc::new(http);
    let timeouts = guard::Timeouts {
        header_read: options.header_read_timeout,
        idle: options.idle_timeout,
    };
    let slots = Arc::new(Semaphore::new(options.max_connections as usize));
    let (stop, stopping) = watch::channel(false);
    let mut connections = JoinSet::new();
    let mut warned_full: Option<tokio::time::Instant> = None;
    tokio::pin!(shutdown);
    loop {
        // Reap finished connections so the set holds only live ones.
        while connections.try_join_next().is_some() {}
        let slot = tokio::select! {
            slot = Arc::clone(&slots).acquire_owned() => slot.expect("the semaphore is never closed"),
            _ = &mut shutdown => break,
        };
        if slots.available_permits() == 0
            && warned_full.is_none_or(|t| t.elapsed() >= Duration::from_secs(60))
        {
            warned_full = Some(tokio::time::Instant::now());
            tracing::warn!(
                max = options.max_connections,
                "connection cap reached: new connections wait until one closes"
            );
        }
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors and the like: pause rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let (http, router, stopping) = (Arc::clone(&http), router.clone(), stopping.clone());
        connections.spawn(async move {
            connection::serve(stream, http, router, timeouts, stopping).await;
            drop(slot);
        });
    }
    drop(listener);
    let _ = stop.send(true);
    let open = connections.len();
    let finished = tokio::time::timeout(options.shutdown_deadline, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if finished.is_err() {
        tracing::warn!(
            left = connections.len(),
            of = open,
            "shutdown deadline passed: dropping the connections still open"
        );
        connections.shutdown().await;
    }
}

/// Completes on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutdown signal received");
}

/// Registers a kiosk and returns its new token (shown once; only its hash is stored). Fails if the id exists.
/// Callable from anywhere, inside an async runtime too (it works on a thread of its own).
pub fn add_kiosk(db: impl Into<DbUrl>, kiosk_id: &str) -> anyhow::Result<String> {
    issue_token(db.into(), kiosk_id, false)
}

/// Issues an existing kiosk a new token; the old one stops working at once.
pub fn rotate_kiosk(db: impl Into<DbUrl>, kiosk_id: &str) -> anyhow::Result<String> {
    issue_token(db.into(), kiosk_id, true)
}

fn issue_token(db: DbUrl, kiosk_id: &str, rotate: bool) -> anyhow::Result<String> {
    let id = kiosk_id.to_string();
    on_own_runtime(async move {
        let store = Store::open(&db)
            .await
            .with_context(|| format!("opening database {db}"))?;
        register(&store, &id, rotate).await
    })
}

/// Registers (or, with `rotate`, re-issues) a kiosk in an open store; returns its new token.
pub async fn register(store: &Store, kiosk_id: &str, rotate: bool) -> anyhow::Result<String> {
    if !valid_kiosk_id(kiosk_id) {
        anyhow::bail!("kiosk id must be 1 to 64 characters of A-Z a-z 0-9 - _");
    }
    let token = new_token();
    store
        .add_kiosk(kiosk_id, &hash_token(&token), rotate)
        .await?;
    Ok(token)
}

/// Runs `work` to completion on a fresh single-threaded runtime on a thread of its own, so that synchronous
/// callers work whether or not they are inside a runtime already.
pub(crate) fn on_own_runtime<T: Send + 'static>(
    work: impl Future<Output = anyhow::Result<T>> + Send + 'static,
) -> anyhow::Result<T> {
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
            .block_on(work)
    })
    .join()
    .map_err(|_| anyhow::anyhow!("the store task panicked"))?
}
