//! Several platform instances over one store, and the store going away: exactly-once holds across instances, and
//! a PostgreSQL outage is answered 503 and heals by itself.

mod common;

use std::time::{Duration, Instant};

use common::pg::{self, Cluster, ClusterOptions};
use common::{event, ticket, today, Instance, Platform, StoreKind, TestDb};
use serde_json::{json, Value};

on_both_stores!(
    two_instances_apply_each_kiosks_batches_once_and_in_order,
    many_kiosks_at_once_each_batch_judged_alone,
);

/// Kiosk `id` (the `k`-th: its tickets are of window category `k % 8`) holds tickets 1..=`count`, once each, with
/// the numbers it sent, is at its last seq, and had nothing rejected.
async fn assert_holds_its_tickets_once(p: &Platform, k: usize, id: &str, count: u64) {
    let letter = sanban_wire::WINDOW_CATEGORIES[k % 8].1;
    let held = p.tickets(Some(id)).await;
    let seqs: Vec<u64> = held.iter().map(|t| t.seq).collect();
    assert_eq!(
        seqs,
        (1..=count).collect::<Vec<_>>(),
        "{id}: once each, all of them"
    );
    assert!(held
        .iter()
        .all(|t| t.number == format!("{id}-{letter}{:03}", t.seq)));
    assert_eq!(p.last_applied_seq(id).await, Some(count), "{id}");
    assert!(p.store.rejections(id).await.unwrap().is_empty(), "{id}");
}

