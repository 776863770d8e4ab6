//! Fleet benchmark: 1,000 simulated kiosks on loopback post their outboxes to real `sanban-platform serve`
//! processes, as a city's kiosks would: each kiosk produces RATE events a second (tickets, some ratings) and
//! sends what it has pending once a second (a batch of up to 500), to one instance or the other (a load balancer),
//! retrying with capped backoff on the other instance after a failure. Scenarios:
//!
//! - `sqlite`: one instance over a SQLite file (a hall's platform, scaled up);
//! - `postgres`: two instances over one PostgreSQL (fsync on: the durable configuration);
//! - `kill`: the same, and one instance is killed with SIGKILL a third of the way in;
//! - `restart`: the same, and PostgreSQL is stopped a third of the way in and started again 3 s later.
//!
//! After each, the store must hold every event exactly once (events, tickets, last applied seqs, no rejection).
//! Prints events/s, request latency percentiles and the budget verdict (≥ 20,000 events/s, p99 < 250 ms). The
//! default offers 25,000 events/s: kiosks start within the first second, so a platform that keeps up shows about
//! 20/21 of the offered rate, and an offer of exactly 20,000 could never read 20,000.
//!
//!     cargo bench -p sanban-platform --bench fleet
//!     KIOSKS=1000 RATE=25 SECONDS=20 SCENARIOS=sqlite,postgres,kill,restart cargo bench -p sanban-platform --bench fleet
//!
//! Needs PostgreSQL's binaries (apt-get install postgresql): it starts a throw-away cluster of its own.

#[allow(dead_code)]
#[path = "../tests/common/pg.rs"]
mod pg;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use uuid::Uuid;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A `sanban-platform serve` process.
struct Instance {
    child: Child,
    base: String,
}

impl Instance {
    fn spawn(db: &str, log: &Path) -> Instance {
        let mut child = Command::new(env!("CARGO_BIN_EXE_sanban-platform"))
            .args(["serve", "--listen", "127.0.0.1:0", "--db", db])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(log).unwrap())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("instance did not start: {line:?}"))
            .to_string();
        Instance {
            child,
            base: format!("http://{addr}"),
        }
    }

    /// CPU seconds (user + system) the process has used so far.
    fn cpu_secs(&self) -> f64 {
        cpu_secs(self.child.id())
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn cpu_secs(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of /proc/PID/stat (12 and 13 after the command name).
    (ticks(11) + ticks(12)) / 100.0
}

/// CPU seconds of every process whose command line mentions `needle` (the cluster's data directory).
fn cpu_secs_of_processes(needle: &str) -> f64 {
    let mut total = 0.0;
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        let ppid_cmd = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        // The postmaster has the directory on its command line; its backends are its children.
        let mine = String::from_utf8_lossy(&cmdline).contains(needle)
            || ppid_cmd
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                .and_then(|ppid| std::fs::read(format!("/proc/{ppid}/cmdline")).ok())
                .is_some_and(|c| String::from_utf8_lossy(&c).contains(needle));
        if mine {
            total += cpu_secs(pid);
        }
    }
    total
}

/// Machine-wide busy CPU seconds (all cores) so far.
fn machine_busy_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let cpu: Vec<f64> = stat
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal
    let busy: f64 = cpu
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 3 && *i != 4)
        .map(|(_, v)| v)
        .sum();
    busy / 100.0
}

#[derive(Default)]
struct Tally {
    latencies: Mutex<Vec<Duration>>,
    /// Longest time one batch took to be acknowledged, retries included.
    worst_batch: Mutex<Duration>,
    unavailable: AtomicU64,
    failed: AtomicU64,
    events: AtomicU64,
}

/// One kiosk's events `from..=to` as a request body (ids fresh; the same body is resent on retry).
fn body(kiosk: &str, from: u64, to: u64, day: &str) -> Vec<u8> {
    let categories = sanban_wire::WINDOW_CATEGORIES;
    let mut out = String::with_capacity(((to - from + 1) * 330) as usize);
    out.push_str("{\"events\":[");
    for seq in from..=to {
        if seq > from {
            out.push(',');
        }
        let (kind, payload) = if seq % 5 == 0 {
            (
                "rating.submitted",
                format!(
                    "{{\"rating_id\":\"{}\",\"errand\":\"ticket\",\"errand_id\":\"E001\",\"channel\":\"self_service_terminal\",\"level\":\"satisfied\",\"level_code\":4,\"times_rated\":1}}",
                    Uuid::now_v7()
                ),
            )
        } else {
            let (category, letter, ..) = categories[(seq % 8) as usize];
            (
                "ticket.issued",
                format!(
                    "{{\"ticket_id\":\"{}\",\"category\":\"{category}\",\"number\":\"{kiosk}-{letter}{seq:03}\",\
                     \"business_day\":\"{day}\",\"offline\":true}}",
                    Uuid::now_v7()
                ),
            )
        };
        out.push_str(&format!(
            "{{\"seq\":{seq},\"id\":\"{}\",\"kind\":\"{kind}\",\"occurred_at\":\"2026-11-30T09:00:00+08:00\",\
             \"payload\":{payload}}}",
            Uuid::now_v7()
        ));
    }
    out.push_str("]}");
    out.into_bytes()
}

