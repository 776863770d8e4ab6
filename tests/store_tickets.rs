//! The ticket store: outbox rows, numbering across midnight, and durability across a crash.

use std::process::Command;

use chrono::{DateTime, Duration, TimeZone, Utc};
use chrono_tz::Tz;
use sanban_kiosk::store::{IssuedTicket, NumberSource, Store, TicketRequest};

fn tz() -> Tz {
    "Asia/Shanghai".parse().unwrap()
}

/// Issue a ticket with no receipt, counting the last two hours as "waiting".
fn issue(
    store: &mut Store,
    category: &str,
    at: DateTime<Utc>,
    source: &NumberSource,
) -> IssuedTicket {
    store
        .issue_ticket(&req(category), at, tz(), source, Duration::hours(2), |_| {
            None
        })
        .unwrap()
}

fn req(category: &str) -> TicketRequest {
    TicketRequest {
        category: category.into(),
        priority: false,
    }
}

#[test]
fn a_ticket_commits_its_outbox_event_and_print_job_together() {
    let mut store = Store::open_in_memory().unwrap();
    let now = Utc.with_ymd_and_hms(2026, 11, 26, 2, 0, 0).unwrap();
    let t = store
        .issue_ticket(
            &req("police"),
            now,
            tz(),
            &NumberSource::Local,
            Duration::hours(2),
            |_| Some(b"JOB".to_vec()),
        )
        .unwrap();
    assert_eq!(t.number, "E001");
    assert_eq!(t.outbox_seq, 1);
    let events = store.pending_events(10).unwrap();
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!((e.seq, e.kind.as_str()), (1, "ticket.issued"));
    assert_eq!(e.id.get_version_num(), 7);
    let payload: sanban_wire::TicketIssued = serde_json::from_value(e.payload.clone()).unwrap();
    assert_eq!(payload.ticket_id, t.id);
    assert_eq!(payload.number, "E001");
    assert_eq!(payload.business_day, "2026-11-26");
    assert_eq!(store.print_job_bytes(t.print_job.unwrap()).unwrap(), b"JOB");

    let second = issue(&mut store, "police", now, &NumberSource::Local);
    assert_eq!(
        (second.number.as_str(), second.outbox_seq, second.ahead),
        ("E002", 2, 1)
    );
    let other = issue(&mut store, "tax", now, &NumberSource::Local);
    assert_eq!((other.number.as_str(), other.ahead), ("G001", 0));
}

#[test]
fn print_jobs_left_pending_by_a_crash_are_marked_failed_at_start() {
    let mut store = Store::open_in_memory().unwrap();
    let now = Utc::now();
    let t = store
        .issue_ticket(
            &req("assist"),
            now,
            tz(),
            &NumberSource::Local,
            Duration::hours(2),
            |_| Some(vec![1]),
        )
        .unwrap();
    assert_eq!(store.fail_interrupted_print_jobs(now).unwrap(), 1);
    let failed = store.failed_print_jobs(10).unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].subject, "ticket");
    assert_eq!(failed[0].subject_id, t.id.to_string());
    assert!(failed[0].detail.as_deref().unwrap().contains("interrupted"));
    assert_eq!(
        store.fail_interrupted_print_jobs(now).unwrap(),
        0,
        "only once"
    );
}

#[test]
fn unknown_category_issues_nothing() {
    let mut store = Store::open_in_memory().unwrap();
    let now = Utc::now();
    assert!(store
        .issue_ticket(
            &req("bogus"),
            now,
            tz(),
            &NumberSource::Local,
            Duration::hours(2),
            |_| None
        )
        .is_err());
    assert!(store.pending_events(10).unwrap().is_empty());
}

#[test]
fn numbering_restarts_at_local_midnight_without_reuse_or_gaps() {
    let mut store = Store::open_in_memory().unwrap();
    // 23:59:58 and 23:59:59 in Shanghai, then 00:00:00 and 00:00:01 of the next day.
    let late = Utc.with_ymd_and_hms(2026, 11, 26, 15, 59, 58).unwrap();
    let mut numbers = Vec::new();
    for s in 0..4 {
        let t = issue(
            &mut store,
            "social",
            late + Duration::seconds(s),
            &NumberSource::Local,
        );
        numbers.push((t.business_day.to_string(), t.number, t.ahead));
    }
    assert_eq!(
        numbers,
        vec![
            ("2026-11-26".into(), "B001".into(), 0),
            ("2026-11-26".into(), "B002".into(), 1),
            ("2026-11-27".into(), "B001".into(), 0),
            ("2026-11-27".into(), "B002".into(), 1),
        ]
    );
    // A clock stepped back across midnight continues the old day's counter instead of reusing its numbers.
    let t = issue(&mut store, "social", late, &NumberSource::Local);
    assert_eq!(t.number, "B003");
    let seqs: Vec<u64> = store
        .pending_events(10)
        .unwrap()
        .iter()
        .map(|e| e.seq)
        .collect();
    assert_eq!(seqs, vec![1, 2, 3, 4, 5]);
}

