//! Several platform instances over one store, and the store going away: exactly-once holds across instances, and
//! a PostgreSQL outage is answered 503 and heals by itself.

mod common;

use std::time::{Duration, Instant};

use common::pg::{self, Cluster, ClusterOptions};
use common::{ticket, Instance, Platform, StoreKind, TestDb};
use serde_json::{json, Value};

on_both_stores!(two_instances_apply_each_kiosks_batches_once_and_in_order);

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
        let letter = sanban_wire::WINDOW_CATEGORIES[k % 8].1;
        let held = p.tickets(Some(id)).await;
        let seqs: Vec<u64> = held.iter().map(|t| t.seq).collect();
        assert_eq!(
            seqs,
            (1..=BATCHES * SIZE).collect::<Vec<_>>(),
            "{id}: once each, all of them"
        );
        assert!(held
            .iter()
            .all(|t| t.number == format!("{id}-{letter}{:03}", t.seq)));
        assert_eq!(p.last_applied_seq(id).await, Some(BATCHES * SIZE));
        assert!(p.store.rejections(id).await.unwrap().is_empty());
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
