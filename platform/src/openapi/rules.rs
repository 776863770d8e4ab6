//! What the platform enforces beyond the wire types' shapes, stated in the document: the limits the handlers check
//! (`api::*`), and the rules an event's payload must follow to be applied (`ingest::apply`), whose breach the
//! platform acknowledges with a rejection rather than refusing the batch.

use sanban_wire::{RATED_ERRANDS, WINDOW_CATEGORIES};
use serde_json::{json, Value};

use crate::ingest::MAX_EVENTS_PER_BATCH;

/// Kiosk ids (`auth::valid_kiosk_id`).
pub const KIOSK_ID: &str = "^[A-Za-z0-9_-]{1,64}$";
/// A booking code ([`sanban_wire::CODE_ALPHABET`], [`sanban_wire::CODE_LEN`]).
const BOOKING_CODE: &str = "^[2-9A-HJKMNP-Z]{8}$";
/// No control character (`char::is_control`: Unicode Cc).
const PRINTABLE: &str = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$";
/// Both: printable, and not blank.
const PRINTABLE_NOT_BLANK: &str = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\u0000-\\u001F\\u007F-\\u009F \\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000][^\\u0000-\\u001F\\u007F-\\u009F]*$";

/// Printable, not blank, 1 to `max` characters.
fn label(max: usize) -> Value {
    json!({"minLength": 1, "maxLength": max, "pattern": PRINTABLE_NOT_BLANK})
}

/// Merges `rule` into property `property` of component `schema`. Panics if either is missing, so that a renamed
/// field cannot leave its rule behind silently.
fn rule(doc: &mut Value, schema: &str, property: &str, rule: Value) {
    let target = doc["components"]["schemas"][schema]["properties"]
        .get_mut(property)
        .unwrap_or_else(|| panic!("no property {schema}.{property} to state a rule on"));
    let target = target.as_object_mut().expect("a property schema");
    for (k, v) in rule.as_object().expect("a rule object") {
        target.insert(k.clone(), v.clone());
    }
}

/// Merges `rule` into the schema of query parameter `name` of `GET path`. Panics if it is missing.
fn query_rule(doc: &mut Value, path: &str, name: &str, rule: Value) {
    let param = doc["paths"][path]["get"]["parameters"]
        .as_array_mut()
        .and_then(|params| params.iter_mut().find(|p| p["name"] == name))
        .unwrap_or_else(|| panic!("no query parameter {name} of GET {path}"));
    let schema = param["schema"].as_object_mut().expect("a parameter schema");
    for (k, v) in rule.as_object().expect("a rule object") {
        schema.insert(k.clone(), v.clone());
    }
}

pub(super) fn apply(doc: &mut Value) {
    let categories: Vec<&str> = WINDOW_CATEGORIES.iter().map(|c| c.0).collect();

    // 办件查询 (`applications::lookup`).
    query_rule(doc, "/v1/applications", "citizen_ref", label(128));
    query_rule(doc, "/v1/applications", "number", label(64));
    // JSON Schema cannot say "exactly one of two query parameters": the operation says it in words, and this
    // marks the second as the first's alternative (the example calls leave it out).
    if let Some(number) = doc["paths"]["/v1/applications"]["get"]["parameters"]
        .as_array_mut()
        .and_then(|params| params.iter_mut().find(|p| p["name"] == "number"))
    {
        number["x-alternative-to"] = json!("citizen_ref");
    }

    // Refused when broken (400; 413 for too many events).
    rule(
        doc,
        "EventBatch",
        "events",
        json!({"maxItems": MAX_EVENTS_PER_BATCH,
        "description": "Contiguous, ascending seqs (at most 500 events; more get 413)."}),
    );
    rule(
        doc,
        "Event",
        "seq",
        json!({"minimum": 1, "maximum": i64::MAX,
        "description": "The kiosk's gapless sequence, from 1."}),
    );
    rule(doc, "Heartbeat", "app_version", label(64));
    rule(doc, "Heartbeat", "devices", json!({"maxItems": 16}));
    rule(doc, "DeviceHealth", "device", label(32));
    rule(
        doc,
        "DeviceHealth",
        "detail",
        json!({"maxLength": 200, "pattern": PRINTABLE}),
    );
    rule(
        doc,
        "LeaseRequest",
        "categories",
        json!({"minItems": 1, "uniqueItems": true,
        "items": {"type": "string", "enum": categories}}),
    );
    rule(
        doc,
        "LeaseRequest",
        "block_size",
        json!({"minimum": 1,
        "description": "Numbers wanted per category; the platform grants at most 200."}),
    );
    rule(
        doc,
        "AppointmentRequest",
        "kiosk_id",
        json!({"pattern": KIOSK_ID,
        "description": "The token's own kiosk (another gets 403)."}),
    );
    rule(doc, "AppointmentRequest", "citizen_ref", label(128));
    rule(doc, "AppointmentLookup", "citizen_ref", label(128));
    for schema in ["AppointmentRequest", "AppointmentRequested"] {
        rule(
            doc,
            schema,
            "code",
            json!({"pattern": BOOKING_CODE,
            "description": "The booking code printed on the slip: 8 letters without 0/O, 1/I/L, no dash (another \
                booking's code: `code_taken`)."}),
        );
    }
    rule(
        doc,
        "AppointmentRequest",
        "service",
        json!({
        "description": "The `id` of a bookable service from `GET /v1/catalog` (another gets 404)."}),
    );
    rule(
        doc,
        "AppointmentRequest",
        "date",
        json!({
        "description": "A day of the bookable window: from the next working day of `GET /v1/calendar`, \
            `bookable_days` working days ahead (another gets 409 `outside_window`)."}),
    );
    rule(
        doc,
        "CitizenKeyReply",
        "key",
        json!({"pattern": "^[0-9a-f]{64}$"}),
    );

    // The catalog is checked in full when it is published (`Catalog::validate`).
    rule(doc, "Service", "category", json!({"enum": categories}));

    // Event payloads: an event breaking these is acknowledged and listed in `rejected`, not applied.
    rule(doc, "TicketIssued", "category", json!({"enum": categories}));
    rule(doc, "TicketIssued", "number", label(16));
    rule(
        doc,
        "GuidePrinted",
        "language",
        json!({"enum": ["zh", "en"]}),
    );
    rule(doc, "AppointmentRequested", "citizen_ref", label(128));
    rule(doc, "ApplicationSubmitted", "application_no", label(64));
    rule(doc, "ApplicationSubmitted", "citizen_ref", label(128));
    rule(
        doc,
        "ApplicationSubmitted",
        "fields",
        json!({
        "additionalProperties": {"type": "string", "maxLength": 500},
        "description": "The service's form fields by key (only its own, each by its rules in the catalog; the required ones filled)."}),
    );
    rule(doc, "HelpRequested", "page", label(64));
    rule(
        doc,
        "GuidePrinted",
        "catalog_version",
        json!({"maximum": i64::MAX}),
    );
    rule(
        doc,
        "PickupCollected",
        "method",
        json!({"enum": ["code", "idcard"]}),
    );
    rule(
        doc,
        "RatingSubmitted",
        "level_code",
        json!({"minimum": 1, "maximum": 5}),
    );
    rule(
        doc,
        "RatingSubmitted",
        "errand",
        json!({"enum": RATED_ERRANDS}),
    );
    rule(
        doc,
        "RatingSubmitted",
        "text",
        json!({"maxLength": sanban_wire::RATING_TEXT_MAX}),
    );
    for schema in [
        "GuidePrinted",
        "AppointmentRequested",
        "ApplicationSubmitted",
    ] {
        rule(
            doc,
            schema,
            "service",
            json!({
            "description": "A service `id` of the current catalog (another: the event is rejected)."}),
        );
    }
    rule(
        doc,
        "AppointmentRequested",
        "date",
        json!({"format": "date",
        "description": "A day of the bookable window the service takes appointments, with the slot `slot_id`; \
            else, or when a rule refuses it (slot full, one booking per citizen, service and day, the no-show \
            ban), the event is rejected with a reason starting with its `RefusalReason` code \
            (`slot_full: …`) and the refusal is kept for `POST /v1/appointments/lookup`."}),
    );
}

