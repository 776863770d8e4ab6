//! The hall's key of `citizen_ref` on SQLite (see [`crate::store::Backend::citizen_key`]).

use rusqlite::{Connection, OptionalExtension};

use crate::store::model::new_citizen_key;
use crate::store::{now_rfc3339, StoreError};

/// The key (hex), made on first use. Runs in the writer: the read and the insert see the same table.
pub fn citizen_key(conn: &Connection) -> Result<String, StoreError> {
    let existing: Option<String> = conn
        .query_row(
            "SELECT value FROM platform_secrets WHERE name = 'citizen_ref_key'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(key) = existing {
        return Ok(key);
    }
    let key = new_citizen_key();
    conn.execute(
        "INSERT INTO platform_secrets (name, value, created_at) VALUES ('citizen_ref_key', ?1, ?2)",
        rusqlite::params![key, now_rfc3339()],
    )?;
    Ok(key)
}
