//! The OpenAPI document is true: it lists exactly the routes the router serves (from the router's own table), with
//! the right auth; its examples satisfy its schemas; and the real server's replies to them (and to unauthenticated
//! calls) match the declared status codes and schemas.

mod common;

use std::collections::BTreeSet;

use common::{Platform, StoreKind};
use sanban_platform::api::Access;
use serde_json::{json, Value};

fn doc() -> Value {
    serde_json::from_str(sanban_platform::openapi::OPENAPI_JSON).expect("openapi.json parses")
}

fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r.trim_start_matches("#/components/schemas/");
            doc["components"]["schemas"]
                .get(name)
                .unwrap_or_else(|| panic!("dangling $ref {r}"))
        }
        None => schema,
    }
}

/// A small validator for the subset of JSON Schema the document uses.
fn validate(doc: &Value, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
    let schema = resolve(doc, schema);
    if let Some(t) = schema.get("type") {
        let types: Vec<&str> = match t {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let ok = types.iter().any(|t| match *t {
            "object" => value.is_object(),
            "array" => value.is_array(),
            "string" => value.is_string(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "boolean" => value.is_boolean(),
            "null" => value.is_null(),
            _ => false,
        });
        if !ok {
            errors.push(format!("{at}: expected {types:?}, got {value}"));
            return;
        }
    }
    if let (Some(min), Some(n)) = (
        schema.get("minimum").and_then(Value::as_i64),
        value.as_i64(),
    ) {
        if n < min {
            errors.push(format!("{at}: {n} < minimum {min}"));
        }
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
        if !allowed.contains(value) {
            errors.push(format!("{at}: {value} not in {allowed:?}"));
        }
    }
    if let Some(obj) = value.as_object() {
        let props = schema.get("properties").and_then(Value::as_object);
        for req in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let key = req.as_str().unwrap();
            if !obj.contains_key(key) {
                errors.push(format!("{at}: required field {key} missing"));
            }
        }
        for (k, v) in obj {
            match props.and_then(|p| p.get(k)) {
                Some(s) => validate(doc, s, v, &format!("{at}.{k}"), errors),
                None => match schema.get("additionalProperties") {
                    Some(Value::Bool(false)) => errors.push(format!("{at}: undeclared field {k}")),
                    Some(s @ Value::Object(_)) => validate(doc, s, v, &format!("{at}.{k}"), errors),
                    _ => {}
                },
            }
        }
    }
    if let (Some(items), Some(arr)) = (schema.get("items"), value.as_array()) {
        for (i, v) in arr.iter().enumerate() {
            validate(doc, items, v, &format!("{at}[{i}]"), errors);
        }
    }
}

fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            ops.push((method.to_uppercase(), path.clone(), op.clone()));
        }
    }
    ops
}

fn needs_token(doc: &Value, op: &Value) -> bool {
    let security = op.get("security").unwrap_or(&doc["security"]);
    security.as_array().is_some_and(|s| !s.is_empty())
}

#[test]
fn the_document_lists_exactly_the_served_routes_with_their_auth() {
    let doc = doc();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let served: BTreeSet<(String, String, bool)> = sanban_platform::served_routes()
        .into_iter()
        .map(|(m, p, a)| (m.to_string(), p.to_string(), a == Access::Kiosk))
        .collect();
    let documented: BTreeSet<(String, String, bool)> = operations(&doc)
        .into_iter()
        .map(|(m, p, op)| (m, p, needs_token(&doc, &op)))
        .collect();
    assert_eq!(served, documented, "router and openapi.json disagree");
    for (method, path, op) in operations(&doc) {
        let responses = op["responses"].as_object().unwrap();
        if needs_token(&doc, &op) {
            assert!(
                responses.contains_key("401"),
                "{method} {path} must document 401"
            );
        }
        if path.contains("{id}") {
            assert!(
                responses.contains_key("403"),
                "{method} {path} must document 403"
            );
        }
        if op.get("requestBody").is_some() {
            for code in ["400", "413"] {
                assert!(
                    responses.contains_key(code),
                    "{method} {path} must document {code}"
                );
            }
        }
    }
}

