//! The platform's SQLite store.
//!
//! One file, WAL, `synchronous=FULL`. All writes go through a single writer thread ([`writer`]) so batches from many
//! kiosks never race on `last_applied_seq`; reads use a small pool of read-only connections, which WAL lets run
//! beside the writer.

mod catalog;
mod kiosks;
mod leases;
mod pickups;
mod read;
mod schema;
mod secrets;
mod slots;
mod writer;

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OpenFlags};

pub use catalog::{
    current_catalog, export_catalog, import_catalog, publish_catalog, seed_services, CatalogCache,
    CatalogIndex, Imported,
};
pub use kiosks::{
    add_kiosk, kiosk_by_token_hash, kiosk_token_hash, list_kiosks, record_heartbeat, KioskRow,
};
pub use leases::{grant_leases, MAX_BLOCK, MAX_NUMBER};
pub use pickups::{add_pickup, open_pickups};
pub use read::{PlatformDb, StoredTicket};
pub use secrets::citizen_key;
pub use slots::{book, booked_counts, BookOutcome, Booking};

/// Errors of the store. They never carry payload values (they end up in logs).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("stored JSON unreadable: {0}")]
    Json(#[from] serde_json::Error),
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

/// Opens (creating if needed) the database file, sets the pragmas every connection needs and runs migrations.
pub fn open_connection(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path)?;
    configure(&conn)?;
    schema::migrate(&conn)?;
    Ok(conn)
}

fn configure(conn: &Connection) -> Result<(), StoreError> {
    // WAL: readers never block the writer. FULL: a 200 reply means the batch is on disk (kiosks delete acked events).
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(())
}

fn open_reader(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    // Belt and braces: a read path can never write.
    conn.pragma_update(None, "query_only", "ON")?;
    Ok(conn)
}

/// Shared handle to the store (cheap to clone).
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    writer: writer::Writer,
    idle_readers: Mutex<Vec<Connection>>,
    catalog: CatalogCache,
}

const MAX_IDLE_READERS: usize = 8;

impl Store {
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let conn = open_connection(path)?;
        Ok(Store {
            inner: Arc::new(Inner {
                path: path.to_path_buf(),
                writer: writer::Writer::start(conn)?,
                idle_readers: Mutex::new(Vec::new()),
                catalog: CatalogCache::default(),
            }),
        })
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    pub fn catalog_cache(&self) -> CatalogCache {
        self.inner.catalog.clone()
    }

    /// Runs `f` inside the writer's transaction (its own savepoint: an `Err` undoes everything `f` wrote). The
    /// result is returned only once the transaction holding it is committed to disk.
    pub async fn write<R, F>(&self, f: F) -> Result<R, StoreError>
    where
        F: FnOnce(&Connection) -> Result<R, StoreError> + Send + 'static,
        R: Send + 'static,
    {
        self.inner.writer.submit(f).await
    }

    /// Runs `f` on a pooled read-only connection in the blocking pool.
    pub async fn read<R, F>(&self, f: F) -> Result<R, StoreError>
    where
        F: FnOnce(&Connection) -> Result<R, StoreError> + Send + 'static,
        R: Send + 'static,
    {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let pooled = inner.idle_readers.lock().ok().and_then(|mut v| v.pop());
            let conn = match pooled {
                Some(c) => c,
                None => open_reader(&inner.path)?,
            };
            let result = std::panic::catch_unwind(AssertUnwindSafe(|| f(&conn)))
                .unwrap_or(Err(StoreError::Panicked));
            if let Ok(mut idle) = inner.idle_readers.lock() {
                if idle.len() < MAX_IDLE_READERS {
                    idle.push(conn);
                }
            }
            result
        })
        .await
        .map_err(|_| StoreError::Panicked)?
    }
}

/// Current time as stored: RFC 3339 UTC with milliseconds.
pub fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// `execute`/`query_row` through the connection's statement cache: the hot paths run the same few statements
/// thousands of times per second, and re-parsing SQL each time is most of their cost.
pub trait CachedExt {
    fn execute_cached<P: rusqlite::Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize>;
    fn query_row_cached<T, P, F>(&self, sql: &str, params: P, f: F) -> rusqlite::Result<T>
    where
        P: rusqlite::Params,
        F: FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>;
}

impl CachedExt for Connection {
    fn execute_cached<P: rusqlite::Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }

    fn query_row_cached<T, P, F>(&self, sql: &str, params: P, f: F) -> rusqlite::Result<T>
    where
        P: rusqlite::Params,
        F: FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    {
        self.prepare_cached(sql)?.query_row(params, f)
    }
}
