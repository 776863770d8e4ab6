//! Appointments on SQLite: online bookings (the single writer serializes them, so the last place of a slot goes
//! to exactly one request), what the event rules need, the hall staff's list, a citizen's look-up and the
//! no-show pass.

use std::collections::HashMap;

use rusqlite::{params, Connection, OptionalExtension, Row};

use super::CachedExt;
use crate::appointments::{CitizenRecord, Policy};
use crate::ingest::facts::{SlotKey, StoredAppointment};
use crate::store::clock::now_rfc3339;
use crate::store::error::StoreError;
use crate::store::model::{decide_booking, AppointmentRecord, BookOutcome, Booking, BookingFacts};

/// Places of a slot taken (a cancelled or refused booking holds none).
pub fn slot_count(conn: &Connection, slot: &SlotKey) -> Result<u32, StoreError> {
    Ok(conn.query_row_cached(
        "SELECT COUNT(*) FROM appointments
         WHERE service = ?1 AND date = ?2 AND slot_id = ?3 AND status IN ('booked', 'checked_in', 'no_show')",
        params![slot.0, slot.1, slot.2],
        |r| r.get(0),
    )?)
}

pub fn by_code(conn: &Connection, code: &str) -> Result<Option<StoredAppointment>, StoreError> {
    Ok(conn
        .query_row_cached(
            "SELECT request_id, citizen_ref, service, date, slot_id, status FROM appointments WHERE code = ?1",
            [code],
            |r| {
                Ok(StoredAppointment {
                    request_id: r.get(0)?,
                    citizen_ref: r.get(1)?,
                    service: r.get(2)?,
                    date: r.get(3)?,
                    slot_id: r.get(4)?,
                    status: r.get(5)?,
                })
            },
        )
        .optional()?)
}

pub fn citizen_record(conn: &Connection, citizen_ref: &str) -> Result<CitizenRecord, StoreError> {
    let mut record = CitizenRecord::default();
    let mut stmt = conn.prepare_cached(
        "SELECT service, date, status FROM appointments
         WHERE citizen_ref = ?1 AND status IN ('booked', 'checked_in', 'no_show')",
    )?;
    let rows = stmt.query_map([citizen_ref], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    for row in rows {
        let (service, date, status) = row?;
        if status == "no_show" {
            record.no_shows.push(date);
        } else {
            record.active.push((service, date));
        }
    }
    Ok(record)
}

pub fn book(conn: &Connection, b: &Booking, policy: &Policy) -> Result<BookOutcome, StoreError> {
    let existing = conn
        .query_row_cached(
            "SELECT appointment_id, service, date, slot_id, status FROM appointments WHERE request_id = ?1",
            [&b.request_id],
            |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?, r.get(3)?), r.get(4)?)),
        )
        .optional()?;
    let facts = BookingFacts {
        existing,
        code_taken: by_code(conn, &b.code)?.is_some(),
        citizen: citizen_record(conn, &b.citizen_ref)?,
        booked: slot_count(
            conn,
            &(b.service.clone(), b.date.clone(), b.slot_id.clone()),
        )?,
    };
    let outcome = decide_booking(b, facts, policy);
    if let BookOutcome::Booked { appointment_id } = &outcome {
        conn.execute_cached(
            "INSERT INTO appointments
                 (appointment_id, request_id, kiosk_id, service, date, slot_id, citizen_ref, source, seq, created_at,
                  code, status)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'online', NULL, ?8, ?9, 'booked')",
            params![
                appointment_id,
                b.request_id,
                b.kiosk,
                b.service,
                b.date,
                b.slot_id,
                b.citizen_ref,
                now_rfc3339(),
                b.code
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
        "SELECT slot_id, COUNT(*) FROM appointments
         WHERE service = ?1 AND date = ?2 AND status IN ('booked', 'checked_in', 'no_show') GROUP BY slot_id",
    )?;
    let rows = stmt.query_map(params![service, date], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

const RECORD_COLUMNS: &str =
    "appointment_id, code, kiosk_id, service, date, slot_id, citizen_ref, status, \
                              reason, refusal_seen, source, created_at";

fn record(r: &Row<'_>) -> rusqlite::Result<AppointmentRecord> {
    Ok(AppointmentRecord {
        appointment_id: r.get(0)?,
        code: r.get(1)?,
        kiosk_id: r.get(2)?,
        service: r.get(3)?,
        date: r.get(4)?,
        slot_id: r.get(5)?,
        citizen_ref: r.get(6)?,
        status: r.get(7)?,
        reason: r.get(8)?,
        refusal_seen: r.get(9)?,
        source: r.get(10)?,
        created_at: r.get(11)?,
    })
}

/// A citizen's bookings dated `from` or later, and every refusal not yet seen, by date and slot.
pub fn citizen_appointments(
    conn: &Connection,
    citizen_ref: &str,
    from: &str,
) -> Result<Vec<AppointmentRecord>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {RECORD_COLUMNS} FROM appointments
         WHERE citizen_ref = ?1 AND (date >= ?2 OR (status = 'refused' AND NOT refusal_seen) OR status = 'no_show')
         ORDER BY date, slot_id, appointment_id"
    ))?;
    let rows = stmt.query_map(params![citizen_ref, from], record)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Bookings on `date` (every day when `None`), by date, service and slot.
pub fn appointments_on(
    conn: &Connection,
    date: Option<&str>,
) -> Result<Vec<AppointmentRecord>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {RECORD_COLUMNS} FROM appointments
         WHERE ?1 IS NULL OR date = ?1
         ORDER BY date, service, slot_id, appointment_id"
    ))?;
    let rows = stmt.query_map([date], record)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Marks every booking still "booked" on `through` or before as missed; returns how many.
pub fn mark_no_shows(conn: &Connection, through: &str) -> Result<u64, StoreError> {
    let n = conn.execute(
        "UPDATE appointments SET status = 'no_show', updated_at = ?2 WHERE status = 'booked' AND date <= ?1",
        params![through, now_rfc3339()],
    )?;
    Ok(n as u64)
}
