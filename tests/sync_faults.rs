//! Network faults between a running kiosk and the platform, injected by a proxy on loopback: the platform answers
//! 500, then hangs, then loses its replies (the connection is reset mid-response after the platform applied the
//! batch), then the network heals. The kiosk prints at full speed throughout, and in the end the platform holds
//! every printed ticket exactly once: a batch whose reply was lost is sent again and skipped as a duplicate.

#[path = "support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use sanban_hardware::printer::PrinterSim;
use support::kiosk::Kiosk;
use support::platform::Platform;
use support::proxy::{Mode, Outcome, Proxy};

const BURST: usize = 16;

#[test]
fn five_hundreds_hangs_and_lost_replies_end_with_each_ticket_once() {
    let _serial = support::serial();
    let t0 = Instant::now();
    let tmp = tempfile::tempdir().unwrap();
    let mut platform = Platform::new(tmp.path(), support::free_port());
    let token = platform.add_kiosk("K01");
    platform.start_in_process();
    let proxy = Proxy::start(platform.addr(), Mode::Error500);
    let printer = PrinterSim::spawn().expect("printer simulator");
    let mut kiosk = Kiosk::new(
        &tmp.path().join("k01"),
        "K01",
        printer.path(),
        Some((&proxy.url(), &token)),
    );
    let step = |what: &str| println!("[{:>5.1}s] {what}", support::secs(t0));

    // 1. Every request gets a 500 while a burst is issued.
    kiosk.start_burst(BURST);
    kiosk.wait_burst_done(Duration::from_secs(90));
    let jobs = printer.wait_for_jobs(BURST, Duration::from_secs(10));
    assert_eq!(jobs.len(), BURST);
    assert!(
        kiosk.shown.iter().all(|t| t.state == "Printed"),
        "{:?}",
        kiosk.shown
    );
    support::poll_until(
        "two batches answered 500",
        Duration::from_secs(40),
        Duration::from_millis(50),
        || (proxy.count_events(|o| *o == Outcome::Answered500) >= 2).then_some(()),
    );
    assert_eq!(
        platform.last_applied_seq("K01"),
        0,
        "a 500 from the proxy never reaches the platform"
    );
    assert_eq!(
        kiosk.pending_events(),
        BURST as u64,
        "a 500 settles nothing"
    );
    step(&format!(
        "{BURST} printed; {} batches answered 500",
        proxy.count_events(|o| *o == Outcome::Answered500)
    ));

    // 2. The platform accepts the connection and never answers: the kiosk's request timeout must end the wait.
    proxy.set_mode(Mode::Hang);
    support::poll_until(
        "the kiosk to give up on a hanging request",
        Duration::from_secs(45),
        Duration::from_millis(50),
        || {
            (proxy.count_events(|o| {
                *o == Outcome::Hung {
                    client_gave_up: true,
                }
            }) >= 1)
                .then_some(())
        },
    );
    assert_eq!(platform.last_applied_seq("K01"), 0);
    assert_eq!(kiosk.pending_events(), BURST as u64);
    step("a hanging request timed out on the kiosk side");

    // 3. The batch reaches the platform, which applies it; its reply is cut off mid-way.
    proxy.set_mode(Mode::ResetMidResponse);
    support::poll_until(
        "a batch reply reset mid-response",
        Duration::from_secs(45),
        Duration::from_millis(20),
        || {
            (proxy.count_events(|o| matches!(o, Outcome::Reset { status: 200, .. })) >= 1)
                .then_some(())
        },
    );
    assert_eq!(
        platform.last_applied_seq("K01"),
        BURST as u64,
        "the platform applied the batch before replying"
    );
    assert_eq!(platform.tickets("K01").len(), BURST);
    assert_eq!(
        kiosk.pending_events(),
        BURST as u64,
        "the kiosk never saw the reply: all still pending"
    );
    step("the platform applied the batch; its reply was lost");

    // 4. The network heals: the kiosk re-sends the same batch; the platform skips it and acknowledges.
    proxy.set_mode(Mode::Pass);
    let healed = Instant::now();
    support::poll_until(
        "the backlog to drain after the network heals",
        Duration::from_secs(45),
        Duration::from_millis(50),
        || (kiosk.pending_events() == 0).then_some(()),
    );
    step(&format!(
        "drained {:.1} s after the network healed",
        healed.elapsed().as_secs_f64()
    ));

    let replays = proxy.count_events(|o| *o == Outcome::Forwarded { status: 200 });
    assert!(
        replays >= 1,
        "the lost batch was sent again through the healed network"
    );
    let report = support::check_outbox_invariant(&kiosk, &platform, &jobs);
    assert_eq!(
        (
            report.printed,
            report.on_platform,
            report.committed_not_printed
        ),
        (BURST, BURST, 0)
    );

    let records = proxy.records();
    let count = |f: &dyn Fn(&Outcome) -> bool| {
        records
            .iter()
            .filter(|r| r.is_events() && f(&r.outcome))
            .count()
    };
    println!(
        "events requests: {} answered 500, {} hung ({} abandoned by the kiosk), {} reset mid-response, {} forwarded; \
         {} requests in all; platform holds {} tickets, each once",
        count(&|o| *o == Outcome::Answered500),
        count(&|o| matches!(o, Outcome::Hung { .. })),
        count(&|o| *o == Outcome::Hung { client_gave_up: true }),
        count(&|o| matches!(o, Outcome::Reset { .. })),
        count(&|o| matches!(o, Outcome::Forwarded { .. })),
        records.len(),
        report.on_platform
    );
}
