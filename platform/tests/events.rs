//! `POST /v1/kiosks/{id}/events`: exactly-once, gaps, rejections, malformed batches.

mod common;

use common::{event, ticket, today, Platform, StoreKind};
use serde_json::json;
use uuid::Uuid;

on_both_stores!(
    resending_a_batch_stores_nothing_twice,
    a_gap_is_refused_with_the_expected_seq,
    a_rejected_event_is_acknowledged_and_does_not_block_the_rest,
    an_unknown_kind_or_a_malformed_event_refuses_the_whole_batch,
    oversized_batches_are_refused_with_a_reason,
    an_empty_batch_reports_the_position,
    a_restarted_sequence_is_refused_not_swallowed,
    a_resent_seq_saying_something_else_is_refused_not_skipped,
    an_event_id_already_settled_is_refused_under_a_new_seq,
    numbers_outside_the_kiosks_blocks_and_offline_range_are_rejected_with_a_reason,
    every_kind_applies,
);

async fn resending_a_batch_stores_nothing_twice(store: StoreKind) {
    let p = Platform::start(store).await;
    let token = p.add_kiosk_with_numbers("K01").await;
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
    assert_eq!(p.tickets(Some("K01")).await.len(), 3);
    assert_eq!(p.last_applied_seq("K01").await, Some(3));

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
        .tickets(None)
        .await
        .into_iter()
        .map(|t| t.number)
        .collect();
    assert_eq!(numbers, ["E001", "G001", "E002", "E003"]);
    p.stop().await;
}

async fn a_gap_is_refused_with_the_expected_seq(store: StoreKind) {
    let p = Platform::start(store).await;
    let token = p.add_kiosk_with_numbers("K01").await;
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
    assert_eq!(p.tickets(None).await.len(), 1);
    assert_eq!(p.last_applied_seq("K01").await, Some(1));

    // A fresh kiosk must start at 1.
    let t2 = p.add_kiosk("K02").await;
    let (status, reply) = p.events("K02", &t2, vec![ticket(5, "tax", "G005")]).await;
    assert_eq!((status, reply["expected_seq"].clone()), (409, json!(1)));
    p.stop().await;
}

