//! Ingest benchmark: N kiosks post event batches at once, over loopback, to a real platform server with a file
//! database (WAL, synchronous=FULL). Prints events/s and request latency percentiles.
//!
//!     cargo bench -p sanban-platform --bench ingest
//!     KIOSKS=100 BATCHES=20 BATCH_SIZE=50 cargo bench -p sanban-platform --bench ingest
//!
//! A second run with BATCH_SIZE=1 shows the cost of one request per event.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::json;
use uuid::Uuid;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn batch(kiosk: usize, first_seq: u64, size: u64) -> serde_json::Value {
    let categories = sanban_wire::WINDOW_CATEGORIES;
    let events: Vec<_> = (first_seq..first_seq + size)
        .map(|seq| {
            // Mostly tickets, some ratings: the kiosk's real mix.
            let (kind, payload) = if seq % 5 == 0 {
                ("rating.submitted", json!({"rating_id": Uuid::now_v7(), "errand": "ticket", "errand_id": "E001",
                    "channel": "self_service_terminal", "level": "satisfied", "level_code": 4, "times_rated": 1}))
            } else {
                let (cat, letter, ..) = categories[(kiosk + seq as usize) % 8];
                // From the kiosk's own offline range (its id as prefix): no lease needed.
                (
                    "ticket.issued",
                    json!({"ticket_id": Uuid::now_v7(), "category": cat,
                           "number": format!("K{kiosk:03}-{letter}{seq:03}"), "business_day": "2026-11-26",
                           "offline": true}),
                )
            };
            json!({"seq": seq, "id": Uuid::now_v7(), "kind": kind, "occurred_at": "2026-11-26T09:00:00+08:00",
                   "payload": payload})
        })
        .collect();
    json!({ "events": events })
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() -> anyhow::Result<()> {
    let kiosks = env("KIOSKS", 100) as usize;
    let batches = env("BATCHES", 20);
    let size = env("BATCH_SIZE", 50);
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR"))?;
    let db: PathBuf = dir.path().join("bench.db");
    let tokens: Vec<String> = (0..kiosks)
        .map(|k| sanban_platform::add_kiosk(&db, &format!("K{k:03}")))
        .collect::<Result<_, _>>()?;

    // The server on its own runtime, as a separate process would be.
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let listener = server_rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = server_rt.spawn(sanban_platform::serve_with_shutdown(
        listener,
        db.clone(),
        async move {
            let _ = stopped.await;
        },
    ));

    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let (wall, mut latencies) = client_rt.block_on(async move {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(kiosks)
            .build()
            .unwrap();
        // Build every body first so JSON encoding is not measured.
        let bodies: Vec<Vec<Vec<u8>>> = (0..kiosks)
            .map(|k| {
                (0..batches)
                    .map(|b| serde_json::to_vec(&batch(k, b * size + 1, size)).unwrap())
                    .collect()
            })
            .collect();
        let start = Instant::now();
        let tasks: Vec<_> = bodies
            .into_iter()
            .enumerate()
            .map(|(k, bodies)| {
                let (http, token) = (http.clone(), tokens[k].clone());
                let url = format!("http://{addr}/v1/kiosks/K{k:03}/events");
                tokio::spawn(async move {
                    let mut lat = Vec::new();
                    for body in bodies {
                        let t = Instant::now();
                        let r = http
                            .post(&url)
                            .bearer_auth(&token)
                            .header("content-type", "application/json")
                            .body(body)
                            .send()
                            .await
                            .unwrap();
                        assert_eq!(r.status(), 200);
                        let reply: sanban_wire::BatchReply = r.json().await.unwrap();
                        assert!(reply.rejected.is_empty(), "{:?}", reply.rejected.first());
                        lat.push(t.elapsed());
                    }
                    lat
                })
            })
            .collect();
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.unwrap());
        }
        (start.elapsed(), all)
    });
    let _ = stop.send(());
    server_rt.block_on(server)??;

    let total = kiosks as u64 * batches * size;
    let stored = sanban_platform::PlatformDb::open(&db)?;
    let settled: u64 = (0..kiosks)
        .map(|k| {
            stored
                .last_applied_seq(&format!("K{k:03}"))
                .map(|s| s.unwrap_or(0))
        })
        .sum::<anyhow::Result<u64>>()?;
    assert_eq!(settled, total, "every event settled");
    latencies.sort();
    println!(
        "ingest: {kiosks} kiosks x {batches} batches x {size} events = {total} events in {:.2} s",
        wall.as_secs_f64()
    );
    println!(
        "  throughput: {:.0} events/s, {:.0} requests/s",
        total as f64 / wall.as_secs_f64(),
        latencies.len() as f64 / wall.as_secs_f64()
    );
    println!(
        "  request latency: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        percentile(&latencies, 0.50).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        latencies.last().map_or(0.0, |d| d.as_secs_f64() * 1e3)
    );
    Ok(())
}
