//! End to end, real processes: the kiosk binary (headless, real UI taps) prints to a printer simulator on a
//! pseudo-terminal in this process and syncs over real HTTP on loopback to the reference platform.
//!
//! The platform is down while a burst of tickets is issued: every receipt prints at once (the network is never
//! on the critical path of a tap), numbered offline, and everything stays queued. Then the platform comes up on
//! that port and the backlog drains by itself: the platform holds each printed ticket exactly once.

#[path = "support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use sanban_hardware::printer::PrinterSim;
use support::kiosk::Kiosk;
use support::platform::Platform;

const BURST: usize = 24;

#[test]
fn backlog_printed_while_the_platform_is_down_drains_exactly_once_when_it_comes_up() {
    let _serial = support::serial();
    let t0 = Instant::now();
    let tmp = tempfile::tempdir().unwrap();
    let port = support::free_port();
    let mut platform = Platform::new(tmp.path(), port);
    let token = platform.add_kiosk("K01");
    let printer = PrinterSim::spawn().expect("printer simulator");
    let mut kiosk = Kiosk::new(
        &tmp.path().join("k01"),
        "K01",
        printer.path(),
        Some((&platform.url(), &token)),
    );

    // Nothing listens on the platform's port: every sync attempt is refused.
    kiosk.start_burst(BURST);
    kiosk.wait_burst_done(Duration::from_secs(90));
    let burst_secs = support::secs(t0);
    let jobs = printer.wait_for_jobs(BURST, Duration::from_secs(10));
    assert_eq!(
        jobs.len(),
        BURST,
        "every ticket of the burst reaches the printer"
    );
    assert_eq!(kiosk.shown.len(), BURST);
    for t in &kiosk.shown {
        assert_eq!(
            t.state, "Printed",
            "ticket {} while the platform was down",
            t.number
        );
        assert!(
            t.number.starts_with("K01-"),
            "no lease without the platform: {} must be an offline number",
            t.number
        );
    }
    let printed = support::receipts::printed_counts(&jobs);
    assert_eq!(
        printed.len(),
        BURST,
        "each receipt carries its own ticket id"
    );
    assert!(printed.values().all(|n| *n == 1));

    let status = kiosk.outbox_status();
    assert_eq!(status["pending"], BURST as u64, "{status}");
    assert!(
        status["last_error"].is_string(),
        "the kiosk tried and recorded why it failed: {status}"
    );
    assert!(platform.tickets("K01").is_empty());
    println!("[{:>5.1}s] {BURST} tickets printed with the platform down ({burst_secs} s incl. start); last error: {}",
        support::secs(t0), status["last_error"]);

    // The platform comes up on the very port; nobody tells the kiosk.
    platform.start_in_process();
    let up_at = Instant::now();
    // The agent backs off (capped at 15 s, full jitter) while the platform is down: allow a few of those.
    support::poll_until(
        "the backlog to drain by itself",
        Duration::from_secs(60),
        Duration::from_millis(100),
        || (kiosk.pending_events() == 0).then_some(()),
    );
    println!(
        "[{:>5.1}s] backlog drained {:.1} s after the platform came up",
        support::secs(t0),
        up_at.elapsed().as_secs_f64()
    );

    let report = support::check_outbox_invariant(&kiosk, &platform, &jobs);
    assert_eq!(report.on_platform, BURST);
    assert_eq!(report.committed_not_printed, 0);
    let status = kiosk.outbox_status();
    assert_eq!(
        (status["pending"].as_u64(), status["applied"].as_u64()),
        (Some(0), Some(BURST as u64)),
        "{status}"
    );

    // With the platform up, the next kiosk run leases numbers and syncs as it goes.
    kiosk.kill();
    kiosk.start_burst(6);
    kiosk.wait_burst_done(Duration::from_secs(60));
    let jobs = printer.wait_for_jobs(BURST + 6, Duration::from_secs(10));
    assert_eq!(jobs.len(), BURST + 6);
    support::poll_until(
        "the second burst to sync",
        Duration::from_secs(30),
        Duration::from_millis(100),
        || (kiosk.pending_events() == 0).then_some(()),
    );
    let report = support::check_outbox_invariant(&kiosk, &platform, &jobs);
    assert_eq!(report.on_platform, BURST + 6);
    let leased = kiosk.shown[BURST..]
        .iter()
        .filter(|t| !t.number.starts_with("K01-"))
        .count();
    println!(
        "[{:>5.1}s] second run: {} tickets ({} with leased numbers: {:?}); platform holds {} tickets, each once",
        support::secs(t0),
        6,
        leased,
        kiosk.shown[BURST..].iter().map(|t| t.number.as_str()).collect::<Vec<_>>(),
        report.on_platform
    );

    // The check can fail: a receipt the platform does not hold is caught (its panic message below is expected).
    println!("forging a receipt the platform never got; the check must panic:");
    let mut forged = jobs.clone();
    forged.push(format!("\x1b@SANBAN:T:{}\x1dVA\x00", uuid::Uuid::now_v7()).into_bytes());
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        support::check_outbox_invariant(&kiosk, &platform, &forged)
    }));
    assert!(
        caught.is_err(),
        "a printed receipt missing on the platform must fail the invariant check"
    );
}
