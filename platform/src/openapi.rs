//! The OpenAPI 3.1 document of API v1, generated at start-up, served at `GET /v1/openapi.json`:
//! - the shapes from the wire types' own schemas (`sanban-wire`, feature `openapi`);
//! - the operations from the `#[utoipa::path]` descriptions beside each handler;
//! - what the platform enforces beyond the shapes ([`rules`]): lengths, enums, ranges, each event kind's payload;
//! - what every operation may answer whatever it is ([`add_common_responses`]): the connection guard's 408, 414
//!   and 431, the body limit's 413, authentication's 401 and 403, 500, and the store's 503.
//!
//! `tests/openapi.rs` checks it against the router's route table and the real server's replies; `.ci/schemathesis.sh`
//! fuzzes a running platform with it.

mod rules;

use std::sync::OnceLock;

use axum::http::header;
use axum::response::IntoResponse;
use serde_json::{json, Map, Value};
use utoipa::OpenApi;

use crate::api::{
    applications, appointments, catalog, events, heartbeat, keys, leases, login, misc, pickups,
    slots,
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Sanban sync API",
        version = "1",
        description = "Kiosk ↔ central platform API of the Sanban (三办) government self-service kiosk. Kiosks \
            authenticate with `Authorization: Bearer <token>` (issued by `sanban-platform kiosk add`). Every error \
            reply is JSON with an `error` reason; a refused request stores nothing. Personal data travels only as \
            salted hashes (`citizen_ref`). Text is counted in Unicode code points; \"printable\" text has no \
            control characters (U+0000–U+001F, U+007F–U+009F)."
    ),
    paths(
        misc::healthz,
        login::form,
        login::login,
        login::logout,
        crate::fleet::page,
        crate::fleet::detail::page,
        crate::kpi::page::page,
        openapi,
        catalog::get_catalog,
        slots::get_slots,
        slots::post_appointment,
        appointments::post_lookup,
        appointments::get_calendar,
        applications::get_applications,
        events::post_events,
        leases::post_leases,
        pickups::get_pickups,
        heartbeat::post_heartbeat,
        keys::get_citizen_key,
    ),
    components(schemas(sanban_wire::EventPayload))
)]
struct ApiDoc;

/// The document as served.
pub fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(build)
}

/// The document as served, as text.
pub fn document_json() -> &'static str {
    static TEXT: OnceLock<String> = OnceLock::new();
    TEXT.get_or_init(|| serde_json::to_string_pretty(document()).expect("the document serializes"))
}

/// `GET /v1/openapi.json`: the document serves itself (so the route and the document it lists stay one).
#[utoipa::path(get, path = "/v1/openapi.json", tag = "operations", summary = "This document",
    responses((status = 200, description = "The OpenAPI 3.1 document of API v1", body = Object)))]
pub async fn openapi() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        document_json(),
    )
}

fn build() -> Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).expect("the document serializes");
    doc["servers"] = json!([{"url": "http://127.0.0.1:8080"}]);
    doc["components"]["securitySchemes"] = json!({
        "kioskToken": {"type": "http", "scheme": "bearer",
            "description": "Per-kiosk token; only its SHA-256 is stored. A token used on another kiosk's path gets 403."},
        "operatorSession": {"type": "apiKey", "in": "cookie", "name": crate::operators::COOKIE,
            "description": "An operator's session, set by `POST /login`; without a live one the pages redirect \
                (303) to `/login`."}});
    bound_integers(&mut doc);
    rules::apply(&mut doc);
    tie_event_kinds_to_payloads(&mut doc);
    add_common_responses(&mut doc);
    rules::add_examples(&mut doc);
    doc
}

/// Unsigned integers get their real range: JSON Schema knows no `uint32`, and a value past it is refused.
fn bound_integers(value: &mut Value) {
    match value {
        Value::Object(map) => {
            let max: Option<u64> = match map.get("format").and_then(Value::as_str) {
                Some("u-int8") => Some(u8::MAX.into()),
                Some("u-int16") => Some(u16::MAX.into()),
                Some("u-int32") => Some(u32::MAX.into()),
                Some("u-int64") => Some(u64::MAX),
                _ => None,
            };
            if let Some(max) = max {
                map.remove("format");
                map.entry("minimum").or_insert(json!(0));
                map.insert("maximum".into(), json!(max));
            }
            map.values_mut().for_each(bound_integers);
        }
        Value::Array(items) => items.iter_mut().for_each(bound_integers),
        _ => {}
    }
}

