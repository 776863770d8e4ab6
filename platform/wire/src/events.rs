//! The event envelope of `POST /v1/kiosks/{id}/events` and its replies. What an event says lives in
//! [`crate::payloads::EventPayload`]; here it travels as `kind` + JSON `payload` so that a platform can name the one
//! malformed event of a batch instead of failing to parse the whole body.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::payloads::{EventPayload, PayloadError};

/// One outbox event. `seq` is the kiosk's own gapless sequence (from 1); `id` a UUIDv7. The payload may hold
/// personal data: `Debug` names its fields only.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Event {
    pub seq: u64,
    pub id: Uuid,
    pub kind: String,
    /// RFC 3339 with offset.
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub occurred_at: String,
    pub payload: serde_json::Value,
}

impl std::fmt::Debug for Event {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let fields: Vec<&str> = self
            .payload
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        f.debug_struct("Event")
            .field("seq", &self.seq)
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("occurred_at", &self.occurred_at)
            .field("payload_fields", &fields)
            .finish()
    }
}

/// `POST /v1/kiosks/{id}/events` request body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EventBatch {
    pub events: Vec<Event>,
}

/// An event the platform acknowledged but did not apply (e.g. invalid payload, slot taken meanwhile).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rejection {
    pub seq: u64,
    pub reason: String,
}

/// `POST /v1/kiosks/{id}/events` reply (200). Every event up to `applied_through` is settled: applied, skipped as
/// a duplicate, or listed in `rejected`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchReply {
    pub applied_through: u64,
    #[serde(default)]
    pub rejected: Vec<Rejection>,
}

/// 409 reply when the batch does not start at the next expected sequence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SequenceGap {
    pub error: String,
    pub expected_seq: u64,
}

/// Any 4xx/5xx reply body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiError {
    pub error: String,
}

impl Event {
    /// The envelope of `payload` as the kiosk's outbox sends it.
    pub fn new(seq: u64, id: Uuid, occurred_at: String, payload: &EventPayload) -> Event {
        let (kind, payload) = payload.to_parts();
        Event {
            seq,
            id,
            kind: kind.to_string(),
            occurred_at,
            payload,
        }
    }

    /// The typed payload, or why it does not fit its kind.
    pub fn typed(&self) -> Result<EventPayload, PayloadError> {
        EventPayload::from_parts(&self.kind, self.payload.clone())
    }
}

/// 400 reply of `POST /v1/kiosks/{id}/events` when one event makes the whole batch malformed (unknown kind, payload
/// of the wrong shape, sequence out of order): nothing of the batch was stored; `seq` names the culprit when known.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BadBatch {
    pub error: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
}
