//! Running the platform, and the library entry points the kiosk's end-to-end tests use.

use std::future::Future;

use anyhow::Context as _;

use crate::api::{router, AppState};
use crate::auth::{hash_token, new_token, valid_kiosk_id};
use crate::store::{DbUrl, Store};

/// Serves API v1 on `listener` over the store `db` names (a SQLite file path, `sqlite://FILE` or `postgres://…`)
/// until SIGTERM or Ctrl-C, then finishes the requests in flight and closes the store.
pub async fn serve(listener: tokio::net::TcpListener, db: impl Into<DbUrl>) -> anyhow::Result<()> {
    serve_with_shutdown(listener, db, shutdown_signal()).await
}

/// As [`serve`], stopping when `shutdown` completes (tests use a oneshot).
pub async fn serve_with_shutdown(
    listener: tokio::net::TcpListener,
    db: impl Into<DbUrl>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let db = db.into();
    let state = AppState::open(&db)
        .await
        .with_context(|| format!("opening database {db}"))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, db = %db, "sanban platform serving");
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await?;
    // The state (and with it the writer thread) is dropped here: queued writes are finished before we return.
    tracing::info!("sanban platform stopped");
    Ok(())
}

async fn shutdown_signal() {
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
