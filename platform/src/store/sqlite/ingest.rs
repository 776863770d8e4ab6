//! Settling event batches on SQLite: the single writer thread serializes every batch, so the kiosk "lock" is
//! simply reading its row. The batch flow is async (shared with PostgreSQL); here every step completes at once,
//! so the writer runs it with a plain `block_on`.

use std::future::{ready, Future};
use std::sync::Arc;

use rusqlite::{params, Connection, OptionalExtension};
use sanban_wire::Rejection;

use super::catalog::current_catalog;
use super::CachedExt;
use crate::appointments::Policy;
use crate::ingest::facts::{BookedRequest, Facts, FactsQuery, LeasedBlock, PickupState};
use crate::ingest::writes::Writes;
use crate::ingest::{settle_batch, BatchOutcome, BatchTx, EventIdUse, ParsedEvent, SettledEvent};
use crate::privacy::DataKey;
use crate::store::catalog::{CatalogCache, CatalogIndex};
use crate::store::error::StoreError;

pub fn settle(
    conn: &Connection,
    catalog: &CatalogCache,
    kiosk: &str,
    events: &[ParsedEvent],
    data_key: Option<&DataKey>,
    policy: &Policy,
) -> Result<BatchOutcome, StoreError> {
    let mut tx = SqliteTx { conn, catalog };
    futures_executor::block_on(settle_batch(&mut tx, kiosk, events, data_key, policy))
}

struct SqliteTx<'c> {
    conn: &'c Connection,
    catalog: &'c CatalogCache,
}

// The futures below are ready at once; what they return is computed before they are created.
impl BatchTx for SqliteTx<'_> {
    fn lock_kiosk(
        &mut self,
        kiosk: &str,
    ) -> impl Future<Output = Result<Option<u64>, StoreError>> + Send {
        ready(
            self.conn
                .query_row_cached(
                    "SELECT last_applied_seq FROM kiosks WHERE id = ?1",
                    [kiosk],
                    |r| r.get(0),
                )
                .optional()
                .map_err(StoreError::from),
        )
    }

    fn settled_events(
        &mut self,
        kiosk: &str,
        from: u64,
        to: u64,
    ) -> impl Future<Output = Result<Vec<SettledEvent>, StoreError>> + Send {
        ready(settled_events(self.conn, kiosk, from, to))
    }

    fn event_ids_in_use(
        &mut self,
        ids: &[String],
    ) -> impl Future<Output = Result<Vec<EventIdUse>, StoreError>> + Send {
        ready(event_ids_in_use(self.conn, ids))
    }

    fn catalog(&mut self) -> impl Future<Output = Result<Arc<CatalogIndex>, StoreError>> + Send {
        ready(current_catalog(self.conn, self.catalog))
    }

    fn facts(
        &mut self,
        kiosk: &str,
        query: &FactsQuery,
    ) -> impl Future<Output = Result<Facts, StoreError>> + Send {
        ready(facts(self.conn, kiosk, query))
    }

    fn write(&mut self, writes: &Writes) -> impl Future<Output = Result<(), StoreError>> + Send {
        ready(write(self.conn, writes))
    }

    fn rejections(
        &mut self,
        kiosk: &str,
        from: u64,
        to: u64,
    ) -> impl Future<Output = Result<Vec<Rejection>, StoreError>> + Send {
        ready(rejections(self.conn, kiosk, from, to))
    }
}

