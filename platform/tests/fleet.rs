//! The fleet page shows what kiosks report without letting it act: no markup, no invisible reordering.

mod common;

use common::{event, Platform, StoreKind};
use serde_json::json;

on_both_stores!(
    a_heartbeat_with_script_and_bidi_override_reaches_the_page_as_visible_text,
    locker_alerts_reach_the_page_security_first,
    a_kiosk_row_opens_its_detail_with_devices_refusals_and_maintenance,
);

async fn locker_alerts_reach_the_page_security_first(store: StoreKind) {
    let p = Platform::start(store).await;
    let token = p.add_kiosk("K07").await;
    let (status, reply) = p
        .events(
            "K07",
            &token,
            vec![
                common::event(
                    1,
                    "locker.alert",
                    json!({"locker_door": 2, "alert": "left_open", "open_seconds": 180}),
                ),
                common::event(
                    2,
                    "locker.alert",
                    json!({"locker_door": 5, "alert": "opened_unexpectedly"}),
                ),
            ],
        )
        .await;
    assert_eq!(status, 200, "{reply}");
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
    let security = html.find("opened with no command").expect("security alert");
    let left_open = html.find("left open").expect("door left open");
    assert!(security < left_open, "security first: {html}");
    assert!(html.contains("open 3 min"), "{html}");
    p.stop().await;
}

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

/// The kiosk detail an operator opens from its row: its name and hall, every alert (a device fault, the catalog
/// behind, the maintenance pad locked), each device, refused events and maintenance actions — reported text
/// escaped.
async fn a_kiosk_row_opens_its_detail_with_devices_refusals_and_maintenance(store: StoreKind) {
    let p = Platform::start(store).await;
    let token = p.add_kiosk("K07").await;
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sanban-platform"))
        .args([
            "kiosk",
            "describe",
            "K07",
            "--name",
            "一楼东侧 2 号机",
            "--hall",
            "汉南区政务服务中心",
        ])
        .args(["--db", &common::db_arg(&p.db)])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let beat = json!({"app_version": "0.4.0", "outbox_backlog": 2, "oldest_pending_secs": 90,
        "sent_at": "2026-11-26T09:00:00+08:00", "catalog_version": 0,
        "maintenance": {"failures": 0, "locked_until": "2026-11-26T01:15:00Z"},
        "devices": [{"device": "printer", "state": "fault", "detail": "paper out <now>"},
                    {"device": "idcard", "state": "ok", "detail": ""}]});
    let r = p
        .http
        .post(p.url("/v1/kiosks/K07/heartbeat"))
        .bearer_auth(&token)
        .json(&beat)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let batch = vec![
        event(
            1,
            "maintenance.action",
            json!({"technician": "T01", "action": "open_door", "target": "2", "result": "opened"}),
        ),
        event(2, "help.requested", json!({"page": "bad\npage"})),
    ];
    let (status, reply) = p.events("K07", &token, batch).await;
    assert_eq!(status, 200, "{reply}");
    let cookie = p.operator_cookie().await;
    let get = |path: &'static str| p.http.get(p.url(path)).header("cookie", &cookie).send();
    let list = get("/fleet").await.unwrap().text().await.unwrap();
    assert!(
        list.contains("href=\"/fleet/kiosks/K07\"") && list.contains("一楼东侧 2 号机"),
        "{list}"
    );
    assert!(
        list.contains("事项清单落后（第 0 版，现行第 1 版）"),
        "{list}"
    );
    assert!(
        list.contains("维护密码锁定至 11-26 09:15:00"),
        "the hall's local time: {list}"
    );

    let detail = get("/fleet/kiosks/K07").await.unwrap();
    assert_eq!(detail.status(), 200);
    let html = detail.text().await.unwrap();
    for part in [
        "汉南区政务服务中心",
        "打印机 printer",
        "paper out &lt;now&gt;",
        "待同步 2 条",
        "open_door",
        "T01",
        "printable",
    ] {
        assert!(html.contains(part), "{part}: {html}");
    }
    assert!(!html.contains("<now>"));
    let missing = get("/fleet/kiosks/K99").await.unwrap();
    assert_eq!(missing.status(), 404);
    p.stop().await;
}