async fn post(http: &reqwest::Client, url: &str, token: &str, body: &Value) -> (u16, Value) {
    let r = http
        .post(url)
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Two instances (two servers on two ports over one database). Each kiosk sends every batch to both at once (a
/// retry landing on the other instance while the first still works on it), then resends an overlapping batch to
/// the other: every event is applied once, in sequence order, with no gap and no rejection.
async fn two_instances_apply_each_kiosks_batches_once_and_in_order(store: StoreKind) {
    let db = TestDb::new(store).await;
    let p = Platform::start_on(store, &db.url).await;
    let other = Instance::start(&db.url).await;
    let bases = [p.base.clone(), other.base.clone()];
    let mut kiosks = Vec::new();
    for k in 0..6 {
        let id = format!("K{k}");
        kiosks.push((id.clone(), p.add_kiosk(&id).await));
    }
    const BATCHES: u64 = 8;
    const SIZE: u64 = 25;
    let mut tasks = Vec::new();
    for (k, (id, token)) in kiosks.iter().enumerate() {
        let (http, id, token, bases) = (p.http.clone(), id.clone(), token.clone(), bases.clone());
        let (category, letter, ..) = sanban_wire::WINDOW_CATEGORIES[k % 8];
        tasks.push(tokio::spawn(async move {
            let events: Vec<Value> = (1..=BATCHES * SIZE)
                .map(|seq| ticket(seq, category, &format!("{id}-{letter}{seq:03}")))
                .collect();
            let urls = bases.map(|b| format!("{b}/v1/kiosks/{id}/events"));
            for b in 0..BATCHES {
                let batch =
                    json!({"events": events[(b * SIZE) as usize..((b + 1) * SIZE) as usize]});
                let end = (b + 1) * SIZE;
                let (x, y) = tokio::join!(
                    post(&http, &urls[0], &token, &batch),
                    post(&http, &urls[1], &token, &batch)
                );
                for (status, reply) in [x, y] {
                    assert_eq!(status, 200, "{reply}");
                    assert_eq!(reply["applied_through"], end, "{reply}");
                    assert_eq!(reply["rejected"], json!([]), "{reply}");
                }
                // A resend overlapping the settled tail, to the instance of the next round.
                let from = (b * SIZE).saturating_sub(5) as usize;
                let overlap = json!({"events": events[from..end as usize]});
                let (status, reply) = post(&http, &urls[(b % 2) as usize], &token, &overlap).await;
                assert_eq!(
                    (status, reply["applied_through"].clone()),
                    (200, json!(end))
                );
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    for (k, (id, _)) in kiosks.iter().enumerate() {
        assert_holds_its_tickets_once(&p, k, id, BATCHES * SIZE).await;
    }
    let events = p
        .counts()
        .await
        .into_iter()
        .find(|(t, _)| *t == "events")
        .unwrap()
        .1;
    assert_eq!(events, kiosks.len() as u64 * BATCHES * SIZE);
    other.stop().await;
    p.stop().await;
}

/// Posts `body` until an instance answers something other than 503, alternating instances as a kiosk's retry does.
async fn post_until_answered(
    http: &reqwest::Client,
    urls: &[String; 2],
    first: usize,
    token: &str,
    body: &Value,
) -> (u16, Value) {
    for attempt in 0..40 {
        let (status, reply) = post(http, &urls[(first + attempt) % 2], token, body).await;
        if status != 503 {
            return (status, reply);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("no answer but 503 for {body}");
}

/// Many kiosks post at once over two instances, so their batches share transactions (on PostgreSQL the batches
/// waiting are settled in one). Each batch is still judged alone: a batch with a gap is refused and stores
/// nothing; two kiosks sending the same ticket id at the same moment (one may be in another group, whose
/// transaction then meets the other's at the unique index) end with the ticket stored once and the other event
/// rejected; every other kiosk's events are stored once each, in order. No request fails with a 500.
async fn many_kiosks_at_once_each_batch_judged_alone(store: StoreKind) {
    let db = TestDb::new(store).await;
    let p = Platform::start_on(store, &db.url).await;
    let other = Instance::start(&db.url).await;
    let bases = [p.base.clone(), other.base.clone()];
    const KIOSKS: usize = 24;
    const BATCHES: u64 = 3;
    const SIZE: u64 = 10;
    const ROUNDS: u64 = 30;
    let mut kiosks = Vec::new();
    for k in 0..KIOSKS {
        let id = format!("G{k:02}");
        kiosks.push((id.clone(), p.add_kiosk(&id).await));
    }
    let racers = [
        ("R1".to_string(), p.add_kiosk("R1").await),
        ("R2".to_string(), p.add_kiosk("R2").await),
    ];
    let gap_token = p.add_kiosk("GAP").await;
    let urls_of = |id: &str| bases.clone().map(|b| format!("{b}/v1/kiosks/{id}/events"));

    let mut tasks = Vec::new();
    for (k, (id, token)) in kiosks.iter().enumerate() {
        let (http, id, token, urls) = (p.http.clone(), id.clone(), token.clone(), urls_of(id));
        let (category, letter, ..) = sanban_wire::WINDOW_CATEGORIES[k % 8];
        tasks.push(tokio::spawn(async move {
            for b in 0..BATCHES {
                let events: Vec<Value> = (b * SIZE + 1..=(b + 1) * SIZE)
                    .map(|seq| ticket(seq, category, &format!("{id}-{letter}{seq:03}")))
                    .collect();
                let (status, reply) = post_until_answered(
                    &http,
                    &urls,
                    k + b as usize,
                    &token,
                    &json!({"events": events}),
                )
                .await;
                assert_eq!(status, 200, "{id}: {reply}");
                assert_eq!(reply["applied_through"], (b + 1) * SIZE, "{id}: {reply}");
                assert_eq!(reply["rejected"], json!([]), "{id}: {reply}");
            }
        }));
    }
    // The racers: in each round both send one ticket with the same (fresh) ticket id, each to its own instance.
    let shared_ids: Vec<uuid::Uuid> = (0..ROUNDS).map(|_| uuid::Uuid::now_v7()).collect();
    let start_together = std::sync::Arc::new(tokio::sync::Barrier::new(2));
    for (r, (id, token)) in racers.iter().enumerate() {
        let (http, id, token, urls) = (p.http.clone(), id.clone(), token.clone(), urls_of(id));
        let (shared_ids, start_together) = (shared_ids.clone(), start_together.clone());
        tasks.push(tokio::spawn(async move {
            for (round, ticket_id) in shared_ids.iter().enumerate() {
                let seq = round as u64 + 1;
                let racing = event(
                    seq,
                    "ticket.issued",
                    json!({"ticket_id": ticket_id, "category": "economy", "number": format!("{id}-A{seq:03}"),
                           "business_day": today(), "offline": true}),
                );
                // (Bounded: a racer that failed does not leave the other waiting for ever.)
                let _ = tokio::time::timeout(Duration::from_secs(1), start_together.wait()).await;
                let (status, reply) =
                    post_until_answered(&http, &urls, r, &token, &json!({"events": [racing]})).await;
                assert_eq!(status, 200, "{id}: {reply}");
                assert_eq!(reply["applied_through"], seq, "{id}: {reply}");
            }
        }));
    }
    // A kiosk whose batch starts past its next seq, amid the others: refused, nothing stored.
    let gap = {
        let (http, urls) = (p.http.clone(), urls_of("GAP"));
        let token = gap_token.clone();
        tokio::spawn(async move {
            let events: Vec<Value> = (5..=8)
                .map(|seq| ticket(seq, "economy", &format!("GAP-A{seq:03}")))
                .collect();
            post_until_answered(&http, &urls, 0, &token, &json!({"events": events})).await
        })
    };
    for t in tasks {
        t.await.unwrap();
    }
    let (status, reply) = gap.await.unwrap();
    assert_eq!(status, 409, "{reply}");
    assert_eq!(reply["expected_seq"], 1, "{reply}");
    assert!(p.tickets(Some("GAP")).await.is_empty());
    assert_eq!(p.last_applied_seq("GAP").await, Some(0));

    for (k, (id, _)) in kiosks.iter().enumerate() {
        assert_holds_its_tickets_once(&p, k, id, BATCHES * SIZE).await;
    }
    // Each shared ticket id is held by exactly one racer; the other racer's event of that round is rejected.
    let r1 = p.tickets(Some("R1")).await;
    let r2 = p.tickets(Some("R2")).await;
    let rejected1 = p.store.rejections("R1").await.unwrap();
    let rejected2 = p.store.rejections("R2").await.unwrap();
    for (round, ticket_id) in shared_ids.iter().enumerate() {
        let seq = round as u64 + 1;
        let held: Vec<&str> = r1
            .iter()
            .chain(&r2)
            .filter(|t| t.ticket_id == ticket_id.to_string())
            .map(|t| t.kiosk_id.as_str())
            .collect();
        assert_eq!(
            held.len(),
            1,
            "round {seq}: the shared ticket is stored once: {held:?}"
        );
        let loser = if held[0] == "R1" {
            &rejected2
        } else {
            &rejected1
        };
        assert!(
            loser
                .iter()
                .any(|r| r.seq == seq && r.reason.contains("duplicate ticket_id")),
            "round {seq}: the other racer's event is rejected: {loser:?}"
        );
    }
    assert_eq!(rejected1.len() + rejected2.len(), ROUNDS as usize);
    assert_eq!(p.last_applied_seq("R1").await, Some(ROUNDS));
    assert_eq!(p.last_applied_seq("R2").await, Some(ROUNDS));
    other.stop().await;
    p.stop().await;
}

/// PostgreSQL stopped under a running platform: store-backed routes answer 503 with a JSON reason (kiosks back
/// off and keep their events), liveness still answers, and once PostgreSQL is back the platform serves again with
/// no restart and nothing lost or doubled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_down_is_answered_503_and_the_platform_recovers_by_itself() {
    let cluster = std::sync::Arc::new(
        tokio::task::spawn_blocking(|| Cluster::start(&ClusterOptions::for_tests()))
            .await
            .unwrap()
            .expect("a throw-away PostgreSQL cluster (apt-get install postgresql)"),
    );
    let (admin, conn) = tokio_postgres::connect(&cluster.url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    admin.batch_execute("CREATE DATABASE outage").await.unwrap();
    drop(admin);
    let url = sanban_platform::DbUrl::Postgres(pg::with_database(&cluster.url, "outage"));
    let p = Platform::start_on(StoreKind::Postgres, &url).await;
    let token = p.add_kiosk("K01").await;
    let (status, _) = p
        .events("K01", &token, vec![ticket(1, "police", "K01-E001")])
        .await;
    assert_eq!(status, 200);

    let c = cluster.clone();
    tokio::task::spawn_blocking(move || c.stop())
        .await
        .unwrap()
        .unwrap();
    let down = Instant::now();
    let batch = vec![
        ticket(2, "police", "K01-E002"),
        ticket(3, "police", "K01-E003"),
    ];
    let r = p
        .http
        .post(p.url("/v1/kiosks/K01/events"))
        .bearer_auth(&token)
        .json(&json!({ "events": batch }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    assert!(r.headers().contains_key("retry-after"));
    let reply: Value = r.json().await.unwrap();
    assert!(
        reply["error"].as_str().unwrap().contains("unavailable"),
        "{reply}"
    );
    assert!(
        down.elapsed() < Duration::from_secs(10),
        "answered promptly, not hung"
    );
    assert_eq!(p.get("/v1/catalog", Some(&token)).await.0, 503);
    assert_eq!(p.get("/healthz", None).await.0, 200);

    let c = cluster.clone();
    tokio::task::spawn_blocking(move || c.start_again())
        .await
        .unwrap()
        .unwrap();
    pg::wait_until_up(&cluster.url, Duration::from_secs(30)).await;
    // The kiosk retries with backoff; the first retries may still meet a connection being replaced.
    let start = Instant::now();
    let reply = loop {
        let (status, reply) = p.events("K01", &token, batch.clone()).await;
        if status == 200 {
            break reply;
        }
        assert_eq!(status, 503, "{reply}");
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the platform did not recover"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(reply["applied_through"], 3);
    let (status, again) = p.events("K01", &token, batch).await;
    assert_eq!((status, again["applied_through"].clone()), (200, json!(3)));
    assert_eq!(p.tickets(Some("K01")).await.len(), 3);
    p.stop().await;
}
