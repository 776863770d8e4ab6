//! Online appointment bookings on SQLite (the single writer serializes them).

use std::collections::HashMap;

use rusqlite::{params, Connection, OptionalExtension};

use super::CachedExt;
use crate::store::model::decide_booking;
use crate::store::{now_rfc3339, BookOutcome, Booking, StoreError};

pub fn book(conn: &Connection, b: &Booking) -> Result<BookOutcome, StoreError> {
    let existing: Option<(String, (String, String, String))> = conn
        .query_row_cached(
            "SELECT appointment_id, service, date, slot_id FROM appointments WHERE request_id = ?1",
            [&b.request_id],
            |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?, r.get(3)?))),
        )
        .optional()?;
    let booked: u32 = conn.query_row_cached(
        "SELECT COUNT(*) FROM appointments WHERE service = ?1 AND date = ?2 AND slot_id = ?3",
        params![b.service, b.date, b.slot_id],
        |r| r.get(0),
    )?;
    let outcome = decide_booking(b, existing, booked);
    if let BookOutcome::Booked { appointment_id } = &outcome {
        conn.execute_cached(
            "INSERT INTO appointments
                 (appointment_id, request_id, kiosk_id, service, date, slot_id, citizen_ref, source, seq, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'online', NULL, ?8)",
            params![
                appointment_id,
                b.request_id,
                b.kiosk,
                b.service,
                b.date,
                b.slot_id,
                b.citizen_ref,
                now_rfc3339()
            ],
        )?;
    }
    Ok(outcome)
}

pub fn booked_counts(
    conn: &Connection,
    service: &str,
    date: &str,
) -> Result<HashMap<String, u32>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT slot_id, COUNT(*) FROM appointments WHERE service = ?1 AND date = ?2 GROUP BY slot_id",
    )?;
    let rows = stmt.query_map(params![service, date], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}
