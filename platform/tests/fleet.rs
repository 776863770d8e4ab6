//! The fleet page shows what kiosks report without letting it act: no markup, no invisible reordering.

mod common;

use common::{Platform, StoreKind};
use serde_json::json;

on_both_stores!(a_heartbeat_with_script_and_bidi_override_reaches_the_page_as_visible_text);

async fn a_heartbeat_with_script_and_bidi_override_reaches_the_page_as_visible_text(
    store: StoreKind,
) {
    let p = Platform::start(store).await;
    let token = p.add_kiosk("K07").await;
    let beat = json!({"app_version": "1.0<script>alert(1)</script>\u{202E}lanigiro",
        "outbox_backlog": 0, "oldest_pending_secs": u64::MAX, "sent_at": "2026-11-26T09:00:00+08:00",
        "devices": [{"device": "printer\u{2066}", "state": "fault", "detail": "cover <b>open</b>\u{200F}"}]});
    let r = p
        .http
        .post(p.url("/v1/kiosks/K07/heartbeat"))
        .bearer_auth(&token)
        .json(&beat)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let cookie = p.operator_cookie().await;
    let html = p
        .http
        .get(p.url("/fleet"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !html.contains("<script>") && !html.contains("<b>"),
        "{html}"
    );
    assert!(
        !html.contains(['\u{202E}', '\u{2066}', '\u{200F}']),
        "{html}"
    );
    assert!(
        html.contains("1.0&lt;script&gt;alert(1)&lt;/script&gt;[U+202E]lanigiro"),
        "{html}"
    );
    assert!(html.contains("printer[U+2066] fault: cover &lt;b&gt;open&lt;/b&gt;[U+200F]"));
    assert!(!html.contains("oldest -"), "{html}");
    p.stop().await;
}
