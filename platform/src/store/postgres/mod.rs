//! The PostgreSQL store (tokio-postgres through a deadpool connection pool), for city scale: several stateless
//! platform instances share one database.
//!
//! Why tokio-postgres + deadpool-postgres rather than sqlx: fewer and lighter dependencies (sqlx's SQLite driver
//! would also clash with rusqlite's bundled SQLite), explicit prepared-statement caching per connection, and
//! pipelining of independent queries on one connection, which the batch ingest relies on.
//!
//! Availability: while PostgreSQL cannot be reached, every call fails fast with [`StoreError::Unavailable`] (the
//! handlers answer 503, kiosks back off); broken connections are dropped by the pool and new ones are made when
//! the server is back, with no restart of the platform.

mod activity;
mod applications;
mod catalog;
mod commit_groups;
mod copy;
pub mod ingest;
mod kiosks;
mod leases;
mod operators;
mod pickups;
mod ratings;
mod read;
mod schema;
mod secrets;
mod slots;

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use deadpool_postgres::{
    Manager, ManagerConfig, Object, Pool, PoolError, RecyclingMethod, Runtime,
};
use sanban_wire::{CatalogFile, Heartbeat, Pickup, Rejection, Service};
use tokio::sync::mpsc;
use tokio_postgres::error::SqlState;
use tokio_postgres::NoTls;

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
use commit_groups::CommitGroups;

/// Connections per platform instance (`SANBAN_PG_POOL_SIZE` overrides): one for each group of event batches being
/// settled (see [`commit_groups`]) and the rest for every other request.
pub const DEFAULT_POOL_SIZE: usize = 16;
/// How long a request waits for a pooled connection, and for a new one, before it is answered 503.
const WAIT: Duration = Duration::from_secs(5);
const CONNECT: Duration = Duration::from_secs(3);

/// The PostgreSQL implementation of [`Backend`].
pub struct PgStore {
    url: DbUrl,
    pool: Pool,
    catalog: CatalogCache,
    batches: CommitGroups,
}

impl PgStore {
    /// Connects (failing if the server cannot be reached now) and migrates the schema.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let mut config = tokio_postgres::Config::from_str(url)
            .map_err(|e| StoreError::Invalid(format!("invalid PostgreSQL URL: {e}")))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT);
        }
        config.application_name("sanban-platform");
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let size = std::env::var("SANBAN_PG_POOL_SIZE")
            .ok()
            .and_then(|v| v.parse().ok())
            .filter(|&n: &usize| n > 0)
            .unwrap_or(DEFAULT_POOL_SIZE);
        let pool = Pool::builder(manager)
            .max_size(size)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(WAIT))
            .create_timeout(Some(CONNECT))
            .recycle_timeout(Some(CONNECT))
            .build()
            .map_err(|e| StoreError::Invalid(format!("cannot build the connection pool: {e}")))?;
        let catalog = CatalogCache::default();
        let store = PgStore {
            url: DbUrl::Postgres(url.to_string()),
            batches: CommitGroups::new(pool.clone(), catalog.clone()),
            pool,
            catalog,
        };
        let mut client = store.client().await?;
        schema::migrate(&mut client).await?;
        Ok(store)
    }

    async fn client(&self) -> Result<Object, StoreError> {
        self.pool.get().await.map_err(pool_err)
    }
}

/// A PostgreSQL error as the store reports it: lost connections and an unreachable or restarting server are
/// [`StoreError::Unavailable`]; other errors keep their SQLSTATE and message only (a detail may quote values).
pub(crate) fn pg_err(e: tokio_postgres::Error) -> StoreError {
    if let Some(db) = e.as_db_error() {
        let code = db.code();
        let transient = code.code().starts_with("08")
            || [
                SqlState::ADMIN_SHUTDOWN,
                SqlState::CRASH_SHUTDOWN,
                SqlState::CANNOT_CONNECT_NOW,
                SqlState::TOO_MANY_CONNECTIONS,
                SqlState::T_R_SERIALIZATION_FAILURE,
                SqlState::T_R_DEADLOCK_DETECTED,
                SqlState::DISK_FULL,
            ]
            .contains(code);
        let text = format!("{}: {}", code.code(), db.message());
        return if transient {
            StoreError::Unavailable(text)
        } else {
            StoreError::Postgres(text)
        };
    }
    // No server answer: the connection is closed or broken, or could not be made.
    StoreError::Unavailable(e.to_string())
}

/// Whether `e` (made by [`pg_err`]) is a unique index refusing an insert, or a statement refused because one
/// before it in the same transaction failed (pipelined statements can report a unique violation that way: the
/// statement that hit the index and the one whose answer is read first are not always the same).
pub(crate) fn is_insert_conflict(e: &StoreError) -> bool {
    let code = match e {
        StoreError::Postgres(text) => text.split(':').next(),
        _ => None,
    };
    [
        SqlState::UNIQUE_VIOLATION.code(),
        SqlState::IN_FAILED_SQL_TRANSACTION.code(),
    ]
    .iter()
    .any(|c| code == Some(c))
}

