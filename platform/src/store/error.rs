//! The store's errors, the same for every implementation.

use rusqlite::ErrorCode;

/// Errors of the store. They never carry payload values (they end up in logs).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A PostgreSQL error other than a lost connection (code and message only: details may quote values).
    #[error("database: {0}")]
    Postgres(String),
    #[error("stored JSON unreadable: {0}")]
    Json(#[from] serde_json::Error),
    /// The database cannot be reached or cannot take writes right now (PostgreSQL down, disk full, SQLite rolled
    /// the transaction back): retry later. Answered 503.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("could not start a write transaction: {0}")]
    Begin(String),
    #[error("commit failed: {0}")]
    Commit(String),
    #[error("the store is shut down")]
    Closed,
    #[error("a store operation panicked")]
    Panicked,
    #[error("{0}")]
    Invalid(String),
}

impl StoreError {
    /// Whether the request may succeed if simply retried later (answered 503 rather than 500).
    pub fn is_unavailable(&self) -> bool {
        match self {
            StoreError::Unavailable(_) | StoreError::Closed => true,
            StoreError::Sqlite(e) => is_transient(e),
            _ => false,
        }
    }
}

/// Errors after which a retry later may succeed: the disk is full, the file is busy, or I/O failed.
fn is_transient(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(
            ErrorCode::DiskFull
                | ErrorCode::DatabaseBusy
                | ErrorCode::DatabaseLocked
                | ErrorCode::SystemIoFailure
                | ErrorCode::OutOfMemory
        )
    )
}
