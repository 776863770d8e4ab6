//! `POST /v1/kiosks/{id}/events`.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::{Extension, Json};
use sanban_wire::ApiError as ApiErrorBody;
use sanban_wire::{BadBatch, BatchReply, EventBatch, SequenceGap};

use super::{body, ApiError, AppState};
use crate::auth::AuthedKiosk;
use crate::ingest::{parse_batch, BatchOutcome};

#[utoipa::path(post, path = "/v1/kiosks/{id}/events", tag = "sync",
    summary = "Apply a batch of outbox events, in order, exactly once",
    description = "Events with seq <= the last applied are skipped as duplicates; the first new one must be last+1 \
        (else 409). A well-formed event the platform cannot honour (unknown service, slot full, duplicate id, \
        missing core material …) is rejected with a reason and acknowledged. The batch is one transaction.",
    params(("id" = String, Path, description = "Kiosk id")),
    request_body = EventBatch,
    security(("kioskToken" = [])),
    responses(
        (status = 200, description = "Settled through `applied_through`", body = BatchReply),
        (status = 400, description = "Malformed JSON or event, payload not of its kind's shape, seqs not \
            contiguous and ascending; nothing stored", body = BadBatch),
        (status = 404, description = "The kiosk was removed meanwhile", body = ApiErrorBody),
        (status = 409, description = "Sequence gap, restarted sequence, an event resent with other \
            content, or an event id settled before under another seq; nothing stored", body = SequenceGap),
        (status = 413, description = "More than 500 events; nothing stored", body = ApiErrorBody)))]
pub async fn post_events(
    State(state): State<AppState>,
    Extension(AuthedKiosk(kiosk)): Extension<AuthedKiosk>,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Json<BatchReply>, ApiError> {
    let bytes = body::bytes(raw)?;
    // Integers written as `3.0` are integers: judged as rewritten (the reason then names the real problem, if any).
    let events = parse_batch(&bytes)
        .or_else(|m| match body::integral_numbers_as_integers(&bytes) {
            Some(fixed) => parse_batch(&fixed),
            None => Err(m),
        })
        .map_err(|m| {
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
    let outcome = state
        .store
        .settle_batch(&kiosk, events, state.data_key.clone())
        .await?;
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
