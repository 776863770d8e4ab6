//! Maintenance mode, the platform's part: the kiosks' maintenance events are accepted and kept (an unknown kind
//! would block a kiosk's queue), and the operator's one-time codes match what the kiosk checks.

mod common;

use std::process::Command;

use common::{event, Platform, StoreKind};
use serde_json::json;

on_both_stores!(
    maintenance_events_are_applied_and_kept_for_the_fleet_page,
    the_operator_issues_a_code_the_kiosk_accepts_and_only_for_that_kiosk,
);

async fn maintenance_events_are_applied_and_kept_for_the_fleet_page(store: StoreKind) {
    let p = Platform::start(store).await;
    let token = p.add_kiosk("K01").await;
    let batch = vec![
        event(
            1,
            "maintenance.access",
            json!({"method": "pin", "outcome": "locked_out", "technician": null, "failures": 5,
                   "locked_until": "2026-11-26T09:20:00+08:00"}),
        ),
        event(
            2,
            "maintenance.access",
            json!({"method": "one_time_code", "outcome": "granted", "technician": "one-time-code", "failures": 0}),
        ),
        event(
            3,
            "maintenance.action",
            json!({"technician": "one-time-code", "action": "open_door", "target": "2", "result": "opened"}),
        ),
    ];
    let (status, reply) = p.events("K01", &token, batch).await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply, json!({"applied_through": 3, "rejected": []}));
    assert_eq!(
        p.query_count("SELECT COUNT(*) FROM maintenance_events WHERE kiosk_id = 'K01'")
            .await,
        3
    );
    assert_eq!(
        p.query_text("SELECT what || '/' || target FROM maintenance_events WHERE seq = 3")
            .await
            .as_deref(),
        Some("open_door/2")
    );
    assert_eq!(
        p.query_text("SELECT what FROM maintenance_events WHERE seq = 1")
            .await
            .as_deref(),
        Some("pin:locked_out")
    );
    assert!(p
        .query_text("SELECT result FROM maintenance_events WHERE seq = 1")
        .await
        .unwrap()
        .contains("locked until"));

    // A control character in a technician's name is refused, with a reason, and the queue moves on.
    let (status, reply) = p
        .events(
            "K01",
            &token,
            vec![event(
                4,
                "maintenance.action",
                json!({"technician": "T\u{7}", "action": "leave"}),
            )],
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(reply["applied_through"], 4);
    assert_eq!(reply["rejected"][0]["seq"], 4);
    p.stop().await;
}

fn platform(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_sanban-platform"))
        .args(args)
        .output()
        .unwrap()
}

async fn the_operator_issues_a_code_the_kiosk_accepts_and_only_for_that_kiosk(store: StoreKind) {
    let p = Platform::start(store).await;
    p.add_kiosk("K01").await;
    let db = p.db.to_string();
    let db = db.as_str();

    let o = platform(&["maintenance-code", "K01", "--db", db]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("maintenance-secret K01"));
    let o = platform(&["maintenance-secret", "K09", "--db", db]);
    assert!(!o.status.success(), "no such kiosk");

    let o = platform(&["maintenance-secret", "K01", "--db", db]);
    assert!(o.status.success());
    let secret_hex = String::from_utf8(o.stdout).unwrap().trim().to_string();
    assert_eq!(secret_hex.len(), 64);
    let again = platform(&["maintenance-secret", "K01", "--db", db]);
    assert_eq!(
        String::from_utf8(again.stdout).unwrap().trim(),
        secret_hex,
        "stable until rotated"
    );

    let before = chrono::Utc::now().timestamp() as u64;
    let o = platform(&["maintenance-code", "K01", "--db", db]);
    assert!(o.status.success());
    let code = String::from_utf8(o.stdout).unwrap().trim().to_string();
    let after = chrono::Utc::now().timestamp() as u64;
    let secret = hex::decode(&secret_hex).unwrap();
    let windows = [
        sanban_wire::code_window(before),
        sanban_wire::code_window(after),
    ];
    assert!(windows
        .iter()
        .any(|w| sanban_wire::one_time_code(&secret, "K01", *w) == code));
    assert!(windows
        .iter()
        .all(|w| sanban_wire::one_time_code(&secret, "K02", *w) != code));

    let rotated = platform(&["maintenance-secret", "K01", "--db", db, "--rotate"]);
    assert_ne!(
        String::from_utf8(rotated.stdout).unwrap().trim(),
        secret_hex
    );
    p.stop().await;
}
