//! Wire types of the Sanban sync API, version 1 (kiosk ↔ central platform).
//!
//! Shared by the kiosk's sync agent and the reference platform so both sides agree on every field.
//! JSON field names are the API contract: change them only with a new API version.

mod applications;
mod appointments;
mod calendar;
mod catalog;
mod categories;
mod events;
mod heartbeat;
mod keys;
mod leases;
mod maintenance;
mod payloads;
mod pickups;
mod ratings;
mod slots;

pub use applications::*;
pub use appointments::*;
pub use calendar::*;
pub use catalog::*;
pub use categories::*;
pub use events::*;
pub use heartbeat::*;
pub use keys::*;
pub use leases::*;
pub use maintenance::*;
pub use payloads::*;
pub use pickups::*;
pub use ratings::*;
pub use slots::*;

/// A JSON error without the values serde quotes: payloads can carry personal data, and the reason is logged and
/// stored by the kiosk. Field names (the schema's, not the citizen's) are kept: they say what to fix.
pub fn describe_json_error(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let names_a_field = ["missing field", "unknown field", "duplicate field"]
        .iter()
        .any(|p| text.starts_with(p));
    let what = if names_a_field {
        text.split(" at line ")
            .next()
            .unwrap_or_default()
            .to_string()
    } else {
        match e.classify() {
            serde_json::error::Category::Syntax => "invalid JSON syntax".to_string(),
            serde_json::error::Category::Eof => "truncated JSON".to_string(),
            serde_json::error::Category::Data => {
                "a value of the wrong type or out of range".to_string()
            }
            serde_json::error::Category::Io => "unreadable body".to_string(),
        }
    };
    if e.line() > 0 {
        format!("{what} (line {}, column {})", e.line(), e.column())
    } else {
        what
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[test]
    fn batch_round_trips_and_rejects_unknown_fields() {
        let batch = EventBatch {
            events: vec![Event {
                seq: 1,
                id: Uuid::now_v7(),
                kind: "ticket.issued".into(),
                occurred_at: "2026-11-26T08:00:00+08:00".into(),
                payload: serde_json::json!({"x": 1}),
            }],
        };
        let text = serde_json::to_string(&batch).unwrap();
        assert_eq!(serde_json::from_str::<EventBatch>(&text).unwrap(), batch);
        assert!(serde_json::from_str::<EventBatch>(r#"{"events":[],"extra":1}"#).is_err());
    }

    #[test]
    fn categories_have_distinct_letters() {
        let mut letters: Vec<char> = WINDOW_CATEGORIES.iter().map(|c| c.1).collect();
        letters.sort();
        letters.dedup();
        assert_eq!(letters.len(), 8);
        assert!(is_window_category("police") && !is_window_category("nope"));
    }

    fn ticket() -> EventPayload {
        EventPayload::TicketIssued(TicketIssued {
            ticket_id: Uuid::now_v7(),
            category: "police".into(),
            number: "E001".into(),
            business_day: "2026-11-26".into(),
            priority: false,
            offline: false,
        })
    }

    #[test]
    fn a_typed_payload_travels_as_kind_and_payload_and_comes_back() {
        let payload = ticket();
        let event = Event::new(
            7,
            Uuid::now_v7(),
            "2026-11-26T08:00:00+08:00".into(),
            &payload,
        );
        assert_eq!(event.kind, "ticket.issued");
        assert_eq!(event.payload["number"], "E001");
        assert!(
            event.payload.get("kind").is_none(),
            "the kind is not repeated inside"
        );
        assert_eq!(event.typed().unwrap(), payload);
    }

    #[test]
    fn every_kind_is_listed_once_and_unknown_kinds_are_refused() {
        let mut kinds = EventPayload::KINDS.to_vec();
        kinds.sort();
        kinds.dedup();
        assert_eq!(kinds.len(), EventPayload::KINDS.len());
        assert_eq!(
            EventPayload::from_parts("ticket.eaten", serde_json::json!({})),
            Err(PayloadError::UnknownKind)
        );
    }

    #[test]
    fn a_payload_of_the_wrong_shape_names_the_field_not_the_value() {
        let (kind, mut payload) = ticket().to_parts();
        payload["category"] = serde_json::json!(["张三丰"]);
        let err = EventPayload::from_parts(kind, payload.clone()).unwrap_err();
        assert!(!err.to_string().contains("张三丰"), "{err}");
        let (_, mut payload) = ticket().to_parts();
        payload.as_object_mut().unwrap().remove("number");
        let err = EventPayload::from_parts(kind, payload).unwrap_err();
        assert!(err.to_string().contains("number"), "{err}");
    }
}
