//! Every error reply is JSON (`{"error": "..."}`) with the right status, whatever refused the request: the router,
//! a handler, the request timeout or the connection guard.

mod common;

use std::time::Duration;

use common::{raw, Platform, StoreKind};
use sanban_platform::ServeOptions;
use serde_json::{json, Value};

/// Asserts a JSON error reply with `status` and returns its reason.
fn json_error((got, headers, body): (u16, Vec<(String, String)>, String), status: u16) -> String {
    assert_eq!(got, status, "{headers:?} {body}");
    let content_type = headers
        .iter()
        .find(|(k, _)| k == "content-type")
        .map(|(_, v)| v.as_str());
    assert_eq!(content_type, Some("application/json"), "{body}");
    let value: Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"));
    value["error"]
        .as_str()
        .unwrap_or_else(|| panic!("no error reason: {body}"))
        .to_string()
}

on_both_stores!(
    routing_errors_are_json_404_and_405_with_allow,
    a_request_that_is_not_http_gets_a_json_400,
    oversized_requests_get_json_413_414_and_431,
    a_request_body_that_never_finishes_gets_a_json_408,
    bad_queries_and_credentials_get_json_400_401_403,
    an_out_of_range_seq_names_its_event,
    integers_written_with_a_zero_fraction_are_integers,
);

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn get(path: &str, token: Option<&str>, extra: &str) -> Vec<u8> {
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    format!("GET {path} HTTP/1.1\r\nHost: platform\r\n{auth}{extra}Connection: close\r\n\r\n")
        .into_bytes()
}

async fn routing_errors_are_json_404_and_405_with_allow(store: StoreKind) {
    let p = Platform::start(store).await;
    let token = p.add_kiosk("K07").await;
    let reason = json_error(raw(p.addr(), &get("/v1/nothing-here", None, "")).await, 404);
    assert!(reason.contains("/v1/nothing-here"), "{reason}");
    // A path that names no kiosk (not even valid UTF-8).
    let reply = raw(
        p.addr(),
        format!(
            "POST /v1/kiosks/%FF/heartbeat HTTP/1.1\r\nHost: p\r\nAuthorization: Bearer {token}\r\n\
             Content-Length: 2\r\nConnection: close\r\n\r\n{{}}"
        )
        .as_bytes(),
    )
    .await;
    json_error(reply, 400);

    let reply = raw(
        p.addr(),
        b"DELETE /v1/catalog HTTP/1.1\r\nHost: p\r\nConnection: close\r\n\r\n",
    )
    .await;
    let allow = header(&reply.1, "allow").unwrap_or_default().to_string();
    json_error(reply, 405);
    assert!(allow.contains("GET"), "{allow}");
    p.stop().await;
}

async fn a_request_that_is_not_http_gets_a_json_400(store: StoreKind) {
    let p = Platform::start(store).await;
    for garbage in [
        &b"GARBAGE\r\n\r\n"[..],
        b"GET /healthz HTTP/1.1\r\nNo colon here\r\n\r\n",
        b"GET /\x01 HTTP/1.1\r\n\r\n",
        b"POST /healthz HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
        b"POST /healthz HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
    ] {
        let reason = json_error(raw(p.addr(), garbage).await, 400);
        assert!(reason.contains("not valid HTTP/1.1"), "{reason}");
    }
    p.stop().await;
}

async fn oversized_requests_get_json_413_414_and_431(store: StoreKind) {
    let p = Platform::start(store).await;
    let token = p.add_kiosk("K07").await;
    let long_uri = format!("/v1/catalog?since={}", "9".repeat(10_000));
    json_error(raw(p.addr(), &get(&long_uri, Some(&token), "")).await, 414);
    let many = "X-Filler: 1\r\n".repeat(150);
    json_error(raw(p.addr(), &get("/healthz", None, &many)).await, 431);
    let big = format!("X-Big: {}\r\n", "b".repeat(40_000));
    json_error(raw(p.addr(), &get("/healthz", None, &big)).await, 431);
    // Just under the limits is fine.
    let fine = "X-Filler: 1\r\n".repeat(90);
    assert_eq!(raw(p.addr(), &get("/healthz", None, &fine)).await.0, 200);

    let (status, reply) = p
        .post_raw(
            "/v1/kiosks/K07/heartbeat",
            Some(&token),
            vec![b' '; 2 * 1024 * 1024],
        )
        .await;
    assert_eq!(status, 413, "{reply}");
    assert!(reply["error"].is_string());
    p.stop().await;
}

