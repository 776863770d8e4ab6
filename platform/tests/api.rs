//! Auth, leases, slots and appointments, catalog, pickups, heartbeat and the fleet page, concurrency.

mod common;

use std::collections::HashSet;

use common::{ticket, today, tomorrow, Platform, StoreKind};
use serde_json::json;
use uuid::Uuid;

on_both_stores!(
    missing_or_wrong_tokens_get_401_and_change_nothing,
    leases_never_overlap_across_kiosks_and_days,
    slots_fill_up_and_then_refuse_with_409,
    catalog_is_versioned,
    pickups_list_code_hashes_only,
    heartbeat_then_fleet_shows_the_kiosk_and_its_alert,
    many_kiosks_at_once_each_exactly_once,
    a_retried_lease_request_gets_the_same_blocks,
    leases_are_bounded_by_day_and_by_each_kiosks_unused_numbers,
);

async fn missing_or_wrong_tokens_get_401_and_change_nothing(store: StoreKind) {
    let p = Platform::start(store).await;
    let a = p.add_kiosk("KA").await;
    let b = p.add_kiosk("KB").await;
    let before = p.counts().await;
    let batch = json!({"events": [ticket(1, "police", "E001")]});
    let (status, reply) = p
        .post_raw("/v1/kiosks/KA/events", None, batch.to_string().into_bytes())
        .await;
    assert_eq!(status, 401);
    assert!(reply["error"].is_string());
    assert_eq!(
        p.post("/v1/kiosks/KA/events", "not-a-token", &batch)
            .await
            .0,
        401
    );
    assert_eq!(
        p.post("/v1/kiosks/KA/events", &format!("{a}x"), &batch)
            .await
            .0,
        401
    );
    // Kiosk B's token on kiosk A's routes: 403.
    let (status, reply) = p.post("/v1/kiosks/KA/events", &b, &batch).await;
    assert_eq!(status, 403, "{reply}");
    assert_eq!(p.get("/v1/kiosks/KA/pickups", Some(&b)).await.0, 403);
    let lease = json!({"business_day": today(), "categories": ["police"], "block_size": 10});
    assert_eq!(
        p.post("/v1/kiosks/KA/ticket-leases", &b, &lease).await.0,
        403
    );
    // Unknown kiosk with a valid token of another: 403; with no valid token: 401.
    assert_eq!(p.post("/v1/kiosks/KZ/events", &b, &batch).await.0, 403);
    assert_eq!(p.post("/v1/kiosks/KZ/events", "nope", &batch).await.0, 401);
    // Catalog and slots need any kiosk's token.
    assert_eq!(p.get("/v1/catalog", None).await.0, 401);
    assert_eq!(p.get("/v1/catalog", Some("nope")).await.0, 401);
    assert_eq!(p.get("/v1/catalog", Some(&b)).await.0, 200);
    assert_eq!(
        p.get("/v1/slots?service=POL-01&date=2026-11-26", None)
            .await
            .0,
        401
    );
    let appt = json!({"request_id": Uuid::now_v7(), "kiosk_id": "KA", "service": "POL-01",
        "date": common::next_working_day(), "slot_id": "0900", "citizen_ref": "r", "code": "2JW9TNE4"});
    assert_eq!(p.post("/v1/appointments", "nope", &appt).await.0, 401);
    assert_eq!(p.post("/v1/appointments", &b, &appt).await.0, 403);
    assert_eq!(p.counts().await, before);
    assert_eq!(p.post("/v1/kiosks/KA/events", &a, &batch).await.0, 200);

    // A rotated token replaces the old one at once.
    let rotated = sanban_platform::rotate_kiosk(&p.db, "KA").unwrap();
    assert_eq!(p.get("/v1/kiosks/KA/pickups", Some(&a)).await.0, 401);
    assert_eq!(p.get("/v1/kiosks/KA/pickups", Some(&rotated)).await.0, 200);
    assert!(sanban_platform::add_kiosk(&p.db, "KA").is_err());
    p.stop().await;
}