#[test]
fn leased_numbers_then_offline_prefix_when_the_lease_is_spent() {
    let mut store = Store::open_in_memory().unwrap();
    let now = Utc.with_ymd_and_hms(2026, 11, 26, 2, 0, 0).unwrap();
    store.add_lease("economy", "2026-11-26", 41, 42).unwrap();
    let src = NumberSource::Leased {
        offline_prefix: "K07".into(),
    };
    let mut numbers = Vec::new();
    for _ in 0..4 {
        let t = store
            .issue_ticket(&req("economy"), now, tz(), &src, Duration::hours(2), |_| {
                None
            })
            .unwrap();
        numbers.push((t.number, t.offline));
    }
    assert_eq!(
        numbers,
        vec![
            ("A041".into(), false),
            ("A042".into(), false),
            ("K07-A001".into(), true),
            ("K07-A002".into(), true)
        ]
    );
    assert_eq!(store.lease_remaining("economy", "2026-11-26").unwrap(), 0);
}

const CHILD_ENV: &str = "SANBAN_CRASH_CHILD_DB";

/// Run in a child process: issue tickets, report each committed number on stdout, then die by abort() in the
/// middle of the next transaction (the ticket row written, the commit never reached).
#[test]
#[ignore = "run as a child process by reopening_after_a_crash_keeps_every_committed_ticket"]
fn crash_child() {
    let path = std::env::var(CHILD_ENV).expect("only run as a child process");
    let mut store = Store::open(std::path::Path::new(&path)).unwrap();
    let now = Utc::now();
    for _ in 0..5 {
        let t = issue(&mut store, "land", now, &NumberSource::Local);
        println!("COMMITTED {}", t.number);
    }
    let _ = store.issue_ticket(
        &req("land"),
        now,
        tz(),
        &NumberSource::Local,
        Duration::hours(2),
        |_| {
            std::process::abort();
        },
    );
    unreachable!("abort() returned");
}

#[test]
fn reopening_after_a_crash_keeps_every_committed_ticket() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kiosk.sqlite3");
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "crash_child",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, &db)
        .output()
        .unwrap();
    assert!(!output.status.success(), "the child must die by abort()");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let committed: Vec<String> = stdout
        .lines()
        .filter_map(|l| l.split("COMMITTED ").nth(1).map(|n| n.trim().to_string()))
        .collect();
    assert_eq!(committed, vec!["D001", "D002", "D003", "D004", "D005"]);

    let mut store = Store::open(&db).unwrap();
    let stored: Vec<String> = store
        .all_ticket_numbers()
        .unwrap()
        .into_iter()
        .map(|(_, n)| n)
        .collect();
    assert_eq!(stored, committed, "exactly the committed tickets survive");
    assert_eq!(
        store.fail_interrupted_print_jobs(Utc::now()).unwrap(),
        0,
        "the child stored no print jobs"
    );
    assert_eq!(
        store.pending_events(100).unwrap().len(),
        5,
        "one outbox event per committed ticket"
    );
    let next = issue(&mut store, "land", Utc::now(), &NumberSource::Local);
    assert_eq!(
        (next.number.as_str(), next.outbox_seq),
        ("D006", 6),
        "no number reused or skipped"
    );
}

#[test]
fn switching_between_local_and_leased_numbering_mid_day_never_reuses_a_number() {
    let mut store = Store::open_in_memory().unwrap();
    let now = Utc.with_ymd_and_hms(2026, 11, 26, 2, 0, 0).unwrap();
    let local = NumberSource::Local;
    let leased = NumberSource::Leased {
        offline_prefix: "K01".into(),
    };
    let mut numbers = Vec::new();
    for _ in 0..2 {
        numbers.push(issue(&mut store, "tax", now, &local).number);
    }
    // The platform is configured mid-day and leases a block that starts at 1.
    store.add_lease("tax", "2026-11-26", 1, 4).unwrap();
    for _ in 0..2 {
        numbers.push(
            store
                .issue_ticket(&req("tax"), now, tz(), &leased, Duration::hours(2), |_| {
                    None
                })
                .unwrap()
                .number,
        );
    }
    assert_eq!(numbers, vec!["G001", "G002", "G003", "G004"]);
}
