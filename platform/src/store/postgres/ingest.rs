//! Settling event batches on PostgreSQL, exactly once across platform instances.
//!
//! **Per-kiosk row locks, READ COMMITTED** (not SERIALIZABLE): a batch (in the transaction it shares with the
//! other batches of its group: see [`super::commit_groups`]) starts with
//! `SELECT … FROM kiosks WHERE id = $1 FOR UPDATE`. The same kiosk's batches — a retry landing on another
//! instance, or the same batch sent to two instances at once — queue on that one row; the second runs after the
//! first commits and, since READ COMMITTED takes a fresh snapshot per statement, sees its `last_applied_seq` and
//! its events, so it skips them as duplicates (or compares them). Other kiosks' batches never wait on that lock
//! and are never aborted by it. SERIALIZABLE would give the same guarantee by aborting one of two conflicting
//! transactions, but its predicate locks also conflict across kiosks that merely touch neighbouring index pages
//! (every batch inserts into the same `tickets` and `events` indexes), so under a thousand kiosks it would abort
//! and retry good work.
//!
//! The few invariants that span kiosks take their own locks: an appointment slot's capacity (an advisory lock per
//! slot, also taken by `POST /v1/appointments`) and a pickup (its row, `FOR UPDATE`). Globally unique ids (ticket,
//! rating, application, event) are checked first and backed by unique indexes: two kiosks forging the same id at
//! the same instant make one batch fail (503, retried), never a double.
//!
//! Each step is one statement for the whole batch (arrays in, `UNNEST` for inserts), and independent statements
//! are pipelined on the connection, so a batch costs a handful of round trips whatever its size.

use std::sync::Arc;

use deadpool_postgres::Transaction;
use sanban_wire::Rejection;

use super::catalog::current_catalog;
use super::slots::{citizen_records, lock_citizen, lock_slot, stored_by_code};
use super::{pg_err, to_i64, to_u32, to_u64};
use crate::appointments::Policy;
use crate::ingest::facts::{BookedRequest, Facts, FactsQuery, LeasedBlock, PickupState};
use crate::ingest::writes::Writes;
use crate::ingest::{settle_batch, BatchOutcome, BatchTx, EventIdUse, ParsedEvent, SettledEvent};
use crate::privacy::DataKey;
use crate::store::catalog::{CatalogCache, CatalogIndex};
use crate::store::error::StoreError;

/// Settles one kiosk's batch inside `tx` (the caller commits or rolls back: see [`super::commit_groups`]).
pub async fn settle_in(
    tx: &Transaction<'_>,
    catalog: &CatalogCache,
    kiosk: &str,
    events: &[ParsedEvent],
    data_key: Option<&DataKey>,
    policy: &Policy,
) -> Result<BatchOutcome, StoreError> {
    let mut batch = PgTx { tx, catalog };
    settle_batch(&mut batch, kiosk, events, data_key, policy).await
}

struct PgTx<'t> {
    tx: &'t Transaction<'t>,
    catalog: &'t CatalogCache,
}