fn settled_events(
    conn: &Connection,
    kiosk: &str,
    from: u64,
    to: u64,
) -> Result<Vec<SettledEvent>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, event_id, kind, payload_sha256 FROM events WHERE kiosk_id = ?1 AND seq BETWEEN ?2 AND ?3",
    )?;
    let rows = stmt.query_map(params![kiosk, from, to], |r| {
        Ok(SettledEvent {
            seq: r.get(0)?,
            event_id: r.get(1)?,
            kind: r.get(2)?,
            payload_sha256: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn event_ids_in_use(conn: &Connection, ids: &[String]) -> Result<Vec<EventIdUse>, StoreError> {
    let mut used = Vec::new();
    let mut stmt = conn.prepare_cached("SELECT kiosk_id, seq FROM events WHERE event_id = ?1")?;
    for id in ids {
        if let Some((kiosk_id, seq)) = stmt
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?
        {
            used.push(EventIdUse {
                event_id: id.clone(),
                kiosk_id,
                seq,
            });
        }
    }
    Ok(used)
}

fn exists(conn: &Connection, sql: &str, key: &str) -> Result<bool, StoreError> {
    Ok(conn
        .query_row_cached(sql, [key], |_| Ok(()))
        .optional()?
        .is_some())
}

fn facts(conn: &Connection, kiosk: &str, q: &FactsQuery) -> Result<Facts, StoreError> {
    let mut f = Facts::default();
    for id in &q.ticket_ids {
        if exists(conn, "SELECT 1 FROM tickets WHERE ticket_id = ?1", id)? {
            f.ticket_ids.insert(id.clone());
        }
    }
    for key in &q.ticket_numbers {
        let holder: Option<String> = conn
            .query_row_cached(
                "SELECT kiosk_id FROM tickets WHERE business_day = ?1 AND category = ?2 AND number = ?3",
                params![key.0, key.1, key.2],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(holder) = holder {
            f.number_holders.insert(key.clone(), holder);
        }
    }
    for (day, category) in &q.lease_days {
        let mut stmt = conn.prepare_cached(
            "SELECT first_number, last_number FROM leases WHERE kiosk_id = ?1 AND business_day = ?2 AND category = ?3",
        )?;
        let rows = stmt.query_map(params![kiosk, day, category], |r| {
            Ok(LeasedBlock {
                business_day: day.clone(),
                category: category.clone(),
                first: r.get(0)?,
                last: r.get(1)?,
            })
        })?;
        for block in rows {
            f.leases.push(block?);
        }
    }
    for request_id in &q.appointment_requests {
        let booked = conn
            .query_row_cached(
                "SELECT appointment_id, service, date, slot_id FROM appointments WHERE request_id = ?1",
                [request_id],
                |r| {
                    Ok(BookedRequest {
                        appointment_id: r.get(0)?,
                        slot: (r.get(1)?, r.get(2)?, r.get(3)?),
                    })
                },
            )
            .optional()?;
        if let Some(booked) = booked {
            f.bookings.insert(request_id.clone(), booked);
        }
    }
    for slot in &q.slots {
        f.slot_counts
            .insert(slot.clone(), super::slots::slot_count(conn, slot)?);
    }
    for code in &q.appointment_codes {
        if let Some(b) = super::slots::by_code(conn, code)? {
            f.by_code.insert(code.clone(), b);
        }
    }
    for citizen in &q.citizens {
        f.citizens.insert(
            citizen.clone(),
            super::slots::citizen_record(conn, citizen)?,
        );
    }
    for id in &q.application_ids {
        if exists(
            conn,
            "SELECT 1 FROM applications WHERE application_id = ?1",
            id,
        )? {
            f.application_ids.insert(id.clone());
        }
    }
    for no in &q.application_nos {
        if exists(
            conn,
            "SELECT 1 FROM applications WHERE application_no = ?1",
            no,
        )? {
            f.application_nos.insert(no.clone());
        }
    }
    const PICKUP: &str = "SELECT pickup_id, kiosk_id, locker_door, collected_at, held_at, posted_at, cleared_at, postable
                          FROM pickups";
    let pickup_state = |r: &rusqlite::Row<'_>| -> rusqlite::Result<(String, PickupState)> {
        Ok((
            r.get(0)?,
            PickupState {
                kiosk_id: r.get(1)?,
                locker_door: r.get(2)?,
                collected_at: r.get(3)?,
                held_at: r.get(4)?,
                posted_at: r.get(5)?,
                cleared_at: r.get(6)?,
                postable: r.get(7)?,
            },
        ))
    };
    for id in &q.pickup_ids {
        let found = conn
            .query_row_cached(
                &format!("{PICKUP} WHERE pickup_id = ?1"),
                [id],
                pickup_state,
            )
            .optional()?;
        if let Some((id, state)) = found {
            f.pickups.insert(id, state);
        }
    }
    for door in &q.deposit_doors {
        let mut stmt = conn.prepare_cached(&format!(
            "{PICKUP} WHERE kiosk_id = ?1 AND locker_door = ?2 AND collected_at IS NULL AND cleared_at IS NULL"
        ))?;
        for row in stmt.query_map(params![kiosk, door], pickup_state)? {
            let (id, state) = row?;
            f.pickups.insert(id, state);
        }
    }
    for id in &q.postal_request_ids {
        let pickup: Option<String> = conn
            .query_row_cached(
                "SELECT pickup_id FROM postal_requests WHERE request_id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(pickup) = pickup {
            f.postal_requests.insert(id.clone(), pickup);
        }
    }
    for id in &q.rating_ids {
        if exists(conn, "SELECT 1 FROM ratings WHERE rating_id = ?1", id)? {
            f.rating_ids.insert(id.clone());
        }
    }
    Ok(f)
}

fn write(conn: &Connection, w: &Writes) -> Result<(), StoreError> {
    let kiosk = &w.kiosk;
    for r in &w.rejections {
        conn.execute_cached(
            "INSERT INTO rejections (kiosk_id, seq, reason, rejected_at) VALUES (?1, ?2, ?3, ?4)",
            params![kiosk, r.seq, r.reason, w.received_at],
        )?;
    }
    for e in &w.events {
        conn.execute_cached(
            "INSERT INTO events (kiosk_id, seq, event_id, kind, occurred_at, received_at, outcome, payload_sha256)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![kiosk, e.seq, e.event_id, e.kind, e.occurred_at, w.received_at, e.outcome.as_str(),
                    e.payload_sha256],
        )?;
    }
    for t in &w.tickets {
        conn.execute_cached(
            "INSERT INTO tickets (ticket_id, kiosk_id, seq, category, number, business_day, priority, offline,
                                  occurred_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![t.ticket_id, kiosk, t.seq, t.category, t.number, t.business_day, t.priority, t.offline,
                    t.occurred_at],
        )?;
    }
    for g in &w.guide_prints {
        conn.execute_cached(
            "INSERT INTO guide_prints (kiosk_id, seq, service, catalog_version, language, occurred_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![kiosk, g.seq, g.service, g.catalog_version, g.language, g.occurred_at],
        )?;
    }
    for h in &w.help_requests {
        conn.execute_cached(
            "INSERT INTO help_requests (kiosk_id, seq, page, occurred_at) VALUES (?1, ?2, ?3, ?4)",
            params![kiosk, h.seq, h.page, h.occurred_at],
        )?;
    }
    for m in &w.maintenance {
        conn.execute_cached(
            "INSERT INTO maintenance_events (kiosk_id, seq, kind, technician, what, target, result, occurred_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![kiosk, m.seq, m.kind, m.technician, m.what, m.target, m.result, m.occurred_at],
        )?;
    }
    for a in &w.appointments {
        conn.execute_cached(
            "INSERT INTO appointments
                 (appointment_id, request_id, kiosk_id, service, date, slot_id, citizen_ref, source, seq, created_at,
                  code, status, reason)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'event', ?8, ?9, ?10, ?11, ?12)",
            params![a.appointment_id, a.request_id, kiosk, a.service, a.date, a.slot_id, a.citizen_ref, a.seq,
                    w.received_at, a.code, a.status, a.reason],
        )?;
    }
    for c in &w.appointment_changes {
        conn.execute_cached(
            "UPDATE appointments SET status = COALESCE(?2, status), refusal_seen = (refusal_seen OR ?3),
                                     updated_at = ?4
             WHERE code = ?1",
            params![c.code, c.status, c.refusal_seen, w.received_at],
        )?;
    }
    for a in &w.applications {
        conn.execute_cached(
            "INSERT INTO applications (application_id, application_no, kiosk_id, seq, service, citizen_ref, fields,
                                       materials_provided, materials_owed, delivery, occurred_at,
                                       materials_deferred, applicant)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            params![a.application_id, a.application_no, kiosk, a.seq, a.service, a.citizen_ref, a.fields,
                    a.materials_provided, a.materials_owed, a.delivery, a.occurred_at, a.materials_deferred,
                    a.applicant_sealed],
        )?;
        // Its history starts with `received`, at the kiosk's time of submission.
        conn.execute_cached(
            "INSERT INTO application_statuses (application_id, step, status, at, note, set_by)
             VALUES (?1, 0, 'received', ?2, NULL, ?3)",
            params![a.application_id, a.occurred_at, format!("kiosk:{kiosk}")],
        )?;
    }
    for p in &w.pickups_collected {
        conn.execute_cached(
            "UPDATE pickups SET collected_at = ?2, collected_seq = ?3, collected_method = ?4 WHERE pickup_id = ?1",
            params![p.pickup_id, p.collected_at, p.seq, p.method],
        )?;
    }
    for r in &w.ratings {
        conn.execute_cached(
            "INSERT INTO ratings (rating_id, kiosk_id, seq, errand, service, level, reason, occurred_at, errand_id,
                                  channel, level_name, reasons, text, callback_phone, times_rated)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            params![r.rating_id, kiosk, r.seq, r.errand, r.service, r.level, r.reason, r.occurred_at, r.errand_id,
                    r.channel, r.level_name, r.reasons, r.text, r.callback_phone_sealed, r.times_rated],
        )?;
    }
    write_pickup_rows(conn, w)?;
    conn.execute_cached(
        "UPDATE kiosks SET last_applied_seq = ?2, last_seen = ?3 WHERE id = ?1",
        params![kiosk, w.applied_through, w.received_at],
    )?;
    Ok(())
}

