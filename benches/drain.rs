//! Drain 10,000 queued events to the platform on loopback (budget < 5 s, and >= 20x a one-request-per-event
//! sender). Real HTTP server (sanban-platform, SQLite file), real kiosk store and sync client.

#[path = "common.rs"]
mod common;

use std::time::{Duration, Instant};

use chrono::Utc;
use sanban_kiosk::store::{NumberSource, Store, TicketRequest};
use sanban_kiosk::sync::{drain_once, PlatformClient};

const EVENTS: usize = 10_000;

/// Queue `n` tickets numbered from the kiosk's own offline range (`prefix`-A001…), so two kiosks never collide.
fn fill(store: &mut Store, n: usize, prefix: &str) {
    let tz: chrono_tz::Tz = "Asia/Shanghai".parse().unwrap();
    let cats = ["economy", "social", "police", "tax"];
    for i in 0..n {
        let req = TicketRequest {
            category: cats[i % cats.len()].into(),
            priority: false,
        };
        store
            .issue_ticket(
                &req,
                Utc::now(),
                tz,
                &NumberSource::Leased {
                    offline_prefix: prefix.into(),
                },
                chrono::Duration::hours(2),
                |_| None,
            )
            .unwrap();
    }
}

async fn drain(client: &PlatformClient, store: &mut Store, batch: usize) -> Duration {
    let t = Instant::now();
    loop {
        let r = drain_once(client, store, batch).await.unwrap();
        if !r.more_pending && store.outbox_summary().unwrap().pending == 0 {
            break;
        }
    }
    t.elapsed()
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let platform_db = dir.path().join("platform.sqlite3");
    let token_a = sanban_platform::add_kiosk(&platform_db, "BENCH1").unwrap();
    let token_b = sanban_platform::add_kiosk(&platform_db, "BENCH2").unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    runtime.spawn(sanban_platform::serve(listener, platform_db.clone()));

    let mut batched = Store::open(&dir.path().join("a.sqlite3")).unwrap();
    fill(&mut batched, EVENTS, "BENCH1");
    let client = PlatformClient::new(&url, "BENCH1", &token_a, Duration::from_secs(30)).unwrap();
    let t_batched = runtime.block_on(drain(&client, &mut batched, 500));

    let mut single = Store::open(&dir.path().join("b.sqlite3")).unwrap();
    fill(&mut single, EVENTS, "BENCH2");
    let client = PlatformClient::new(&url, "BENCH2", &token_b, Duration::from_secs(30)).unwrap();
    let t_single = runtime.block_on(drain(&client, &mut single, 1));

    println!(
        "drain {EVENTS} events, batches of 500:        {:>8.0} ms  ({:.0} events/s; budget 5000 ms: {})",
        common::ms(t_batched),
        EVENTS as f64 / t_batched.as_secs_f64(),
        if t_batched < Duration::from_secs(5) { "OK" } else { "OVER" }
    );
    println!(
        "drain {EVENTS} events, one request per event: {:>8.0} ms  ({:.0} events/s)",
        common::ms(t_single),
        EVENTS as f64 / t_single.as_secs_f64()
    );
    let ratio = t_single.as_secs_f64() / t_batched.as_secs_f64();
    println!(
        "batched is {ratio:.1}x faster (budget >= 20x: {})",
        if ratio >= 20.0 { "OK" } else { "UNDER" }
    );
    let held = sanban_platform::PlatformDb::open(&platform_db)
        .unwrap()
        .tickets(None)
        .unwrap()
        .len();
    assert_eq!(
        held,
        2 * EVENTS,
        "the platform holds every ticket exactly once"
    );
}