fn pool_err(e: PoolError) -> StoreError {
    match e {
        PoolError::Backend(e) => pg_err(e),
        PoolError::Closed => StoreError::Closed,
        other => StoreError::Unavailable(format!("no database connection: {other}")),
    }
}

/// Database integers are BIGINT; the wire's are unsigned.
pub(crate) fn to_i64(n: u64) -> Result<i64, StoreError> {
    i64::try_from(n).map_err(|_| StoreError::Invalid(format!("{n} is out of range")))
}

pub(crate) fn to_u64(n: i64) -> u64 {
    n.max(0) as u64
}

pub(crate) fn to_u32(n: i64) -> u32 {
    n.clamp(0, i64::from(u32::MAX)) as u32
}

#[async_trait]
impl Backend for PgStore {
    fn url(&self) -> &DbUrl {
        &self.url
    }

    async fn add_kiosk(
        &self,
        id: &str,
        token_sha256: &str,
        rotate: bool,
    ) -> Result<(), StoreError> {
        kiosks::add_kiosk(&self.client().await?, id, token_sha256, rotate).await
    }

    async fn kiosk_token_hash(&self, id: &str) -> Result<Option<String>, StoreError> {
        kiosks::kiosk_token_hash(&self.client().await?, id).await
    }

    async fn kiosk_by_token_hash(
        &self,
        hash: &str,
    ) -> Result<Option<(String, String)>, StoreError> {
        kiosks::kiosk_by_token_hash(&self.client().await?, hash).await
    }

    async fn list_kiosks(&self) -> Result<Vec<KioskRow>, StoreError> {
        kiosks::list_kiosks(&self.client().await?).await
    }

    async fn record_heartbeat(&self, id: &str, heartbeat: &Heartbeat) -> Result<(), StoreError> {
        kiosks::record_heartbeat(&self.client().await?, id, heartbeat).await
    }

    async fn current_catalog(&self) -> Result<Arc<CatalogIndex>, StoreError> {
        catalog::current_catalog(&self.client().await?, &self.catalog).await
    }

    async fn publish_catalog(&self, services: &[Service]) -> Result<u64, StoreError> {
        catalog::publish_catalog(&mut self.client().await?, services).await
    }

    async fn import_catalog(&self, services: &[Service]) -> Result<Imported, StoreError> {
        catalog::import_catalog(&mut self.client().await?, services).await
    }

    async fn export_catalog(&self) -> Result<(u64, CatalogFile), StoreError> {
        catalog::export_catalog(&self.client().await?).await
    }

    async fn citizen_key(&self) -> Result<String, StoreError> {
        secrets::citizen_key(&self.client().await?).await
    }

    async fn maintenance_secret(&self, kiosk: &str, rotate: bool) -> Result<String, StoreError> {
        secrets::maintenance_secret(&self.client().await?, kiosk, rotate).await
    }

    async fn stored_maintenance_secret(&self, kiosk: &str) -> Result<Option<String>, StoreError> {
        secrets::stored_maintenance_secret(&self.client().await?, kiosk).await
    }

    async fn describe_kiosk(
        &self,
        id: &str,
        name: Option<&str>,
        hall: Option<&str>,
    ) -> Result<bool, StoreError> {
        kiosks::describe_kiosk(&self.client().await?, id, name, hall).await
    }

    async fn maintenance_events(
        &self,
        id: &str,
        limit: u32,
    ) -> Result<Vec<MaintenanceRow>, StoreError> {
        kiosks::maintenance_events(&self.client().await?, id, limit).await
    }

    async fn put_operator(
        &self,
        name: &str,
        password_hash: &str,
        replace: bool,
    ) -> Result<(), StoreError> {
        operators::put(&mut self.client().await?, name, password_hash, replace).await
    }

    async fn remove_operator(&self, name: &str) -> Result<bool, StoreError> {
        operators::remove(&mut self.client().await?, name).await
    }

    async fn operators(&self) -> Result<Vec<OperatorRow>, StoreError> {
        operators::list(&self.client().await?).await
    }

    async fn operator_credentials(
        &self,
        name: &str,
    ) -> Result<Option<OperatorCredentials>, StoreError> {
        operators::credentials(&self.client().await?, name).await
    }

    async fn operator_login_failed(
        &self,
        name: &str,
        limit: u32,
        lock_until: &str,
    ) -> Result<(), StoreError> {
        operators::login_failed(&self.client().await?, name, limit, lock_until).await
    }

    async fn start_operator_session(
        &self,
        name: &str,
        token_hash: &str,
        expires_at: &str,
    ) -> Result<(), StoreError> {
        operators::start_session(&mut self.client().await?, name, token_hash, expires_at).await
    }

