//! The versioned service catalog (事项清单 with 办事指南 and 一次性告知书): publishing, importing and exporting
//! versions, and the parsed copy of the newest one that every request reads.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};
use sanban_wire::{parse_catalog_file, Catalog, CatalogFile, CatalogProblem, Service};

use super::{now_rfc3339, StoreError};

/// The demo catalog installed by the first migration: kept as data, not code.
pub const SEED_JSON: &str = include_str!("../../seed/catalog.json");

/// Parses and validates the seed file (also used by a test that checks its content).
pub fn seed_services() -> Result<Vec<Service>, StoreError> {
    parse_catalog_file(SEED_JSON).map_err(|problems| invalid("the seed catalog", &problems))
}

pub(super) fn seed(conn: &Connection) -> Result<(), StoreError> {
    publish_catalog(conn, &seed_services()?)?;
    Ok(())
}

/// Migration: catalogs stored before the national fields (实施清单) cannot be read any more; when the newest
/// version is one of them, the seed becomes the next version so kiosks and event rules keep a catalog. Older
/// versions stay as they were (history).
pub(super) fn replace_unreadable_newest(conn: &Connection) -> Result<(), StoreError> {
    if let Some((_, Err(_))) = newest_stored(conn)? {
        publish_catalog(conn, &seed_services()?)?;
    }
    Ok(())
}

fn invalid(what: &str, problems: &[CatalogProblem]) -> StoreError {
    let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
    StoreError::Invalid(format!(
        "{what} has {} problem(s):\n{}",
        problems.len(),
        list.join("\n")
    ))
}

/// Checks a service list and stores it as the next catalog version; returns that version. Runs inside the
/// caller's transaction, if any.
pub fn publish_catalog(conn: &Connection, services: &[Service]) -> Result<u64, StoreError> {
    Catalog::validate(services).map_err(|problems| invalid("the catalog", &problems))?;
    let version: u64 = conn.query_row(
        "SELECT COALESCE(MAX(version), 0) + 1 FROM catalog",
        [],
        |r| r.get(0),
    )?;
    conn.execute(
        "INSERT INTO catalog (version, published_at, services) VALUES (?1, ?2, ?3)",
        params![version, now_rfc3339(), serde_json::to_string(services)?],
    )?;
    Ok(version)
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Imported {
    /// Stored as this new version.
    Published { version: u64 },
    /// The newest version already holds exactly these services: nothing stored, so kiosks download nothing.
    Unchanged { version: u64 },
}

/// Publishes `services` as a new version unless the newest version already holds exactly them. Runs in its own
/// immediate transaction: the comparison and the insert see the same newest version.
pub fn import_catalog(conn: &Connection, services: &[Service]) -> Result<Imported, StoreError> {
    let tx = Transaction::new_unchecked(conn, TransactionBehavior::Immediate)?;
    let outcome = match newest_stored(&tx)? {
        Some((version, Ok(current))) if current == services => Imported::Unchanged { version },
        _ => Imported::Published {
            version: publish_catalog(&tx, services)?,
        },
    };
    tx.commit()?;
    Ok(outcome)
}

/// The newest version as an import file, with its number.
pub fn export_catalog(conn: &Connection) -> Result<(u64, CatalogFile), StoreError> {
    match newest_stored(conn)? {
        None => Err(empty()),
        Some((version, Ok(services))) => Ok((version, CatalogFile { services })),
        Some((version, Err(e))) => Err(unreadable(version, &e)),
    }
}

fn empty() -> StoreError {
    StoreError::Invalid("the catalog is empty".into())
}

fn unreadable(version: u64, e: &serde_json::Error) -> StoreError {
    StoreError::Invalid(format!(
        "catalog version {version} is unreadable ({}); import a catalog to replace it",
        sanban_wire::describe_json_error(e)
    ))
}

/// The newest stored version and its services, or why they do not parse.
type Stored = (u64, Result<Vec<Service>, serde_json::Error>);

fn newest_stored(conn: &Connection) -> Result<Option<Stored>, StoreError> {
    let row: Option<(u64, String)> = conn
        .query_row(
            "SELECT version, services FROM catalog ORDER BY version DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(row.map(|(version, text)| (version, serde_json::from_str(&text))))
}

/// One catalog version, indexed by service id.
#[derive(Debug)]
pub struct CatalogIndex {
    pub version: u64,
    pub services: Vec<Service>,
    by_id: HashMap<String, usize>,
}

impl CatalogIndex {
    /// The service with this [`Service::id`].
    pub fn service(&self, id: &str) -> Option<&Service> {
        self.by_id.get(id).map(|&i| &self.services[i])
    }
}

/// Parsed copy of the newest catalog version, shared by readers and the writer (the catalog changes rarely; parsing
/// it per request would dominate small requests).
#[derive(Clone, Default)]
pub struct CatalogCache(Arc<Mutex<Option<Arc<CatalogIndex>>>>);

/// The newest catalog version, from the cache when it is still current.
pub fn current_catalog(
    conn: &Connection,
    cache: &CatalogCache,
) -> Result<Arc<CatalogIndex>, StoreError> {
    let newest: Option<u64> =
        conn.query_row("SELECT MAX(version) FROM catalog", [], |r| r.get(0))?;
    let newest = newest.ok_or_else(empty)?;
    if let Ok(guard) = cache.0.lock() {
        if let Some(index) = guard.as_ref().filter(|i| i.version == newest) {
            return Ok(index.clone());
        }
    }
    let text: Option<String> = conn
        .query_row(
            "SELECT services FROM catalog WHERE version = ?1",
            [newest],
            |r| r.get(0),
        )
        .optional()?;
    let services: Vec<Service> = serde_json::from_str(&text.unwrap_or_else(|| "[]".into()))
        .map_err(|e| unreadable(newest, &e))?;
    let by_id = services
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.clone(), i))
        .collect();
    let index = Arc::new(CatalogIndex {
        version: newest,
        services,
        by_id,
    });
    if let Ok(mut guard) = cache.0.lock() {
        *guard = Some(index.clone());
    }
    Ok(index)
}

#[cfg(test)]
mod tests;
