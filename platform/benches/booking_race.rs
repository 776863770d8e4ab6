//! Booking race: ATTEMPTS booking attempts at once for PLACES places, from KIOSKS simulated kiosks over loopback,
//! to a real platform server (SQLite file with synchronous=FULL; PostgreSQL when `SANBAN_TEST_POSTGRES` names a
//! server where a throw-away database may be created). Every attempt is another citizen's, so every refusal is
//! `slot_full`. Checks exactly PLACES confirmed, no slot over its capacity, no booking doubled, every other
//! attempt refused with a reason; prints the latency percentiles.
//!
//!     cargo bench -p sanban-platform --bench booking_race
//!     SANBAN_TEST_POSTGRES=postgres://USER@127.0.0.1:PORT/postgres cargo bench -p sanban-platform --bench booking_race
//!     ATTEMPTS=1000 KIOSKS=50 STORES=sqlite,postgres cargo bench -p sanban-platform --bench booking_race

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use sanban_platform::{DbUrl, ServeOptions, Store};
use serde_json::{json, Value};
use uuid::Uuid;

/// The service raced for: RES-01 takes 4 per 30-minute slot, 13 slots a day.
const SERVICE: &str = "RES-01";
const CAPACITY: usize = 4;
/// Places: 25 slots of 4 (13 on the first bookable day, 12 on the second).
const PLACES: usize = 100;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

struct Outcome {
    confirmed: usize,
    refused: HashMap<String, usize>,
    other: usize,
    latencies: Vec<Duration>,
    wall: Duration,
    /// (date, slot) → bookings the store holds.
    held: HashMap<(String, String), usize>,
    doubled: usize,
}

async fn race(db: DbUrl, attempts: usize, kiosks: usize) -> anyhow::Result<Outcome> {
    let store = Store::open(&db).await?;
    let mut tokens = Vec::new();
    for k in 0..kiosks {
        tokens.push(sanban_platform::register(&store, &format!("K{k:03}"), false).await?);
    }
    let hall = sanban_platform::appointments::Hall::default();
    let days = hall.calendar.bookable_dates(hall.today());
    let (slots, _) = {
        let catalog = store.current_catalog().await?;
        let service = catalog.service(SERVICE).expect("the seed's RES-01").clone();
        // Two bookable days the service is open (weekdays).
        let open: Vec<_> = days
            .iter()
            .filter(|d| {
                !service
                    .slots_on(sanban_platform::schedule::weekday(**d))
                    .0
                    .is_empty()
            })
            .take(2)
            .collect();
        let mut slots = Vec::new();
        for d in open {
            for s in service.slots_on(sanban_platform::schedule::weekday(*d)).0 {
                slots.push((d.to_string(), s.slot_id));
            }
        }
        slots.truncate(PLACES / CAPACITY);
        (slots, ())
    };
    assert_eq!(slots.len() * CAPACITY, PLACES, "slots for {PLACES} places");

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(sanban_platform::serve_with(
        listener,
        db.clone(),
        ServeOptions::default(),
        async move {
            let _ = stopped.await;
        },
    ));

    // Bodies first, so that JSON encoding is not measured. Attempt i comes from kiosk i % KIOSKS.
    let bodies: Vec<(usize, Vec<u8>)> = (0..attempts)
        .map(|i| {
            let k = i % kiosks;
            let (date, slot) = &slots[(i * 7) % slots.len()];
            let body = json!({"request_id": Uuid::now_v7(), "kiosk_id": format!("K{k:03}"), "service": SERVICE,
                "date": date, "slot_id": slot, "citizen_ref": format!("citizen-{i}"),
                "code": sanban_wire::booking_code(i as u64 * 104_729 + 7)});
            (k, serde_json::to_vec(&body).unwrap())
        })
        .collect();
    // One HTTP client per kiosk, as each kiosk has its own.
    let clients: Vec<reqwest::Client> = (0..kiosks).map(|_| reqwest::Client::new()).collect();
    let url = format!("http://{addr}/v1/appointments");
    let start = Instant::now();
    let tasks: Vec<_> = bodies
        .into_iter()
        .map(|(k, body)| {
            let (http, token, url) = (clients[k].clone(), tokens[k].clone(), url.clone());
            tokio::spawn(async move {
                let t = Instant::now();
                let r = http
                    .post(&url)
                    .bearer_auth(&token)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await
                    .unwrap();
                let status = r.status().as_u16();
                let reply: Value = r.json().await.unwrap();
                (t.elapsed(), status, reply)
            })
        })
        .collect();
    let mut out = Outcome {
        confirmed: 0,
        refused: HashMap::new(),
        other: 0,
        latencies: Vec::new(),
        wall: Duration::ZERO,
        held: HashMap::new(),
        doubled: 0,
    };
    let mut appointment_ids = HashSet::new();
    for t in tasks {
        let (latency, status, reply) = t.await?;
        out.latencies.push(latency);
        match (status, reply["reason"].as_str()) {
            (200, _) => {
                out.confirmed += 1;
                if !appointment_ids.insert(reply["appointment_id"].to_string()) {
                    out.doubled += 1;
                }
            }
            (409, Some(reason)) => *out.refused.entry(reason.to_string()).or_default() += 1,
            _ => out.other += 1,
        }
    }
    out.wall = start.elapsed();
    let _ = stop.send(());
    server.await??;

    // What the store holds, whatever the replies said.
    let mut codes = HashSet::new();
    for date in slots.iter().map(|(d, _)| d).collect::<HashSet<_>>() {
        for a in store.appointments_on(Some(date)).await? {
            if a.status == "booked" {
                *out.held
                    .entry((a.date.clone(), a.slot_id.clone()))
                    .or_default() += 1;
                if !codes.insert(a.code.clone()) {
                    out.doubled += 1;
                }
            }
        }
    }
    Ok(out)
}

