//! Print jobs are stored before they are sent, so a job that never reached paper is still there for a
//! technician (`sanban-kiosk device` commands) and for a reprint.

use chrono::{DateTime, Utc};
use rusqlite::{params, Transaction};

use super::{Result, Store};

#[derive(Debug, Clone, PartialEq)]
pub struct PrintJobRow {
    pub id: i64,
    pub ticket_id: Option<String>,
    pub kind: String,
    pub status: String,
    pub detail: Option<String>,
    pub created_at: String,
}

pub(crate) fn insert(
    tx: &Transaction,
    ticket_id: Option<&str>,
    kind: &str,
    bytes: &[u8],
    now: DateTime<Utc>,
) -> Result<i64> {
    tx.execute(
        "INSERT INTO print_jobs (ticket_id, kind, bytes, status, created_at) VALUES (?1, ?2, ?3, 'pending', ?4)",
        params![ticket_id, kind, bytes, now.to_rfc3339()],
    )?;
    Ok(tx.last_insert_rowid())
}

impl Store {
    /// Record how a job ended: printed, or failed with the exact cause.
    pub fn finish_print_job(
        &self,
        id: i64,
        printed: bool,
        detail: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.conn().execute(
            "UPDATE print_jobs SET status = ?2, detail = ?3, finished_at = ?4 WHERE id = ?1",
            params![
                id,
                if printed { "printed" } else { "failed" },
                detail,
                now.to_rfc3339()
            ],
        )?;
        Ok(())
    }

    /// Jobs still `pending` when the kiosk starts were cut off by a crash or power loss before printing: mark
    /// them failed so a technician sees them (`outbox status`). The tickets themselves are valid and queued.
    pub fn fail_interrupted_print_jobs(&self, now: DateTime<Utc>) -> Result<usize> {
        Ok(self.conn().execute(
            "UPDATE print_jobs SET status = 'failed', detail = 'interrupted: the kiosk restarted before printing', \
             finished_at = ?1 WHERE status = 'pending'",
            [now.to_rfc3339()],
        )?)
    }

    /// The bytes of a stored job (reprint, technician inspection).
    pub fn print_job_bytes(&self, id: i64) -> Result<Vec<u8>> {
        Ok(self
            .conn()
            .query_row("SELECT bytes FROM print_jobs WHERE id = ?1", [id], |r| {
                r.get(0)
            })?)
    }

    /// Jobs that did not print, newest first.
    pub fn failed_print_jobs(&self, limit: usize) -> Result<Vec<PrintJobRow>> {
        let mut stmt = self.conn().prepare(
            "SELECT id, ticket_id, kind, status, detail, created_at FROM print_jobs WHERE status != 'printed'
             ORDER BY id DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit as i64], |r| {
            Ok(PrintJobRow {
                id: r.get(0)?,
                ticket_id: r.get(1)?,
                kind: r.get(2)?,
                status: r.get(3)?,
                detail: r.get(4)?,
                created_at: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }
}
