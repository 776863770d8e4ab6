//! Appointments on PostgreSQL. The rules hold across platform instances: a booking takes its slot's advisory lock
//! (the same one the event ingest takes) before counting, then its citizen's (one booking per service and day), so
//! of two kiosks asking for a slot's last place at once exactly one gets it.

use std::collections::HashMap;

use deadpool_postgres::{GenericClient, Object};

use super::{pg_err, to_u32};
use crate::appointments::{CitizenRecord, Policy};
use crate::ingest::facts::{SlotKey, StoredAppointment};
use crate::store::clock::now_rfc3339;
use crate::store::error::StoreError;
use crate::store::model::{decide_booking, AppointmentRecord, BookOutcome, Booking, BookingFacts};

async fn advisory_lock(tx: &impl GenericClient, key: &str) -> Result<(), StoreError> {
    let stmt = tx
        .prepare_cached("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .await
        .map_err(pg_err)?;
    tx.execute(&stmt, &[&key]).await.map_err(pg_err)?;
    Ok(())
}

/// Locks one appointment slot until the end of the transaction.
pub async fn lock_slot(tx: &impl GenericClient, slot: &SlotKey) -> Result<(), StoreError> {
    // Unit separators: PostgreSQL text cannot hold NUL.
    advisory_lock(
        tx,
        &format!("slot\u{1f}{}\u{1f}{}\u{1f}{}", slot.0, slot.1, slot.2),
    )
    .await
}

/// Locks one citizen's bookings until the end of the transaction (taken after the slot locks).
pub async fn lock_citizen(tx: &impl GenericClient, citizen_ref: &str) -> Result<(), StoreError> {
    advisory_lock(tx, &format!("citizen\u{1f}{citizen_ref}")).await
}

/// The bookings holding these codes.
pub async fn stored_by_code(
    tx: &impl GenericClient,
    codes: &[String],
) -> Result<HashMap<String, StoredAppointment>, StoreError> {
    if codes.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = tx
        .query(
            "SELECT code, request_id, citizen_ref, service, date, slot_id, status FROM appointments
             WHERE code = ANY($1)",
            &[&codes],
        )
        .await
        .map_err(pg_err)?;
    Ok(rows
        .iter()
        .map(|r| {
            (
                r.get(0),
                StoredAppointment {
                    request_id: r.get(1),
                    citizen_ref: r.get(2),
                    service: r.get(3),
                    date: r.get(4),
                    slot_id: r.get(5),
                    status: r.get(6),
                },
            )
        })
        .collect())
}

/// Active bookings and no-shows of these citizens.
pub async fn citizen_records(
    tx: &impl GenericClient,
    citizens: &[String],
) -> Result<HashMap<String, CitizenRecord>, StoreError> {
    let mut out: HashMap<String, CitizenRecord> = HashMap::new();
    if citizens.is_empty() {
        return Ok(out);
    }
    let rows = tx
        .query(
            "SELECT citizen_ref, service, date, status FROM appointments
             WHERE citizen_ref = ANY($1) AND status IN ('booked', 'checked_in', 'no_show')",
            &[&citizens],
        )
        .await
        .map_err(pg_err)?;
    for r in &rows {
        let record = out.entry(r.get(0)).or_default();
        let (service, date, status): (String, String, String) = (r.get(1), r.get(2), r.get(3));
        if status == "no_show" {
            record.no_shows.push(date);
        } else {
            record.active.push((service, date));
        }
    }
    Ok(out)
}

pub async fn book(
    client: &mut Object,
    b: &Booking,
    policy: &Policy,
) -> Result<BookOutcome, StoreError> {
    let tx = client.transaction().await.map_err(pg_err)?;
    let slot = (b.service.clone(), b.date.clone(), b.slot_id.clone());
    lock_slot(&tx, &slot).await?;
    lock_citizen(&tx, &b.citizen_ref).await?;
    let existing = tx
        .query_opt(
            "SELECT appointment_id, service, date, slot_id, status FROM appointments WHERE request_id = $1",
            &[&b.request_id],
        )
        .await
        .map_err(pg_err)?
        .map(|r| (r.get(0), (r.get(1), r.get(2), r.get(3)), r.get(4)));
    let booked: i64 = tx
        .query_one(
            "SELECT COUNT(*) FROM appointments
             WHERE service = $1 AND date = $2 AND slot_id = $3 AND status IN ('booked', 'checked_in', 'no_show')",
            &[&b.service, &b.date, &b.slot_id],
        )
        .await
        .map_err(pg_err)?
        .get(0);
    let code_taken = !stored_by_code(&tx, std::slice::from_ref(&b.code))
        .await?
        .is_empty();
    let citizen = citizen_records(&tx, std::slice::from_ref(&b.citizen_ref))
        .await?
        .remove(&b.citizen_ref)
        .unwrap_or_default();
    let facts = BookingFacts {
        existing,
        code_taken,
        citizen,
        booked: to_u32(booked),
    };
    let outcome = decide_booking(b, facts, policy);
    if let BookOutcome::Booked { appointment_id } = &outcome {
        tx.execute(
            "INSERT INTO appointments
                 (appointment_id, request_id, kiosk_id, service, date, slot_id, citizen_ref, source, seq, created_at,
                  code, status)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'online', NULL, $8, $9, 'booked')",
            &[
                appointment_id,
                &b.request_id,
                &b.kiosk,
                &b.service,
                &b.date,
                &b.slot_id,
                &b.citizen_ref,
                &now_rfc3339(),
                &b.code,
            ],
        )
        .await
        .map_err(pg_err)?;
    }
    tx.commit().await.map_err(pg_err)?;
    Ok(outcome)
}

