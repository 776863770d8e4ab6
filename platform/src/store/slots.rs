//! Appointment bookings against each service's slots (its appointment hours in the catalog).

use crate::store::CachedExt;
use std::collections::HashMap;

use rusqlite::{params, Connection, OptionalExtension};

use super::{now_rfc3339, StoreError};

/// A booking to make; the caller has checked that service, date and slot exist, and found the slot's capacity.
#[derive(Debug, Clone)]
pub struct Booking {
    pub request_id: String,
    pub kiosk: String,
    pub service: String,
    pub date: String,
    pub slot_id: String,
    pub citizen_ref: String,
    /// `POST /v1/appointments` ("online") or an `appointment.requested` event ("event", with its seq).
    pub seq: Option<u64>,
    /// Appointments the slot takes ([`sanban_wire::Service::slot_capacity`]).
    pub slot_capacity: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum BookOutcome {
    Booked {
        appointment_id: String,
    },
    /// The same request was booked before (a retry): same answer, no second booking.
    AlreadyBooked {
        appointment_id: String,
    },
    Full,
    /// The request id is already used by a booking for a different service, date or slot.
    RequestIdReused,
}

pub fn book(conn: &Connection, b: &Booking) -> Result<BookOutcome, StoreError> {
    let existing: Option<(String, String, String, String)> = conn
        .query_row_cached(
            "SELECT appointment_id, service, date, slot_id FROM appointments WHERE request_id = ?1",
            [&b.request_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    if let Some((appointment_id, service, date, slot_id)) = existing {
        return Ok(
            if (service, date, slot_id) == (b.service.clone(), b.date.clone(), b.slot_id.clone()) {
                BookOutcome::AlreadyBooked { appointment_id }
            } else {
                BookOutcome::RequestIdReused
            },
        );
    }
    let booked: u32 = conn.query_row_cached(
        "SELECT COUNT(*) FROM appointments WHERE service = ?1 AND date = ?2 AND slot_id = ?3",
        params![b.service, b.date, b.slot_id],
        |r| r.get(0),
    )?;
    if booked >= b.slot_capacity {
        return Ok(BookOutcome::Full);
    }
    let appointment_id = format!(
        "AP{}-{}",
        b.date.replace('-', ""),
        uuid::Uuid::now_v7().simple()
    );
    conn.execute_cached(
        "INSERT INTO appointments
             (appointment_id, request_id, kiosk_id, service, date, slot_id, citizen_ref, source, seq, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            appointment_id,
            b.request_id,
            b.kiosk,
            b.service,
            b.date,
            b.slot_id,
            b.citizen_ref,
            if b.seq.is_some() { "event" } else { "online" },
            b.seq,
            now_rfc3339()
        ],
    )?;
    Ok(BookOutcome::Booked { appointment_id })
}

/// Bookings per slot id of a service on a date.
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