impl PgTx<'_> {
    async fn query(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<Vec<tokio_postgres::Row>, StoreError> {
        let stmt = self.tx.prepare_cached(sql).await.map_err(pg_err)?;
        self.tx.query(&stmt, params).await.map_err(pg_err)
    }

    async fn execute(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<u64, StoreError> {
        let stmt = self.tx.prepare_cached(sql).await.map_err(pg_err)?;
        self.tx.execute(&stmt, params).await.map_err(pg_err)
    }
}

impl BatchTx for PgTx<'_> {
    async fn lock_kiosk(&mut self, kiosk: &str) -> Result<Option<u64>, StoreError> {
        let rows = self
            .query(
                "SELECT last_applied_seq FROM kiosks WHERE id = $1 FOR UPDATE",
                &[&kiosk],
            )
            .await?;
        Ok(rows.first().map(|r| to_u64(r.get(0))))
    }

    async fn settled_events(
        &mut self,
        kiosk: &str,
        from: u64,
        to: u64,
    ) -> Result<Vec<SettledEvent>, StoreError> {
        let rows = self
            .query(
                "SELECT seq, event_id, kind, payload_sha256 FROM events
                 WHERE kiosk_id = $1 AND seq BETWEEN $2 AND $3",
                &[&kiosk, &to_i64(from)?, &to_i64(to)?],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| SettledEvent {
                seq: to_u64(r.get(0)),
                event_id: r.get(1),
                kind: r.get(2),
                payload_sha256: r.get(3),
            })
            .collect())
    }

    async fn event_ids_in_use(&mut self, ids: &[String]) -> Result<Vec<EventIdUse>, StoreError> {
        let rows = self
            .query(
                "SELECT event_id, kiosk_id, seq FROM events WHERE event_id = ANY($1)",
                &[&ids],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| EventIdUse {
                event_id: r.get(0),
                kiosk_id: r.get(1),
                seq: to_u64(r.get(2)),
            })
            .collect())
    }

    async fn catalog(&mut self) -> Result<Arc<CatalogIndex>, StoreError> {
        current_catalog(self.tx, self.catalog).await
    }

    async fn facts(&mut self, kiosk: &str, q: &FactsQuery) -> Result<Facts, StoreError> {
        facts(self, kiosk, q).await
    }

    async fn write(&mut self, w: &Writes) -> Result<(), StoreError> {
        write(self, w).await
    }

    async fn rejections(
        &mut self,
        kiosk: &str,
        from: u64,
        to: u64,
    ) -> Result<Vec<Rejection>, StoreError> {
        let rows = self
            .query(
                "SELECT seq, reason FROM rejections WHERE kiosk_id = $1 AND seq BETWEEN $2 AND $3 ORDER BY seq",
                &[&kiosk, &to_i64(from)?, &to_i64(to)?],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| Rejection {
                seq: to_u64(r.get(0)),
                reason: r.get(1),
            })
            .collect())
    }
}

/// Unzips keys of three parts into three arrays (for `UNNEST`).
fn columns3(keys: &[(String, String, String)]) -> (Vec<&str>, Vec<&str>, Vec<&str>) {
    let mut out = (Vec::new(), Vec::new(), Vec::new());
    for (a, b, c) in keys {
        out.0.push(a.as_str());
        out.1.push(b.as_str());
        out.2.push(c.as_str());
    }
    out
}