async fn a_rejected_event_is_acknowledged_and_does_not_block_the_rest(store: StoreKind) {
    let p = Platform::start(store).await;
    let token = p.add_kiosk_with_numbers("K01").await;
    let dup = Uuid::now_v7();
    let t = |seq, id: Uuid, category: &str, number: &str| {
        event(
            seq,
            "ticket.issued",
            json!({"ticket_id": id, "category": category, "number": number,
            "business_day": today()}),
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
            json!({"rating_id": Uuid::now_v7(), "errand": "ticket", "errand_id": "E001",
            "channel": "self_service_terminal", "level": "satisfied", "level_code": 9, "times_rated": 1}),
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

    assert_eq!(p.tickets(None).await.len(), 2);
    assert_eq!(p.store.rejections("K01").await.unwrap().len(), 6);
    assert_eq!(p.last_applied_seq("K01").await, Some(8));

    // A kiosk that lost the reply and resends learns the same rejections.
    let (_, again) = p.events("K01", &token, batch).await;
    assert_eq!(again, reply);
    p.stop().await;
}

async fn an_unknown_kind_or_a_malformed_event_refuses_the_whole_batch(store: StoreKind) {
    let p = Platform::start(store).await;
    let token = p.add_kiosk_with_numbers("K01").await;
    let before = p.counts().await;
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
    assert_eq!(p.counts().await, before);
    assert_eq!(p.last_applied_seq("K01").await, Some(0));
    p.stop().await;
}

async fn oversized_batches_are_refused_with_a_reason(store: StoreKind) {
    let p = Platform::start(store).await;
    let token = p.add_kiosk_with_numbers("K01").await;
    let before = p.counts().await;
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
    assert_eq!(p.counts().await, before);
    p.stop().await;
}

async fn an_empty_batch_reports_the_position(store: StoreKind) {
    let p = Platform::start(store).await;
    let token = p.add_kiosk_with_numbers("K01").await;
    p.events("K01", &token, vec![ticket(1, "police", "E001")])
        .await;
    let (status, reply) = p.events("K01", &token, vec![]).await;
    assert_eq!(
        (status, reply),
        (200, json!({"applied_through": 1, "rejected": []}))
    );
    p.stop().await;
}

async fn a_restarted_sequence_is_refused_not_swallowed(store: StoreKind) {
    let p = Platform::start(store).await;
    let token = p.add_kiosk_with_numbers("K01").await;
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
    assert_eq!(p.tickets(None).await.len(), 2);
    p.stop().await;
}

async fn every_kind_applies(store: StoreKind) {
    let p = Platform::start(store).await;
    let token = p.add_kiosk_with_numbers("K01").await;
    let day = common::next_working_day();
    let pickup = p
        .store
        .add_pickup(&sanban_platform::store::NewPickup::new(
            "K01",
            3,
            "营业执照",
            "123456",
        ))
        .await
        .unwrap();
    let batch = vec![
        ticket(1, "economy", "A001"),
        event(
            2,
            "appointment.requested",
            json!({"request_id": Uuid::now_v7(), "service": "POL-01",
            "date": day, "slot_id": "0930", "citizen_ref": "c0ffee", "code": "2JW9-TNE4"}),
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
            "errand_id": "K01-0001", "service": "ECO-02", "channel": "self_service_terminal",
            "level": "very_satisfied", "level_code": 5, "times_rated": 1}),
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
    let owed = p
        .query_text("SELECT materials_owed FROM applications WHERE application_no = 'K01-0001'")
        .await;
    assert_eq!(owed.as_deref(), Some("[\"经营场所使用证明\"]"));
    let (_, pickups) = p.get("/v1/kiosks/K01/pickups", Some(&token)).await;
    assert_eq!(pickups, json!({"pickups": []}));
    p.stop().await;
}

async fn a_resent_seq_saying_something_else_is_refused_not_skipped(store: StoreKind) {
    let p = Platform::start(store).await;
    let token = p.add_kiosk_with_numbers("K01").await;
    let first = ticket(1, "police", "E001");
    let (status, _) = p
        .events("K01", &token, vec![first.clone(), ticket(2, "tax", "G001")])
        .await;
    assert_eq!(status, 200);
    let before = p.counts().await;

    // Same seq, same event id, another payload.
    let mut other_payload = first.clone();
    other_payload["payload"]["number"] = "E002".into();
    let (status, reply) = p.events("K01", &token, vec![other_payload]).await;
    assert_eq!(status, 409, "{reply}");
    assert_eq!(reply["expected_seq"], 3);
    let reason = reply["error"].as_str().unwrap();
    assert!(
        reason.contains("seq 1") && reason.contains("other content"),
        "{reason}"
    );

    // Same seq, same event id, another kind.
    let mut other_kind = event(
        1,
        "rating.submitted",
        json!({"rating_id": Uuid::now_v7(), "errand": "ticket", "errand_id": "E001",
        "channel": "self_service_terminal", "level": "very_satisfied", "level_code": 5, "times_rated": 1}),
    );
    other_kind["id"] = first["id"].clone();
    let (status, reply) = p.events("K01", &token, vec![other_kind]).await;
    assert_eq!(status, 409, "{reply}");
    assert!(
        reply["error"]
            .as_str()
            .unwrap()
            .contains("settled as a ticket.issued event and is now resent as rating.submitted"),
        "{reply}"
    );
    // Another occurred_at is other content too.
    let mut other_time = first.clone();
    other_time["occurred_at"] = "2026-11-26T09:15:01+08:00".into();
    assert_eq!(p.events("K01", &token, vec![other_time]).await.0, 409);
    assert_eq!(p.counts().await, before, "a refused batch stores nothing");

    // The true event resent, even with its JSON laid out differently, is a duplicate as before.
    let mut relaid = first.clone();
    let payload = relaid["payload"].as_object().unwrap().clone();
    relaid["payload"] = payload.into_iter().rev().collect();
    let (status, reply) = p.events("K01", &token, vec![relaid]).await;
    assert_eq!(
        (status, reply["applied_through"].clone()),
        (200, json!(2)),
        "{reply}"
    );
    assert_eq!(p.counts().await, before);
    p.stop().await;
}

async fn an_event_id_already_settled_is_refused_under_a_new_seq(store: StoreKind) {
    let p = Platform::start(store).await;
    let token = p.add_kiosk_with_numbers("K01").await;
    let first = ticket(1, "police", "E001");
    assert_eq!(p.events("K01", &token, vec![first.clone()]).await.0, 200);
    let before = p.counts().await;
    // The same event again, but numbered 2: applying it would issue the ticket twice.
    let mut again = first.clone();
    again["seq"] = 2.into();
    let (status, reply) = p
        .events("K01", &token, vec![again, ticket(3, "police", "E003")])
        .await;
    assert_eq!(status, 409, "{reply}");
    assert_eq!(reply["expected_seq"], 2);
    let reason = reply["error"].as_str().unwrap();
    assert!(
        reason.contains("already settled as seq 1 of kiosk K01"),
        "{reason}"
    );
    assert_eq!(p.counts().await, before);
    assert_eq!(p.last_applied_seq("K01").await, Some(1));

    // Another kiosk cannot reuse it either.
    let t2 = p.add_kiosk_with_numbers("K02").await;
    let mut borrowed = ticket(1, "police", "K02-E001");
    borrowed["id"] = first["id"].clone();
    let (status, reply) = p.events("K02", &t2, vec![borrowed]).await;
    assert_eq!(status, 409, "{reply}");
    assert_eq!(p.last_applied_seq("K02").await, Some(0));
    p.stop().await;
}

async fn numbers_outside_the_kiosks_blocks_and_offline_range_are_rejected_with_a_reason(
    store: StoreKind,
) {
    let p = Platform::start(store).await;
    // K01 holds police 1..=50, K02 51..=100.
    let t1 = p.add_kiosk_with_numbers("K01").await;
    p.add_kiosk_with_numbers("K02").await;
    let offline = |seq, number: &str, offline: bool| {
        event(
            seq,
            "ticket.issued",
            json!({"ticket_id": Uuid::now_v7(), "category": "police", "number": number,
                   "business_day": today(), "offline": offline}),
        )
    };
    let batch = vec![
        ticket(1, "police", "E050"),     // its own block
        ticket(2, "police", "E051"),     // K02's block
        ticket(3, "police", "E200"),     // leased to no one
        ticket(4, "police", "K01-E001"), // its offline range
        ticket(5, "police", "K02-E002"), // another kiosk's offline range
        offline(6, "K01-E003", false),   // offline number not marked offline
        offline(7, "E002", true),        // marked offline without the prefix
        ticket(8, "police", "E01"),      // not the printed form of a leased number
        ticket(9, "police", "K01-F004"), // another category's letter
        ticket(10, "tax", "G001"),       // its own block of another category
    ];
    let (status, reply) = p.events("K01", &t1, batch).await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["applied_through"], 10);
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
    let seqs: Vec<u64> = rejected.iter().map(|r| r.0).collect();
    assert_eq!(seqs, [2, 3, 5, 6, 7, 8, 9], "{rejected:?}");
    assert!(
        rejected[0]
            .1
            .contains("outside every block leased to kiosk K01"),
        "{rejected:?}"
    );
    assert!(
        rejected[2]
            .1
            .contains("does not carry this kiosk's prefix K01-"),
        "{rejected:?}"
    );
    assert!(rejected[3].1.contains("not marked offline"), "{rejected:?}");
    assert!(
        rejected[4].1.contains("lacks this kiosk's prefix"),
        "{rejected:?}"
    );
    let held: Vec<String> = p
        .tickets(Some("K01"))
        .await
        .into_iter()
        .map(|t| t.number)
        .collect();
    assert_eq!(held, ["E050", "K01-E001", "G001"]);
    // Rejections are recorded, not only answered.
    assert_eq!(p.store.rejections("K01").await.unwrap().len(), 7);
    p.stop().await;
}
