//! Sequence bookkeeping of a batch, run as one job of the writer (one transaction): duplicates skipped, gaps
//! refused, each new event applied or rejected, and `last_applied_seq` moved in the same transaction as the data.

use crate::store::CachedExt;
use rusqlite::{params, Connection, OptionalExtension};
use sanban_wire::{BatchReply, Rejection};

use super::apply::{apply_event, Context};
use super::parse::ParsedEvent;
use crate::store::{current_catalog, now_rfc3339, CatalogCache, StoreError};

#[derive(Debug, Clone, PartialEq)]
pub enum BatchOutcome {
    Settled(BatchReply),
    /// The first new event is not `expected_seq`: nothing stored.
    Gap {
        expected_seq: u64,
    },
    /// A seq already settled arrives with a different event id: the kiosk's sequence restarted (reinstalled or
    /// restored database). Skipping it as a duplicate would silently lose data, so nothing is stored.
    SeqReused {
        seq: u64,
        expected_seq: u64,
    },
    UnknownKiosk,
}

pub fn apply_batch(
    conn: &Connection,
    kiosk: &str,
    events: &[ParsedEvent],
    catalog: &CatalogCache,
) -> Result<BatchOutcome, StoreError> {
    let last: Option<u64> = conn
        .query_row_cached(
            "SELECT last_applied_seq FROM kiosks WHERE id = ?1",
            [kiosk],
            |r| r.get(0),
        )
        .optional()?;
    let Some(last) = last else {
        return Ok(BatchOutcome::UnknownKiosk);
    };
    let now = now_rfc3339();

    for ev in events.iter().take_while(|e| e.seq <= last) {
        let stored: Option<String> = conn
            .query_row_cached(
                "SELECT event_id FROM events WHERE kiosk_id = ?1 AND seq = ?2",
                params![kiosk, ev.seq],
                |r| r.get(0),
            )
            .optional()?;
        if stored.is_some_and(|id| id != ev.id.to_string()) {
            return Ok(BatchOutcome::SeqReused {
                seq: ev.seq,
                expected_seq: last + 1,
            });
        }
    }

    let fresh: Vec<&ParsedEvent> = events.iter().filter(|e| e.seq > last).collect();
    if let Some(first) = fresh.first() {
        if first.seq != last + 1 {
            return Ok(BatchOutcome::Gap {
                expected_seq: last + 1,
            });
        }
        let catalog = current_catalog(conn, catalog)?;
        let cx = Context {
            conn,
            kiosk,
            catalog: &catalog,
        };
        for ev in &fresh {
            // Each event in its own savepoint: a rejected event leaves no half-written rows.
            conn.execute_batch("SAVEPOINT event")?;
            let verdict = match apply_event(&cx, ev) {
                Ok(v) => v,
                Err(e) => {
                    conn.execute_batch("ROLLBACK TO event; RELEASE event")?;
                    return Err(e);
                }
            };
            let outcome = match &verdict {
                Ok(()) => {
                    conn.execute_batch("RELEASE event")?;
                    "applied"
                }
                Err(reason) => {
                    conn.execute_batch("ROLLBACK TO event; RELEASE event")?;
                    conn.execute_cached(
                        "INSERT INTO rejections (kiosk_id, seq, reason, rejected_at) VALUES (?1, ?2, ?3, ?4)",
                        params![kiosk, ev.seq, reason, now],
                    )?;
                    "rejected"
                }
            };
            conn.execute_cached(
                "INSERT INTO events (kiosk_id, seq, event_id, kind, occurred_at, received_at, outcome)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![kiosk, ev.seq, ev.id.to_string(), ev.payload.kind(), ev.occurred_at, now, outcome],
            )?;
        }
    }

    let applied_through = fresh.last().map_or(last, |e| e.seq);
    conn.execute_cached(
        "UPDATE kiosks SET last_applied_seq = ?2, last_seen = ?3 WHERE id = ?1",
        params![kiosk, applied_through, now],
    )?;
    // Rejections of every event in the batch, old or new: a kiosk that lost our first reply learns them on resend.
    let rejected = match (events.first(), events.last()) {
        (Some(first), Some(end)) => {
            let mut stmt = conn.prepare_cached(
                "SELECT seq, reason FROM rejections WHERE kiosk_id = ?1 AND seq BETWEEN ?2 AND ?3 ORDER BY seq",
            )?;
            let rows = stmt.query_map(params![kiosk, first.seq, end.seq], |r| {
                Ok(Rejection {
                    seq: r.get(0)?,
                    reason: r.get(1)?,
                })
            })?;
            rows.collect::<Result<Vec<_>, _>>()?
        }
        _ => Vec::new(),
    };
    Ok(BatchOutcome::Settled(BatchReply {
        applied_through,
        rejected,
    }))
}