#[test]
fn examples_satisfy_their_schemas() {
    let doc = doc();
    let mut checked = 0;
    for (method, path, op) in operations(&doc) {
        if let Some(content) = op
            .get("requestBody")
            .map(|b| &b["content"]["application/json"])
        {
            let example = content
                .get("example")
                .unwrap_or_else(|| panic!("{method} {path}: no example"));
            let mut errors = Vec::new();
            validate(&doc, &content["schema"], example, "body", &mut errors);
            assert!(errors.is_empty(), "{method} {path}: {errors:?}");
            checked += 1;
        }
        for p in op
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            assert!(
                p.get("example").is_some(),
                "{method} {path}: parameter without example"
            );
        }
    }
    assert_eq!(checked, 4);
    // The event payload examples match their kind's schema too.
    let events = &doc["paths"]["/v1/kiosks/{id}/events"]["post"]["requestBody"]["content"]
        ["application/json"]["example"];
    for e in events["events"].as_array().unwrap() {
        let schema = match e["kind"].as_str().unwrap() {
            "ticket.issued" => "TicketIssued",
            "rating.submitted" => "RatingSubmitted",
            k => panic!("no example check for {k}"),
        };
        let mut errors = Vec::new();
        validate(
            &doc,
            &json!({"$ref": format!("#/components/schemas/{schema}")}),
            &e["payload"],
            "payload",
            &mut errors,
        );
        assert!(errors.is_empty(), "{errors:?}");
    }
}

on_both_stores!(the_real_server_answers_as_documented);

/// Calls every documented operation on the real server with its example, and checks the replies.
async fn the_real_server_answers_as_documented(store: StoreKind) {
    let doc = doc();
    let p = Platform::start(store).await;
    let token = p.add_kiosk("K07").await;
    let day = common::next_working_day();
    for (method, path, op) in operations(&doc) {
        let mut url = path.replace("{id}", "K07");
        let params: Vec<String> = op
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|p| p["in"] == "query")
            .map(|p| {
                let name = p["name"].as_str().unwrap();
                let v = if name == "date" {
                    json!(day)
                } else {
                    p["example"].clone()
                };
                format!(
                    "{name}={}",
                    v.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| v.to_string())
                )
            })
            .collect();
        if !params.is_empty() {
            url = format!("{url}?{}", params.join("&"));
        }
        let mut body = op
            .get("requestBody")
            .map(|b| b["content"]["application/json"]["example"].clone());
        if let Some(b) = body.as_mut().filter(|b| b.get("date").is_some()) {
            b["date"] = json!(day);
        }
        // Numbers are leased for today (±1 day) only.
        if let Some(b) = body.as_mut().filter(|b| b.get("business_day").is_some()) {
            b["business_day"] = json!(common::today());
        }
        let send = |with_token: bool| {
            let mut req = p.http.request(method.parse().unwrap(), p.url(&url));
            if with_token {
                req = req.bearer_auth(&token);
            }
            if let Some(b) = &body {
                req = req.json(b);
            }
            req.send()
        };
        let responses = op["responses"].as_object().unwrap();
        let r = send(true).await.unwrap();
        let status = r.status().as_u16().to_string();
        let content_type = r
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string());
        let text = r.text().await.unwrap();
        let declared = responses
            .get(&status)
            .unwrap_or_else(|| panic!("{method} {path}: undocumented {status}: {text}"));
        assert!(
            status.starts_with('2'),
            "{method} {path}: example got {status}: {text}"
        );
        if let Some(schema) = declared
            .get("content")
            .and_then(|c| c.get("application/json"))
            .map(|c| &c["schema"])
        {
            assert!(
                content_type
                    .unwrap_or_default()
                    .starts_with("application/json"),
                "{method} {path}"
            );
            let value: Value = serde_json::from_str(&text).unwrap();
            let mut errors = Vec::new();
            validate(&doc, schema, &value, "reply", &mut errors);
            assert!(errors.is_empty(), "{method} {path}: {errors:?}");
        }
        if needs_token(&doc, &op) {
            let r = send(false).await.unwrap();
            assert_eq!(r.status(), 401, "{method} {path} without a token");
            let value: Value = r.json().await.unwrap();
            let mut errors = Vec::new();
            validate(
                &doc,
                &responses["401"]["content"]["application/json"]["schema"],
                &value,
                "401",
                &mut errors,
            );
            assert!(errors.is_empty(), "{errors:?}");
        }
    }
    // The served document is this document.
    let (status, served) = p.get("/v1/openapi.json", None).await;
    assert_eq!((status, served), (200, doc));
    p.stop().await;
}