pub async fn booked_counts(
    client: &Object,
    service: &str,
    date: &str,
) -> Result<HashMap<String, u32>, StoreError> {
    let rows = client
        .query(
            "SELECT slot_id, COUNT(*) FROM appointments
             WHERE service = $1 AND date = $2 AND status IN ('booked', 'checked_in', 'no_show') GROUP BY slot_id",
            &[&service, &date],
        )
        .await
        .map_err(pg_err)?;
    Ok(rows.iter().map(|r| (r.get(0), to_u32(r.get(1)))).collect())
}

const RECORD_COLUMNS: &str =
    "appointment_id, code, kiosk_id, service, date, slot_id, citizen_ref, status, \
                              reason, refusal_seen, source, created_at";

fn record(r: &tokio_postgres::Row) -> AppointmentRecord {
    AppointmentRecord {
        appointment_id: r.get(0),
        code: r.get(1),
        kiosk_id: r.get(2),
        service: r.get(3),
        date: r.get(4),
        slot_id: r.get(5),
        citizen_ref: r.get(6),
        status: r.get(7),
        reason: r.get(8),
        refusal_seen: r.get(9),
        source: r.get(10),
        created_at: r.get(11),
    }
}

pub async fn citizen_appointments(
    client: &Object,
    citizen_ref: &str,
    from: &str,
) -> Result<Vec<AppointmentRecord>, StoreError> {
    let rows = client
        .query(
            &format!(
                "SELECT {RECORD_COLUMNS} FROM appointments
                 WHERE citizen_ref = $1
                   AND (date >= $2 OR (status = 'refused' AND NOT refusal_seen) OR status = 'no_show')
                 ORDER BY date, slot_id, appointment_id"
            ),
            &[&citizen_ref, &from],
        )
        .await
        .map_err(pg_err)?;
    Ok(rows.iter().map(record).collect())
}

pub async fn appointments_on(
    client: &Object,
    date: Option<&str>,
) -> Result<Vec<AppointmentRecord>, StoreError> {
    let rows = client
        .query(
            &format!(
                "SELECT {RECORD_COLUMNS} FROM appointments
                 WHERE $1::text IS NULL OR date = $1
                 ORDER BY date, service, slot_id, appointment_id"
            ),
            &[&date],
        )
        .await
        .map_err(pg_err)?;
    Ok(rows.iter().map(record).collect())
}

pub async fn mark_no_shows(client: &Object, through: &str) -> Result<u64, StoreError> {
    client
        .execute(
            "UPDATE appointments SET status = 'no_show', updated_at = $2 WHERE status = 'booked' AND date <= $1",
            &[&through, &now_rfc3339()],
        )
        .await
        .map_err(pg_err)
}
