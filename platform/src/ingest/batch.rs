//! Settling a batch, the same on every store: sequence bookkeeping (duplicates compared with what was settled,
//! gaps refused), then each new event applied or rejected by the rules, and `last_applied_seq` moved in the same
//! transaction as the data. A store provides the transaction ([`BatchTx`]); this module decides.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use sanban_wire::{BatchReply, EventPayload, Rejection};

use super::apply::Ledger;
use super::facts::{Facts, FactsQuery};
use super::parse::ParsedEvent;
use super::writes::Writes;
use crate::appointments::Policy;
use crate::privacy::DataKey;
use crate::store::catalog::CatalogIndex;
use crate::store::clock::now_rfc3339;
use crate::store::error::StoreError;

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
    /// A seq already settled arrives with the same event id but saying something else (another kind, payload or
    /// time), or a new event carries the id of one already settled under another seq. Nothing is stored.
    ContentMismatch {
        seq: u64,
        expected_seq: u64,
        reason: String,
    },
    UnknownKiosk,
}

/// An event as settled before, for comparison with a resent one.
#[derive(Debug, Clone, PartialEq)]
pub struct SettledEvent {
    pub seq: u64,
    pub event_id: String,
    pub kind: String,
    /// `None` for events settled before content hashes were kept (compared by id and kind only).
    pub payload_sha256: Option<String>,
}

/// Where an event id was settled before.
#[derive(Debug, Clone, PartialEq)]
pub struct EventIdUse {
    pub event_id: String,
    pub kiosk_id: String,
    pub seq: u64,
}

/// One store transaction as the batch flow needs it. Every method runs inside the same transaction; the caller
/// commits after [`settle_batch`] returns `Ok` and rolls back otherwise.
pub trait BatchTx {
    /// Serializes this kiosk's batches (from here to commit) and returns its last applied seq, `None` for an
    /// unknown kiosk.
    fn lock_kiosk(
        &mut self,
        kiosk: &str,
    ) -> impl Future<Output = Result<Option<u64>, StoreError>> + Send;
    /// The settled events of `kiosk` with seq in `from..=to`.
    fn settled_events(
        &mut self,
        kiosk: &str,
        from: u64,
        to: u64,
    ) -> impl Future<Output = Result<Vec<SettledEvent>, StoreError>> + Send;
    /// Which of these event ids are settled already, by any kiosk.
    fn event_ids_in_use(
        &mut self,
        ids: &[String],
    ) -> impl Future<Output = Result<Vec<EventIdUse>, StoreError>> + Send;
    /// The newest catalog version.
    fn catalog(&mut self) -> impl Future<Output = Result<Arc<CatalogIndex>, StoreError>> + Send;
    /// Answers `query` (locking what concurrent batches of other kiosks could change, e.g. a slot's bookings).
    fn facts(
        &mut self,
        kiosk: &str,
        query: &FactsQuery,
    ) -> impl Future<Output = Result<Facts, StoreError>> + Send;
    /// Writes the batch's rows and moves the kiosk's `last_applied_seq`.
    fn write(&mut self, writes: &Writes) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Rejections recorded for `kiosk` with seq in `from..=to`, by seq.
    fn rejections(
        &mut self,
        kiosk: &str,
        from: u64,
        to: u64,
    ) -> impl Future<Output = Result<Vec<Rejection>, StoreError>> + Send;
}