/// Sends one batch until an instance acknowledges it, moving to the next instance after each failure.
/// One simulated kiosk: its id, token, and the HTTP client it sends with.
struct Kiosk<'a> {
    http: &'a reqwest::Client,
    id: &'a str,
    token: &'a str,
}

async fn send(
    k: &Kiosk<'_>,
    bases: &[String],
    first: usize,
    body: Vec<u8>,
    to: u64,
    tally: &Tally,
) {
    let Kiosk {
        http,
        id: kiosk,
        token,
    } = *k;
    let started = Instant::now();
    let mut attempt = 0u32;
    loop {
        let base = &bases[(first + attempt as usize) % bases.len()];
        let t = Instant::now();
        let result = http
            .post(format!("{base}/v1/kiosks/{kiosk}/events"))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await;
        match result {
            Ok(r) if r.status() == 200 => {
                let reply: sanban_wire::BatchReply = r.json().await.unwrap();
                assert_eq!(reply.applied_through, to, "{kiosk}");
                assert!(
                    reply.rejected.is_empty(),
                    "{kiosk}: {:?}",
                    reply.rejected.first()
                );
                tally.latencies.lock().unwrap().push(t.elapsed());
                let mut worst = tally.worst_batch.lock().unwrap();
                *worst = (*worst).max(started.elapsed());
                return;
            }
            Ok(r) if r.status() == 503 => {
                tally.unavailable.fetch_add(1, Ordering::Relaxed);
            }
            Ok(r) if r.status().is_server_error() => {
                tally.failed.fetch_add(1, Ordering::Relaxed);
            }
            Ok(r) => panic!(
                "{kiosk}: unexpected {}: {}",
                r.status(),
                r.text().await.unwrap_or_default()
            ),
            Err(_) => {
                tally.failed.fetch_add(1, Ordering::Relaxed);
            }
        }
        // Capped exponential backoff with jitter, as the kiosk's sync agent does.
        let backoff = Duration::from_millis((50u64 << attempt.min(5)).min(2000));
        let jitter = Duration::from_millis(rand::random::<u64>() % 50);
        tokio::time::sleep(backoff + jitter).await;
        attempt += 1;
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "{kiosk}: batch never acknowledged"
        );
    }
}

struct Report {
    events: u64,
    wall: Duration,
    latencies: Vec<Duration>,
    worst_batch: Duration,
    unavailable: u64,
    failed: u64,
}