/// The rows of the interim pickup and locker events.
fn write_pickup_rows(conn: &Connection, w: &Writes) -> Result<(), StoreError> {
    let kiosk = &w.kiosk;
    for h in &w.pickups_held {
        conn.execute_cached(
            "UPDATE pickups SET held_at = ?2, held_reason = ?3, held_seq = ?4 WHERE pickup_id = ?1",
            params![h.pickup_id, h.held_at, h.reason, h.seq],
        )?;
    }
    for d in &w.deposits {
        for id in &d.cleared {
            conn.execute_cached(
                "UPDATE pickups SET cleared_at = ?2 WHERE pickup_id = ?1",
                params![id, d.deposited_at],
            )?;
        }
        conn.execute_cached(
            "INSERT INTO pickups (pickup_id, kiosk_id, locker_door, code_salt, code_hash, document, document_no,
                                  deposited_seq, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?8)",
            params![d.pickup_id, kiosk, d.locker_door, d.code_salt, d.code_hash, d.document_no, d.seq,
                    d.deposited_at],
        )?;
        conn.execute_cached(
            "INSERT INTO pickup_notices (pickup_id, kiosk_id, code, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![d.pickup_id, kiosk, d.code_sealed, w.received_at],
        )?;
    }
    for p in &w.postal_requests {
        conn.execute_cached(
            "INSERT INTO postal_requests (request_id, pickup_id, kiosk_id, seq, citizen_ref, recipient, requested_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![p.request_id, p.pickup_id, kiosk, p.seq, p.citizen_ref, p.recipient_sealed, p.requested_at],
        )?;
        conn.execute_cached(
            "UPDATE pickups SET posted_at = ?2 WHERE pickup_id = ?1",
            params![p.pickup_id, p.requested_at],
        )?;
    }
    for c in &w.code_rejections {
        conn.execute_cached(
            "INSERT INTO pickup_code_rejections (kiosk_id, seq, failures_in_window, locked_until, occurred_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![kiosk, c.seq, c.failures_in_window, c.locked_until, c.occurred_at],
        )?;
    }
    for a in &w.locker_alerts {
        conn.execute_cached(
            "INSERT INTO locker_alerts (kiosk_id, seq, locker_door, alert, open_seconds, occurred_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![kiosk, a.seq, a.locker_door, a.alert, a.open_seconds, a.occurred_at],
        )?;
    }
    Ok(())
}

fn rejections(
    conn: &Connection,
    kiosk: &str,
    from: u64,
    to: u64,
) -> Result<Vec<Rejection>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, reason FROM rejections WHERE kiosk_id = ?1 AND seq BETWEEN ?2 AND ?3 ORDER BY seq",
    )?;
    let rows = stmt.query_map(params![kiosk, from, to], |r| {
        Ok(Rejection {
            seq: r.get(0)?,
            reason: r.get(1)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