    async fn session_operator(
        &self,
        token_hash: &str,
        now: &str,
    ) -> Result<Option<String>, StoreError> {
        operators::session_operator(&self.client().await?, token_hash, now).await
    }

    async fn end_operator_session(&self, token_hash: &str) -> Result<(), StoreError> {
        operators::end_session(&self.client().await?, token_hash).await
    }

    async fn settle_batch(
        &self,
        kiosk: &str,
        events: Vec<ParsedEvent>,
        data_key: Option<DataKey>,
        policy: &Policy,
    ) -> Result<BatchOutcome, StoreError> {
        self.batches.settle(kiosk, events, data_key, policy).await
    }

    async fn grant_leases(&self, kiosk: &str, ask: &LeaseAsk) -> Result<LeaseOutcome, StoreError> {
        leases::grant_leases(&mut self.client().await?, kiosk, ask).await
    }

    async fn book(&self, booking: &Booking, policy: &Policy) -> Result<BookOutcome, StoreError> {
        slots::book(&mut self.client().await?, booking, policy).await
    }

    async fn citizen_appointments(
        &self,
        citizen_ref: &str,
        from: &str,
    ) -> Result<Vec<AppointmentRecord>, StoreError> {
        slots::citizen_appointments(&self.client().await?, citizen_ref, from).await
    }

    async fn appointments_on(
        &self,
        date: Option<&str>,
    ) -> Result<Vec<AppointmentRecord>, StoreError> {
        slots::appointments_on(&self.client().await?, date).await
    }

    async fn mark_no_shows(&self, through: &str) -> Result<u64, StoreError> {
        slots::mark_no_shows(&self.client().await?, through).await
    }

    async fn booked_counts(
        &self,
        service: &str,
        date: &str,
    ) -> Result<HashMap<String, u32>, StoreError> {
        slots::booked_counts(&self.client().await?, service, date).await
    }

    async fn add_pickup(&self, pickup: &NewPickup) -> Result<String, StoreError> {
        pickups::add_pickup(&mut self.client().await?, pickup).await
    }

    async fn open_pickups(&self, kiosk: &str) -> Result<Vec<Pickup>, StoreError> {
        pickups::open_pickups(&self.client().await?, kiosk).await
    }

    async fn pickup_records(&self) -> Result<Vec<StoredPickup>, StoreError> {
        pickups::pickup_records(&self.client().await?).await
    }

    async fn code_rejections(&self) -> Result<Vec<CodeRejectionCount>, StoreError> {
        pickups::code_rejections(&self.client().await?).await
    }

    async fn locker_alerts(&self, limit: u32) -> Result<Vec<StoredLockerAlert>, StoreError> {
        pickups::locker_alerts(&self.client().await?, limit).await
    }

    async fn pending_notices(&self) -> Result<Vec<PendingNotice>, StoreError> {
        pickups::pending_notices(&self.client().await?).await
    }

    async fn notice_sent(&self, pickup_id: &str) -> Result<bool, StoreError> {
        pickups::notice_sent(&self.client().await?, pickup_id).await
    }

    async fn applications(
        &self,
        query: &ApplicationQuery,
        limit: u32,
    ) -> Result<Vec<StoredApplication>, StoreError> {
        applications::applications(&self.client().await?, query, limit).await
    }

    async fn set_application_status(
        &self,
        change: &StatusChangeRequest,
    ) -> Result<StatusOutcome, StoreError> {
        applications::set_status(&mut self.client().await?, change).await
    }

    async fn ratings(&self) -> Result<Vec<StoredRating>, StoreError> {
        ratings::ratings(&self.client().await?).await
    }

    async fn tickets(&self, kiosk: Option<&str>) -> Result<Vec<StoredTicket>, StoreError> {
        read::tickets(&self.client().await?, kiosk).await
    }

    async fn last_applied_seq(&self, kiosk: &str) -> Result<Option<u64>, StoreError> {
        read::last_applied_seq(&self.client().await?, kiosk).await
    }

    async fn rejections(&self, kiosk: &str) -> Result<Vec<Rejection>, StoreError> {
        read::rejections(&self.client().await?, kiosk).await
    }

    async fn counts(&self) -> Result<Vec<(&'static str, u64)>, StoreError> {
        read::counts(&self.client().await?).await
    }

    async fn activity(&self, from: &str, to: &str) -> Result<Activity, StoreError> {
        activity::activity(&self.client().await?, from, to).await
    }

    async fn export(&self, sink: mpsc::Sender<CopyItem>) -> Result<(), StoreError> {
        copy::export(&mut self.client().await?, sink).await
    }

    async fn import(
        &self,
        source: mpsc::Receiver<CopyItem>,
        replace: bool,
    ) -> Result<u64, StoreError> {
        copy::import(&mut self.client().await?, source, replace).await
    }
}
