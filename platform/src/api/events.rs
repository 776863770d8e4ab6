//! `POST /v1/kiosks/{id}/events`.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::{Extension, Json};
use sanban_wire::{BadBatch, BatchReply, SequenceGap};

use super::{body, ApiError, AppState};
use crate::auth::AuthedKiosk;
use crate::ingest::{parse_batch, BatchOutcome};

pub async fn post_events(
    State(state): State<AppState>,
    Extension(AuthedKiosk(kiosk)): Extension<AuthedKiosk>,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Json<BatchReply>, ApiError> {
    let bytes = body::bytes(raw)?;
    let events = parse_batch(&bytes).map_err(|m| {
        // Log where, never what: the reason may quote payload values.
        tracing::warn!(kiosk = %kiosk, seq = ?m.seq, "malformed event batch refused");
        if m.too_large {
            ApiError::TooLarge(m.reason)
        } else {
            ApiError::BadBatch(BadBatch {
                error: m.reason,
                seq: m.seq,
            })
        }
    })?;
    let count = events.len();
    let outcome = state.store.settle_batch(&kiosk, events).await?;
    match outcome {
        BatchOutcome::Settled(reply) => {
            tracing::debug!(kiosk = %kiosk, events = count, applied_through = reply.applied_through,
                rejected = reply.rejected.len(), "batch settled");
            Ok(Json(reply))
        }
        BatchOutcome::Gap { expected_seq } => Err(ApiError::Gap(SequenceGap {
            error: format!(
                "sequence gap: the next event expected from kiosk {kiosk} is seq {expected_seq}"
            ),
            expected_seq,
        })),
        BatchOutcome::SeqReused { seq, expected_seq } => {
            tracing::warn!(kiosk = %kiosk, seq, "kiosk resent a settled seq with a different event id");
            Err(ApiError::Gap(SequenceGap {
                error: format!(
                    "seq {seq} was already settled with a different event id: the kiosk's sequence restarted; \
                     a technician must reconcile it (next expected seq is {expected_seq})"
                ),
                expected_seq,
            }))
        }
        BatchOutcome::ContentMismatch {
            seq,
            expected_seq,
            reason,
        } => {
            tracing::warn!(kiosk = %kiosk, seq, "kiosk resent an event that differs from the one settled");
            Err(ApiError::Gap(SequenceGap {
                error: format!(
                    "{reason}; nothing of this batch was stored: a technician must reconcile the kiosk \
                     (next expected seq is {expected_seq})"
                ),
                expected_seq,
            }))
        }
        BatchOutcome::UnknownKiosk => Err(ApiError::NotFound(format!("unknown kiosk {kiosk}"))),
    }
}