/// Runs the fleet for `seconds` (then lets every kiosk send what it still has), calling `fault` once at a third.
async fn run_fleet(
    bases: Vec<String>,
    kiosks: &[(String, String)],
    rate: u64,
    seconds: u64,
    fault: impl FnOnce() + Send + 'static,
) -> Report {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(kiosks.len())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let day = sanban_platform::appointments::Hall::default()
        .today()
        .format("%Y-%m-%d")
        .to_string();
    let tally = Arc::new(Tally::default());
    let bases = Arc::new(bases);
    let start = Instant::now();
    let total = rate * seconds;
    let mut tasks = Vec::new();
    for (k, (id, token)) in kiosks.iter().enumerate() {
        let (http, bases, tally, id, token, day) = (
            http.clone(),
            bases.clone(),
            tally.clone(),
            id.clone(),
            token.clone(),
            day.clone(),
        );
        tasks.push(tokio::spawn(async move {
            // Kiosks do not tick in step.
            let offset = Duration::from_millis(rand::random::<u64>() % 1000);
            tokio::time::sleep(offset).await;
            let mut sent = 0u64;
            let mut tick = 0u64;
            while sent < total {
                let due = (rate * (tick + 1)).min(total);
                while sent < due {
                    let to = due.min(sent + 500);
                    let b = body(&id, sent + 1, to, &day);
                    let kiosk = Kiosk {
                        http: &http,
                        id: &id,
                        token: &token,
                    };
                    send(&kiosk, &bases, k + tick as usize, b, to, &tally).await;
                    tally.events.fetch_add(to - sent, Ordering::Relaxed);
                    sent = to;
                }
                tick += 1;
                tokio::time::sleep_until((start + offset + Duration::from_secs(tick)).into()).await;
            }
        }));
    }
    let fault_at = start + Duration::from_secs(seconds) / 3;
    let faulting = tokio::spawn(async move {
        tokio::time::sleep_until(fault_at.into()).await;
        tokio::task::spawn_blocking(fault).await.unwrap();
    });
    for t in tasks {
        t.await.unwrap();
    }
    let wall = start.elapsed();
    faulting.await.unwrap();
    let mut latencies = std::mem::take(&mut *tally.latencies.lock().unwrap());
    latencies.sort();
    let worst_batch = *tally.worst_batch.lock().unwrap();
    Report {
        events: tally.events.load(Ordering::Relaxed),
        wall,
        latencies,
        worst_batch,
        unavailable: tally.unavailable.load(Ordering::Relaxed),
        failed: tally.failed.load(Ordering::Relaxed),
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Every event exactly once: counts in the store against what the kiosks sent.
async fn check_exactly_once(db: &sanban_platform::DbUrl, kiosks: usize, per_kiosk: u64) {
    let scalar = |sql: &'static str| {
        let db = db.clone();
        async move {
            match &db {
                sanban_platform::DbUrl::Sqlite(path) => rusqlite::Connection::open(path)
                    .unwrap()
                    .query_row(sql, [], |r| r.get::<_, i64>(0))
                    .unwrap(),
                sanban_platform::DbUrl::Postgres(url) => {
                    let (c, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                        .await
                        .unwrap();
                    tokio::spawn(conn);
                    c.query_one(sql, &[]).await.unwrap().get::<_, i64>(0)
                }
            }
        }
    };
    let total = kiosks as i64 * per_kiosk as i64;
    let tickets_each = (1..=per_kiosk).filter(|s| s % 5 != 0).count() as i64;
    assert_eq!(
        scalar("SELECT COUNT(*) FROM events").await,
        total,
        "events settled once each"
    );
    assert_eq!(
        scalar("SELECT CAST(COALESCE(SUM(last_applied_seq), 0) AS BIGINT) FROM kiosks").await,
        total,
        "every kiosk at its last seq"
    );
    assert_eq!(
        scalar("SELECT COUNT(*) FROM tickets").await,
        kiosks as i64 * tickets_each,
        "tickets once each"
    );
    assert_eq!(
        scalar("SELECT COUNT(*) FROM rejections").await,
        0,
        "nothing rejected"
    );
}

struct Setup {
    db: sanban_platform::DbUrl,
    kiosks: Vec<(String, String)>,
}

async fn setup(db: sanban_platform::DbUrl, kiosks: usize) -> Setup {
    let store = sanban_platform::Store::open(&db).await.unwrap();
    let mut list = Vec::with_capacity(kiosks);
    for k in 0..kiosks {
        let id = format!("B{k:04}");
        let token = sanban_platform::register(&store, &id, false).await.unwrap();
        list.push((id, token));
    }
    Setup { db, kiosks: list }
}

fn print(name: &str, r: &Report, rate: u64, kiosks: usize, cpu: &str) {
    let eps = r.events as f64 / r.wall.as_secs_f64();
    let p99 = percentile(&r.latencies, 0.99);
    println!(
        "{name:<9} {kiosks} kiosks, offered {} events/s: {} events in {:.1} s = {eps:.0} events/s; batch p50 {:.1} ms, \
         p99 {:.1} ms, max {:.1} ms; {} requests, {} answered 503, {} failed (retried); slowest batch incl. retries \
         {:.2} s; exactly once: yes{cpu}",
        rate * kiosks as u64,
        r.events,
        r.wall.as_secs_f64(),
        percentile(&r.latencies, 0.50).as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3,
        r.latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
        r.latencies.len(),
        r.unavailable,
        r.failed,
        r.worst_batch.as_secs_f64(),
    );
    if name == "postgres" {
        println!(
            "          budget >= 20,000 events/s and p99 < 250 ms: {} / {}",
            if eps >= 20_000.0 { "OK" } else { "UNDER" },
            if p99 < Duration::from_millis(250) {
                "OK"
            } else {
                "OVER"
            }
        );
    }
}

fn main() {
    let kiosks = env("KIOSKS", 1000) as usize;
    let rate = env("RATE", 25);
    let seconds = env("SECONDS", 20);
    let scenarios =
        std::env::var("SCENARIOS").unwrap_or_else(|_| "sqlite,postgres,kill,restart".into());
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let needs_pg = scenarios.split(',').any(|s| s != "sqlite");
    let cluster = needs_pg.then(|| {
        Arc::new(
            pg::Cluster::start(&pg::ClusterOptions {
                durable: true,
                max_connections: 100,
            })
            .expect("a throw-away PostgreSQL cluster (apt-get install postgresql)"),
        )
    });
    println!(
        "fleet: {kiosks} kiosks, {rate} events/s each for {seconds} s, batches sent once a second (up to 500 events)"
    );
    for scenario in scenarios.split(',') {
        runtime.block_on(async {
            let db = match scenario {
                "sqlite" => sanban_platform::DbUrl::Sqlite(dir.path().join("fleet.db")),
                _ => {
                    let cluster = cluster.as_ref().unwrap();
                    let name = format!("fleet_{scenario}");
                    let (c, conn) = tokio_postgres::connect(&cluster.url, tokio_postgres::NoTls)
                        .await
                        .unwrap();
                    tokio::spawn(conn);
                    c.batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
                        .await
                        .unwrap();
                    c.batch_execute(&format!("CREATE DATABASE {name}"))
                        .await
                        .unwrap();
                    sanban_platform::DbUrl::Postgres(pg::with_database(&cluster.url, &name))
                }
            };
            let s = setup(db, kiosks).await;
            let db_arg = match &s.db {
                sanban_platform::DbUrl::Sqlite(p) => p.display().to_string(),
                sanban_platform::DbUrl::Postgres(u) => u.clone(),
            };
            let count = if scenario == "sqlite" { 1 } else { 2 };
            let instances: Vec<Arc<Mutex<Option<Instance>>>> = (0..count)
                .map(|i| {
                    Arc::new(Mutex::new(Some(Instance::spawn(
                        &db_arg,
                        &dir.path().join(format!("{scenario}-{i}.log")),
                    ))))
                })
                .collect();
            let bases: Vec<String> = instances
                .iter()
                .map(|i| i.lock().unwrap().as_ref().unwrap().base.clone())
                .collect();
            let fault: Box<dyn FnOnce() + Send> = match scenario {
                "kill" => {
                    let victim = instances[0].clone();
                    Box::new(move || {
                        if let Some(mut i) = victim.lock().unwrap().take() {
                            i.child.kill().unwrap(); // SIGKILL
                            let _ = i.child.wait();
                            println!("          (instance 1 killed with SIGKILL)");
                        }
                    })
                }
                "restart" => {
                    let cluster = cluster.clone().unwrap();
                    Box::new(move || {
                        cluster.stop().unwrap();
                        println!("          (PostgreSQL stopped)");
                        std::thread::sleep(Duration::from_secs(3));
                        cluster.start_again().unwrap();
                        println!("          (PostgreSQL started again)");
                    })
                }
                _ => Box::new(|| {}),
            };
            let cpu_before: Vec<f64> = instances
                .iter()
                .map(|i| i.lock().unwrap().as_ref().map_or(0.0, Instance::cpu_secs))
                .collect();
            let pg_before = cluster.as_ref().map_or(0.0, |c| cpu_secs_of_processes(&c.dir.display().to_string()));
            let machine_before = machine_busy_secs();
            let report = run_fleet(bases, &s.kiosks, rate, seconds, fault).await;
            let cpu_after: Vec<f64> = instances
                .iter()
                .map(|i| i.lock().unwrap().as_ref().map_or(0.0, Instance::cpu_secs))
                .collect();
            let pg_after = cluster.as_ref().map_or(0.0, |c| cpu_secs_of_processes(&c.dir.display().to_string()));
            let wall = report.wall.as_secs_f64();
            let instances_cpu: Vec<String> = cpu_before
                .iter()
                .zip(&cpu_after)
                .map(|(b, a)| format!("{:.2}", (a - b).max(0.0) / wall))
                .collect();
            let cpu = format!(
                "\n          cores busy: machine {:.2} of 2, platform instance(s) {}, PostgreSQL {:.2} (the rest: the load generator and \
                 whatever else runs on the machine)",
                (machine_busy_secs() - machine_before) / wall,
                instances_cpu.join(" + "),
                if scenario == "sqlite" { 0.0 } else { (pg_after - pg_before).max(0.0) / wall },
            );
            check_exactly_once(&s.db, kiosks, rate * seconds).await;
            print(scenario, &report, rate, kiosks, &cpu);
            drop(instances);
        });
    }
}
