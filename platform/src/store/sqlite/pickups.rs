//! Documents waiting in kiosk lockers (取件). A pickup code is stored only as its salted hash.

use rusqlite::{params, Connection};
use sanban_wire::Pickup;

use crate::store::clock::now_rfc3339;
use crate::store::error::StoreError;
use crate::store::model::{
    door_busy, unknown_kiosk, CodeRejectionCount, NewPickup, PendingNotice, StoredLockerAlert,
    StoredPickup,
};

/// Puts a document in a door of a kiosk's locker (a demo/test stand-in for the departments' delivery system).
/// Returns the pickup id. The door must not already hold a document.
pub fn add_pickup(conn: &Connection, p: &NewPickup) -> Result<String, StoreError> {
    p.check()?;
    let known: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM kiosks WHERE id = ?1)",
        [&p.kiosk],
        |r| r.get(0),
    )?;
    if !known {
        return Err(unknown_kiosk(&p.kiosk));
    }
    let busy: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM pickups WHERE kiosk_id = ?1 AND locker_door = ?2
                        AND collected_at IS NULL AND cleared_at IS NULL)",
        params![p.kiosk, p.door],
        |r| r.get(0),
    )?;
    if busy {
        return Err(door_busy(&p.kiosk, p.door));
    }
    let id = uuid::Uuid::now_v7().to_string();
    conn.execute(
        "INSERT INTO pickups (pickup_id, kiosk_id, locker_door, code_salt, code_hash, document, document_en,
                              citizen_ref, holder, postable, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            id,
            p.kiosk,
            p.door,
            p.code_salt,
            p.code_hash,
            p.document,
            p.document_en,
            p.citizen_ref,
            p.holder,
            p.postable,
            now_rfc3339()
        ],
    )?;
    Ok(id)
}

/// Documents waiting at `kiosk` for their citizen (not collected, held for the staff, posted or taken out), by
/// door.
pub fn open_pickups(conn: &Connection, kiosk: &str) -> Result<Vec<Pickup>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT pickup_id, code_salt, code_hash, locker_door, document, document_en, citizen_ref, holder, postable,
                created_at
         FROM pickups
         WHERE kiosk_id = ?1 AND collected_at IS NULL AND cleared_at IS NULL AND held_at IS NULL
               AND posted_at IS NULL
         ORDER BY locker_door",
    )?;
    let rows = stmt.query_map([kiosk], |r| {
        Ok(Pickup {
            pickup_id: r.get(0)?,
            code_salt: r.get(1)?,
            code_hash: r.get(2)?,
            locker_door: r.get(3)?,
            document: r.get(4)?,
            document_en: r.get(5)?,
            citizen_ref: r.get(6)?,
            holder: r.get(7)?,
            postable: r.get(8)?,
            deposited_at: r.get(9)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn pickup_records(conn: &Connection) -> Result<Vec<StoredPickup>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT p.pickup_id, p.kiosk_id, p.locker_door, p.document, p.document_no, p.created_at, p.collected_at,
                p.collected_method, p.held_at, p.held_reason, p.posted_at, p.cleared_at, p.postable,
                r.request_id, r.recipient
         FROM pickups p LEFT JOIN postal_requests r ON r.pickup_id = p.pickup_id
         ORDER BY p.kiosk_id, p.locker_door, p.created_at",
    )?;
    let rows = stmt.query_map([], |r| {
        let request: Option<String> = r.get(13)?;
        let recipient: Option<String> = r.get(14)?;
        Ok(StoredPickup {
            pickup_id: r.get(0)?,
            kiosk_id: r.get(1)?,
            locker_door: r.get(2)?,
            document: r.get(3)?,
            document_no: r.get(4)?,
            created_at: r.get(5)?,
            collected_at: r.get(6)?,
            collected_method: r.get(7)?,
            held_at: r.get(8)?,
            held_reason: r.get(9)?,
            posted_at: r.get(10)?,
            cleared_at: r.get(11)?,
            postable: r.get(12)?,
            postal: request.zip(recipient),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn code_rejections(conn: &Connection) -> Result<Vec<CodeRejectionCount>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT kiosk_id, COUNT(*), COUNT(locked_until), MAX(occurred_at) FROM pickup_code_rejections
         GROUP BY kiosk_id ORDER BY kiosk_id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(CodeRejectionCount {
            kiosk_id: r.get(0)?,
            wrong_codes: r.get(1)?,
            lockouts: r.get(2)?,
            last_at: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn locker_alerts(conn: &Connection, limit: u32) -> Result<Vec<StoredLockerAlert>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT kiosk_id, seq, locker_door, alert, open_seconds, occurred_at FROM locker_alerts
         ORDER BY occurred_at DESC, kiosk_id, seq DESC LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit], |r| {
        Ok(StoredLockerAlert {
            kiosk_id: r.get(0)?,
            seq: r.get(1)?,
            locker_door: r.get(2)?,
            alert: r.get(3)?,
            open_seconds: r.get(4)?,
            occurred_at: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn pending_notices(conn: &Connection) -> Result<Vec<PendingNotice>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT n.pickup_id, n.kiosk_id, p.locker_door, p.document_no, n.code
         FROM pickup_notices n JOIN pickups p ON p.pickup_id = n.pickup_id
         WHERE n.sent_at IS NULL AND n.code IS NOT NULL ORDER BY n.created_at, n.pickup_id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(PendingNotice {
            pickup_id: r.get(0)?,
            kiosk_id: r.get(1)?,
            locker_door: r.get(2)?,
            document_no: r.get(3)?,
            code_sealed: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn notice_sent(conn: &Connection, pickup_id: &str) -> Result<bool, StoreError> {
    let n = conn.execute(
        "UPDATE pickup_notices SET code = NULL, sent_at = ?2 WHERE pickup_id = ?1 AND sent_at IS NULL",
        params![pickup_id, now_rfc3339()],
    )?;
    Ok(n == 1)
}
