//! The outbox: every event the platform must receive, in a gapless per-kiosk sequence. Rows are settled
//! (applied or rejected) by the sync agent, never deleted by it.

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Transaction};
use sanban_wire::EventPayload;
use uuid::Uuid;

use super::{Result, Store, StoreError};

/// One queued event, as sent on the wire.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxEvent {
    pub seq: u64,
    pub id: Uuid,
    pub kind: String,
    pub occurred_at: String,
    pub payload: serde_json::Value,
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
}

/// Append an event inside the caller's transaction; returns its sequence number.
pub(crate) fn append(tx: &Transaction, occurred_at: &str, event: &EventPayload) -> Result<u64> {
    let seq: u64 = tx.query_row("SELECT COALESCE(MAX(seq), 0) + 1 FROM outbox", [], |r| {
        r.get(0)
    })?;
    let (kind, payload) = event.to_parts();
    let payload =
        serde_json::to_string(&payload).map_err(|e| StoreError::Invalid(e.to_string()))?;
    tx.execute(
        "INSERT INTO outbox (seq, id, kind, occurred_at, payload) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![seq, Uuid::now_v7().to_string(), kind, occurred_at, payload],
    )?;
    Ok(seq)
}

impl Store {
    /// The oldest pending events, at most `limit`, in sequence order.
    pub fn pending_events(&self, limit: usize) -> Result<Vec<OutboxEvent>> {
        let mut stmt = self.conn().prepare(
            "SELECT seq, id, kind, occurred_at, payload FROM outbox WHERE status = 'pending' ORDER BY seq LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit as i64], |r| {
            Ok((
                r.get::<_, u64>(0)?,
                r.get::<_, String>(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get::<_, String>(4)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, id, kind, occurred_at, payload) = row?;
            out.push(OutboxEvent {
                seq,
                id: Uuid::parse_str(&id)
                    .map_err(|e| StoreError::Invalid(format!("outbox {seq}: bad id: {e}")))?,
                kind,
                occurred_at,
                payload: serde_json::from_str(&payload)
                    .map_err(|e| StoreError::Invalid(format!("outbox {seq}: bad payload: {e}")))?,
            });
        }
        Ok(out)
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