async fn facts(t: &PgTx<'_>, kiosk: &str, q: &FactsQuery) -> Result<Facts, StoreError> {
    // Slot locks first, in the query's (sorted) order, before the slots' bookings are counted.
    for slot in &q.slots {
        lock_slot(t.tx, slot).await?;
    }
    // Then the citizens asking for bookings (one per service and day, across instances), also sorted.
    for citizen in &q.citizens {
        lock_citizen(t.tx, citizen).await?;
    }
    let (days, cats, numbers) = columns3(&q.ticket_numbers);
    let lease_days: Vec<&str> = q.lease_days.iter().map(|(d, _)| d.as_str()).collect();
    let (services, dates, slot_ids) = columns3(&q.slots);
    let ticket_ids = async {
        if q.ticket_ids.is_empty() {
            return Ok(Vec::new());
        }
        t.query(
            "SELECT ticket_id FROM tickets WHERE ticket_id = ANY($1)",
            &[&q.ticket_ids],
        )
        .await
    };
    let holders = async {
        if numbers.is_empty() {
            return Ok(Vec::new());
        }
        t.query(
            "SELECT t.business_day, t.category, t.number, t.kiosk_id
             FROM tickets t JOIN UNNEST($1::text[], $2::text[], $3::text[]) AS k(d, c, n)
               ON t.business_day = k.d AND t.category = k.c AND t.number = k.n",
            &[&days, &cats, &numbers],
        )
        .await
    };
    let leases = async {
        if lease_days.is_empty() {
            return Ok(Vec::new());
        }
        t.query(
            "SELECT business_day, category, first_number, last_number FROM leases
             WHERE kiosk_id = $1 AND business_day = ANY($2)",
            &[&kiosk, &lease_days],
        )
        .await
    };
    let bookings = async {
        if q.appointment_requests.is_empty() {
            return Ok(Vec::new());
        }
        t.query(
            "SELECT request_id, appointment_id, service, date, slot_id FROM appointments WHERE request_id = ANY($1)",
            &[&q.appointment_requests],
        )
        .await
    };
    let slot_counts = async {
        if services.is_empty() {
            return Ok(Vec::new());
        }
        t.query(
            "SELECT a.service, a.date, a.slot_id, COUNT(*)
             FROM appointments a JOIN UNNEST($1::text[], $2::text[], $3::text[]) AS k(s, d, sl)
               ON a.service = k.s AND a.date = k.d AND a.slot_id = k.sl
             WHERE a.status IN ('booked', 'checked_in', 'no_show')
             GROUP BY a.service, a.date, a.slot_id",
            &[&services, &dates, &slot_ids],
        )
        .await
    };
    let application_ids = async {
        if q.application_ids.is_empty() {
            return Ok(Vec::new());
        }
        t.query(
            "SELECT application_id FROM applications WHERE application_id = ANY($1)",
            &[&q.application_ids],
        )
        .await
    };
    let application_nos = async {
        if q.application_nos.is_empty() {
            return Ok(Vec::new());
        }
        t.query(
            "SELECT application_no FROM applications WHERE application_no = ANY($1)",
            &[&q.application_nos],
        )
        .await
    };
    let pickups = async {
        if q.pickup_ids.is_empty() {
            return Ok(Vec::new());
        }
        t.query(
            "SELECT pickup_id, kiosk_id, locker_door, collected_at, held_at, posted_at, cleared_at, postable
             FROM pickups WHERE pickup_id = ANY($1) ORDER BY pickup_id FOR UPDATE",
            &[&q.pickup_ids],
        )
        .await
    };
    let deposit_doors: Vec<i64> = q.deposit_doors.iter().map(|&d| i64::from(d)).collect();
    let in_doors = async {
        if deposit_doors.is_empty() {
            return Ok(Vec::new());
        }
        // The kiosk's row lock (taken first) already orders this with its own batches and with `pickup add`.
        t.query(
            "SELECT pickup_id, kiosk_id, locker_door, collected_at, held_at, posted_at, cleared_at, postable
             FROM pickups
             WHERE kiosk_id = $1 AND locker_door = ANY($2) AND collected_at IS NULL AND cleared_at IS NULL",
            &[&kiosk, &deposit_doors],
        )
        .await
    };
    let postal = async {
        if q.postal_request_ids.is_empty() {
            return Ok(Vec::new());
        }
        t.query(
            "SELECT request_id, pickup_id FROM postal_requests WHERE request_id = ANY($1)",
            &[&q.postal_request_ids],
        )
        .await
    };
    let ratings = async {
        if q.rating_ids.is_empty() {
            return Ok(Vec::new());
        }
        t.query(
            "SELECT rating_id FROM ratings WHERE rating_id = ANY($1)",
            &[&q.rating_ids],
        )
        .await
    };
    let by_code = stored_by_code(t.tx, &q.appointment_codes);
    let citizens = citizen_records(t.tx, &q.citizens);
    // Sent together: the connection pipelines them.
    let (
        ticket_ids,
        holders,
        leases,
        bookings,
        slot_counts,
        application_ids,
        application_nos,
        pickups,
        ratings,
        in_doors,
        postal,
        by_code,
        citizens,
    ) = tokio::try_join!(
        ticket_ids,
        holders,
        leases,
        bookings,
        slot_counts,
        application_ids,
        application_nos,
        pickups,
        ratings,
        in_doors,
        postal,
        by_code,
        citizens
    )?;
    Ok(Facts {
        ticket_ids: ticket_ids.iter().map(|r| r.get(0)).collect(),
        number_holders: holders
            .iter()
            .map(|r| ((r.get(0), r.get(1), r.get(2)), r.get(3)))
            .collect(),
        leases: leases
            .iter()
            .map(|r| LeasedBlock {
                business_day: r.get(0),
                category: r.get(1),
                first: to_u32(r.get(2)),
                last: to_u32(r.get(3)),
            })
            .collect(),
        bookings: bookings
            .iter()
            .map(|r| {
                (
                    r.get(0),
                    BookedRequest {
                        appointment_id: r.get(1),
                        slot: (r.get(2), r.get(3), r.get(4)),
                    },
                )
            })
            .collect(),
        slot_counts: slot_counts
            .iter()
            .map(|r| ((r.get(0), r.get(1), r.get(2)), to_u32(r.get(3))))
            .collect(),
        application_ids: application_ids.iter().map(|r| r.get(0)).collect(),
        application_nos: application_nos.iter().map(|r| r.get(0)).collect(),
        pickups: pickups
            .iter()
            .chain(&in_doors)
            .map(|r| {
                (
                    r.get(0),
                    PickupState {
                        kiosk_id: r.get(1),
                        locker_door: to_u32(r.get(2)),
                        collected_at: r.get(3),
                        held_at: r.get(4),
                        posted_at: r.get(5),
                        cleared_at: r.get(6),
                        postable: r.get(7),
                    },
                )
            })
            .collect(),
        rating_ids: ratings.iter().map(|r| r.get(0)).collect(),
        postal_requests: postal.iter().map(|r| (r.get(0), r.get(1))).collect(),
        by_code,
        citizens,
    })
}

