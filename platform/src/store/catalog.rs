//! The versioned service catalog (事项清单 with 办事指南 and 一次性告知书): what is the same on every store — the
//! seed, the checks before a version is stored, what an import and the upgrade of an old catalog decide, and the
//! parsed copy of the newest version that every request reads. Each store keeps versions in its `catalog` table
//! (`sqlite/catalog.rs`, `postgres/catalog.rs`): one row per version, its services as JSON text.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use sanban_wire::{parse_catalog_file, Catalog, CatalogProblem, Service};

use super::error::StoreError;

/// The demo catalog installed by the first migration: kept as data, not code.
pub const SEED_JSON: &str = include_str!("../../seed/catalog.json");

/// Parses and validates the seed file (also used by a test that checks its content).
pub fn seed_services() -> Result<Vec<Service>, StoreError> {
    parse_catalog_file(SEED_JSON).map_err(|problems| invalid("the seed catalog", &problems))
}

/// Checks a service list before it is stored as a version: the whole catalog's rules, every problem listed.
pub fn check_services(services: &[Service]) -> Result<(), StoreError> {
    Catalog::validate(services).map_err(|problems| invalid("the catalog", &problems))
}

fn invalid(what: &str, problems: &[CatalogProblem]) -> StoreError {
    let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
    StoreError::Invalid(format!(
        "{what} has {} problem(s):\n{}",
        problems.len(),
        list.join("\n")
    ))
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Imported {
    /// Stored as this new version.
    Published { version: u64 },
    /// The newest version already holds exactly these services: nothing stored, so kiosks download nothing.
    Unchanged { version: u64 },
}

/// The newest stored version and its services, or why they do not parse.
pub type Stored = (u64, Result<Vec<Service>, serde_json::Error>);

/// Parses a stored version's JSON text.
pub fn parse_stored(version: u64, text: &str) -> Stored {
    (version, serde_json::from_str(text))
}

/// An import publishes unless the newest version already holds exactly `services`: `Some(version)` then.
pub fn unchanged_version(newest: Option<&Stored>, services: &[Service]) -> Option<u64> {
    match newest {
        Some((version, Ok(current))) if current == services => Some(*version),
        _ => None,
    }
}

/// The upgrade to the national fields (实施清单): catalogs stored before them cannot be read any more; when the
/// newest version is one of them, the seed becomes the next version so kiosks and event rules keep a catalog.
/// Older versions stay as they were (history).
pub fn newest_is_unreadable(newest: Option<&Stored>) -> bool {
    matches!(newest, Some((_, Err(_))))
}

pub fn empty() -> StoreError {
    StoreError::Invalid("the catalog is empty".into())
}

pub fn unreadable(version: u64, e: &serde_json::Error) -> StoreError {
    StoreError::Invalid(format!(
        "catalog version {version} is unreadable ({}); import a catalog to replace it",
        sanban_wire::describe_json_error(e)
    ))
}

/// One catalog version, indexed by service id.
#[derive(Debug)]
pub struct CatalogIndex {
    pub version: u64,
    pub services: Vec<Service>,
    by_id: HashMap<String, usize>,
}

impl CatalogIndex {
    pub fn new(version: u64, services: Vec<Service>) -> CatalogIndex {
        let by_id = services
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.clone(), i))
            .collect();
        CatalogIndex {
            version,
            services,
            by_id,
        }
    }

    /// The index of the stored version `version`, or why it cannot be read.
    pub fn parse(version: u64, text: &str) -> Result<CatalogIndex, StoreError> {
        let services: Vec<Service> =
            serde_json::from_str(text).map_err(|e| unreadable(version, &e))?;
        Ok(CatalogIndex::new(version, services))
    }

    /// The service with this [`Service::id`].
    pub fn service(&self, id: &str) -> Option<&Service> {
        self.by_id.get(id).map(|&i| &self.services[i])
    }
}

/// Parsed copy of the newest catalog version, shared by readers and the writer (the catalog changes rarely; parsing
/// it per request would dominate small requests).
#[derive(Clone, Default)]
pub struct CatalogCache(Arc<Mutex<Option<Arc<CatalogIndex>>>>);

impl CatalogCache {
    /// The cached index if it is of `version`.
    pub fn get(&self, version: u64) -> Option<Arc<CatalogIndex>> {
        let guard = self.0.lock().ok()?;
        guard.as_ref().filter(|i| i.version == version).cloned()
    }

    pub fn put(&self, index: Arc<CatalogIndex>) {
        if let Ok(mut guard) = self.0.lock() {
            *guard = Some(index);
        }
    }
}

#[cfg(test)]
mod tests;
