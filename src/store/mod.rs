//! The kiosk's durable state: one SQLite file (WAL, synchronous=FULL). Every citizen transaction is committed
//! together with its outbox event in one transaction, before anything is printed.

pub mod applications;
pub mod appointments;
pub mod catalog;
pub mod errand;
pub mod maintenance;
mod migrations;
pub mod outbox;
pub mod pickups;
pub mod print_jobs;
pub mod ratings;
pub mod tickets;

use std::path::Path;
use std::sync::Arc;

use rusqlite::{Connection, OpenFlags};

pub use errand::{Committed, Errand};
pub use outbox::OutboxEvent;
pub use print_jobs::{PrintJob, Subject};
pub use tickets::{IssuedTicket, NumberSource, TicketRequest};

/// A storage failure with a plain cause (full disk, read-only medium, corrupt file).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("cannot create data directory {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("database schema version {found} is newer than this program understands ({known})")]
    TooNew { found: i64, known: i64 },
    #[error("{0}")]
    Invalid(String),
    /// An errand with personal data, and no data key to seal it with (the store was opened without one).
    #[error("no data key: personal data cannot be stored or read")]
    NoDataKey,
    /// Sealed personal data did not open (`seq` names the outbox event).
    #[error("outbox event {seq}: {source}")]
    Sealed {
        seq: u64,
        source: crate::privacy::SealError,
    },
    /// What was asked is already done and must not be done twice (a document already collected, an errand
    /// already rated): the flow tells the citizen plainly.
    #[error("{0}")]
    AlreadyDone(&'static str),
}

impl StoreError {
    /// True when the disk is full or the medium refuses writes: the citizen gets "try again later / ask staff".
    pub fn is_disk_problem(&self) -> bool {
        matches!(
            self,
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(e, _))
                if matches!(e.code, rusqlite::ErrorCode::DiskFull | rusqlite::ErrorCode::ReadOnly | rusqlite::ErrorCode::SystemIoFailure | rusqlite::ErrorCode::CannotOpen)
        )
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// One connection to the kiosk database. One writer per connection; open another for another thread.
pub struct Store {
    conn: Connection,
    /// Seals and opens personal data (see `privacy`); absent, errands with personal data are refused.
    key: Option<Arc<crate::privacy::DataKey>>,
}

impl Store {
    /// Open (creating if needed) the database at `path` and bring its schema up to date.
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::DataDir {
                path: dir.display().to_string(),
                source,
            })?;
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        Self::configure(conn)
    }

    /// A private in-memory database (unit tests).
    pub fn open_in_memory() -> Result<Store> {
        Self::configure(Connection::open_in_memory()?)
    }

    fn configure(mut conn: Connection) -> Result<Store> {
        // WAL: readers (sync agent, technician CLI) never block the tap path; FULL: a commit survives power loss.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // What is deleted or erased is overwritten, not left in free pages (personal data, even sealed, is purged).
        conn.pragma_update(None, "secure_delete", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        migrations::migrate(&mut conn)?;
        Ok(Store { conn, key: None })
    }

    /// Seal and open personal data with `key` from now on.
    pub fn with_data_key(mut self, key: Arc<crate::privacy::DataKey>) -> Store {
        self.key = Some(key);
        self
    }

    pub(crate) fn data_key(&self) -> Option<&crate::privacy::DataKey> {
        self.key.as_deref()
    }

    /// The underlying connection, for modules of this crate that own their own queries.
    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    pub(crate) fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// Read a small key/value setting (sync cursors, catalog version).
    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        use rusqlite::OptionalExtension;
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    pub fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [key, value],
        )?;
        Ok(())
    }
}

impl Store {
    /// Cap the database at the pages it has now, so the next write that needs a new page fails the way a full disk
    /// does (SQLITE_FULL). For fault tests and for a technician reproducing a full disk; reopening lifts the cap.
    pub fn cap_size_at_current(&self) -> Result<u64> {
        let pages: u64 = self.conn.query_row("PRAGMA page_count", [], |r| r.get(0))?;
        let cap: u64 =
            self.conn
                .query_row(&format!("PRAGMA max_page_count = {pages}"), [], |r| {
                    r.get(0)
                })?;
        Ok(cap)
    }
}

impl Store {
    /// Rows in `table` (technician summaries and tests). Only the kiosk's own table names are accepted.
    pub fn count_rows(&self, table: &str) -> Result<i64> {
        const TABLES: [&str; 6] = [
            "tickets",
            "outbox",
            "print_jobs",
            "ticket_counters",
            "ticket_leases",
            "catalog_services",
        ];
        if !TABLES.contains(&table) {
            return Err(StoreError::Invalid(format!("unknown table {table:?}")));
        }
        Ok(self
            .conn
            .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))?)
    }
}