/// Example requests, checked against their schemas and sent to the real server by `tests/openapi.rs`.
pub(super) fn add_examples(doc: &mut Value) {
    let examples = [
        (
            "/v1/appointments",
            json!({
            "request_id": "01936f3e-8a2b-7c4d-9e10-1234567890ab", "kiosk_id": "K07", "service": "RES-01",
            "date": "2030-01-07", "slot_id": "0930", "citizen_ref": "9f2c41d0a7", "code": "2JW9TNE4"}),
        ),
        (
            "/v1/appointments/lookup",
            json!({"citizen_ref": "9f2c41d0a7"}),
        ),
        (
            "/v1/kiosks/{id}/events",
            json!({"events": [
            {"seq": 1, "id": "01936f3e-8a2b-7c4d-9e10-000000000001", "kind": "ticket.issued",
             "occurred_at": "2026-11-26T09:15:02+08:00",
             "payload": {"ticket_id": "01936f3e-8a2b-7c4d-9e10-00000000a001", "category": "police",
                         "number": "E012", "business_day": "2026-11-26", "priority": false, "offline": false}},
            {"seq": 2, "id": "01936f3e-8a2b-7c4d-9e10-000000000002", "kind": "rating.submitted",
             "occurred_at": "2026-11-26T09:16:40+08:00",
             "payload": {"rating_id": "01936f3e-8a2b-7c4d-9e10-00000000b001", "errand": "ticket",
                 "errand_id": "A001", "channel": "self_service_terminal", "level": "very_satisfied",
                 "level_code": 5, "times_rated": 1}}]}),
        ),
        (
            "/v1/kiosks/{id}/ticket-leases",
            json!({
            "business_day": "2026-11-26", "categories": ["police", "realestate"], "block_size": 50}),
        ),
        (
            "/v1/kiosks/{id}/heartbeat",
            json!({
            "app_version": "0.1.0", "outbox_backlog": 3, "oldest_pending_secs": 42,
            "sent_at": "2026-11-26T09:20:00+08:00",
            "devices": [{"device": "printer", "state": "warning", "detail": "paper near end"},
                        {"device": "idcard", "state": "ok", "detail": ""},
                        {"device": "locker", "state": "ok", "detail": ""}]}),
        ),
    ];
    for (path, example) in examples {
        doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["example"] =
            example;
    }
    for (path, name, example) in [
        ("/v1/catalog", "since", json!(1)),
        ("/v1/slots", "service", json!("RES-01")),
        ("/v1/slots", "date", json!("2030-01-07")),
    ] {
        for param in doc["paths"][path]["get"]["parameters"]
            .as_array_mut()
            .into_iter()
            .flatten()
        {
            if param["name"] == name {
                param["example"] = example.clone();
            }
        }
    }
}
