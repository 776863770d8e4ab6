//! `POST /v1/kiosks/{id}/events`: exactly-once, gaps, rejections, malformed batches.

mod common;

use common::{event, ticket, Platform};
use serde_json::json;
use uuid::Uuid;

#[tokio::test]
async fn resending_a_batch_stores_nothing_twice() {
    let p = Platform::start().await;
    let token = p.add_kiosk("K01");
    let batch = vec![
        ticket(1, "police", "E001"),
        ticket(2, "tax", "G001"),
        ticket(3, "police", "E002"),
    ];
    let (status, reply) = p.events("K01", &token, batch.clone()).await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply, json!({"applied_through": 3, "rejected": []}));

    let (status, again) = p.events("K01", &token, batch.clone()).await;
    assert_eq!(status, 200);
    assert_eq!(again["applied_through"], 3);
    let db = p.read();
    assert_eq!(db.tickets(Some("K01")).unwrap().len(), 3);
    assert_eq!(db.last_applied_seq("K01").unwrap(), Some(3));

    // A batch overlapping the settled range applies only the new tail.
    let (status, tail) = p
        .events(
            "K01",
            &token,
            vec![batch[2].clone(), ticket(4, "police", "E003")],
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(tail["applied_through"], 4);
    let numbers: Vec<String> = p
        .read()
        .tickets(None)
        .unwrap()
        .into_iter()
        .map(|t| t.number)
        .collect();
    assert_eq!(numbers, ["E001", "G001", "E002", "E003"]);
    p.stop().await;
}

#[tokio::test]
async fn a_gap_is_refused_with_the_expected_seq() {
    let p = Platform::start().await;
    let token = p.add_kiosk("K01");
    assert_eq!(
        p.events("K01", &token, vec![ticket(1, "police", "E001")])
            .await
            .0,
        200
    );
    let (status, reply) = p
        .events("K01", &token, vec![ticket(3, "police", "E003")])
        .await;
    assert_eq!(status, 409);
    assert_eq!(reply["expected_seq"], 2);
    assert!(reply["error"].as_str().unwrap().contains("seq 2"));
    assert_eq!(p.read().tickets(None).unwrap().len(), 1);
    assert_eq!(p.read().last_applied_seq("K01").unwrap(), Some(1));

    // A fresh kiosk must start at 1.
    let t2 = p.add_kiosk("K02");
    let (status, reply) = p.events("K02", &t2, vec![ticket(5, "tax", "G005")]).await;
    assert_eq!((status, reply["expected_seq"].clone()), (409, json!(1)));
    p.stop().await;
}

