//! The platform's secrets on SQLite: the hall's key of `citizen_ref` (see [`crate::store::Backend::citizen_key`])
//! and each kiosk's maintenance code secret.

use rusqlite::{Connection, OptionalExtension};

use crate::store::clock::now_rfc3339;
use crate::store::error::StoreError;
use crate::store::model::{maintenance_secret_name, new_citizen_key, new_secret, unknown_kiosk};

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

/// The kiosk's maintenance secret, made when missing or with `rotate`. Runs in the writer.
pub fn maintenance_secret(
    conn: &Connection,
    kiosk: &str,
    rotate: bool,
) -> Result<String, StoreError> {
    let known = conn
        .query_row("SELECT 1 FROM kiosks WHERE id = ?1", [kiosk], |_| Ok(()))
        .optional()?
        .is_some();
    if !known {
        return Err(unknown_kiosk(kiosk));
    }
    if !rotate {
        if let Some(existing) = stored_maintenance_secret(conn, kiosk)? {
            return Ok(existing);
        }
    }
    let secret = new_secret();
    conn.execute(
        "INSERT INTO platform_secrets (name, value, created_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (name) DO UPDATE SET value = excluded.value, created_at = excluded.created_at",
        rusqlite::params![maintenance_secret_name(kiosk), secret, now_rfc3339()],
    )?;
    Ok(secret)
}

pub fn stored_maintenance_secret(
    conn: &Connection,
    kiosk: &str,
) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT value FROM platform_secrets WHERE name = ?1",
            [maintenance_secret_name(kiosk)],
            |r| r.get(0),
        )
        .optional()?)
}