async fn leases_never_overlap_across_kiosks_and_days(store: StoreKind) {
    let p = Platform::start(store).await;
    let mut tokens: Vec<(String, String)> = Vec::new();
    for i in 0..4 {
        tokens.push((format!("K{i}"), p.add_kiosk(&format!("K{i}")).await));
    }
    let mut handles = Vec::new();
    for round in 0..5 {
        for (id, token) in &tokens {
            for day in [today(), tomorrow()] {
                let (p_http, url, token) = (
                    p.http.clone(),
                    p.url(&format!("/v1/kiosks/{id}/ticket-leases")),
                    token.clone(),
                );
                let body = json!({"business_day": day, "categories": ["police", "tax"], "block_size": 7 + round});
                let id = id.clone();
                handles.push(tokio::spawn(async move {
                    let r = p_http
                        .post(url)
                        .bearer_auth(token)
                        .json(&body)
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(r.status(), 200);
                    let reply: sanban_wire::LeaseReply = r.json().await.unwrap();
                    (id, reply)
                }));
            }
        }
    }
    let mut taken: HashSet<(String, String, u32)> = HashSet::new();
    let mut per_key: std::collections::HashMap<(String, String), u32> = Default::default();
    for h in handles {
        let (_, reply) = h.await.unwrap();
        assert_eq!(reply.leases.len(), 2);
        for l in reply.leases {
            assert!(l.first <= l.last);
            for n in l.first..=l.last {
                assert!(
                    taken.insert((l.category.clone(), l.business_day.clone(), n)),
                    "number {n} leased twice"
                );
            }
            *per_key.entry((l.category, l.business_day)).or_default() += 1;
        }
    }
    // Each day's numbering starts at 1 and is dense: no number lost either.
    for ((category, day), _) in per_key {
        let count = taken
            .iter()
            .filter(|(c, d, _)| *c == category && *d == day)
            .count() as u32;
        assert!(taken.contains(&(category.clone(), day.clone(), 1)));
        assert!(taken.contains(&(category.clone(), day.clone(), count)));
    }
    let (status, reply) = p
        .post(
            "/v1/kiosks/K0/ticket-leases",
            &tokens[0].1,
            &json!({"business_day": today(),
            "categories": ["police", "astrology"], "block_size": 5}),
        )
        .await;
    assert_eq!(status, 400);
    assert!(reply["error"].as_str().unwrap().contains("astrology"));
    for bad in [
        json!({"business_day": "26/11/2026", "categories": ["police"], "block_size": 5}),
        json!({"business_day": today(), "categories": [], "block_size": 5}),
        json!({"business_day": today(), "categories": ["police"], "block_size": 0}),
        json!({"business_day": today(), "categories": ["police", "police"], "block_size": 5}),
        json!({"business_day": today(), "categories": "police", "block_size": 5}),
    ] {
        assert_eq!(
            p.post("/v1/kiosks/K0/ticket-leases", &tokens[0].1, &bad)
                .await
                .0,
            400,
            "{bad}"
        );
    }
    // The platform caps the block.
    let (_, big) = p
        .post(
            "/v1/kiosks/K0/ticket-leases",
            &tokens[0].1,
            &json!({"business_day": tomorrow(), "categories": ["land"], "block_size": 100000}),
        )
        .await;
    assert_eq!(big["leases"][0]["last"], 200);
    p.stop().await;
}

