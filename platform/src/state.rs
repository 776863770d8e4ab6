//! The state every request handler shares.

use std::path::Path;

use crate::store::Store;

/// Shared state of the handlers.
#[derive(Clone)]
pub struct AppState {
    pub(crate) store: Store,
}

impl AppState {
    /// Opens (creating and migrating if needed) the database file and starts its writer.
    pub fn open(db_path: &Path) -> anyhow::Result<Self> {
        Ok(AppState {
            store: Store::open(db_path)?,
        })
    }
}