async fn write(t: &PgTx<'_>, w: &Writes) -> Result<(), StoreError> {
    let kiosk = w.kiosk.as_str();
    let at = w.received_at.as_str();
    let seqs = |rows: &mut dyn Iterator<Item = u64>| -> Result<Vec<i64>, StoreError> {
        rows.map(to_i64).collect()
    };

    let event_seqs = seqs(&mut w.events.iter().map(|e| e.seq))?;
    let event_ids: Vec<&str> = w.events.iter().map(|e| e.event_id.as_str()).collect();
    let kinds: Vec<&str> = w.events.iter().map(|e| e.kind).collect();
    let occurred: Vec<&str> = w.events.iter().map(|e| e.occurred_at.as_str()).collect();
    let outcomes: Vec<&str> = w.events.iter().map(|e| e.outcome.as_str()).collect();
    let hashes: Vec<&str> = w.events.iter().map(|e| e.payload_sha256.as_str()).collect();
    let events = async {
        if event_seqs.is_empty() {
            return Ok(0);
        }
        t.execute(
            "INSERT INTO events (kiosk_id, seq, event_id, kind, occurred_at, received_at, outcome, payload_sha256)
             SELECT $1, u.s, u.e, u.k, u.o, $2, u.oc, u.h
             FROM UNNEST($3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
                  AS u(s, e, k, o, oc, h)",
            &[&kiosk, &at, &event_seqs, &event_ids, &kinds, &occurred, &outcomes, &hashes],
        )
        .await
    };

    let rej_seqs = seqs(&mut w.rejections.iter().map(|r| r.seq))?;
    let reasons: Vec<&str> = w.rejections.iter().map(|r| r.reason.as_str()).collect();
    let rejections = async {
        if rej_seqs.is_empty() {
            return Ok(0);
        }
        t.execute(
            "INSERT INTO rejections (kiosk_id, seq, reason, rejected_at)
             SELECT $1, u.s, u.r, $2 FROM UNNEST($3::bigint[], $4::text[]) AS u(s, r)",
            &[&kiosk, &at, &rej_seqs, &reasons],
        )
        .await
    };

    let tk = &w.tickets;
    let t_ids: Vec<&str> = tk.iter().map(|x| x.ticket_id.as_str()).collect();
    let t_seqs = seqs(&mut tk.iter().map(|x| x.seq))?;
    let t_cats: Vec<&str> = tk.iter().map(|x| x.category.as_str()).collect();
    let t_numbers: Vec<&str> = tk.iter().map(|x| x.number.as_str()).collect();
    let t_days: Vec<&str> = tk.iter().map(|x| x.business_day.as_str()).collect();
    let t_priority: Vec<bool> = tk.iter().map(|x| x.priority).collect();
    let t_offline: Vec<bool> = tk.iter().map(|x| x.offline).collect();
    let t_at: Vec<&str> = tk.iter().map(|x| x.occurred_at.as_str()).collect();
    let tickets = async {
        if t_ids.is_empty() {
            return Ok(0);
        }
        t.execute(
            "INSERT INTO tickets (ticket_id, kiosk_id, seq, category, number, business_day, priority, offline,
                                  occurred_at)
             SELECT u.i, $1, u.s, u.c, u.n, u.d, u.p, u.o, u.a
             FROM UNNEST($2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::bool[], $8::bool[],
                         $9::text[]) AS u(i, s, c, n, d, p, o, a)",
            &[&kiosk, &t_ids, &t_seqs, &t_cats, &t_numbers, &t_days, &t_priority, &t_offline, &t_at],
        )
        .await
    };

    let rt = &w.ratings;
    let r_ids: Vec<&str> = rt.iter().map(|x| x.rating_id.as_str()).collect();
    let r_seqs = seqs(&mut rt.iter().map(|x| x.seq))?;
    let r_errands: Vec<&str> = rt.iter().map(|x| x.errand.as_str()).collect();
    let r_services: Vec<Option<&str>> = rt.iter().map(|x| x.service.as_deref()).collect();
    let r_levels: Vec<i64> = rt.iter().map(|x| i64::from(x.level)).collect();
    let r_reasons: Vec<Option<&str>> = rt.iter().map(|x| x.reason.as_deref()).collect();
    let r_at: Vec<&str> = rt.iter().map(|x| x.occurred_at.as_str()).collect();
    let r_errand_ids: Vec<&str> = rt.iter().map(|x| x.errand_id.as_str()).collect();
    let r_channels: Vec<&str> = rt.iter().map(|x| x.channel.as_str()).collect();
    let r_level_names: Vec<&str> = rt.iter().map(|x| x.level_name).collect();
    let r_reason_lists: Vec<&str> = rt.iter().map(|x| x.reasons.as_str()).collect();
    let r_texts: Vec<Option<&str>> = rt.iter().map(|x| x.text.as_deref()).collect();
    let r_phones: Vec<Option<&str>> = rt
        .iter()
        .map(|x| x.callback_phone_sealed.as_deref())
        .collect();
    let r_times: Vec<i64> = rt.iter().map(|x| i64::from(x.times_rated)).collect();
    let ratings = async {
        if r_ids.is_empty() {
            return Ok(0);
        }
        t.execute(
            "INSERT INTO ratings (rating_id, kiosk_id, seq, errand, service, level, reason, occurred_at, errand_id,
                                  channel, level_name, reasons, text, callback_phone, times_rated)
             SELECT u.i, $1, u.s, u.e, u.sv, u.l, u.r, u.a, u.ei, u.ch, u.ln, u.rs, u.tx, u.ph, u.tr
             FROM UNNEST($2::text[], $3::bigint[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::text[],
                         $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::bigint[])
                  AS u(i, s, e, sv, l, r, a, ei, ch, ln, rs, tx, ph, tr)",
            &[&kiosk, &r_ids, &r_seqs, &r_errands, &r_services, &r_levels, &r_reasons, &r_at, &r_errand_ids,
              &r_channels, &r_level_names, &r_reason_lists, &r_texts, &r_phones, &r_times],
        )
        .await
    };

    let gp = &w.guide_prints;
    let g_seqs = seqs(&mut gp.iter().map(|x| x.seq))?;
    let g_services: Vec<&str> = gp.iter().map(|x| x.service.as_str()).collect();
    let g_versions = seqs(&mut gp.iter().map(|x| x.catalog_version))?;
    let g_langs: Vec<&str> = gp.iter().map(|x| x.language.as_str()).collect();
    let g_at: Vec<&str> = gp.iter().map(|x| x.occurred_at.as_str()).collect();
    let guide_prints = async {
        if g_seqs.is_empty() {
            return Ok(0);
        }
        t.execute(
            "INSERT INTO guide_prints (kiosk_id, seq, service, catalog_version, language, occurred_at)
             SELECT $1, u.s, u.sv, u.v, u.l, u.a
             FROM UNNEST($2::bigint[], $3::text[], $4::bigint[], $5::text[], $6::text[]) AS u(s, sv, v, l, a)",
            &[&kiosk, &g_seqs, &g_services, &g_versions, &g_langs, &g_at],
        )
        .await
    };

    let hr = &w.help_requests;
    let h_seqs = seqs(&mut hr.iter().map(|x| x.seq))?;
    let h_pages: Vec<&str> = hr.iter().map(|x| x.page.as_str()).collect();
    let h_at: Vec<&str> = hr.iter().map(|x| x.occurred_at.as_str()).collect();
    let help_requests = async {
        if h_seqs.is_empty() {
            return Ok(0);
        }
        t.execute(
            "INSERT INTO help_requests (kiosk_id, seq, page, occurred_at)
             SELECT $1, u.s, u.p, u.a FROM UNNEST($2::bigint[], $3::text[], $4::text[]) AS u(s, p, a)",
            &[&kiosk, &h_seqs, &h_pages, &h_at],
        )
        .await
    };

    // Appointments, applications and pickups are rare next to tickets: a statement per row.
    let others = async {
        for a in &w.appointments {
            t.execute(
                "INSERT INTO appointments
                     (appointment_id, request_id, kiosk_id, service, date, slot_id, citizen_ref, source, seq,
                      created_at, code, status, reason)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 'event', $8, $9, $10, $11, $12)",
                &[&a.appointment_id, &a.request_id, &kiosk, &a.service, &a.date, &a.slot_id, &a.citizen_ref,
                  &to_i64(a.seq)?, &at, &a.code, &a.status, &a.reason],
            )
            .await?;
        }
        for c in &w.appointment_changes {
            t.execute(
                "UPDATE appointments SET status = COALESCE($2, status), refusal_seen = (refusal_seen OR $3),
                                         updated_at = $4
                 WHERE code = $1",
                &[&c.code, &c.status, &c.refusal_seen, &at],
            )
            .await?;
        }
        for a in &w.applications {
            t.execute(
                "INSERT INTO applications (application_id, application_no, kiosk_id, seq, service, citizen_ref,
                                           fields, materials_provided, materials_owed, delivery, occurred_at,
                                           materials_deferred, applicant)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                &[&a.application_id, &a.application_no, &kiosk, &to_i64(a.seq)?, &a.service, &a.citizen_ref,
                  &a.fields, &a.materials_provided, &a.materials_owed, &a.delivery, &a.occurred_at,
                  &a.materials_deferred, &a.applicant_sealed],
            )
            .await?;
            // Its history starts with `received`, at the kiosk's time of submission.
            t.execute(
                "INSERT INTO application_statuses (application_id, step, status, at, note, set_by)
                 VALUES ($1, 0, 'received', $2, NULL, $3)",
                &[&a.application_id, &a.occurred_at, &format!("kiosk:{kiosk}")],
            )
            .await?;
        }
        for m in &w.maintenance {
            t.execute(
                "INSERT INTO maintenance_events
                     (kiosk_id, seq, kind, technician, what, target, result, occurred_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                &[
                    &kiosk,
                    &to_i64(m.seq)?,
                    &m.kind,
                    &m.technician,
                    &m.what,
                    &m.target,
                    &m.result,
                    &m.occurred_at,
                ],
            )
            .await?;
        }
        for p in &w.pickups_collected {
            t.execute(
                "UPDATE pickups SET collected_at = $2, collected_seq = $3, collected_method = $4
                 WHERE pickup_id = $1",
                &[&p.pickup_id, &p.collected_at, &to_i64(p.seq)?, &p.method],
            )
            .await?;
        }
        write_pickup_rows(t, w).await?;
        Ok::<_, StoreError>(0)
    };

    let applied_through = to_i64(w.applied_through)?;
    let kiosk_row = async {
        t.execute(
            "UPDATE kiosks SET last_applied_seq = $2, last_seen = $3 WHERE id = $1",
            &[&kiosk, &applied_through, &at],
        )
        .await
    };
    tokio::try_join!(
        events,
        rejections,
        tickets,
        ratings,
        guide_prints,
        help_requests,
        others,
        kiosk_row
    )?;
    Ok(())
}

