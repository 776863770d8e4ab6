//! Kiosk registry: credentials (hash only), last contact, heartbeat.

use rusqlite::{params, Connection, OptionalExtension};
use sanban_wire::Heartbeat;

use crate::store::clock::now_rfc3339;
use crate::store::error::StoreError;
use crate::store::model::{already_registered, KioskRow, MaintenanceRow};

pub fn add_kiosk(
    conn: &Connection,
    id: &str,
    token_sha256: &str,
    rotate: bool,
) -> Result<(), StoreError> {
    let exists: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM kiosks WHERE id = ?1)",
        [id],
        |r| r.get(0),
    )?;
    match (exists, rotate) {
        (false, _) => {
            conn.execute(
                "INSERT INTO kiosks (id, token_sha256, registered_at) VALUES (?1, ?2, ?3)",
                params![id, token_sha256, now_rfc3339()],
            )?;
        }
        (true, true) => {
            conn.execute(
                "UPDATE kiosks SET token_sha256 = ?2, token_rotated_at = ?3 WHERE id = ?1",
                params![id, token_sha256, now_rfc3339()],
            )?;
        }
        (true, false) => return Err(already_registered(id)),
    }
    Ok(())
}

pub fn kiosk_token_hash(conn: &Connection, id: &str) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row("SELECT token_sha256 FROM kiosks WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()?)
}

pub fn kiosk_by_token_hash(
    conn: &Connection,
    hash: &str,
) -> Result<Option<(String, String)>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT id, token_sha256 FROM kiosks WHERE token_sha256 = ?1",
            [hash],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

pub fn list_kiosks(conn: &Connection) -> Result<Vec<KioskRow>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT id, registered_at, last_seen, app_version, last_applied_seq, last_heartbeat, name, hall
         FROM kiosks ORDER BY id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(KioskRow {
            id: r.get(0)?,
            registered_at: r.get(1)?,
            last_seen: r.get(2)?,
            app_version: r.get(3)?,
            last_applied_seq: r.get(4)?,
            last_heartbeat: r.get(5)?,
            name: r.get(6)?,
            hall: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn record_heartbeat(
    conn: &Connection,
    id: &str,
    heartbeat: &Heartbeat,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE kiosks SET last_seen = ?2, app_version = ?3, last_heartbeat = ?4 WHERE id = ?1",
        params![
            id,
            now_rfc3339(),
            heartbeat.app_version,
            serde_json::to_string(heartbeat)?
        ],
    )?;
    Ok(())
}

/// Sets a kiosk's name and hall (`None` leaves one as it is); false for an unknown kiosk.
pub fn describe_kiosk(
    conn: &Connection,
    id: &str,
    name: Option<&str>,
    hall: Option<&str>,
) -> Result<bool, StoreError> {
    Ok(conn.execute(
        "UPDATE kiosks SET name = COALESCE(?2, name), hall = COALESCE(?3, hall) WHERE id = ?1",
        params![id, name, hall],
    )? > 0)
}

/// The kiosk's latest maintenance events, newest first.
pub fn maintenance_events(
    conn: &Connection,
    id: &str,
    limit: u32,
) -> Result<Vec<MaintenanceRow>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT seq, kind, technician, what, target, result, occurred_at FROM maintenance_events
         WHERE kiosk_id = ?1 ORDER BY seq DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![id, limit], |r| {
        Ok(MaintenanceRow {
            seq: r.get(0)?,
            kind: r.get(1)?,
            technician: r.get(2)?,
            what: r.get(3)?,
            target: r.get(4)?,
            result: r.get(5)?,
            occurred_at: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
