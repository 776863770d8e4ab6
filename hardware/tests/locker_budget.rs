//! Measurement, not a pass/fail test of speed: how long `open()` takes to put the fire command on the wire
//! (budget context: pickup code accepted → open command on the wire < 50 ms, app included).
//!
//! Run: `cargo test -p sanban-hardware --release --test locker_budget -- --ignored --nocapture`

mod locker_common;

use std::time::Duration;

use locker_common::{connect, options};
use sanban_hardware::locker::{BusOptions, DoorPolarity, LockerSim, OpenOutcome, WireDir};
use sanban_hardware::transport::wire_time;

const BUDGET: Duration = Duration::from_millis(50);

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    samples[((samples.len() - 1) as f64 * p).round() as usize]
}

fn print(name: &str, samples: &mut [Duration]) {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let p50 = percentile(samples, 0.5);
    let p95 = percentile(samples, 0.95);
    let max = *samples.iter().max().unwrap();
    println!(
        "{name:<58} n={:<4} p50 {:>7.2} ms  p95 {:>7.2} ms  max {:>7.2} ms  (budget {:.0} ms: {})",
        samples.len(),
        ms(p50),
        ms(p95),
        ms(max),
        ms(BUDGET),
        if p95 <= BUDGET { "OK" } else { "OVER" }
    );
}

/// `rounds` openings; before each, `before` runs on the bus. Returns (driver's view, simulator's view): from
/// the call to the fire command handed to the port, and to its first byte arriving at the simulated boards.
fn measure(
    options: BusOptions,
    rounds: usize,
    mut before: impl FnMut(&mut dyn sanban_hardware::locker::LockerBus),
) -> (Vec<Duration>, Vec<Duration>) {
    let sim = LockerSim::spawn(1, 16).unwrap();
    let mut bus = connect(&sim, &[(1, 16)], DoorPolarity::default(), options);
    bus.query().unwrap();
    let (mut driver, mut wire) = (Vec::new(), Vec::new());
    for i in 0..rounds {
        let door = (i % 16) as u16 + 1;
        before(bus.as_mut());
        let report = bus.open(door).unwrap();
        assert_eq!(report.outcome, OpenOutcome::Opened);
        let fire = sim
            .wire_log()
            .into_iter()
            .rev()
            .find(|r| r.dir == WireDir::FromHost && r.bytes[0] == 0x8A)
            .expect("the fire command reached the boards");
        assert!(report.requested_at <= report.pulse_sent_at && report.pulse_sent_at <= fire.at);
        driver.push(report.pulse_latency());
        wire.push(fire.at - report.requested_at);
        sim.close_door(door);
        assert!(matches!(
            bus.wait_closed(door, Duration::from_secs(1)).unwrap(),
            sanban_hardware::locker::CloseOutcome::Closed { .. }
        ));
    }
    (driver, wire)
}

#[test]
#[ignore = "measurement: run with --ignored --nocapture"]
fn measure_open_to_fire_command_on_the_wire() {
    let rounds = 200;
    let idle = |_: &mut dyn sanban_hardware::locker::LockerBus| {
        std::thread::sleep(Duration::from_millis(30))
    };
    let (mut d, mut w) = measure(options(), rounds, idle);
    print("idle line, fresh reading: open() → command written", &mut d);
    print(
        "idle line, fresh reading: open() → first byte at boards",
        &mut w,
    );

    let (mut d, mut w) = measure(options(), rounds, |bus| {
        bus.query().unwrap();
    });
    print(
        "right after a board read (gap kept): → command written",
        &mut d,
    );
    print(
        "right after a board read (gap kept): → first byte at boards",
        &mut w,
    );

    let stale = BusOptions {
        fresh_reading: Duration::ZERO,
        ..options()
    };
    let (mut d, mut w) = measure(stale, rounds, idle);
    print(
        "stale reading (board read first): → command written",
        &mut d,
    );
    print(
        "stale reading (board read first): → first byte at boards",
        &mut w,
    );

    // A pseudo-terminal does not pace bytes; a real 9600-baud line adds their time on the wire.
    println!(
        "on a 9600-baud line add: fire command {:.1} ms; a read first adds {:.1} ms of bytes + the board's \
         turnaround + the {} ms gap",
        wire_time(5, 9600).as_secs_f64() * 1000.0,
        wire_time(12, 9600).as_secs_f64() * 1000.0,
        BusOptions::default().frame_gap.as_millis(),
    );
}