async fn a_request_body_that_never_finishes_gets_a_json_408(store: StoreKind) {
    let p = Platform::start_with(
        store,
        ServeOptions {
            request_timeout: Duration::from_secs(1),
            ..ServeOptions::default()
        },
    )
    .await;
    let token = p.add_kiosk("K07").await;
    let head = format!(
        "POST /v1/kiosks/K07/heartbeat HTTP/1.1\r\nHost: p\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"app_version\""
    );
    let reason = json_error(raw(p.addr(), head.as_bytes()).await, 408);
    assert!(reason.contains("longer than 1 s"), "{reason}");
    p.stop().await;
}

async fn bad_queries_and_credentials_get_json_400_401_403(store: StoreKind) {
    let p = Platform::start(store).await;
    let token = p.add_kiosk("K07").await;
    p.add_kiosk("K08").await;
    json_error(
        raw(p.addr(), &get("/v1/catalog?since=abc", Some(&token), "")).await,
        400,
    );
    json_error(
        raw(p.addr(), &get("/v1/catalog?since=-1", Some(&token), "")).await,
        400,
    );
    json_error(
        raw(
            p.addr(),
            &get("/v1/slots?date=2030-01-07", Some(&token), ""),
        )
        .await,
        400,
    );
    json_error(
        raw(
            p.addr(),
            &get("/v1/slots?service=RES-01&date=%FF", Some(&token), ""),
        )
        .await,
        400,
    );
    let reply = raw(p.addr(), &get("/v1/catalog", None, "")).await;
    assert_eq!(header(&reply.1, "www-authenticate"), Some("Bearer"));
    json_error(reply, 401);
    json_error(
        raw(p.addr(), &get("/v1/kiosks/K08/pickups", Some(&token), "")).await,
        403,
    );
    p.stop().await;
}

async fn an_out_of_range_seq_names_its_event(store: StoreKind) {
    let p = Platform::start(store).await;
    let token = p.add_kiosk("K07").await;
    let mut event = common::ticket(1, "police", "E001");
    event["seq"] = json!(i64::MAX as u64 + 1);
    let (status, reply) = p.events("K07", &token, vec![event]).await;
    assert_eq!(status, 400, "{reply}");
    assert_eq!(reply["seq"], json!(i64::MAX as u64 + 1), "{reply}");
    assert!(reply["error"].as_str().unwrap().contains("out of range"));
    p.stop().await;
}

async fn integers_written_with_a_zero_fraction_are_integers(store: StoreKind) {
    let p = Platform::start(store).await;
    let token = p.add_kiosk("K07").await;
    let mut event = common::ticket(1, "police", "E001");
    event["seq"] = json!(1.0);
    let (status, reply) = p.events("K07", &token, vec![event]).await;
    assert_eq!(
        (status, reply["applied_through"].clone()),
        (200, json!(1)),
        "{reply}"
    );
    // A real fraction is still refused, and the reason is the real one.
    let mut event = common::ticket(2, "police", "E002");
    event["seq"] = json!(2.5);
    let (status, reply) = p.events("K07", &token, vec![event]).await;
    assert_eq!(status, 400, "{reply}");
    let batch = json!({"events": [common::ticket(2, "police", "E002"), common::ticket(4, "police", "E004")]});
    let text = batch.to_string().replace("\"seq\":4", "\"seq\":4.0");
    let (status, reply) = p
        .post_raw("/v1/kiosks/K07/events", Some(&token), text.into_bytes())
        .await;
    assert_eq!(status, 400);
    assert!(
        reply["error"].as_str().unwrap().contains("contiguous"),
        "{reply}"
    );
    p.stop().await;
}