#[tokio::test]
async fn a_rejected_event_is_acknowledged_and_does_not_block_the_rest() {
    let p = Platform::start().await;
    let token = p.add_kiosk("K01");
    let dup = Uuid::now_v7();
    let t = |seq, id: Uuid, category: &str, number: &str| {
        event(
            seq,
            "ticket.issued",
            json!({"ticket_id": id, "category": category, "number": number,
            "business_day": "2026-11-26"}),
        )
    };
    let batch = vec![
        t(1, dup, "police", "E001"),
        t(2, Uuid::now_v7(), "astrology", "Z001"), // unknown category
        t(3, dup, "police", "E002"),               // duplicate ticket_id
        t(4, Uuid::now_v7(), "police", ""),        // empty number
        t(5, Uuid::now_v7(), "police", "E001"),    // number already issued
        event(
            6,
            "ticket.issued",
            json!({"ticket_id": Uuid::now_v7(), "category": "tax", "number": "G001",
            "business_day": "2026-13-01"}),
        ), // impossible date
        event(
            7,
            "rating.submitted",
            json!({"rating_id": Uuid::now_v7(), "errand": "ticket", "level": 9}),
        ),
        t(8, Uuid::now_v7(), "tax", "G002"),
    ];
    let (status, reply) = p.events("K01", &token, batch.clone()).await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["applied_through"], 8);
    let rejected: Vec<u64> = reply["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(rejected, [2, 3, 4, 5, 6, 7]);
    let reasons: Vec<&str> = reply["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["reason"].as_str().unwrap())
        .collect();
    assert!(
        reasons[0].contains("unknown window category"),
        "{reasons:?}"
    );
    assert!(reasons[1].contains("duplicate ticket_id"), "{reasons:?}");
    assert!(reasons[4].contains("YYYY-MM-DD"), "{reasons:?}");

    let db = p.read();
    assert_eq!(db.tickets(None).unwrap().len(), 2);
    assert_eq!(db.rejections("K01").unwrap().len(), 6);
    assert_eq!(db.last_applied_seq("K01").unwrap(), Some(8));

    // A kiosk that lost the reply and resends learns the same rejections.
    let (_, again) = p.events("K01", &token, batch).await;
    assert_eq!(again, reply);
    p.stop().await;
}

#[tokio::test]
async fn an_unknown_kind_or_a_malformed_event_refuses_the_whole_batch() {
    let p = Platform::start().await;
    let token = p.add_kiosk("K01");
    let before = p.counts();
    let bad_kind = event(2, "ticket.eaten", json!({}));
    let (status, reply) = p
        .events("K01", &token, vec![ticket(1, "police", "E001"), bad_kind])
        .await;
    assert_eq!(status, 400);
    assert_eq!(reply["seq"], 2);
    assert!(reply["error"]
        .as_str()
        .unwrap()
        .contains("unknown event kind"));

    let wrong_type = event(
        1,
        "ticket.issued",
        json!({"ticket_id": Uuid::now_v7(), "category": 7,
        "number": "E1", "business_day": "2026-11-26"}),
    );
    let (status, reply) = p.events("K01", &token, vec![wrong_type]).await;
    assert_eq!(status, 400);
    let reason = reply["error"].as_str().unwrap();
    assert!(reason.contains("wrong type"), "{reason}");
    let secret = event(
        1,
        "ticket.issued",
        json!({"ticket_id": Uuid::now_v7(), "category": "police",
        "number": 110105194912310029u64, "business_day": "2026-11-26"}),
    );
    let (status, reply) = p.events("K01", &token, vec![secret]).await;
    assert_eq!(status, 400);
    assert!(
        !reply["error"]
            .as_str()
            .unwrap()
            .contains("110105194912310029"),
        "a refused value is never echoed into a reason the kiosk logs: {reply}"
    );
    let extra_field = event(
        1,
        "ticket.issued",
        json!({"ticket_id": Uuid::now_v7(), "category": "police",
        "number": "E1", "business_day": "2026-11-26", "name": "张三"}),
    );
    assert_eq!(p.events("K01", &token, vec![extra_field]).await.0, 400);
    let descending = vec![ticket(2, "police", "E2"), ticket(1, "police", "E1")];
    assert_eq!(p.events("K01", &token, descending).await.0, 400);
    let holey = vec![ticket(1, "police", "E1"), ticket(3, "police", "E3")];
    assert_eq!(p.events("K01", &token, holey).await.0, 400);

    for body in [
        &b"{not json"[..],
        b"",
        b"[]",
        b"{\"events\": {}}",
        b"{\"events\": [{\"seq\": -1}]}",
        b"{\"events\": [{\"seq\": 18446744073709551615, \"id\": \"0193a3c4-5d6e-7f80-9a1b-2c3d4e5f6a7b\", \"kind\": \"ticket.issued\", \"occurred_at\": \"2026-11-26T08:00:00+08:00\", \"payload\": {}}]}",
    ] {
        let (status, reply) = p
            .post_raw("/v1/kiosks/K01/events", Some(&token), body.to_vec())
            .await;
        assert_eq!(status, 400, "{reply}");
        assert!(reply["error"].is_string(), "{reply}");
    }
    assert_eq!(p.counts(), before);
    assert_eq!(p.read().last_applied_seq("K01").unwrap(), Some(0));
    p.stop().await;
}

#[tokio::test]
async fn oversized_batches_are_refused_with_a_reason() {
    let p = Platform::start().await;
    let token = p.add_kiosk("K01");
    let before = p.counts();
    let many: Vec<_> = (1..=501)
        .map(|s| ticket(s, "police", &format!("E{s}")))
        .collect();
    let (status, reply) = p.events("K01", &token, many).await;
    assert_eq!(status, 413);
    assert!(
        reply["error"].as_str().unwrap().contains("limit of 500"),
        "{reply}"
    );

    let huge = format!("{{\"events\": [], \"pad\": \"{}\"}}", "x".repeat(1_100_000));
    let (status, reply) = p
        .post_raw("/v1/kiosks/K01/events", Some(&token), huge.into_bytes())
        .await;
    assert_eq!(status, 413);
    assert!(
        reply["error"].as_str().unwrap().contains("exceeds"),
        "{reply}"
    );
    assert_eq!(p.counts(), before);
    p.stop().await;
}

#[tokio::test]
async fn an_empty_batch_reports_the_position() {
    let p = Platform::start().await;
    let token = p.add_kiosk("K01");
    p.events("K01", &token, vec![ticket(1, "police", "E001")])
        .await;
    let (status, reply) = p.events("K01", &token, vec![]).await;
    assert_eq!(
        (status, reply),
        (200, json!({"applied_through": 1, "rejected": []}))
    );
    p.stop().await;
}

#[tokio::test]
async fn a_restarted_sequence_is_refused_not_swallowed() {
    let p = Platform::start().await;
    let token = p.add_kiosk("K01");
    p.events(
        "K01",
        &token,
        vec![ticket(1, "police", "E001"), ticket(2, "police", "E002")],
    )
    .await;
    // Same seqs, new event ids: a reinstalled kiosk starting again at 1.
    let (status, reply) = p
        .events("K01", &token, vec![ticket(1, "tax", "G001")])
        .await;
    assert_eq!(status, 409, "{reply}");
    assert_eq!(reply["expected_seq"], 3);
    assert!(reply["error"].as_str().unwrap().contains("restarted"));
    assert_eq!(p.read().tickets(None).unwrap().len(), 2);
    p.stop().await;
}

#[tokio::test]
async fn every_kind_applies() {
    let p = Platform::start().await;
    let token = p.add_kiosk("K01");
    let day = common::next_working_day();
    let pickup = {
        let conn = sanban_platform::store::open_connection(&p.db).unwrap();
        sanban_platform::store::add_pickup(&conn, "K01", 3, "123456", "营业执照").unwrap()
    };
    let batch = vec![
        ticket(1, "economy", "A001"),
        event(
            2,
            "appointment.requested",
            json!({"request_id": Uuid::now_v7(), "service": "POL-01",
            "date": day, "slot_id": "0930", "citizen_ref": "c0ffee"}),
        ),
        event(
            3,
            "application.submitted",
            json!({"application_id": Uuid::now_v7(), "application_no": "K01-0001",
            "service": "ECO-02", "citizen_ref": "c0ffee",
            "fields": {"shop_name": "老王热干面", "business_scope": "小吃", "premises": "汉南区纱帽街1号",
                       "contact_phone": "13800000000"},
            "materials_provided": ["个体工商户登记(备案)申请书", "申请人居民身份证"], "delivery": "post"}),
        ),
        event(
            4,
            "pickup.collected",
            json!({"pickup_id": pickup, "locker_door": 3, "method": "code"}),
        ),
        event(
            5,
            "rating.submitted",
            json!({"rating_id": Uuid::now_v7(), "errand": "application",
            "service": "ECO-02", "level": 5}),
        ),
        // Core material missing → rejected.
        event(
            6,
            "application.submitted",
            json!({"application_id": Uuid::now_v7(), "application_no": "K01-0002",
            "service": "ECO-02", "citizen_ref": "c0ffee",
            "fields": {"shop_name": "x", "business_scope": "y", "premises": "z", "contact_phone": "1"},
            "materials_provided": ["申请人居民身份证"]}),
        ),
        // Collected twice → rejected.
        event(
            7,
            "pickup.collected",
            json!({"pickup_id": pickup, "locker_door": 3, "method": "idcard"}),
        ),
    ];
    let (status, reply) = p.events("K01", &token, batch).await;
    assert_eq!(status, 200, "{reply}");
    let rejected: Vec<u64> = reply["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(rejected, [6, 7], "{reply}");
    let conn = p.read();
    let owed: String = conn
        .connection()
        .query_row(
            "SELECT materials_owed FROM applications WHERE application_no = 'K01-0001'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(owed, "[\"经营场所使用证明\"]");
    let (_, pickups) = p.get("/v1/kiosks/K01/pickups", Some(&token)).await;
    assert_eq!(pickups, json!({"pickups": []}));
    p.stop().await;
}
