//! The SQLite store: one file, WAL, `synchronous=FULL`.
//!
//! All writes go through a single writer thread ([`writer`]) so batches from many kiosks never race on
//! `last_applied_seq`; reads use a small pool of read-only connections, which WAL lets run beside the writer.

mod activity;
mod applications;
mod catalog;
mod copy;
mod ingest;
mod kiosks;
mod leases;
mod operators;
mod pickups;
mod ratings;
mod read;
mod schema;
mod secrets;
mod slots;
mod writer;

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use rusqlite::{Connection, OpenFlags};
use sanban_wire::{CatalogFile, Heartbeat, Pickup, Rejection, Service};
use tokio::sync::mpsc;

pub use pickups::add_pickup;
pub use read::PlatformDb;

use super::activity::Activity;
use super::applications::{
    ApplicationQuery, StatusChangeRequest, StatusOutcome, StoredApplication,
};
use super::backend::Backend;
use super::catalog::{CatalogCache, CatalogIndex, Imported};
use super::error::StoreError;
use super::lease_policy::{LeaseAsk, LeaseOutcome};
use super::model::{
    AppointmentRecord, BookOutcome, Booking, CodeRejectionCount, KioskRow, MaintenanceRow,
    NewPickup, PendingNotice, StoredLockerAlert, StoredPickup, StoredRating, StoredTicket,
};
use super::operators::{OperatorCredentials, OperatorRow};
use super::tables::CopyItem;
use super::url::DbUrl;
use crate::appointments::Policy;
use crate::ingest::{BatchOutcome, ParsedEvent};
use crate::privacy::DataKey;

/// Opens (creating if needed) the database file, sets the pragmas every connection needs and runs migrations.
pub fn open_connection(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path)?;
    configure(&conn)?;
    schema::migrate(&conn)?;
    Ok(conn)
}

