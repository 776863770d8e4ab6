//! The versioned service catalog (事项清单 with 办事指南 and 一次性告知书).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rusqlite::{params, Connection, OptionalExtension};
use sanban_wire::Service;

use super::{now_rfc3339, StoreError};

/// The demo catalog installed by the first migration: kept as data, not code.
pub const SEED_JSON: &str = include_str!("../../seed/catalog.json");

#[derive(serde::Deserialize)]
struct SeedFile {
    services: Vec<Service>,
}

/// Parses the seed file (also used by a test that checks its content).
pub fn seed_services() -> Result<Vec<Service>, StoreError> {
    Ok(serde_json::from_str::<SeedFile>(SEED_JSON)?.services)
}

pub(crate) fn seed(conn: &Connection) -> Result<(), StoreError> {
    publish_catalog(conn, &seed_services()?)?;
    Ok(())
}

/// Checks a service list and stores it as the next catalog version; returns that version.
pub fn publish_catalog(conn: &Connection, services: &[Service]) -> Result<u64, StoreError> {
    check_services(services)?;
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

pub(crate) fn check_services(services: &[Service]) -> Result<(), StoreError> {
    let mut seen = std::collections::HashSet::new();
    for s in services {
        if s.code.is_empty() || !seen.insert(s.code.as_str()) {
            return Err(StoreError::Invalid(format!(
                "service code {:?} empty or repeated",
                s.code
            )));
        }
        if !sanban_wire::is_window_category(&s.category) {
            return Err(StoreError::Invalid(format!(
                "service {}: unknown category {:?}",
                s.code, s.category
            )));
        }
    }
    Ok(())
}

/// One catalog version, indexed by service code.
#[derive(Debug)]
pub struct CatalogIndex {
    pub version: u64,
    pub services: Vec<Service>,
    by_code: HashMap<String, usize>,
}

impl CatalogIndex {
    pub fn new(version: u64, services: Vec<Service>) -> CatalogIndex {
        let by_code = services
            .iter()
            .enumerate()
            .map(|(i, s)| (s.code.clone(), i))
            .collect();
        CatalogIndex {
            version,
            services,
            by_code,
        }
    }

    pub fn service(&self, code: &str) -> Option<&Service> {
        self.by_code.get(code).map(|&i| &self.services[i])
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

/// The newest catalog version, from the cache when it is still current.
pub fn current_catalog(
    conn: &Connection,
    cache: &CatalogCache,
) -> Result<Arc<CatalogIndex>, StoreError> {
    let newest: Option<u64> =
        conn.query_row("SELECT MAX(version) FROM catalog", [], |r| r.get(0))?;
    let newest = newest.ok_or_else(|| StoreError::Invalid("the catalog is empty".into()))?;
    if let Some(index) = cache.get(newest) {
        return Ok(index);
    }
    let text: Option<String> = conn
        .query_row(
            "SELECT services FROM catalog WHERE version = ?1",
            [newest],
            |r| r.get(0),
        )
        .optional()?;
    let services: Vec<Service> = serde_json::from_str(&text.unwrap_or_else(|| "[]".into()))?;
    let index = Arc::new(CatalogIndex::new(newest, services));
    cache.put(index.clone());
    Ok(index)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_catalog_is_complete() {
        let services = seed_services().unwrap();
        check_services(&services).unwrap();
        for (code, ..) in sanban_wire::WINDOW_CATEGORIES {
            let n = services.iter().filter(|s| s.category == code).count();
            assert!((3..=5).contains(&n), "{code} has {n} services");
        }
        for s in &services {
            let filled = [
                &s.name_zh,
                &s.name_en,
                &s.department,
                &s.legal_basis,
                &s.fee,
                &s.phone,
                &s.supervision_phone,
            ];
            assert!(filled.iter().all(|f| !f.trim().is_empty()), "{}", s.code);
            assert!(
                s.legal_basis.contains('《'),
                "{}: legal basis names a law",
                s.code
            );
            assert!(
                !s.steps.is_empty() && s.materials.iter().any(|m| m.core),
                "{}",
                s.code
            );
            assert_eq!(
                s.instant,
                s.time_limit_days == 0,
                "{}: 即办 means on the spot",
                s.code
            );
            if s.deferrable {
                assert!(
                    s.materials.iter().any(|m| !m.core),
                    "{}: 容缺 needs a non-core material",
                    s.code
                );
            }
            let mut keys: Vec<&str> = s.form_fields.iter().map(|f| f.key.as_str()).collect();
            keys.sort();
            keys.dedup();
            assert_eq!(
                keys.len(),
                s.form_fields.len(),
                "{}: form field keys unique",
                s.code
            );
        }
    }
}
