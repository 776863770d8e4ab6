//! The storage interface every handler, the CLI and the ingest use. Two implementations: [`super::sqlite`] and
//! [`super::postgres`]; the compiler holds both to the whole list.
//!
//! Adding a query: declare it here, write it in `sqlite/<area>.rs` and `postgres/<area>.rs` (same area module
//! name in both), call it from `sqlite/mod.rs` and `postgres/mod.rs`. Adding a table: a migration in
//! `sqlite/schema.rs` and `postgres/schema.rs`, and its columns in [`super::tables::TABLES`].

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use sanban_wire::{CatalogFile, Heartbeat, Pickup, Rejection, Service};
use tokio::sync::mpsc;

use super::activity::Activity;
use super::applications::{
    ApplicationQuery, StatusChangeRequest, StatusOutcome, StoredApplication,
};
use super::catalog::{CatalogIndex, Imported};
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

#[async_trait]
pub trait Backend: Send + Sync {
    /// Where the data lives (a PostgreSQL password is never shown).
    fn url(&self) -> &DbUrl;

    // Kiosk registry: credentials (hash only), last contact, heartbeat.

    /// Registers `id` with `token_sha256`, or replaces its credential when `rotate` (the old token stops working at
    /// once; an unknown id is simply registered). Registering an existing id without `rotate` is an error.
    async fn add_kiosk(&self, id: &str, token_sha256: &str, rotate: bool)
        -> Result<(), StoreError>;
    async fn kiosk_token_hash(&self, id: &str) -> Result<Option<String>, StoreError>;
    /// The kiosk holding this token hash, with the stored hash (for the caller's constant-time comparison).
    async fn kiosk_by_token_hash(&self, hash: &str)
        -> Result<Option<(String, String)>, StoreError>;
    async fn list_kiosks(&self) -> Result<Vec<KioskRow>, StoreError>;
    async fn record_heartbeat(&self, id: &str, heartbeat: &Heartbeat) -> Result<(), StoreError>;
    /// Sets what the hall calls kiosk `id` and which hall it is in (`None` keeps the current one); false for an
    /// unknown kiosk.
    async fn describe_kiosk(
        &self,
        id: &str,
        name: Option<&str>,
        hall: Option<&str>,
    ) -> Result<bool, StoreError>;
    /// The kiosk's latest `limit` maintenance audit events, newest first.
    async fn maintenance_events(
        &self,
        id: &str,
        limit: u32,
    ) -> Result<Vec<MaintenanceRow>, StoreError>;

    // The versioned service catalog.

    /// The newest catalog version (parsed once per version and cached).
    async fn current_catalog(&self) -> Result<Arc<CatalogIndex>, StoreError>;
    /// Checks a service list and stores it as the next catalog version; returns that version.
    async fn publish_catalog(&self, services: &[Service]) -> Result<u64, StoreError>;
    /// Checks a service list and publishes it as the next version, unless the newest version already holds
    /// exactly these services (then nothing is stored and kiosks download nothing). The comparison and the
    /// publishing see the same newest version, whatever other instances do.
    async fn import_catalog(&self, services: &[Service]) -> Result<Imported, StoreError>;
    /// The newest version as an import file, with its number.
    async fn export_catalog(&self) -> Result<(u64, CatalogFile), StoreError>;

    // The platform's own secrets.

    /// The hall's key of `citizen_ref` (hex), made on first use and the same ever after, for every kiosk and on
    /// every instance.
    async fn citizen_key(&self) -> Result<String, StoreError>;
    /// `kiosk`'s maintenance one-time-code secret (hex): the stored one, or a new one when there is none or with
    /// `rotate`. An unregistered kiosk is an error.
    async fn maintenance_secret(&self, kiosk: &str, rotate: bool) -> Result<String, StoreError>;
    /// `kiosk`'s maintenance secret if one was made.
    async fn stored_maintenance_secret(&self, kiosk: &str) -> Result<Option<String>, StoreError>;

    // Operators of the fleet and KPI pages ([`super::operators`]).

    /// Stores `name` with an Argon2id `password_hash`; an existing name only with `replace` (which ends its
    /// sessions and clears its lock-out).
    async fn put_operator(
        &self,
        name: &str,
        password_hash: &str,
        replace: bool,
    ) -> Result<(), StoreError>;
    /// Removes an operator and ends its sessions; false when there was none.
    async fn remove_operator(&self, name: &str) -> Result<bool, StoreError>;
    async fn operators(&self) -> Result<Vec<OperatorRow>, StoreError>;
    async fn operator_credentials(
        &self,
        name: &str,
    ) -> Result<Option<OperatorCredentials>, StoreError>;
    /// A wrong password for `name`: counted; the `limit`th in a row locks the name until `lock_until` (and the
    /// count starts again).
    async fn operator_login_failed(
        &self,
        name: &str,
        limit: u32,
        lock_until: &str,
    ) -> Result<(), StoreError>;
    /// A right password: clears the failures and stores a session by its cookie's hash; drops expired sessions.
    async fn start_operator_session(
        &self,
        name: &str,
        token_hash: &str,
        expires_at: &str,
    ) -> Result<(), StoreError>;
    /// The operator of the live session with this cookie hash at `now`.
    async fn session_operator(
        &self,
        token_hash: &str,
        now: &str,
    ) -> Result<Option<String>, StoreError>;
    async fn end_operator_session(&self, token_hash: &str) -> Result<(), StoreError>;

    // Event ingestion.