fn report(name: &str, attempts: usize, kiosks: usize, mut out: Outcome) -> bool {
    out.latencies.sort();
    let held: usize = out.held.values().sum();
    let over = out.held.values().filter(|n| **n > CAPACITY).count();
    let refused: usize = out.refused.values().sum();
    println!(
        "{name}: {attempts} attempts for {PLACES} places from {kiosks} kiosks in {:.0} ms",
        out.wall.as_secs_f64() * 1000.0
    );
    println!(
        "  confirmed {} (store holds {held}), refused {refused} {:?}, other {}, doubled {}, slots over capacity {over}",
        out.confirmed, out.refused, out.other, out.doubled
    );
    println!(
        "  latency p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        percentile(&out.latencies, 0.50).as_secs_f64() * 1000.0,
        percentile(&out.latencies, 0.90).as_secs_f64() * 1000.0,
        percentile(&out.latencies, 0.99).as_secs_f64() * 1000.0,
        out.latencies.last().unwrap().as_secs_f64() * 1000.0
    );
    let exact = out.confirmed == PLACES
        && held == PLACES
        && out.doubled == 0
        && over == 0
        && out.other == 0
        && refused == attempts - PLACES;
    // The issue sets no latency budget for the race, only that p99 is stated: all attempts arrive in one burst,
    // so p99 is close to the time the whole burst takes.
    println!(
        "  verdict: {} (exactly {PLACES} confirmed, none doubled, the rest refused with a reason)",
        if exact { "PASS" } else { "FAIL" },
    );
    exact
}

fn main() -> anyhow::Result<()> {
    let attempts = env("ATTEMPTS", 1000);
    let kiosks = env("KIOSKS", 50);
    let stores = std::env::var("STORES").unwrap_or_else(|_| "sqlite,postgres".into());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let mut ok = true;
    for name in stores.split(',').map(str::trim) {
        match name {
            "sqlite" => {
                let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR"))?;
                let db = DbUrl::Sqlite(dir.path().join("race.db"));
                let out = rt.block_on(race(db, attempts, kiosks))?;
                ok &= report("sqlite", attempts, kiosks, out);
            }
            "postgres" => {
                let Some(server) = std::env::var("SANBAN_TEST_POSTGRES")
                    .ok()
                    .filter(|s| !s.trim().is_empty())
                else {
                    println!("postgres: skipped (set SANBAN_TEST_POSTGRES to a server's postgres database URL)");
                    continue;
                };
                let name = format!("sanban_race_{}", Uuid::now_v7().simple());
                let url = rt.block_on(async {
                    let (c, conn) = tokio_postgres::connect(&server, tokio_postgres::NoTls).await?;
                    tokio::spawn(conn);
                    c.batch_execute(&format!("CREATE DATABASE {name}")).await?;
                    anyhow::Ok(with_database(&server, &name))
                })?;
                let out = rt.block_on(race(DbUrl::Postgres(url), attempts, kiosks));
                rt.block_on(async {
                    if let Ok((c, conn)) =
                        tokio_postgres::connect(&server, tokio_postgres::NoTls).await
                    {
                        tokio::spawn(conn);
                        let _ = c
                            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                            .await;
                    }
                });
                ok &= report("postgres", attempts, kiosks, out?);
            }
            other => anyhow::bail!("unknown store {other:?} (sqlite, postgres)"),
        }
    }
    if !ok {
        std::process::exit(1);
    }
    Ok(())
}

/// `url` with its database replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    format!("{host}/{name}{query}")
}