/// Settles `events` (parsed, contiguous, ascending) of `kiosk` in `tx`.
/// `data_key` seals the personal data some events carry (postal addresses, call-back numbers, deposit codes).
pub async fn settle_batch<T: BatchTx>(
    tx: &mut T,
    kiosk: &str,
    events: &[ParsedEvent],
    data_key: Option<&DataKey>,
    policy: &Policy,
) -> Result<BatchOutcome, StoreError> {
    let Some(last) = tx.lock_kiosk(kiosk).await? else {
        return Ok(BatchOutcome::UnknownKiosk);
    };
    let expected_seq = last + 1;
    let resent: Vec<&ParsedEvent> = events.iter().take_while(|e| e.seq <= last).collect();
    if let (Some(first), Some(end)) = (resent.first(), resent.last()) {
        let settled: HashMap<u64, SettledEvent> = tx
            .settled_events(kiosk, first.seq, end.seq)
            .await?
            .into_iter()
            .map(|s| (s.seq, s))
            .collect();
        for ev in &resent {
            if let Some(outcome) = settled
                .get(&ev.seq)
                .and_then(|s| compare(s, ev, expected_seq))
            {
                return Ok(outcome);
            }
        }
    }

    let fresh: Vec<&ParsedEvent> = events.iter().filter(|e| e.seq > last).collect();
    let mut ledger_writes = None;
    if let Some(first) = fresh.first() {
        if first.seq != expected_seq {
            return Ok(BatchOutcome::Gap { expected_seq });
        }
        let ids: Vec<String> = fresh.iter().map(|e| e.id.to_string()).collect();
        if let Some(used) = tx.event_ids_in_use(&ids).await?.into_iter().next() {
            let seq = fresh
                .iter()
                .find(|e| e.id.to_string() == used.event_id)
                .map_or(first.seq, |e| e.seq);
            return Ok(BatchOutcome::ContentMismatch {
                seq,
                expected_seq,
                reason: format!(
                    "seq {seq}: event id {} was already settled as seq {} of kiosk {}; an event is sent under \
                     one seq only",
                    used.event_id, used.seq, used.kiosk_id
                ),
            });
        }
        // Most batches are tickets, which never consult the catalog: spare them the query.
        let catalog = if fresh.iter().any(|e| uses_catalog(&e.payload)) {
            tx.catalog().await?
        } else {
            Arc::new(CatalogIndex::new(0, Vec::new()))
        };
        let facts = tx
            .facts(kiosk, &FactsQuery::for_events(fresh.iter().copied()))
            .await?;
        let mut ledger = Ledger::new(kiosk, &catalog, data_key, policy, facts, now_rfc3339());
        for ev in &fresh {
            ledger.settle(ev);
        }
        ledger_writes = Some(ledger.into_writes(last));
    }
    let writes = ledger_writes.unwrap_or_else(|| Writes {
        kiosk: kiosk.to_string(),
        received_at: now_rfc3339(),
        applied_through: last,
        ..Writes::default()
    });
    tx.write(&writes).await?;

    // Rejections of every event in the batch, old or new: a kiosk that lost our first reply learns them on resend.
    let mut rejected = match (resent.first(), resent.last()) {
        (Some(first), Some(end)) => tx.rejections(kiosk, first.seq, end.seq).await?,
        _ => Vec::new(),
    };
    rejected.extend(writes.rejections.iter().cloned());
    Ok(BatchOutcome::Settled(BatchReply {
        applied_through: writes.applied_through,
        rejected,
    }))
}

/// Whether the rules of this event look services up in the catalog (no wildcard: a new kind must say).
fn uses_catalog(payload: &EventPayload) -> bool {
    match payload {
        EventPayload::TicketIssued(_)
        | EventPayload::PickupCollected(_)
        | EventPayload::HelpRequested(_)
        | EventPayload::PickupHeld(_)
        | EventPayload::PickupCodeRejected(_)
        | EventPayload::PostalRequested(_)
        | EventPayload::LockerDeposited(_)
        | EventPayload::LockerAlert(_)
        | EventPayload::MaintenanceAccess(_)
        | EventPayload::MaintenanceAction(_)
        | EventPayload::AppointmentCheckedIn(_)
        | EventPayload::AppointmentRefusalSeen(_) => false,
        // A cancellation is allowed until its slot starts: the slot's time is in the catalog.
        EventPayload::GuidePrinted(_)
        | EventPayload::AppointmentCancelled(_)
        | EventPayload::AppointmentRequested(_)
        | EventPayload::ApplicationSubmitted(_) => true,
        EventPayload::RatingSubmitted(r) => r.service.is_some(),
    }
}

/// Why a resent event is not the one settled under its seq, if it is not.
fn compare(settled: &SettledEvent, ev: &ParsedEvent, expected_seq: u64) -> Option<BatchOutcome> {
    if settled.event_id != ev.id.to_string() {
        return Some(BatchOutcome::SeqReused {
            seq: ev.seq,
            expected_seq,
        });
    }
    let kind = ev.payload.kind();
    let reason = if settled.kind != kind {
        format!(
            "seq {} was settled as a {} event and is now resent as {kind}",
            ev.seq, settled.kind
        )
    } else if settled
        .payload_sha256
        .as_deref()
        .is_some_and(|h| h != ev.payload_sha256)
    {
        format!(
            "seq {} ({kind}) was settled with other content than it is resent with",
            ev.seq
        )
    } else {
        return None;
    };
    Some(BatchOutcome::ContentMismatch {
        seq: ev.seq,
        expected_seq,
        reason,
    })
}
