//! What the hall's kiosks report beside errands — printed service guides (`guide.printed`) and calls for help
//! (`help.requested`) — and the hall's key of `citizen_ref` (`GET /v1/kiosks/{id}/citizen-key`), on both stores.

mod common;

use common::{event, Platform, StoreKind};
use serde_json::json;

on_both_stores!(
    printed_guides_and_calls_for_help_are_stored_and_bad_ones_rejected_with_a_reason,
    the_citizen_key_is_made_once_and_the_same_for_every_kiosk_and_every_instance,
);

async fn printed_guides_and_calls_for_help_are_stored_and_bad_ones_rejected_with_a_reason(
    store: StoreKind,
) {
    let p = Platform::start(store).await;
    let token = p.add_kiosk("K01").await;
    let (_, catalog) = p.get("/v1/catalog", Some(&token)).await;
    let version = catalog["version"].as_u64().unwrap();
    let guide = |seq, service: &str, language: &str| {
        event(
            seq,
            "guide.printed",
            json!({"service": service, "catalog_version": version, "language": language}),
        )
    };
    let help = |seq, page: &str| event(seq, "help.requested", json!({ "page": page }));
    let batch = vec![
        guide(1, "POL-04", "zh"),
        guide(2, "ECO-01", "en"),
        guide(3, "NOPE-99", "zh"),
        guide(4, "POL-04", "fr"),
        help(5, "guide.detail"),
        help(6, "bad\npage"),
    ];
    let (status, reply) = p.events("K01", &token, batch).await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["applied_through"], json!(6), "{reply}");
    let rejected: Vec<(u64, String)> = reply["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["seq"].as_u64().unwrap(),
                r["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        rejected.iter().map(|r| r.0).collect::<Vec<_>>(),
        [3, 4, 6],
        "{reply}"
    );
    assert!(rejected[0].1.contains("unknown service"), "{reply}");
    assert!(rejected[1].1.contains("zh or en"), "{reply}");
    assert!(rejected[2].1.contains("printable"), "{reply}");

    assert_eq!(p.query_count("SELECT COUNT(*) FROM guide_prints").await, 2);
    assert_eq!(
        p.query_text("SELECT language FROM guide_prints WHERE service = 'ECO-01'")
            .await
            .as_deref(),
        Some("en")
    );
    assert_eq!(
        p.query_count(&format!(
            "SELECT COUNT(*) FROM guide_prints WHERE kiosk_id = 'K01' AND catalog_version = {version}"
        ))
        .await,
        2
    );
    assert_eq!(
        p.query_text("SELECT page FROM help_requests WHERE kiosk_id = 'K01'")
            .await
            .as_deref(),
        Some("guide.detail")
    );
    assert_eq!(p.query_count("SELECT COUNT(*) FROM help_requests").await, 1);
    p.stop().await;
}

async fn the_citizen_key_is_made_once_and_the_same_for_every_kiosk_and_every_instance(
    store: StoreKind,
) {
    let p = Platform::start(store).await;
    let a = p.add_kiosk("K01").await;
    let b = p.add_kiosk("K02").await;
    assert_eq!(
        p.query_count("SELECT COUNT(*) FROM platform_secrets").await,
        0
    );
    // Two kiosks asking at the same moment on a fresh store get one key.
    let ((sa, ka), (sb, kb)) = tokio::join!(
        p.get("/v1/kiosks/K01/citizen-key", Some(&a)),
        p.get("/v1/kiosks/K02/citizen-key", Some(&b)),
    );
    assert_eq!((sa, sb), (200, 200), "{ka} {kb}");
    let key = ka["key"].as_str().unwrap().to_string();
    assert_eq!(key.len(), 64);
    assert!(key.bytes().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(kb["key"], json!(key));
    assert_eq!(
        p.query_count("SELECT COUNT(*) FROM platform_secrets").await,
        1
    );
    // Another kiosk's key path is refused; the key is not for the asking.
    assert_eq!(p.get("/v1/kiosks/K02/citizen-key", Some(&a)).await.0, 403);
    assert_eq!(p.get("/v1/kiosks/K01/citizen-key", None).await.0, 401);

    // A second instance on the same store serves the same key.
    let other = common::Instance::start(&p.db).await;
    let reply: serde_json::Value = p
        .http
        .get(format!("{}/v1/kiosks/K01/citizen-key", other.base))
        .bearer_auth(&a)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(reply["key"], json!(key));
    other.stop().await;
    p.stop().await;
}
