//! The state every request handler shares.

use crate::store::{DbUrl, Store};

/// Shared state of the handlers.
#[derive(Clone)]
pub struct AppState {
    pub(crate) store: Store,
}

impl AppState {
    /// Opens the store `db` names (creating and migrating it if needed).
    pub async fn open(db: &DbUrl) -> anyhow::Result<Self> {
        Ok(AppState::new(Store::open(db).await?))
    }

    /// Handlers over an open store (several routers may share one: tests run two "instances" that way).
    pub fn new(store: Store) -> Self {
        AppState { store }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }
}
