//! The versioned service catalog on SQLite (rules and parsing shared in `store::catalog`). Writes run in the
//! writer's transaction, one at a time: an import's comparison and its insert see the same newest version.

use std::sync::Arc;

use rusqlite::{params, Connection, OptionalExtension};
use sanban_wire::{CatalogFile, Service};

use crate::store::catalog::{
    check_services, empty, newest_is_unreadable, parse_stored, seed_services, unchanged_version,
    unreadable, CatalogCache, CatalogIndex, Imported, Stored,
};
use crate::store::clock::now_rfc3339;
use crate::store::error::StoreError;

/// Installs the demo catalog as version 1 (the first migration).
pub(super) fn seed(conn: &Connection) -> Result<(), StoreError> {
    publish_catalog(conn, &seed_services()?)?;
    Ok(())
}

/// The upgrade to the national fields: see [`newest_is_unreadable`].
pub(super) fn replace_unreadable_newest(conn: &Connection) -> Result<(), StoreError> {
    if newest_is_unreadable(newest_stored(conn)?.as_ref()) {
        publish_catalog(conn, &seed_services()?)?;
    }
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

/// Publishes `services` as a new version unless the newest version already holds exactly them.
pub fn import_catalog(conn: &Connection, services: &[Service]) -> Result<Imported, StoreError> {
    Ok(
        match unchanged_version(newest_stored(conn)?.as_ref(), services) {
            Some(version) => Imported::Unchanged { version },
            None => Imported::Published {
                version: publish_catalog(conn, services)?,
            },
        },
    )
}

/// The newest version as an import file, with its number.
pub fn export_catalog(conn: &Connection) -> Result<(u64, CatalogFile), StoreError> {
    match newest_stored(conn)? {
        None => Err(empty()),
        Some((version, Ok(services))) => Ok((version, CatalogFile { services })),
        Some((version, Err(e))) => Err(unreadable(version, &e)),
    }
}

fn newest_stored(conn: &Connection) -> Result<Option<Stored>, StoreError> {
    let row: Option<(u64, String)> = conn
        .query_row(
            "SELECT version, services FROM catalog ORDER BY version DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(row.map(|(version, text)| parse_stored(version, &text)))
}

/// The newest catalog version, from the cache when it is still current.
pub fn current_catalog(
    conn: &Connection,
    cache: &CatalogCache,
) -> Result<Arc<CatalogIndex>, StoreError> {
    let newest: Option<u64> =
        conn.query_row("SELECT MAX(version) FROM catalog", [], |r| r.get(0))?;
    let newest = newest.ok_or_else(empty)?;
    if let Some(index) = cache.get(newest) {
        return Ok(index);
    }
    let text: String = conn.query_row(
        "SELECT services FROM catalog WHERE version = ?1",
        [newest],
        |r| r.get(0),
    )?;
    let index = Arc::new(CatalogIndex::parse(newest, &text)?);
    cache.put(index.clone());
    Ok(index)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fresh() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        super::super::schema::migrate(&conn).unwrap();
        conn
    }

    #[test]
    fn a_fresh_database_holds_the_seed_as_version_one() {
        let index = current_catalog(&fresh(), &CatalogCache::default()).unwrap();
        assert_eq!(index.version, 1);
        assert_eq!(index.services, seed_services().unwrap());
    }

    #[test]
    fn importing_the_same_services_again_stores_nothing_but_going_back_is_a_change() {
        let conn = fresh();
        let seed = seed_services().unwrap();
        assert_eq!(
            import_catalog(&conn, &seed).unwrap(),
            Imported::Unchanged { version: 1 }
        );
        let mut changed = seed.clone();
        changed[0].phone = "027-84890199".into();
        assert_eq!(
            import_catalog(&conn, &changed).unwrap(),
            Imported::Published { version: 2 }
        );
        assert_eq!(
            import_catalog(&conn, &changed).unwrap(),
            Imported::Unchanged { version: 2 }
        );
        assert_eq!(
            import_catalog(&conn, &seed).unwrap(),
            Imported::Published { version: 3 }
        );
        let (version, file) = export_catalog(&conn).unwrap();
        assert_eq!((version, file.services), (3, seed));
    }
}
