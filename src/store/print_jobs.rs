//! Print jobs are stored before they are sent, so a job that never reached paper is still there for a
//! technician (`sanban-kiosk device` commands) and for a reprint.

use chrono::{DateTime, Utc};
use rusqlite::{params, Transaction};

use super::{Result, Store};

/// What a print job is the paper of. Stored with the job, so a technician sees what failed to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Ticket,
    GuideNotice,
    AppointmentSlip,
    ApplicationReceipt,
    PickupProof,
    /// 免费邮寄回执: a document will be posted.
    PostReceipt,
    /// A note the citizen takes to the staff (e.g. a jammed locker door).
    Note,
    TestPage,
}

impl Subject {
    pub fn as_str(self) -> &'static str {
        match self {
            Subject::Ticket => "ticket",
            Subject::GuideNotice => "guide_notice",
            Subject::AppointmentSlip => "appointment_slip",
            Subject::ApplicationReceipt => "application_receipt",
            Subject::PickupProof => "pickup_proof",
            Subject::PostReceipt => "post_receipt",
            Subject::Note => "note",
            Subject::TestPage => "test_page",
        }
    }
}

/// A receipt to print, rendered inside the transaction from the rows it describes.
#[derive(Debug, Clone, PartialEq)]
pub struct PrintJob {
    pub subject: Subject,
    /// The id of the thing printed (a ticket's UUID, a service code…), for the technician and for reprints.
    pub subject_id: String,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PrintJobRow {
    pub id: i64,
    /// What the job is the paper of (`Subject::as_str`) and which one.
    pub subject: String,
    pub subject_id: String,
    pub status: String,
    pub detail: Option<String>,
    pub created_at: String,
}

pub(crate) fn insert(
    tx: &Transaction,
    job: &PrintJob,
    outbox_seq: u64,
    now: DateTime<Utc>,
) -> Result<i64> {
    tx.execute(
        "INSERT INTO print_jobs (subject, subject_id, outbox_seq, bytes, status, created_at)
         VALUES (?1, ?2, ?3, ?4, 'pending', ?5)",
        params![
            job.subject.as_str(),
            job.subject_id,
            outbox_seq,
            job.bytes,
            now.to_rfc3339()
        ],
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
            "UPDATE print_jobs SET status = ?2, detail = ?3, finished_at = ?4, attempts = attempts + 1 WHERE id = ?1",
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

    /// Mark a job pending again before it is sent once more (a reprint).
    pub fn restart_print_job(&self, id: i64) -> Result<()> {
        self.conn().execute(
            "UPDATE print_jobs SET status = 'pending', finished_at = NULL WHERE id = ?1",
            [id],
        )?;
        Ok(())
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
            "SELECT id, subject, subject_id, status, detail, created_at FROM print_jobs WHERE status != 'printed'
             ORDER BY id DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit as i64], |r| {
            Ok(PrintJobRow {
                id: r.get(0)?,
                subject: r.get(1)?,
                subject_id: r.get(2)?,
                status: r.get(3)?,
                detail: r.get(4)?,
                created_at: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }
}
