//! The errand transaction under a full disk: SQLite's `max_page_count` makes the next growing write fail with
//! SQLITE_FULL, as a full disk would. The errand is refused as a disk problem and nothing of it remains: no ticket,
//! no number used, no outbox event, no print job.

use chrono::{Duration, TimeZone, Utc};
use sanban_kiosk::store::{NumberSource, Store, TicketRequest};

fn count(store: &Store, table: &str) -> i64 {
    store.count_rows(table).unwrap()
}

#[test]
fn a_full_disk_fails_the_whole_errand_and_leaves_nothing_half_written() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("kiosk.sqlite3")).unwrap();
    let tz = "Asia/Shanghai".parse().unwrap();
    let now = Utc.with_ymd_and_hms(2026, 11, 30, 2, 0, 0).unwrap();
    let req = TicketRequest {
        category: "police".into(),
        priority: false,
    };
    let first = store
        .issue_ticket(
            &req,
            now,
            tz,
            &NumberSource::Local,
            Duration::hours(2),
            |_| Some(vec![b'x'; 200]),
        )
        .unwrap();
    assert_eq!(first.number, "E001");
    let before = ["tickets", "outbox", "print_jobs", "ticket_counters"].map(|t| count(&store, t));

    store.cap_size_at_current().unwrap();
    // A receipt much larger than a page needs new pages: the commit cannot fit.
    let err = store
        .issue_ticket(
            &req,
            now,
            tz,
            &NumberSource::Local,
            Duration::hours(2),
            |_| Some(vec![b'y'; 256 * 1024]),
        )
        .unwrap_err();
    assert!(err.is_disk_problem(), "reported as a disk problem: {err}");
    let after = ["tickets", "outbox", "print_jobs", "ticket_counters"].map(|t| count(&store, t));
    assert_eq!(before, after, "nothing of the errand remains");

    // The disk freed again (a reopened connection has no cap): the next ticket takes the next number, E002 —
    // the refused errand used none.
    drop(store);
    let mut store = Store::open(&dir.path().join("kiosk.sqlite3")).unwrap();
    let next = store
        .issue_ticket(
            &req,
            now,
            tz,
            &NumberSource::Local,
            Duration::hours(2),
            |_| Some(vec![b'z'; 200]),
        )
        .unwrap();
    assert_eq!(next.number, "E002");
    assert_eq!(store.pending_events(10).unwrap().len(), 2);
}
