//! The two sequence conflicts of the sync API, against the real platform on loopback:
//! - the kiosk's database was wiped after a sync, so it numbers events from 1 again: the platform refuses (409,
//!   sequence reused) and the kiosk must keep its new events pending with the cause, never mark them applied;
//! - the platform lost what it had (restored from an old backup): the kiosk re-sends from where the platform
//!   stands, and the platform ends with every ticket once.

use std::path::Path;
use std::time::Duration;

use chrono::Utc;
use sanban_kiosk::store::{NumberSource, Store, TicketRequest};
use sanban_kiosk::sync::{drain_once, PlatformClient, SyncError};

const KIOSK: &str = "K09";

fn issue(store: &mut Store, n: usize) {
    let tz: chrono_tz::Tz = "Asia/Shanghai".parse().unwrap();
    let source = NumberSource::Leased {
        offline_prefix: KIOSK.into(),
    };
    for _ in 0..n {
        let req = TicketRequest {
            category: "social".into(),
            priority: false,
        };
        store
            .issue_ticket(
                &req,
                Utc::now(),
                tz,
                &source,
                chrono::Duration::hours(2),
                |_| None,
            )
            .unwrap();
    }
}

/// Start a platform over `db` on an ephemeral port; returns its base URL. It runs until the runtime is dropped.
fn serve(runtime: &tokio::runtime::Runtime, db: &Path) -> String {
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    runtime.spawn(sanban_platform::serve(listener, db.to_owned()));
    url
}

async fn drain_all(client: &PlatformClient, store: &mut Store) -> Result<(), SyncError> {
    for _ in 0..20 {
        let report = drain_once(client, store, 500).await?;
        if !report.more_pending {
            return Ok(());
        }
    }
    panic!("drain did not settle in 20 rounds");
}

fn new_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// A platform over `db` (see [`serve`]) and a client of it for this kiosk.
fn platform_client(runtime: &tokio::runtime::Runtime, db: &Path, token: &str) -> PlatformClient {
    PlatformClient::new(&serve(runtime, db), KIOSK, token, Duration::from_secs(10)).unwrap()
}

fn held(db: &Path) -> usize {
    sanban_platform::PlatformDb::open(db)
        .unwrap()
        .tickets(Some(KIOSK))
        .unwrap()
        .len()
}

#[test]
fn a_wiped_kiosk_database_is_refused_and_its_new_events_stay_pending() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = new_runtime();
    let db = dir.path().join("platform.sqlite3");
    let token = sanban_platform::add_kiosk(&db, KIOSK).unwrap();
    let client = platform_client(&runtime, &db, &token);

    let mut first = Store::open(&dir.path().join("kiosk-a.sqlite3")).unwrap();
    issue(&mut first, 3);
    runtime.block_on(drain_all(&client, &mut first)).unwrap();
    assert_eq!(first.outbox_summary().unwrap().applied, 3);
    assert_eq!(held(&db), 3);

    // The kiosk's disk was replaced: a new database numbers its events from 1 again.
    let mut wiped = Store::open(&dir.path().join("kiosk-b.sqlite3")).unwrap();
    issue(&mut wiped, 2);
    let err = runtime
        .block_on(drain_all(&client, &mut wiped))
        .unwrap_err();
    assert!(
        matches!(err, SyncError::Refused { status: 409, .. }),
        "{err}"
    );
    assert!(
        !err.is_retryable(),
        "a technician must reconcile; retrying cannot help"
    );
    let summary = wiped.outbox_summary().unwrap();
    assert_eq!(
        (summary.pending, summary.applied),
        (2, 0),
        "nothing marked applied that the platform did not store"
    );
    assert!(
        summary.last_error.unwrap().contains("refuses"),
        "the cause is kept for `outbox status`"
    );
    assert_eq!(
        held(&db),
        3,
        "the platform stored none of the conflicting events"
    );
}

#[test]
fn a_platform_restored_from_an_old_backup_gets_everything_again_once() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = new_runtime();
    let db = dir.path().join("platform.sqlite3");
    let token = sanban_platform::add_kiosk(&db, KIOSK).unwrap();
    // The "backup": the platform as it was before this kiosk sent anything.
    let backup = dir.path().join("backup.sqlite3");
    std::fs::copy(&db, &backup).unwrap();

    let client = platform_client(&runtime, &db, &token);
    let mut kiosk = Store::open(&dir.path().join("kiosk.sqlite3")).unwrap();
    issue(&mut kiosk, 4);
    runtime.block_on(drain_all(&client, &mut kiosk)).unwrap();
    issue(&mut kiosk, 2); // seq 5 and 6, still pending
    drop(runtime); // the platform goes down…

    // …and comes back from the backup, knowing nothing of seq 1–4.
    let runtime = new_runtime();
    let restored = dir.path().join("restored.sqlite3");
    std::fs::copy(&backup, &restored).unwrap();
    let client = platform_client(&runtime, &restored, &token);
    runtime.block_on(drain_all(&client, &mut kiosk)).unwrap();

    let summary = kiosk.outbox_summary().unwrap();
    assert_eq!(
        (summary.pending, summary.applied, summary.rejected),
        (0, 6, 0)
    );
    let tickets = sanban_platform::PlatformDb::open(&restored)
        .unwrap()
        .tickets(Some(KIOSK))
        .unwrap();
    assert_eq!(tickets.len(), 6, "every ticket again, once");
    let mut ids: Vec<_> = tickets.iter().map(|t| t.ticket_id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 6);
}
