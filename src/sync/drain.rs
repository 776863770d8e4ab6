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
        Err(SyncError::Gap { expected, reason }) if expected > first => {
            // The platform already holds other events under these sequence numbers (this kiosk's database was
            // reset or restored). Settling would silently drop ours: stop and let a technician reconcile.
            let why =
                format!("platform refuses seq {first} and later: {reason} (expects {expected})");
            let _ = store.record_sync_failure(first, &why);
            return Err(SyncError::Refused {
                status: 409,
                body: why,
            });
        }
        Err(SyncError::Gap { expected, reason }) => {
            // The platform is behind us (restored from a backup): send again from where it stands.
            tracing::warn!(
                expected,
                first,
                "platform is behind the kiosk ({reason}); re-sending from seq {expected}"
            );
            let requeued = store.requeue_from(expected).map_err(SyncError::store)?;
            if requeued == 0 {
                let why = format!("platform expects seq {expected}, which this kiosk no longer has pending: {reason}");
                let _ = store.record_sync_failure(first, &why);
                return Err(SyncError::Refused {
                    status: 409,
                    body: why,
                });
            }
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
    // Never settle beyond what this batch carried: its rejections are the only ones we know of.
    let last = events.last().map(|e| e.seq).unwrap_or(first);
    let applied_through = reply.applied_through.min(last);
    store
        .settle_events(applied_through, &rejected, chrono::Utc::now())
        .map_err(SyncError::store)?;
    let _ = store.set_meta("sync.last_error", "");
    report.sent = events.len();
    report.batches = 1;
    report.applied_through = applied_through;
    report.rejected = rejected.len();
    report.more_pending = events.len() == batch_size;
    Ok(report)
}
