//! Half-duplex RS-485 adapters that echo what the host sends, simulated on a real pseudo-terminal.
//!
//! The hard case: the 8A answer to `8A bb ll 11` is byte-identical to the command when the lock still reads
//! locked (a jammed door). The echo must go and that answer must stay.

mod locker_common;

use locker_common::{connect, open_doors, options};
use sanban_hardware::locker::{
    BusOptions, DoorPolarity, EchoMode, EchoState, Frame8A, LockerError, LockerSim, OpenOutcome,
    WireDir,
};

fn with_echo(mode: EchoMode) -> BusOptions {
    BusOptions {
        echo: mode,
        ..options()
    }
}

/// What the simulator wrote to the host after `command`, up to the next host frame: echo and answers.
fn written_after(sim: &LockerSim, command: &[u8]) -> Vec<(WireDir, Vec<u8>)> {
    let log = sim.wire_log();
    let start = log
        .iter()
        .position(|r| r.dir == WireDir::FromHost && r.bytes == command)
        .expect("the command reached the simulator");
    log[start + 1..]
        .iter()
        .take_while(|r| r.dir != WireDir::FromHost)
        .map(|r| (r.dir, r.bytes.clone()))
        .collect()
}

#[test]
fn an_echoing_adapter_is_detected_and_its_echo_dropped() {
    let sim = LockerSim::spawn(1, 8).unwrap();
    sim.set_echo(true);
    let mut bus = connect(
        &sim,
        &[(1, 8)],
        DoorPolarity::default(),
        with_echo(EchoMode::Auto),
    );
    assert_eq!(bus.line_status().echo, EchoState::Unknown);
    let report = bus.open(3).unwrap();
    assert_eq!(report.outcome, OpenOutcome::Opened);
    assert_eq!(report.was_open, Some(false));
    assert_eq!(bus.line_status().echo, EchoState::Echoing);
    assert_eq!(open_doors(&bus.query().unwrap()), [3]);
    assert_eq!(sim.opened_log(), [3], "fired once: its answer was not lost");
    // the first read taught the echo: its copy went to the decoder, which skipped it as noise; the echoes of
    // the fire command and of the last read were dropped before decoding
    assert_eq!(bus.line_status().noise_bytes, 5);
    assert_eq!(bus.line_status().echo_bytes, 10);
}

#[test]
fn a_jammed_locks_answer_identical_to_the_command_is_kept_behind_the_echo() {
    for mode in [EchoMode::Auto, EchoMode::On] {
        let sim = LockerSim::spawn(1, 8).unwrap();
        sim.set_echo(true);
        sim.set_jammed(2, true);
        let mut bus = connect(&sim, &[(1, 8)], DoorPolarity::default(), with_echo(mode));
        let report = bus.open(2).unwrap();
        assert_eq!(report.outcome, OpenOutcome::Jammed, "{mode:?}");
        assert_eq!(report.confirmed_at, None);
        // the wire carried the command's bytes three times: ours, the echo, and the board's answer
        let fire = Frame8A::Open { board: 1, lock: 2 }.encode();
        assert_eq!(
            written_after(&sim, &fire),
            [
                (WireDir::Echo, fire.clone()),
                (WireDir::ToHost, fire.clone())
            ]
        );
        // had the answer been eaten as a second echo, the bus would have fired again and said NoAnswer
        assert_eq!(sim.opened_log(), [2], "{mode:?}");
        assert!(open_doors(&sim.door_states()).is_empty());
    }
}

#[test]
fn without_an_echo_the_identical_answer_is_the_answer() {
    for mode in [EchoMode::Auto, EchoMode::Off] {
        let sim = LockerSim::spawn(1, 8).unwrap();
        sim.set_jammed(6, true);
        let mut bus = connect(&sim, &[(1, 8)], DoorPolarity::default(), with_echo(mode));
        assert_eq!(
            bus.open(6).unwrap().outcome,
            OpenOutcome::Jammed,
            "{mode:?}"
        );
        assert_eq!(bus.line_status().echo, EchoState::NotEchoing);
        assert_eq!(bus.line_status().echo_bytes, 0);
        assert_eq!(sim.opened_log(), [6]);
    }
}

#[test]
fn an_echo_is_never_taken_for_a_silent_boards_answer() {
    let sim = LockerSim::spawn(1, 8).unwrap();
    sim.set_echo(true);
    sim.set_silent(true);
    let mut bus = connect(
        &sim,
        &[(1, 8)],
        DoorPolarity::default(),
        with_echo(EchoMode::Auto),
    );
    assert!(matches!(
        bus.query(),
        Err(LockerError::NoAnswer { board: 1 })
    ));
    assert_eq!(
        bus.line_status().echo,
        EchoState::Echoing,
        "the adapter echoes whether or not a board answers"
    );
    // the fire command's echo is the command's own bytes: still no answer
    assert!(matches!(
        bus.open(1),
        Err(LockerError::NoAnswer { board: 1 })
    ));
    assert!(sim.opened_log().is_empty());
}

#[test]
fn a_read_answer_that_begins_with_the_query_bytes_is_still_read() {
    // Board 1 with 24 doors whose bitmap is 00 33 B2: the answer starts `80 01 00 33 B2`, the query's own bytes.
    let open: Vec<u16> = (1..=24)
        .filter(|&d| {
            let bitmap: u32 = 0xB2_33_00;
            bitmap & (1 << (d - 1)) == 0
        })
        .collect();
    for echo in [false, true] {
        let sim = LockerSim::spawn(1, 24).unwrap();
        sim.set_echo(echo);
        for &d in &open {
            sim.force_open(d);
        }
        let mut bus = connect(
            &sim,
            &[(1, 24)],
            DoorPolarity::default(),
            with_echo(EchoMode::Auto),
        );
        assert_eq!(open_doors(&bus.query().unwrap()), open, "echo {echo}");
        let answer = Frame8A::QueryReply {
            board: 1,
            locked: 0xB2_33_00,
        }
        .encode();
        assert!(answer.starts_with(&Frame8A::Query { board: 1 }.encode()));
        let learned = if echo {
            EchoState::Echoing
        } else {
            EchoState::NotEchoing
        };
        assert_eq!(bus.line_status().echo, learned);
    }
}
