//! The hall's key of `citizen_ref`, made once and handed to every kiosk, so the same citizen has the same
//! reference at every kiosk of the hall. It never appears in logs.

use rusqlite::{Connection, OptionalExtension};

use super::{now_rfc3339, StoreError};

/// The key (hex), made on first use.
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
    let key = hex::encode(rand::random::<[u8; 32]>());
    // Two instances racing on a fresh database: the first insert wins, both return the stored one.
    conn.execute(
        "INSERT INTO platform_secrets (name, value, created_at) VALUES ('citizen_ref_key', ?1, ?2)
         ON CONFLICT (name) DO NOTHING",
        rusqlite::params![key, now_rfc3339()],
    )?;
    Ok(conn.query_row(
        "SELECT value FROM platform_secrets WHERE name = 'citizen_ref_key'",
        [],
        |r| r.get(0),
    )?)
}
