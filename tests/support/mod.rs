//! Shared helpers of the end-to-end sync tests (`sync_e2e`, `sync_faults`, `sync_crash`): the platform (in this
//! process or as its own process), the kiosk binary as a child process, a fault-injecting HTTP proxy on loopback,
//! and the receipts the printer simulator received.
//!
//! Every child process is killed by a `Drop` guard, so a failing assertion never leaves one behind. Every wait is
//! bounded in time; nothing here sleeps in place of an assertion.
#![allow(dead_code)]

pub mod kiosk;
pub mod platform;
pub mod proxy;
pub mod receipts;
pub mod ui;

use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The tests of one file run one at a time: each starts a kiosk (Slint, software renderer) and a platform, and
/// two of those at once on two cores only make timeouts flaky.
pub fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// A loopback port nothing listens on right now (bound, read, released).
pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    l.local_addr().unwrap().port()
}

/// Call `f` every `every` until it returns `Some`, or panic naming `what` after `timeout`.
pub fn poll_until<T>(
    what: &str,
    timeout: Duration,
    every: Duration,
    mut f: impl FnMut() -> Option<T>,
) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        if start.elapsed() > timeout {
            panic!("timed out after {timeout:?} waiting for {what}");
        }
        std::thread::sleep(every);
    }
}

/// Like [`poll_until`], but returns `None` on timeout instead of panicking.
pub fn poll_for<T>(
    timeout: Duration,
    every: Duration,
    mut f: impl FnMut() -> Option<T>,
) -> Option<T> {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if start.elapsed() > timeout {
            return None;
        }
        std::thread::sleep(every);
    }
}

/// Seconds since `start`, for the progress lines the tests print.
pub fn secs(start: Instant) -> f64 {
    (start.elapsed().as_secs_f64() * 10.0).round() / 10.0
}

use std::collections::{BTreeMap, BTreeSet};

use kiosk::Kiosk;
use platform::Platform;

/// What [`check_outbox_invariant`] found.
#[derive(Debug, Default)]
pub struct InvariantReport {
    pub printed: usize,
    pub on_platform: usize,
    pub committed: usize,
    /// Tickets on the platform whose receipt never reached the printer (committed, then the kiosk died or the
    /// printer failed): each has a print job not marked printed.
    pub committed_not_printed: usize,
    /// Receipts received more than once (a reprint; not a sync fault).
    pub printed_twice: usize,
}

/// The outbox invariant, checked after the kiosk's backlog was drained:
/// - every ticket whose receipt the printer received is on the platform exactly once;
/// - the platform holds no ticket the kiosk did not commit, with the same category, day and number;
/// - no two platform tickets share a (category, day, number);
/// - every committed ticket reached the platform (nothing pending, nothing rejected), each event applied once;
/// - a platform ticket with no printed receipt has a kiosk print job that is not `printed`.
pub fn check_outbox_invariant(
    kiosk: &Kiosk,
    platform: &Platform,
    jobs: &[Vec<u8>],
) -> InvariantReport {
    let printed = receipts::printed_counts(jobs);
    let committed = kiosk.db_tickets();
    let all_platform = platform.read().tickets(None).expect("platform tickets");
    let on_platform: Vec<_> = all_platform
        .iter()
        .filter(|t| t.kiosk_id == kiosk.id)
        .collect();

    let mut per_id: BTreeMap<&str, usize> = BTreeMap::new();
    for t in &on_platform {
        *per_id.entry(t.ticket_id.as_str()).or_insert(0) += 1;
    }
    let doubled: Vec<_> = per_id.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        doubled.is_empty(),
        "tickets held more than once by the platform: {doubled:?}"
    );

    let mut numbers = BTreeSet::new();
    for t in &all_platform {
        assert!(
            numbers.insert((t.category.clone(), t.business_day.clone(), t.number.clone())),
            "number {} of {} on {} held twice by the platform",
            t.number,
            t.category,
            t.business_day
        );
    }

    let missing: Vec<&String> = printed
        .keys()
        .filter(|id| !per_id.contains_key(id.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "{} printed receipts never reached the platform: {missing:?} (kiosk outbox: {})",
        missing.len(),
        kiosk.outbox_status()
    );

    for t in &on_platform {
        let Some((category, day, number)) = committed.get(&t.ticket_id) else {
            panic!(
                "the platform holds ticket {} ({}) that the kiosk never committed",
                t.ticket_id, t.number
            );
        };
        assert_eq!(
            (category, day, number),
            (&t.category, &t.business_day, &t.number),
            "platform ticket {} differs from the kiosk's",
            t.ticket_id
        );
    }
    let not_synced: Vec<_> = committed
        .keys()
        .filter(|id| !per_id.contains_key(id.as_str()))
        .collect();
    assert!(
        not_synced.is_empty(),
        "committed tickets missing on the platform after the drain: {not_synced:?}"
    );

    let status = kiosk.outbox_status();
    assert_eq!(status["pending"], 0, "kiosk backlog not drained: {status}");
    assert_eq!(
        status["rejected"], 0,
        "the platform rejected events: {status}"
    );
    let rejections = platform.read().rejections(&kiosk.id).expect("rejections");
    assert!(rejections.is_empty(), "platform rejections: {rejections:?}");
    let last_seq = status["last_seq"].as_u64().expect("last_seq");
    assert_eq!(
        platform.last_applied_seq(&kiosk.id),
        last_seq,
        "platform and kiosk disagree on the last sequence"
    );
    assert_eq!(
        platform.event_rows(&kiosk.id),
        last_seq,
        "each kiosk event must be recorded exactly once"
    );

    let jobs_by_ticket = kiosk.print_jobs();
    let mut committed_not_printed = 0;
    for t in &on_platform {
        if printed.contains_key(&t.ticket_id) {
            continue;
        }
        committed_not_printed += 1;
        let statuses = jobs_by_ticket
            .get(&t.ticket_id)
            .cloned()
            .unwrap_or_default();
        assert!(
            !statuses.is_empty() && statuses.iter().all(|s| s != "printed"),
            "ticket {} ({}) is on the platform with no receipt at the printer, yet its print jobs are {statuses:?}",
            t.ticket_id,
            t.number
        );
    }
    InvariantReport {
        printed: printed.len(),
        on_platform: on_platform.len(),
        committed: committed.len(),
        committed_not_printed,
        printed_twice: printed.values().filter(|n| **n > 1).count(),
    }
}