async fn slots_fill_up_and_then_refuse_with_409(store: StoreKind) {
    let p = Platform::start(store).await;
    let token = p.add_kiosk("K01").await;
    let day = common::next_working_day();
    let (status, slots) = p
        .get(
            &format!("/v1/slots?service=RES-01&date={day}"),
            Some(&token),
        )
        .await;
    assert_eq!(status, 200, "{slots}");
    assert_eq!(slots["slots"].as_array().unwrap().len(), 13);
    assert_eq!(
        slots["slots"][0],
        json!({"slot_id": "0900", "start": "09:00", "end": "09:30", "capacity": 4, "booked": 0})
    );

    // One booking per citizen, service and day: each request is another citizen's, with its own code.
    let book = |request_id: Uuid| {
        json!({"request_id": request_id, "kiosk_id": "K01", "service": "RES-01",
        "date": day, "slot_id": "1000", "citizen_ref": format!("ref-{}", request_id.simple()),
        "code": sanban_wire::booking_code(request_id.as_u128() as u64)})
    };
    let first = Uuid::now_v7();
    let (status, reply) = p.post("/v1/appointments", &token, &book(first)).await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["confirmed"], true);
    // Retrying the same request is idempotent.
    let (status, again) = p.post("/v1/appointments", &token, &book(first)).await;
    assert_eq!(
        (status, &again["appointment_id"]),
        (200, &reply["appointment_id"])
    );
    for _ in 0..3 {
        assert_eq!(
            p.post("/v1/appointments", &token, &book(Uuid::now_v7()))
                .await
                .0,
            200
        );
    }
    let (status, full) = p
        .post("/v1/appointments", &token, &book(Uuid::now_v7()))
        .await;
    assert_eq!(status, 409);
    assert_eq!(full["reason"], "slot_full");
    assert!(full["error"].as_str().unwrap().starts_with("slot_full: "));
    let (_, slots) = p
        .get(
            &format!("/v1/slots?service=RES-01&date={day}"),
            Some(&token),
        )
        .await;
    let ten = slots["slots"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["slot_id"] == "1000")
        .unwrap()
        .clone();
    assert_eq!(ten["booked"], 4);

    // The same slot requested offline is rejected with a reason, and does not block what follows.
    let offline = common::event(
        1,
        "appointment.requested",
        json!({"request_id": Uuid::now_v7(),
        "service": "RES-01", "date": day, "slot_id": "1000", "citizen_ref": "ref", "code": "2JW9TNE4"}),
    );
    let (status, reply) = p
        .events(
            "K01",
            &token,
            vec![offline, ticket(2, "realestate", "F001")],
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(reply["rejected"][0]["seq"], 1);
    assert!(reply["rejected"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("full"));
    assert_eq!(reply["applied_through"], 2);
    // An online booking replayed as an event is not booked twice.
    let replay = common::event(
        3,
        "appointment.requested",
        json!({"request_id": first,
        "service": "RES-01", "date": day, "slot_id": "1000", "citizen_ref": format!("ref-{}", first.simple()),
        "code": sanban_wire::booking_code(first.as_u128() as u64)}),
    );
    let (_, reply) = p.events("K01", &token, vec![replay]).await;
    assert_eq!(reply["rejected"], json!([]));

    for bad in [
        "/v1/slots?service=RES-01&date=2026-02-30",
        "/v1/slots?service=RES-01",
        "/v1/slots?date=2026-11-26",
    ] {
        let (status, reply) = p.get(bad, Some(&token)).await;
        assert_eq!(status, 400, "{bad}: {reply}");
        assert!(reply["error"].is_string());
    }
    // A well-formed request for what does not exist: 404.
    let (status, reply) = p
        .get("/v1/slots?service=NOPE&date=2026-11-26", Some(&token))
        .await;
    assert_eq!(status, 404, "{reply}");
    let mut bad_slot = book(Uuid::now_v7());
    bad_slot["slot_id"] = "1215".into();
    assert_eq!(p.post("/v1/appointments", &token, &bad_slot).await.0, 404);
    let mut past = book(Uuid::now_v7());
    past["date"] = "2020-01-06".into();
    let (status, reply) = p.post("/v1/appointments", &token, &past).await;
    assert_eq!((status, &reply["reason"]), (409, &json!("outside_window")));
    let mut malformed = book(Uuid::now_v7());
    malformed["date"] = "2030-02-30".into();
    assert_eq!(p.post("/v1/appointments", &token, &malformed).await.0, 400);
    let mut extra = book(Uuid::now_v7());
    extra["id_number"] = "420101199001011234".into();
    assert_eq!(p.post("/v1/appointments", &token, &extra).await.0, 400);
    p.stop().await;
}

async fn catalog_is_versioned(store: StoreKind) {
    let p = Platform::start(store).await;
    let token = p.add_kiosk("K01").await;
    let (status, full) = p.get("/v1/catalog", Some(&token)).await;
    assert_eq!(status, 200);
    let version = full["version"].as_u64().unwrap();
    assert_eq!(full["changed"], true);
    let services = full["services"].as_array().unwrap();
    for (code, ..) in sanban_wire::WINDOW_CATEGORIES {
        let n = services.iter().filter(|s| s["category"] == code).count();
        assert!(n >= 5, "{code}: {n} services");
    }
    let (_, same) = p
        .get(&format!("/v1/catalog?since={version}"), Some(&token))
        .await;
    assert_eq!(
        same,
        json!({"version": version, "changed": false, "services": []})
    );
    let (_, older) = p
        .get(&format!("/v1/catalog?since={}", version - 1), Some(&token))
        .await;
    assert_eq!(older["changed"], true);
    assert_eq!(p.get("/v1/catalog?since=abc", Some(&token)).await.0, 400);

    // Publishing a new version changes the answer.
    let catalog: sanban_wire::Catalog = serde_json::from_value(full.clone()).unwrap();
    let next = p
        .store
        .publish_catalog(&catalog.services[..5])
        .await
        .unwrap();
    assert_eq!(next, version + 1);
    let (_, newer) = p
        .get(&format!("/v1/catalog?since={version}"), Some(&token))
        .await;
    assert_eq!(
        (
            newer["changed"].clone(),
            newer["services"].as_array().unwrap().len()
        ),
        (json!(true), 5)
    );
    p.stop().await;
}

async fn pickups_list_code_hashes_only(store: StoreKind) {
    let p = Platform::start(store).await;
    let token = p.add_kiosk("K01").await;
    p.add_kiosk("K02").await;
    p.store
        .add_pickup(&sanban_platform::store::NewPickup::new(
            "K01",
            2,
            "居民身份证",
            "839201",
        ))
        .await
        .unwrap();
    p.store
        .add_pickup(&sanban_platform::store::NewPickup::new(
            "K02",
            1,
            "营业执照",
            "111111",
        ))
        .await
        .unwrap();
    let err = p
        .store
        .add_pickup(&sanban_platform::store::NewPickup::new(
            "K01",
            2,
            "second doc, same door",
            "000000",
        ))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("already holds"), "{err}");
    let (status, list) = p.get("/v1/kiosks/K01/pickups", Some(&token)).await;
    assert_eq!(status, 200);
    let pickups = list["pickups"].as_array().unwrap();
    assert_eq!(pickups.len(), 1);
    assert_eq!(pickups[0]["locker_door"], 2);
    // The kiosk checks a typed code against the salt and hash; the code itself is not in the list.
    let salt = pickups[0]["code_salt"].as_str().unwrap();
    assert_eq!(
        pickups[0]["code_hash"].as_str(),
        sanban_wire::pickup_code_hash(salt, "839201").as_deref()
    );
    assert!(!list.to_string().contains("839201"));
    p.stop().await;
}

