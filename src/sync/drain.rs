//! One drain pass: send the oldest pending events in batches and settle each reply in the local database.

use sanban_wire::EventBatch;

use super::client::{PlatformClient, SyncError};
use crate::store::Store;

#[derive(Debug, Default, Clone, PartialEq)]
pub struct DrainReport {
    pub sent: usize,
    pub applied_through: u64,
    pub rejected: usize,
    pub batches: usize,
    /// A batch was full: more may be waiting.
    pub more_pending: bool,
}

/// Send up to one batch of `batch_size` events. Safe to repeat after any failure: the platform skips what it
/// already applied, and a 409 tells us where it stands.
pub async fn drain_once(
    client: &PlatformClient,
    store: &mut Store,
    batch_size: usize,
) -> Result<DrainReport, SyncError> {
    let mut report = DrainReport::default();
    let events = store.pending_events(batch_size).map_err(SyncError::store)?;
    let Some(first) = events.first().map(|e| e.seq) else {
        return Ok(report);
    };
    let batch = EventBatch {
        events: events.iter().map(|e| e.to_wire()).collect(),
    };
    let reply = match client.send_events(&batch).await {
        Ok(reply) => reply,
        Err(SyncError::Gap { expected }) if expected > first => {
            // The platform applied more than we knew (its reply was lost): settle up to there and go on.
            store
                .settle_events(expected - 1, &[], chrono::Utc::now())
                .map_err(SyncError::store)?;
            report.applied_through = expected - 1;
            report.more_pending = true;
            return Ok(report);
        }
        Err(SyncError::Gap { expected }) => {
            // The platform is behind us (restored from a backup): send again from where it stands.
            tracing::warn!(
                expected,
                first,
                "platform is behind the kiosk; re-sending from seq {expected}"
            );
            store.requeue_from(expected).map_err(SyncError::store)?;
            report.more_pending = true;
            return Ok(report);
        }
        Err(e) => {
            let _ = store.record_sync_failure(first, &e.to_string());
            return Err(e);
        }
    };
    let rejected: Vec<(u64, String)> = reply
        .rejected
        .iter()
        .map(|r| (r.seq, r.reason.clone()))
        .collect();
    for (seq, reason) in &rejected {
        tracing::warn!(seq, "platform rejected event: {reason}");
    }
    store
        .settle_events(reply.applied_through, &rejected, chrono::Utc::now())
        .map_err(SyncError::store)?;
    let _ = store.set_meta("sync.last_error", "");
    report.sent = events.len();
    report.batches = 1;
    report.applied_through = reply.applied_through;
    report.rejected = rejected.len();
    report.more_pending = events.len() == batch_size;
    Ok(report)
}
