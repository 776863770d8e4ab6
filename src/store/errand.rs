//! The errand transaction: what a citizen flow writes — its own rows, its typed outbox event and its print job —
//! commits in one SQLite transaction or not at all. A printed receipt is therefore always a durable record, and a
//! full disk or an I/O error leaves nothing half-written (SQLite rolls the whole transaction back).

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use rusqlite::{Transaction, TransactionBehavior};
use sanban_wire::EventPayload;

use super::print_jobs::{self, PrintJob};
use super::{outbox, Result, Store};

/// What a flow's rows produced: its own result, the event the platform must receive, and maybe a receipt.
#[derive(Debug, Clone, PartialEq)]
pub struct Errand<T> {
    pub value: T,
    pub event: EventPayload,
    pub print: Option<PrintJob>,
}

/// A committed errand.
#[derive(Debug, Clone, PartialEq)]
pub struct Committed<T> {
    pub value: T,
    pub outbox_seq: u64,
    /// The stored print job, to hand to the printing service.
    pub print_job: Option<i64>,
}

impl Store {
    /// Run `rows` in an immediate transaction, then append its event to the outbox and store its print job, and
    /// commit. Any error (the flow's own, a full disk, an I/O error) rolls everything back.
    pub fn commit_errand<T>(
        &mut self,
        now: DateTime<Utc>,
        tz: Tz,
        rows: impl FnOnce(&Transaction) -> Result<Errand<T>>,
    ) -> Result<Committed<T>> {
        let key = self.key.clone();
        let tx = self
            .conn_mut()
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let errand = rows(&tx)?;
        let occurred_at = now
            .with_timezone(&tz)
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, false);
        let outbox_seq = outbox::append(&tx, &occurred_at, &errand.event, key.as_deref())?;
        let print_job = match &errand.print {
            Some(job) => Some(print_jobs::insert(&tx, job, outbox_seq, now)?),
            None => None,
        };
        tx.commit()?;
        Ok(Committed {
            value: errand.value,
            outbox_seq,
            print_job,
        })
    }
}
