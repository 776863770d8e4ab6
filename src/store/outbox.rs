//! The outbox: every event the platform must receive, in a gapless per-kiosk sequence. Rows are settled
//! (applied or rejected) by the sync agent, never deleted by it.
//!
//! Personal data: the payload fields an event kind names as personal ([`EventPayload::personal_keys`]) are not
//! stored in `payload` but sealed in `sealed` (bound to the event's id), and opened only to be sent. Once the
//! platform has settled the event and the retention has passed, [`Store::purge_personal`] erases them: the row
//! stays as a tombstone (its sequence, id, kind and the rest of its payload), so numbering and exactly-once hold.

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Transaction};
use sanban_wire::EventPayload;
use uuid::Uuid;
use zeroize::Zeroizing;

use super::{Result, Store, StoreError};
use crate::privacy::{self, DataKey};

/// One queued event, as sent on the wire. Its payload may hold personal data: `Debug` names its fields only.
#[derive(Clone, PartialEq)]
pub struct OutboxEvent {
    pub seq: u64,
    pub id: Uuid,
    pub kind: String,
    pub occurred_at: String,
    pub payload: serde_json::Value,
}

impl std::fmt::Debug for OutboxEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let fields: Vec<&str> = self
            .payload
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        f.debug_struct("OutboxEvent")
            .field("seq", &self.seq)
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("occurred_at", &self.occurred_at)
            .field("payload_fields", &fields)
            .finish()
    }
}

impl OutboxEvent {
    pub fn to_wire(&self) -> sanban_wire::Event {
        sanban_wire::Event {
            seq: self.seq,
            id: self.id,
            kind: self.kind.clone(),
            occurred_at: self.occurred_at.clone(),
            payload: self.payload.clone(),
        }
    }
}

/// What a technician needs to know about the backlog.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct OutboxSummary {
    pub pending: u64,
    pub applied: u64,
    pub rejected: u64,
    pub oldest_pending_at: Option<String>,
    pub last_error: Option<String>,
    pub last_seq: u64,
    /// Events still holding sealed personal data (pending, or settled within the retention).
    pub personal: u64,
    /// When the oldest of them happened.
    pub oldest_personal_at: Option<String>,
    /// Events whose personal data was erased after acknowledgement (tombstones).
    pub purged: u64,
}

/// What binds an event's sealed fields to it.
fn context(id: &Uuid) -> Vec<u8> {
    format!("sanban outbox {id}").into_bytes()
}

/// Take `keys` out of `payload` into an object of their own (`None` when the payload has none of them). An absent
/// optional field (`null`) is left in place: there is nothing personal to seal.
fn split_personal(
    payload: &mut serde_json::Value,
    keys: &[&str],
) -> Option<serde_json::Map<String, serde_json::Value>> {
    let object = payload.as_object_mut()?;
    let mut taken = serde_json::Map::new();
    for key in keys {
        if object.get(*key).is_some_and(|v| !v.is_null()) {
            if let Some(value) = object.remove(*key) {
                taken.insert(key.to_string(), value);
            }
        }
    }
    (!taken.is_empty()).then_some(taken)
}

/// Append an event inside the caller's transaction; returns its sequence number. Its personal fields are sealed
/// with `key` (an error without one).
pub(crate) fn append(
    tx: &Transaction,
    occurred_at: &str,
    event: &EventPayload,
    key: Option<&DataKey>,
) -> Result<u64> {
    let seq: u64 = tx.query_row("SELECT COALESCE(MAX(seq), 0) + 1 FROM outbox", [], |r| {
        r.get(0)
    })?;
    let id = Uuid::now_v7();
    let (kind, mut payload) = event.to_parts();
    let sealed = match split_personal(&mut payload, event.personal_keys()) {
        None => None,
        Some(personal) => {
            let key = key.ok_or(StoreError::NoDataKey)?;
            let plain = Zeroizing::new(
                serde_json::to_vec(&personal).map_err(|e| StoreError::Invalid(e.to_string()))?,
            );
            Some(privacy::seal(key, &context(&id), &plain))
        }
    };
    let payload =
        serde_json::to_string(&payload).map_err(|e| StoreError::Invalid(e.to_string()))?;
    tx.execute(
        "INSERT INTO outbox (seq, id, kind, occurred_at, payload, sealed) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![seq, id.to_string(), kind, occurred_at, payload, sealed],
    )?;
    Ok(seq)
}

/// Put the sealed fields of event `seq` back into its payload.
fn unseal(
    key: Option<&DataKey>,
    seq: u64,
    id: &Uuid,
    sealed: &[u8],
    payload: &mut serde_json::Value,
) -> Result<()> {
    let key = key.ok_or(StoreError::NoDataKey)?;
    let plain = privacy::open(key, &context(id), sealed)
        .map_err(|source| StoreError::Sealed { seq, source })?;
    let personal: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(&plain)
        .map_err(|_| {
            StoreError::Invalid(format!("outbox {seq}: sealed fields are not an object"))
        })?;
    if let Some(object) = payload.as_object_mut() {
        object.extend(personal);
    }
    Ok(())
}

