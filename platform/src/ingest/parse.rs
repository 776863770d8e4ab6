//! Structural checks of an event batch: everything that needs no database.

use std::collections::HashSet;

use chrono::DateTime;
use sanban_wire::{describe_json_error as describe, EventBatch, EventPayload, PayloadError};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// Most events accepted in one batch (the body limit bounds bytes; this bounds the transaction).
pub const MAX_EVENTS_PER_BATCH: usize = 500;

/// Why a batch was refused as a whole.
#[derive(Debug, Clone, PartialEq)]
pub struct Malformed {
    pub reason: String,
    /// The event at fault, when one is.
    pub seq: Option<u64>,
    /// Too many events (413) rather than malformed (400).
    pub too_large: bool,
}

impl Malformed {
    fn at(seq: u64, reason: String) -> Self {
        Malformed {
            reason,
            seq: Some(seq),
            too_large: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ParsedEvent {
    pub seq: u64,
    pub id: Uuid,
    /// As sent (validated RFC 3339).
    pub occurred_at: String,
    pub payload: EventPayload,
    /// SHA-256 (hex) of what the event says: its kind, `occurred_at` and typed payload. Stored with the settled
    /// event, so a resent seq that says something else is told apart from a true duplicate.
    pub payload_sha256: String,
}

/// The content hash of an event (see [`ParsedEvent::payload_sha256`]). The typed payload is re-serialized, so field
/// order and spacing of the kiosk's JSON do not matter.
pub fn content_hash(occurred_at: &str, payload: &EventPayload) -> String {
    let mut hasher = Sha256::new();
    hasher.update(payload.kind().as_bytes());
    hasher.update([0]);
    hasher.update(occurred_at.as_bytes());
    hasher.update([0]);
    // Serializing a typed payload cannot fail: it was just deserialized from JSON.
    hasher.update(serde_json::to_vec(payload).unwrap_or_default());
    hex::encode(hasher.finalize())
}

/// Parses and checks a request body. Errors describe the problem without echoing payload values where avoidable.
pub fn parse_batch(body: &[u8]) -> Result<Vec<ParsedEvent>, Malformed> {
    let batch: EventBatch = serde_json::from_slice(body).map_err(|e| Malformed {
        reason: format!("malformed batch: {}", describe(&e)),
        seq: None,
        too_large: false,
    })?;
    if batch.events.len() > MAX_EVENTS_PER_BATCH {
        return Err(Malformed {
            reason: format!(
                "batch of {} events exceeds the limit of {MAX_EVENTS_PER_BATCH}; send smaller batches",
                batch.events.len()
            ),
            seq: None,
            too_large: true,
        });
    }
    let mut parsed = Vec::with_capacity(batch.events.len());
    let mut previous: Option<u64> = None;
    let mut ids = HashSet::with_capacity(batch.events.len());
    for event in batch.events {
        let seq = event.seq;
        if seq == 0 {
            return Err(Malformed::at(0, "sequence numbers start at 1".into()));
        }
        // SQLite stores integers as i64: a larger seq is malformed, not a server error.
        if seq > i64::MAX as u64 {
            return Err(Malformed::at(
                seq,
                format!("seq {seq} is out of range (at most {})", i64::MAX),
            ));
        }
        if let Some(p) = previous {
            if p.checked_add(1) != Some(seq) {
                return Err(Malformed::at(
                    seq,
                    format!("events must be contiguous and ascending: seq {seq} follows {p}"),
                ));
            }
        }
        previous = Some(seq);
        if !ids.insert(event.id) {
            return Err(Malformed::at(
                seq,
                format!(
                    "seq {seq}: event id {} appears twice in the batch",
                    event.id
                ),
            ));
        }
        if DateTime::parse_from_rfc3339(&event.occurred_at).is_err() {
            return Err(Malformed::at(
                seq,
                format!("seq {seq}: occurred_at is not an RFC 3339 timestamp"),
            ));
        }
        let payload =
            EventPayload::from_parts(&event.kind, event.payload).map_err(|e| match e {
                PayloadError::UnknownKind => Malformed::at(
                    seq,
                    format!("seq {seq}: unknown event kind {:?}", truncate(&event.kind)),
                ),
                PayloadError::Shape(why) => Malformed::at(
                    seq,
                    format!(
                        "seq {seq}: malformed {} payload: {why}",
                        truncate(&event.kind)
                    ),
                ),
            })?;
        parsed.push(ParsedEvent {
            seq,
            id: event.id,
            payload_sha256: content_hash(&event.occurred_at, &payload),
            occurred_at: event.occurred_at,
            payload,
        });
    }
    Ok(parsed)
}

fn truncate(s: &str) -> String {
    s.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket(seq: u64) -> serde_json::Value {
        serde_json::json!({"seq": seq, "id": Uuid::now_v7(), "kind": "ticket.issued",
            "occurred_at": "2026-11-26T08:00:00+08:00",
            "payload": {"ticket_id": Uuid::now_v7(), "category": "police", "number": "E001",
                        "business_day": "2026-11-26"}})
    }

    fn body(events: Vec<serde_json::Value>) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({ "events": events })).unwrap()
    }

    #[test]
    fn accepts_a_contiguous_batch() {
        let events = parse_batch(&body(vec![ticket(3), ticket(4)])).unwrap();
        assert_eq!(events.len(), 2);
        assert!(matches!(events[0].payload, EventPayload::TicketIssued(_)));
    }

    #[test]
    fn refuses_gaps_inside_a_batch_unknown_kinds_and_bad_payloads() {
        assert_eq!(
            parse_batch(&body(vec![ticket(3), ticket(5)]))
                .unwrap_err()
                .seq,
            Some(5)
        );
        assert_eq!(
            parse_batch(&body(vec![ticket(4), ticket(3)]))
                .unwrap_err()
                .seq,
            Some(3)
        );
        let mut unknown = ticket(1);
        unknown["kind"] = "ticket.eaten".into();
        assert!(parse_batch(&body(vec![unknown]))
            .unwrap_err()
            .reason
            .contains("unknown event kind"));
        let mut bad = ticket(1);
        bad["payload"]["category"] = 7.into();
        assert!(parse_batch(&body(vec![bad]))
            .unwrap_err()
            .reason
            .contains("malformed ticket.issued payload"));
        let mut late = ticket(1);
        late["occurred_at"] = "yesterday".into();
        assert!(parse_batch(&body(vec![late])).is_err());
        assert!(parse_batch(b"{\"events\": 3}").is_err());
    }

    #[test]
    fn the_content_hash_ignores_json_layout_but_not_content() {
        let a = ticket(1);
        let mut reordered: serde_json::Map<String, serde_json::Value> = serde_json::Map::new();
        for key in ["business_day", "number", "category", "ticket_id"] {
            reordered.insert(key.into(), a["payload"][key].clone());
        }
        let mut b = a.clone();
        b["payload"] = serde_json::Value::Object(reordered);
        let (pa, pb) = (
            parse_batch(&body(vec![a.clone()])).unwrap(),
            parse_batch(&body(vec![b])).unwrap(),
        );
        assert_eq!(pa[0].payload_sha256, pb[0].payload_sha256);
        let mut c = a.clone();
        c["payload"]["number"] = "E002".into();
        let pc = parse_batch(&body(vec![c])).unwrap();
        assert_ne!(pa[0].payload_sha256, pc[0].payload_sha256);
        let mut d = a;
        d["occurred_at"] = "2026-11-26T08:00:01+08:00".into();
        assert_ne!(
            pa[0].payload_sha256,
            parse_batch(&body(vec![d])).unwrap()[0].payload_sha256
        );
    }

    #[test]
    fn an_event_id_twice_in_one_batch_is_malformed() {
        let a = ticket(1);
        let mut b = ticket(2);
        b["id"] = a["id"].clone();
        let err = parse_batch(&body(vec![a, b])).unwrap_err();
        assert_eq!(err.seq, Some(2));
        assert!(err.reason.contains("appears twice"), "{}", err.reason);
    }

    #[test]
    fn counts_the_batch_limit() {
        let events = (1..=MAX_EVENTS_PER_BATCH as u64 + 1).map(ticket).collect();
        assert!(parse_batch(&body(events)).unwrap_err().too_large);
    }
}
