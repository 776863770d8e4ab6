//! The platform's store: one interface ([`Backend`]), two implementations.
//!
//! - [`sqlite`]: one file, WAL, `synchronous=FULL`, one writer thread with group commit; the embedded default (a
//!   hall's platform and the tests need nothing installed).
//! - [`postgres`]: PostgreSQL through a connection pool, for city scale, with several stateless platform instances
//!   sharing one database; exactly-once holds across instances (see [`postgres::ingest`]).
//!
//! What is the same on both lives here: the interface, the errors ([`error`]), the row types ([`model`]), the lease
//! policy ([`lease_policy`]), the table list used by `migrate` and the tests ([`tables`]), the catalog rules
//! ([`catalog`]), and the event rules (`crate::ingest`), which a store feeds with facts and whose rows it writes.
//!
//! This module only gathers: the implementations and the rules import those modules themselves, never the names
//! re-exported here, so that the dependencies run one way (this module imports the implementations).

pub mod activity;
pub mod applications;
mod backend;
pub mod catalog;
pub mod clock;
pub mod error;
pub mod lease_policy;
pub mod model;
pub mod operators;
pub mod postgres;
pub mod sqlite;
pub mod tables;
pub mod url;

use std::ops::Deref;
use std::sync::Arc;

pub use backend::Backend;
pub use catalog::{seed_services, CatalogCache, CatalogIndex, Imported};
pub use clock::now_rfc3339;
pub use error::StoreError;
pub use lease_policy::{LeaseAsk, LeaseOutcome, MAX_BLOCK, MAX_NUMBER, MAX_UNUSED};
pub use model::{
    AppointmentRecord, BookOutcome, Booking, BookingFacts, KioskRow, NewPickup, StoredTicket,
};
pub use sqlite::{add_pickup, open_connection, PlatformDb};
pub use url::DbUrl;

/// Shared handle to the store (cheap to clone); derefs to the [`Backend`] interface.
#[derive(Clone)]
pub struct Store {
    backend: Arc<dyn Backend>,
}

impl Store {
    /// Opens the store `url` names: creates and migrates the SQLite file, or connects to PostgreSQL (migrating it
    /// too). PostgreSQL being down at start-up is an error; later outages are answered 503 and heal by themselves.
    pub async fn open(url: &DbUrl) -> Result<Store, StoreError> {
        let backend: Arc<dyn Backend> = match url {
            DbUrl::Sqlite(path) => {
                let path = path.clone();
                Arc::new(
                    tokio::task::spawn_blocking(move || sqlite::SqliteStore::open(&path))
                        .await
                        .map_err(|_| StoreError::Panicked)??,
                )
            }
            DbUrl::Postgres(text) => Arc::new(postgres::PgStore::open(text).await?),
        };
        Ok(Store { backend })
    }
}

impl Deref for Store {
    type Target = dyn Backend;

    fn deref(&self) -> &Self::Target {
        self.backend.as_ref()
    }
}
