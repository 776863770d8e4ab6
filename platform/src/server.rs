//! Running the platform, and the library entry points the kiosk's end-to-end tests use.

use std::future::Future;
use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::api::{router, AppState};
use crate::auth::{hash_token, new_token, valid_kiosk_id};
use crate::store::open_connection;

/// Serves API v1 on `listener` over the database at `db_path` until SIGTERM or Ctrl-C, then finishes the requests
/// in flight and closes the database.
pub async fn serve(listener: tokio::net::TcpListener, db_path: PathBuf) -> anyhow::Result<()> {
    serve_with_shutdown(listener, db_path, shutdown_signal()).await
}

/// As [`serve`], stopping when `shutdown` completes (tests use a oneshot).
pub async fn serve_with_shutdown(
    listener: tokio::net::TcpListener,
    db_path: PathBuf,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let state = AppState::open(&db_path)
        .with_context(|| format!("opening database {}", db_path.display()))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, db = %db_path.display(), "sanban platform serving");
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
pub fn add_kiosk(db_path: &Path, kiosk_id: &str) -> anyhow::Result<String> {
    issue_token(db_path, kiosk_id, false)
}

/// Issues an existing kiosk a new token; the old one stops working at once.
pub fn rotate_kiosk(db_path: &Path, kiosk_id: &str) -> anyhow::Result<String> {
    issue_token(db_path, kiosk_id, true)
}

fn issue_token(db_path: &Path, kiosk_id: &str, rotate: bool) -> anyhow::Result<String> {
    if !valid_kiosk_id(kiosk_id) {
        anyhow::bail!("kiosk id must be 1 to 64 characters of A-Z a-z 0-9 - _");
    }
    let conn = open_connection(db_path)?;
    let token = new_token();
    crate::store::add_kiosk(&conn, kiosk_id, &hash_token(&token), rotate)?;
    Ok(token)
}
