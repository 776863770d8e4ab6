//! The state every request handler shares.

use crate::privacy::DataKey;
use crate::store::{DbUrl, Store};

/// Shared state of the handlers.
#[derive(Clone)]
pub struct AppState {
    pub(crate) store: Store,
    /// Seals the personal data events carry before it is stored.
    pub(crate) data_key: Option<DataKey>,
}

impl AppState {
    /// Opens the store `db` names (creating and migrating it if needed).
    pub async fn open(db: &DbUrl) -> anyhow::Result<Self> {
        Ok(AppState::new(Store::open(db).await?))
    }

    /// Handlers over an open store (several routers may share one: tests run two "instances" that way).
    pub fn new(store: Store) -> Self {
        AppState {
            store,
            data_key: None,
        }
    }

    /// The same handlers, sealing personal data under `key`.
    pub fn with_data_key(mut self, key: Option<DataKey>) -> Self {
        self.data_key = key;
        self
    }

    pub fn store(&self) -> &Store {
        &self.store
    }
}