impl Store {
    /// The oldest pending events, at most `limit`, in sequence order.
    /// The oldest pending events, at most `limit`, in sequence order, their personal fields opened (a purged
    /// event, sent again after the platform lost it, goes without them).
    pub fn pending_events(&self, limit: usize) -> Result<Vec<OutboxEvent>> {
        let mut stmt = self.conn().prepare(
            "SELECT seq, id, kind, occurred_at, payload, sealed FROM outbox WHERE status = 'pending' ORDER BY seq LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit as i64], |r| {
            Ok((
                r.get::<_, u64>(0)?,
                r.get::<_, String>(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<Vec<u8>>>(5)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, id, kind, occurred_at, payload, sealed) = row?;
            let id = Uuid::parse_str(&id)
                .map_err(|e| StoreError::Invalid(format!("outbox {seq}: bad id: {e}")))?;
            let mut payload: serde_json::Value = serde_json::from_str(&payload)
                .map_err(|e| StoreError::Invalid(format!("outbox {seq}: bad payload: {e}")))?;
            if let Some(sealed) = sealed {
                unseal(self.data_key(), seq, &id, &sealed, &mut payload)?;
            }
            out.push(OutboxEvent {
                seq,
                id,
                kind,
                occurred_at,
                payload,
            });
        }
        Ok(out)
    }

    /// Erase the personal fields of every event the platform settled (applied or rejected) at least `retention`
    /// before `now`. The rows stay, as tombstones. Returns how many were erased.
    pub fn purge_personal(
        &mut self,
        now: DateTime<Utc>,
        retention: chrono::Duration,
    ) -> Result<usize> {
        let cutoff = (now - retention).to_rfc3339();
        let erased = self.conn().execute(
            "UPDATE outbox SET sealed = NULL, purged_at = ?1
             WHERE sealed IS NOT NULL AND status IN ('applied', 'rejected')
               AND julianday(settled_at) <= julianday(?2)",
            params![now.to_rfc3339(), cutoff],
        )?;
        if erased > 0 {
            // The erased pages' old images leave the WAL too (secure_delete zeroes them in the database file).
            let _ = self
                .conn()
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        }
        Ok(erased)
    }

    /// Settle a platform reply: everything up to `applied_through` is applied except the listed rejections.
    pub fn settle_events(
        &mut self,
        applied_through: u64,
        rejected: &[(u64, String)],
        now: DateTime<Utc>,
    ) -> Result<()> {
        let now = now.to_rfc3339();
        let tx = self.conn_mut().transaction()?;
        for (seq, reason) in rejected {
            tx.execute(
                "UPDATE outbox SET status = 'rejected', last_error = ?2, settled_at = ?3 WHERE seq = ?1 AND status = 'pending'",
                params![seq, reason, now],
            )?;
        }
        tx.execute(
            "UPDATE outbox SET status = 'applied', settled_at = ?2, last_error = NULL WHERE seq <= ?1 AND status = 'pending'",
            params![applied_through, now],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Mark events from `seq` on as pending again (the platform lost them, e.g. restored from a backup).
    pub fn requeue_from(&self, seq: u64) -> Result<usize> {
        Ok(self.conn().execute(
            "UPDATE outbox SET status = 'pending', settled_at = NULL WHERE seq >= ?1 AND status IN ('applied', 'rejected')",
            [seq],
        )?)
    }

    /// Remember why the last attempt failed (shown by `sanban-kiosk outbox status`).
    pub fn record_sync_failure(&self, first_seq: u64, error: &str) -> Result<()> {
        self.conn().execute(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?2 WHERE seq = ?1",
            params![first_seq, error],
        )?;
        self.set_meta("sync.last_error", error)
    }

    /// Backlog, oldest pending time, last error.
    pub fn outbox_summary(&self) -> Result<OutboxSummary> {
        let conn = self.conn();
        let count = |status: &str| -> Result<u64> {
            Ok(conn.query_row(
                "SELECT COUNT(*) FROM outbox WHERE status = ?1",
                [status],
                |r| r.get(0),
            )?)
        };
        Ok(OutboxSummary {
            pending: count("pending")?,
            applied: count("applied")?,
            rejected: count("rejected")?,
            oldest_pending_at: conn
                .query_row(
                    "SELECT occurred_at FROM outbox WHERE status = 'pending' ORDER BY seq LIMIT 1",
                    [],
                    |r| r.get(0),
                )
                .optional()?,
            last_error: self.meta("sync.last_error")?,
            last_seq: conn
                .query_row("SELECT COALESCE(MAX(seq), 0) FROM outbox", [], |r| r.get(0))?,
            personal: conn.query_row(
                "SELECT COUNT(*) FROM outbox WHERE sealed IS NOT NULL",
                [],
                |r| r.get(0),
            )?,
            oldest_personal_at: conn
                .query_row(
                    "SELECT occurred_at FROM outbox WHERE sealed IS NOT NULL ORDER BY seq LIMIT 1",
                    [],
                    |r| r.get(0),
                )
                .optional()?,
            purged: conn.query_row(
                "SELECT COUNT(*) FROM outbox WHERE purged_at IS NOT NULL",
                [],
                |r| r.get(0),
            )?,
        })
    }

    /// Rejected events with their reasons, newest first.
    pub fn rejections(&self, limit: usize) -> Result<Vec<(u64, String, String)>> {
        let mut stmt = self.conn().prepare(
            "SELECT seq, kind, COALESCE(last_error, '') FROM outbox WHERE status = 'rejected' ORDER BY seq DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit as i64], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }
}