    /// Settles a parsed batch of `kiosk` exactly once, in order, in one transaction (`crate::ingest`). Batches of
    /// one kiosk are serialized, even when they reach different platform instances. `data_key` seals the
    /// personal data of postal requests, call-back numbers and deposit codes (without one, such events are
    /// rejected).
    async fn settle_batch(
        &self,
        kiosk: &str,
        events: Vec<ParsedEvent>,
        data_key: Option<DataKey>,
        policy: &Policy,
    ) -> Result<BatchOutcome, StoreError>;

    // Queue number leases.

    /// Grants `kiosk` the next block of each asked category (the caller checked day and categories), within
    /// [`super::lease_policy`]'s bounds; a retried request id gets its first reply.
    async fn grant_leases(&self, kiosk: &str, ask: &LeaseAsk) -> Result<LeaseOutcome, StoreError>;

    // Appointments.

    /// Books a slot online under `policy`'s rules; idempotent by request id; never more than the slot's capacity,
    /// nor two bookings of one citizen for one service and day, whatever the instance.
    async fn book(&self, booking: &Booking, policy: &Policy) -> Result<BookOutcome, StoreError>;
    /// Bookings per slot id of a service on a date.
    async fn booked_counts(
        &self,
        service: &str,
        date: &str,
    ) -> Result<HashMap<String, u32>, StoreError>;

    // Pickups (a pickup code is stored only as its salted hash).
    /// A citizen's bookings dated `from` (`YYYY-MM-DD`) or later, their refusals not yet seen and their no-shows.
    async fn citizen_appointments(
        &self,
        citizen_ref: &str,
        from: &str,
    ) -> Result<Vec<AppointmentRecord>, StoreError>;
    /// Bookings on `date` (all when `None`), by date, service and slot: the hall staff's list.
    async fn appointments_on(
        &self,
        date: Option<&str>,
    ) -> Result<Vec<AppointmentRecord>, StoreError>;
    /// The no-show pass: bookings still "booked" on `through` or before become "no_show". Returns how many.
    async fn mark_no_shows(&self, through: &str) -> Result<u64, StoreError>;

    // Pickups (only the SHA-256 of a pickup code is stored).

    /// Puts a document behind a locker door of a kiosk (a stand-in for the departments' delivery system). Returns
    /// the pickup id. The door must not already hold a document.
    async fn add_pickup(&self, pickup: &NewPickup) -> Result<String, StoreError>;
    /// Documents waiting at `kiosk` for their citizen, by door.
    async fn open_pickups(&self, kiosk: &str) -> Result<Vec<Pickup>, StoreError>;
    /// Every document ever put in a locker, with its state, by kiosk, door and time.
    async fn pickup_records(&self) -> Result<Vec<StoredPickup>, StoreError>;
    /// Wrong pickup codes per kiosk.
    async fn code_rejections(&self) -> Result<Vec<CodeRejectionCount>, StoreError>;
    /// Locker door alerts, newest first, at most `limit`.
    async fn locker_alerts(&self, limit: u32) -> Result<Vec<StoredLockerAlert>, StoreError>;
    /// Codes of staff deposits not sent by SMS yet, oldest first.
    async fn pending_notices(&self) -> Result<Vec<PendingNotice>, StoreError>;
    /// Marks a deposit's code as sent and erases it; `false` if it was not pending.
    async fn notice_sent(&self, pickup_id: &str) -> Result<bool, StoreError>;

    // 申办.

    /// Applications matching `query`, newest first, at most `limit`, each with its status history (oldest
    /// first). The applicant and the form's answers come sealed.
    async fn applications(
        &self,
        query: &ApplicationQuery,
        limit: u32,
    ) -> Result<Vec<StoredApplication>, StoreError>;
    /// Appends a status to the history of the application with that number (see [`StatusOutcome`]).
    async fn set_application_status(
        &self,
        change: &StatusChangeRequest,
    ) -> Result<StatusOutcome, StoreError>;

    // 好差评.

    /// Every rating, by kiosk and seq.
    async fn ratings(&self) -> Result<Vec<StoredRating>, StoreError>;

    // Reads for the CLI and the tests.

    /// Tickets of one kiosk (or all), in kiosk and sequence order.
    async fn tickets(&self, kiosk: Option<&str>) -> Result<Vec<StoredTicket>, StoreError>;
    /// The last sequence settled for `kiosk` (0 when none); `None` for an unknown kiosk.
    async fn last_applied_seq(&self, kiosk: &str) -> Result<Option<u64>, StoreError>;
    /// Events of `kiosk` that were acknowledged but not applied, with their reasons, by sequence.
    async fn rejections(&self, kiosk: &str) -> Result<Vec<Rejection>, StoreError>;
    /// Rows of each data table ([`super::tables::data_tables`]).
    async fn counts(&self) -> Result<Vec<(&'static str, u64)>, StoreError>;
    /// What kiosks did on the days `from..=to` (`YYYY-MM-DD`), counted for the KPI report.
    async fn activity(&self, from: &str, to: &str) -> Result<Activity, StoreError>;

    // Moving a platform's data to another store (`sanban-platform migrate`).

    /// Sends every row of every table, in [`super::tables::TABLES`] order, from one consistent snapshot.
    async fn export(&self, sink: mpsc::Sender<CopyItem>) -> Result<(), StoreError>;
    /// Stores the rows `source` sends, all in one transaction; refuses a store holding data unless `replace`
    /// (then its data is deleted first). The target's seeded catalog is always replaced by the source's. Returns
    /// the number of rows stored.
    async fn import(
        &self,
        source: mpsc::Receiver<CopyItem>,
        replace: bool,
    ) -> Result<u64, StoreError>;
}