async fn heartbeat_then_fleet_shows_the_kiosk_and_its_alert(store: StoreKind) {
    let p = Platform::start(store).await;
    let token = p.add_kiosk("K01").await;
    p.add_kiosk("K02").await;
    let hb = json!({"app_version": "0.3.1", "outbox_backlog": 12, "oldest_pending_secs": 95,
        "sent_at": "2026-11-26T09:00:00+08:00",
        "devices": [{"device": "printer", "state": "warning", "detail": "paper near end"},
                    {"device": "idcard", "state": "fault", "detail": "no answer for 30 s <reader>"},
                    {"device": "locker", "state": "ok", "detail": ""}]});
    let r = p
        .http
        .post(p.url("/v1/kiosks/K01/heartbeat"))
        .bearer_auth(&token)
        .json(&hb)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let cookie = p.operator_cookie().await;
    let page = p
        .http
        .get(p.url("/fleet"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = page.text().await.unwrap();
    assert!(html.contains("K01") && html.contains("0.3.1"));
    assert!(
        html.contains("idcard fault: no answer for 30 s &lt;reader&gt;"),
        "{html}"
    );
    assert!(html.contains("printer warning: paper near end"));
    assert!(!html.contains("<reader>"));
    // K01 (fault) above K02 (never seen).
    assert!(html.find("K01").unwrap() < html.find("K02").unwrap());

    let mut bad = hb.clone();
    bad["sent_at"] = "now".into();
    assert_eq!(
        p.post("/v1/kiosks/K01/heartbeat", &token, &bad).await.0,
        400
    );
    let mut bad = hb.clone();
    bad["outbox_backlog"] = (-1).into();
    assert_eq!(
        p.post("/v1/kiosks/K01/heartbeat", &token, &bad).await.0,
        400
    );
    assert_eq!(p.get("/healthz", None).await, (200, json!("ok\n")));
    let (status, reply) = p.get("/v1/nothing-here", None).await;
    assert_eq!((status, reply["error"].is_string()), (404, true));
    p.stop().await;
}

async fn many_kiosks_at_once_each_exactly_once(store: StoreKind) {
    let p = Platform::start(store).await;
    let mut kiosks: Vec<(String, String)> = Vec::new();
    for i in 0..20 {
        kiosks.push((format!("K{i:02}"), p.add_kiosk(&format!("K{i:02}")).await));
    }
    let mut tasks = Vec::new();
    for (k, (id, token)) in kiosks.iter().enumerate() {
        let (http, url, token) = (
            p.http.clone(),
            p.url(&format!("/v1/kiosks/{id}/events")),
            token.clone(),
        );
        let category = sanban_wire::WINDOW_CATEGORIES[k % 8].0;
        let (prefix, letter) = (format!("{id}-"), sanban_wire::WINDOW_CATEGORIES[k % 8].1);
        tasks.push(tokio::spawn(async move {
            for b in 0..5u64 {
                let events: Vec<_> = (1..=20)
                    .map(|i| {
                        let n = b * 20 + i;
                        ticket(n, category, &format!("{prefix}{letter}{n:03}"))
                    })
                    .collect();
                let body = json!({ "events": events });
                // Each batch sent twice, concurrently: duplicates must be absorbed.
                let (r1, r2) = tokio::join!(
                    http.post(&url).bearer_auth(&token).json(&body).send(),
                    http.post(&url).bearer_auth(&token).json(&body).send()
                );
                let (r1, r2) = (r1.unwrap(), r2.unwrap());
                assert_eq!((r1.status().as_u16(), r2.status().as_u16()), (200, 200));
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(p.tickets(None).await.len(), 20 * 100);
    for (id, _) in &kiosks {
        assert_eq!(p.last_applied_seq(id).await, Some(100));
        assert!(p.store.rejections(id).await.unwrap().is_empty());
    }
    p.stop().await;
}

async fn a_retried_lease_request_gets_the_same_blocks(store: StoreKind) {
    let p = Platform::start(store).await;
    let token = p.add_kiosk("K01").await;
    let path = "/v1/kiosks/K01/ticket-leases";
    let request_id = Uuid::now_v7();
    let ask = json!({"business_day": today(), "categories": ["tax", "police"], "block_size": 20,
                     "request_id": request_id});
    let (status, first) = p.post(path, &token, &ask).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(
        first["leases"],
        json!([{"category": "tax", "business_day": today(), "first": 1, "last": 20},
               {"category": "police", "business_day": today(), "first": 1, "last": 20}])
    );
    let before = p.counts().await;
    // The reply was lost; the kiosk retries: the same blocks, nothing new leased.
    let (status, again) = p.post(path, &token, &ask).await;
    assert_eq!((status, &again), (200, &first));
    assert_eq!(p.counts().await, before);
    // The same id for another request is a kiosk bug: refused.
    let mut other = ask.clone();
    other["block_size"] = 30.into();
    let (status, reply) = p.post(path, &token, &other).await;
    assert_eq!(status, 409, "{reply}");
    assert!(reply["error"].as_str().unwrap().contains("request_id"));
    // A new request id is a new request.
    let mut next = ask.clone();
    next["request_id"] = json!(Uuid::now_v7());
    let (_, second) = p.post(path, &token, &next).await;
    assert_eq!(second["leases"][0]["first"], 21);
    // The id is the kiosk's own: another kiosk using the same id gets its own blocks.
    let t2 = p.add_kiosk("K02").await;
    let (_, theirs) = p.post("/v1/kiosks/K02/ticket-leases", &t2, &ask).await;
    assert_eq!(theirs["leases"][0]["first"], 41, "{theirs}");
    p.stop().await;
}

async fn leases_are_bounded_by_day_and_by_each_kiosks_unused_numbers(store: StoreKind) {
    let p = Platform::start(store).await;
    let t1 = p.add_kiosk("K01").await;
    let t2 = p.add_kiosk("K02").await;
    let path = "/v1/kiosks/K01/ticket-leases";
    let today_date = sanban_platform::appointments::Hall::default().today();
    let day = |offset: i64| {
        (today_date + chrono::Duration::days(offset))
            .format("%Y-%m-%d")
            .to_string()
    };
    let before = p.counts().await;
    for bad in [day(-2), day(2), "0000-01-01".into(), "9999-12-31".into()] {
        let (status, reply) = p
            .post(
                path,
                &t1,
                &json!({"business_day": bad, "categories": ["police"], "block_size": 5}),
            )
            .await;
        assert_eq!(status, 400, "{bad}: {reply}");
        assert!(
            reply["error"]
                .as_str()
                .unwrap()
                .contains("outside the leasable days"),
            "{reply}"
        );
    }
    assert_eq!(p.counts().await, before);
    for ok in [day(-1), day(0), day(1)] {
        let (status, _) = p
            .post(
                path,
                &t1,
                &json!({"business_day": ok, "categories": ["tax"], "block_size": 5}),
            )
            .await;
        assert_eq!(status, 200, "{ok}");
    }

    // One kiosk asking again and again holds at most MAX_UNUSED unused numbers of a category and day.
    let mut granted = 0;
    for _ in 0..51 {
        let (status, reply) = p
            .post(
                path,
                &t1,
                &json!({"business_day": today(), "categories": ["police"], "block_size": 200}),
            )
            .await;
        assert_eq!(status, 200, "{reply}");
        for l in reply["leases"].as_array().unwrap() {
            granted += l["last"].as_u64().unwrap() - l["first"].as_u64().unwrap() + 1;
        }
    }
    assert_eq!(granted, u64::from(sanban_platform::store::MAX_UNUSED));
    // Another kiosk still gets numbers.
    let (_, theirs) = p
        .post(
            "/v1/kiosks/K02/ticket-leases",
            &t2,
            &json!({"business_day": today(), "categories": ["police"], "block_size": 50}),
        )
        .await;
    assert_eq!(
        (
            theirs["leases"][0]["first"].clone(),
            theirs["leases"][0]["last"].clone()
        ),
        (json!(401), json!(450))
    );
    // Numbers used (tickets reported) make room again.
    let tickets: Vec<_> = (1..=100)
        .map(|n| ticket(n, "police", &format!("E{n:03}")))
        .collect();
    let (status, reply) = p.events("K01", &t1, tickets).await;
    assert_eq!(
        (status, reply["rejected"].clone()),
        (200, json!([])),
        "{reply}"
    );
    let (_, more) = p
        .post(
            path,
            &t1,
            &json!({"business_day": today(), "categories": ["police"], "block_size": 200}),
        )
        .await;
    assert_eq!(
        (
            more["leases"][0]["first"].clone(),
            more["leases"][0]["last"].clone()
        ),
        (json!(451), json!(550))
    );
    p.stop().await;
}