fn configure(conn: &Connection) -> Result<(), StoreError> {
    // First: the pragmas below and the migrations need the file's lock, which another process (a second instance,
    // the CLI) may hold for a moment; without a timeout they fail at once with "database is locked".
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    // WAL: readers never block the writer. FULL: a 200 reply means the batch is on disk (kiosks delete acked events).
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
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

/// The SQLite implementation of [`Backend`].
pub struct SqliteStore {
    url: DbUrl,
    inner: Arc<Inner>,
}

struct Inner {
    path: std::path::PathBuf,
    writer: writer::Writer,
    idle_readers: Mutex<Vec<Connection>>,
    catalog: CatalogCache,
}

const MAX_IDLE_READERS: usize = 8;

impl SqliteStore {
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let conn = open_connection(path)?;
        Ok(SqliteStore {
            url: DbUrl::Sqlite(path.to_path_buf()),
            inner: Arc::new(Inner {
                path: path.to_path_buf(),
                writer: writer::Writer::start(conn)?,
                idle_readers: Mutex::new(Vec::new()),
                catalog: CatalogCache::default(),
            }),
        })
    }

    /// Runs `f` inside the writer's transaction (its own savepoint: an `Err` undoes everything `f` wrote). The
    /// result is returned only once the transaction holding it is committed to disk.
    async fn write<R, F>(&self, f: F) -> Result<R, StoreError>
    where
        F: FnOnce(&Connection) -> Result<R, StoreError> + Send + 'static,
        R: Send + 'static,
    {
        self.inner.writer.submit(f).await
    }

    /// Runs `f` on a pooled read-only connection in the blocking pool.
    async fn read<R, F>(&self, f: F) -> Result<R, StoreError>
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

#[async_trait]
impl Backend for SqliteStore {
    fn url(&self) -> &DbUrl {
        &self.url
    }

    async fn add_kiosk(
        &self,
        id: &str,
        token_sha256: &str,
        rotate: bool,
    ) -> Result<(), StoreError> {
        let (id, hash) = (id.to_string(), token_sha256.to_string());
        self.write(move |conn| kiosks::add_kiosk(conn, &id, &hash, rotate))
            .await
    }

    async fn kiosk_token_hash(&self, id: &str) -> Result<Option<String>, StoreError> {
        let id = id.to_string();
        self.read(move |conn| kiosks::kiosk_token_hash(conn, &id))
            .await
    }

    async fn kiosk_by_token_hash(
        &self,
        hash: &str,
    ) -> Result<Option<(String, String)>, StoreError> {
        let hash = hash.to_string();
        self.read(move |conn| kiosks::kiosk_by_token_hash(conn, &hash))
            .await
    }

    async fn list_kiosks(&self) -> Result<Vec<KioskRow>, StoreError> {
        self.read(kiosks::list_kiosks).await
    }

    async fn record_heartbeat(&self, id: &str, heartbeat: &Heartbeat) -> Result<(), StoreError> {
        let (id, hb) = (id.to_string(), heartbeat.clone());
        self.write(move |conn| kiosks::record_heartbeat(conn, &id, &hb))
            .await
    }

    async fn current_catalog(&self) -> Result<Arc<CatalogIndex>, StoreError> {
        let cache = self.inner.catalog.clone();
        self.read(move |conn| catalog::current_catalog(conn, &cache))
            .await
    }

    async fn publish_catalog(&self, services: &[Service]) -> Result<u64, StoreError> {
        let services = services.to_vec();
        self.write(move |conn| catalog::publish_catalog(conn, &services))
            .await
    }

    async fn import_catalog(&self, services: &[Service]) -> Result<Imported, StoreError> {
        let services = services.to_vec();
        self.write(move |conn| catalog::import_catalog(conn, &services))
            .await
    }

    async fn export_catalog(&self) -> Result<(u64, CatalogFile), StoreError> {
        self.read(catalog::export_catalog).await
    }

    async fn citizen_key(&self) -> Result<String, StoreError> {
        self.write(secrets::citizen_key).await
    }

    async fn maintenance_secret(&self, kiosk: &str, rotate: bool) -> Result<String, StoreError> {
        let kiosk = kiosk.to_string();
        self.write(move |conn| secrets::maintenance_secret(conn, &kiosk, rotate))
            .await
    }

    async fn stored_maintenance_secret(&self, kiosk: &str) -> Result<Option<String>, StoreError> {
        let kiosk = kiosk.to_string();
        self.read(move |conn| secrets::stored_maintenance_secret(conn, &kiosk))
            .await
    }

    async fn describe_kiosk(
        &self,
        id: &str,
        name: Option<&str>,
        hall: Option<&str>,
    ) -> Result<bool, StoreError> {
        let (id, name, hall) = (
            id.to_string(),
            name.map(str::to_string),
            hall.map(str::to_string),
        );
        self.write(move |conn| kiosks::describe_kiosk(conn, &id, name.as_deref(), hall.as_deref()))
            .await
    }

    async fn maintenance_events(
        &self,
        id: &str,
        limit: u32,
    ) -> Result<Vec<MaintenanceRow>, StoreError> {
        let id = id.to_string();
        self.read(move |conn| kiosks::maintenance_events(conn, &id, limit))
            .await
    }

    async fn put_operator(
        &self,
        name: &str,
        password_hash: &str,
        replace: bool,
    ) -> Result<(), StoreError> {
        let (name, hash) = (name.to_string(), password_hash.to_string());
        self.write(move |conn| operators::put(conn, &name, &hash, replace))
            .await
    }

    async fn remove_operator(&self, name: &str) -> Result<bool, StoreError> {
        let name = name.to_string();
        self.write(move |conn| operators::remove(conn, &name)).await
    }

    async fn operators(&self) -> Result<Vec<OperatorRow>, StoreError> {
        self.read(operators::list).await
    }

    async fn operator_credentials(
        &self,
        name: &str,
    ) -> Result<Option<OperatorCredentials>, StoreError> {
        let name = name.to_string();
        self.read(move |conn| operators::credentials(conn, &name))
            .await
    }

    async fn operator_login_failed(
        &self,
        name: &str,
        limit: u32,
        lock_until: &str,
    ) -> Result<(), StoreError> {
        let (name, until) = (name.to_string(), lock_until.to_string());
        self.write(move |conn| operators::login_failed(conn, &name, limit, &until))
            .await
    }

    async fn start_operator_session(
        &self,
        name: &str,
        token_hash: &str,
        expires_at: &str,
    ) -> Result<(), StoreError> {
        let (name, hash, expires) = (
            name.to_string(),
            token_hash.to_string(),
            expires_at.to_string(),
        );
        self.write(move |conn| operators::start_session(conn, &name, &hash, &expires))
            .await
    }

    async fn session_operator(
        &self,
        token_hash: &str,
        now: &str,
    ) -> Result<Option<String>, StoreError> {
        let (hash, now) = (token_hash.to_string(), now.to_string());
        self.read(move |conn| operators::session_operator(conn, &hash, &now))
            .await
    }

    async fn end_operator_session(&self, token_hash: &str) -> Result<(), StoreError> {
        let hash = token_hash.to_string();
        self.write(move |conn| operators::end_session(conn, &hash))
            .await
    }

    async fn settle_batch(
        &self,
        kiosk: &str,
        events: Vec<ParsedEvent>,
        data_key: Option<DataKey>,
        policy: &Policy,
    ) -> Result<BatchOutcome, StoreError> {
        let (kiosk, cache, policy) = (
            kiosk.to_string(),
            self.inner.catalog.clone(),
            policy.clone(),
        );
        self.write(move |conn| {
            ingest::settle(conn, &cache, &kiosk, &events, data_key.as_ref(), &policy)
        })
        .await
    }

    async fn grant_leases(&self, kiosk: &str, ask: &LeaseAsk) -> Result<LeaseOutcome, StoreError> {
        let (kiosk, ask) = (kiosk.to_string(), ask.clone());
        self.write(move |conn| leases::grant_leases(conn, &kiosk, &ask))
            .await
    }

    async fn book(&self, booking: &Booking, policy: &Policy) -> Result<BookOutcome, StoreError> {
        let (booking, policy) = (booking.clone(), policy.clone());
        self.write(move |conn| slots::book(conn, &booking, &policy))
            .await
    }

    async fn citizen_appointments(
        &self,
        citizen_ref: &str,
        from: &str,
    ) -> Result<Vec<AppointmentRecord>, StoreError> {
        let (citizen_ref, from) = (citizen_ref.to_string(), from.to_string());
        self.read(move |conn| slots::citizen_appointments(conn, &citizen_ref, &from))
            .await
    }

    async fn appointments_on(
        &self,
        date: Option<&str>,
    ) -> Result<Vec<AppointmentRecord>, StoreError> {
        let date = date.map(str::to_string);
        self.read(move |conn| slots::appointments_on(conn, date.as_deref()))
            .await
    }

    async fn mark_no_shows(&self, through: &str) -> Result<u64, StoreError> {
        let through = through.to_string();
        self.write(move |conn| slots::mark_no_shows(conn, &through))
            .await
    }

    async fn booked_counts(
        &self,
        service: &str,
        date: &str,
    ) -> Result<HashMap<String, u32>, StoreError> {
        let (service, date) = (service.to_string(), date.to_string());
        self.read(move |conn| slots::booked_counts(conn, &service, &date))
            .await
    }

    async fn add_pickup(&self, pickup: &NewPickup) -> Result<String, StoreError> {
        let pickup = pickup.clone();
        self.write(move |conn| pickups::add_pickup(conn, &pickup))
            .await
    }

    async fn open_pickups(&self, kiosk: &str) -> Result<Vec<Pickup>, StoreError> {
        let kiosk = kiosk.to_string();
        self.read(move |conn| pickups::open_pickups(conn, &kiosk))
            .await
    }

    async fn pickup_records(&self) -> Result<Vec<StoredPickup>, StoreError> {
        self.read(pickups::pickup_records).await
    }

    async fn code_rejections(&self) -> Result<Vec<CodeRejectionCount>, StoreError> {
        self.read(pickups::code_rejections).await
    }

    async fn locker_alerts(&self, limit: u32) -> Result<Vec<StoredLockerAlert>, StoreError> {
        self.read(move |conn| pickups::locker_alerts(conn, limit))
            .await
    }

    async fn pending_notices(&self) -> Result<Vec<PendingNotice>, StoreError> {
        self.read(pickups::pending_notices).await
    }

    async fn notice_sent(&self, pickup_id: &str) -> Result<bool, StoreError> {
        let pickup_id = pickup_id.to_string();
        self.write(move |conn| pickups::notice_sent(conn, &pickup_id))
            .await
    }

    async fn applications(
        &self,
        query: &ApplicationQuery,
        limit: u32,
    ) -> Result<Vec<StoredApplication>, StoreError> {
        let query = query.clone();
        self.read(move |conn| applications::applications(conn, &query, limit))
            .await
    }

    async fn set_application_status(
        &self,
        change: &StatusChangeRequest,
    ) -> Result<StatusOutcome, StoreError> {
        let change = change.clone();
        self.write(move |conn| applications::set_status(conn, &change))
            .await
    }

    async fn ratings(&self) -> Result<Vec<StoredRating>, StoreError> {
        self.read(ratings::ratings).await
    }

    async fn tickets(&self, kiosk: Option<&str>) -> Result<Vec<StoredTicket>, StoreError> {
        let kiosk = kiosk.map(str::to_string);
        self.read(move |conn| read::tickets(conn, kiosk.as_deref()))
            .await
    }

    async fn last_applied_seq(&self, kiosk: &str) -> Result<Option<u64>, StoreError> {
        let kiosk = kiosk.to_string();
        self.read(move |conn| read::last_applied_seq(conn, &kiosk))
            .await
    }

    async fn rejections(&self, kiosk: &str) -> Result<Vec<Rejection>, StoreError> {
        let kiosk = kiosk.to_string();
        self.read(move |conn| read::rejections(conn, &kiosk)).await
    }

    async fn counts(&self) -> Result<Vec<(&'static str, u64)>, StoreError> {
        self.read(read::counts).await
    }

    async fn activity(&self, from: &str, to: &str) -> Result<Activity, StoreError> {
        let (from, to) = (from.to_string(), to.to_string());
        self.read(move |conn| activity::activity(conn, &from, &to))
            .await
    }

    async fn export(&self, sink: mpsc::Sender<CopyItem>) -> Result<(), StoreError> {
        self.read(move |conn| copy::export(conn, &sink)).await
    }

    async fn import(
        &self,
        mut source: mpsc::Receiver<CopyItem>,
        replace: bool,
    ) -> Result<u64, StoreError> {
        self.write(move |conn| copy::import(conn, &mut source, replace))
            .await
    }
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