/// An event's `kind` decides its `payload`'s schema: `Event` becomes a `oneOf` of one complete envelope per kind
/// (`TicketIssuedEvent`, …), with a discriminator on `kind`. The kinds come from the wire's own `EventPayload`.
fn tie_event_kinds_to_payloads(doc: &mut Value) {
    let schemas = doc["components"]["schemas"]
        .as_object_mut()
        .expect("components");
    let tagged = schemas.remove("EventPayload").expect("EventPayload schema");
    let envelope = schemas.get("Event").expect("Event schema").clone();
    let mut choices = Vec::new();
    let mut mapping = Map::new();
    for variant in tagged["oneOf"].as_array().expect("one variant per kind") {
        let kind = variant["properties"]["kind"]["enum"][0]
            .as_str()
            .expect("a kind tag");
        let payload = variant["properties"]["payload"]["$ref"]
            .as_str()
            .expect("a payload schema");
        let name = format!(
            "{}Event",
            payload.trim_start_matches("#/components/schemas/")
        );
        let mut event = envelope.clone();
        event["title"] = json!(name);
        event["description"] = variant["description"].clone();
        event["properties"]["kind"] = json!({"type": "string", "enum": [kind]});
        event["properties"]["payload"] = json!({"$ref": payload});
        schemas.insert(name.clone(), event);
        let reference = format!("#/components/schemas/{name}");
        choices.push(json!({"$ref": reference}));
        mapping.insert(kind.to_string(), json!(reference));
    }
    let kinds: Vec<&str> = mapping.keys().map(String::as_str).collect();
    let mut expected = sanban_wire::EventPayload::KINDS.to_vec();
    expected.sort_unstable();
    assert_eq!(kinds, expected, "every event kind has its payload schema");
    schemas.insert(
        "Event".into(),
        json!({
            "description": envelope["description"],
            "oneOf": choices,
            "discriminator": {"propertyName": "kind", "mapping": mapping},
        }),
    );
}

fn error_reply(description: &str) -> Value {
    json!({"description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ApiError"}}}})
}

/// Replies any operation may give, whoever gives them (the connection guard, the router, authentication).
fn add_common_responses(doc: &mut Value) {
    let paths = doc["paths"].as_object_mut().expect("paths");
    for (path, item) in paths.iter_mut() {
        for (_method, op) in item.as_object_mut().expect("path item").iter_mut() {
            // Kiosk routes answer a missing token with 401; operator pages redirect to the login form instead.
            let secured = op["security"]
                .as_array()
                .is_some_and(|s| s.iter().any(|r| r.get("kioskToken").is_some()));
            let has_body = op.get("requestBody").is_some();
            let responses = op["responses"].as_object_mut().expect("responses");
            let mut add = |code: &str, description: &str| {
                responses
                    .entry(code)
                    .or_insert_with(|| error_reply(description));
            };
            if secured {
                add("401", "Missing or invalid bearer token; nothing changed");
            }
            if secured && path.contains("{id}") {
                add("403", "The token belongs to another kiosk; nothing changed");
            }
            if has_body {
                add(
                    "400",
                    "Malformed JSON, wrong types or unknown fields; nothing stored",
                );
                add("413", "Body larger than 1 MiB; nothing stored");
            }
            add(
                "408",
                "The request head did not arrive in time, or the request took too long",
            );
            add("414", "Request line longer than 8 KiB");
            add(
                "431",
                "Request head larger than 32 KiB or of more than 100 lines",
            );
            add("500", "Internal error; the request may be retried");
            if !matches!(path.as_str(), "/healthz" | "/v1/openapi.json") {
                add(
                    "503",
                    "The store is unavailable for now (database unreachable or restarting, disk full); \
                     retry after `Retry-After` seconds",
                );
            }
            for param in op
                .get_mut("parameters")
                .and_then(Value::as_array_mut)
                .into_iter()
                .flatten()
            {
                if param["in"] == "path" && param["name"] == "id" {
                    param["schema"] = json!({"type": "string", "pattern": rules::KIOSK_ID});
                    param["example"] = json!("K07");
                }
            }
        }
    }
}
