//! Documents waiting in kiosk lockers (取件). Only the SHA-256 of a pickup code is stored.

use rusqlite::{params, Connection};
use sanban_wire::Pickup;

use crate::store::model::{check_new_pickup, door_busy, pickup_code_sha256, unknown_kiosk};
use crate::store::{now_rfc3339, StoreError};

/// Puts a document in a door of a kiosk's locker (a demo/test stand-in for the departments' delivery system).
/// Returns the pickup id. The door must not already hold a waiting document.
pub fn add_pickup(
    conn: &Connection,
    kiosk: &str,
    door: u32,
    code: &str,
    document: &str,
) -> Result<String, StoreError> {
    check_new_pickup(code, document)?;
    let known: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM kiosks WHERE id = ?1)",
        [kiosk],
        |r| r.get(0),
    )?;
    if !known {
        return Err(unknown_kiosk(kiosk));
    }
    let busy: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM pickups WHERE kiosk_id = ?1 AND locker_door = ?2 AND collected_at IS NULL)",
        params![kiosk, door],
        |r| r.get(0),
    )?;
    if busy {
        return Err(door_busy(kiosk, door));
    }
    let id = uuid::Uuid::now_v7().to_string();
    conn.execute(
        "INSERT INTO pickups (pickup_id, kiosk_id, locker_door, code_sha256, document, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            id,
            kiosk,
            door,
            pickup_code_sha256(code),
            document,
            now_rfc3339()
        ],
    )?;
    Ok(id)
}

/// Documents still waiting at `kiosk`, by door.
pub fn open_pickups(conn: &Connection, kiosk: &str) -> Result<Vec<Pickup>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT pickup_id, code_sha256, locker_door, document, created_at FROM pickups
         WHERE kiosk_id = ?1 AND collected_at IS NULL ORDER BY locker_door",
    )?;
    // Interim, until pickups move to the storage interface: the stored hash is unsalted, which is the salted hash
    // with an empty salt.
    let rows = stmt.query_map([kiosk], |r| {
        Ok(Pickup {
            pickup_id: r.get(0)?,
            code_salt: String::new(),
            code_hash: r.get(1)?,
            locker_door: r.get(2)?,
            document: r.get(3)?,
            document_en: String::new(),
            citizen_ref: None,
            holder: String::new(),
            postable: false,
            deposited_at: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