/// The rows of the interim pickup and locker events (rare: a statement per row, in order).
async fn write_pickup_rows(t: &PgTx<'_>, w: &Writes) -> Result<(), StoreError> {
    let kiosk = w.kiosk.as_str();
    for h in &w.pickups_held {
        t.execute(
            "UPDATE pickups SET held_at = $2, held_reason = $3, held_seq = $4 WHERE pickup_id = $1",
            &[&h.pickup_id, &h.held_at, &h.reason, &to_i64(h.seq)?],
        )
        .await?;
    }
    for d in &w.deposits {
        for id in &d.cleared {
            t.execute(
                "UPDATE pickups SET cleared_at = $2 WHERE pickup_id = $1",
                &[id, &d.deposited_at],
            )
            .await?;
        }
        t.execute(
            "INSERT INTO pickups (pickup_id, kiosk_id, locker_door, code_salt, code_hash, document, document_no,
                                  deposited_seq, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8)",
            &[&d.pickup_id, &kiosk, &i64::from(d.locker_door), &d.code_salt, &d.code_hash, &d.document_no,
              &to_i64(d.seq)?, &d.deposited_at],
        )
        .await?;
        t.execute(
            "INSERT INTO pickup_notices (pickup_id, kiosk_id, code, created_at) VALUES ($1, $2, $3, $4)",
            &[&d.pickup_id, &kiosk, &d.code_sealed, &w.received_at],
        )
        .await?;
    }
    for p in &w.postal_requests {
        t.execute(
            "INSERT INTO postal_requests (request_id, pickup_id, kiosk_id, seq, citizen_ref, recipient, requested_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[&p.request_id, &p.pickup_id, &kiosk, &to_i64(p.seq)?, &p.citizen_ref, &p.recipient_sealed,
              &p.requested_at],
        )
        .await?;
        t.execute(
            "UPDATE pickups SET posted_at = $2 WHERE pickup_id = $1",
            &[&p.pickup_id, &p.requested_at],
        )
        .await?;
    }
    for c in &w.code_rejections {
        t.execute(
            "INSERT INTO pickup_code_rejections (kiosk_id, seq, failures_in_window, locked_until, occurred_at)
             VALUES ($1, $2, $3, $4, $5)",
            &[&kiosk, &to_i64(c.seq)?, &i64::from(c.failures_in_window), &c.locked_until, &c.occurred_at],
        )
        .await?;
    }
    for a in &w.locker_alerts {
        t.execute(
            "INSERT INTO locker_alerts (kiosk_id, seq, locker_door, alert, open_seconds, occurred_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[&kiosk, &to_i64(a.seq)?, &i64::from(a.locker_door), &a.alert, &a.open_seconds.map(i64::from),
              &a.occurred_at],
        )
        .await?;
    }
    Ok(())
}
