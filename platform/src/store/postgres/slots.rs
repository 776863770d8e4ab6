//! Online appointment bookings on PostgreSQL. A slot's capacity holds across platform instances: each booking
//! takes the slot's advisory lock (the same one the event ingest takes) before counting.

use std::collections::HashMap;

use deadpool_postgres::{GenericClient, Object};

use super::{pg_err, to_u32};
use crate::ingest::facts::SlotKey;
use crate::store::model::decide_booking;
use crate::store::{now_rfc3339, BookOutcome, Booking, StoreError};

/// Locks one appointment slot until the end of the transaction.
pub async fn lock_slot(tx: &impl GenericClient, slot: &SlotKey) -> Result<(), StoreError> {
    // Unit separators: PostgreSQL text cannot hold NUL.
    let key = format!("slot\u{1f}{}\u{1f}{}\u{1f}{}", slot.0, slot.1, slot.2);
    let stmt = tx
        .prepare_cached("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .await
        .map_err(pg_err)?;
    tx.execute(&stmt, &[&key]).await.map_err(pg_err)?;
    Ok(())
}

pub async fn book(client: &mut Object, b: &Booking) -> Result<BookOutcome, StoreError> {
    let tx = client.transaction().await.map_err(pg_err)?;
    let slot = (b.service.clone(), b.date.clone(), b.slot_id.clone());
    lock_slot(&tx, &slot).await?;
    let existing = tx
        .query_opt(
            "SELECT appointment_id, service, date, slot_id FROM appointments WHERE request_id = $1",
            &[&b.request_id],
        )
        .await
        .map_err(pg_err)?
        .map(|r| (r.get(0), (r.get(1), r.get(2), r.get(3))));
    let booked: i64 = tx
        .query_one(
            "SELECT COUNT(*) FROM appointments WHERE service = $1 AND date = $2 AND slot_id = $3",
            &[&b.service, &b.date, &b.slot_id],
        )
        .await
        .map_err(pg_err)?
        .get(0);
    let outcome = decide_booking(b, existing, to_u32(booked));
    if let BookOutcome::Booked { appointment_id } = &outcome {
        tx.execute(
            "INSERT INTO appointments
                 (appointment_id, request_id, kiosk_id, service, date, slot_id, citizen_ref, source, seq, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'online', NULL, $8)",
            &[
                appointment_id,
                &b.request_id,
                &b.kiosk,
                &b.service,
                &b.date,
                &b.slot_id,
                &b.citizen_ref,
                &now_rfc3339(),
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
            "SELECT slot_id, COUNT(*) FROM appointments WHERE service = $1 AND date = $2 GROUP BY slot_id",
            &[&service, &date],
        )
        .await
        .map_err(pg_err)?;
    Ok(rows.iter().map(|r| (r.get(0), to_u32(r.get(1)))).collect())
}
