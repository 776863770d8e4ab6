//! Several boards on one RS-485 line, simulated on one pseudo-terminal: routing by address, door numbering
//! across boards, and the quiet time the host keeps between frames.

mod locker_common;

use std::time::Duration;

use locker_common::{connect, events, open_doors, options};
use sanban_hardware::locker::{
    BusOptions, DoorAddr, DoorChange, DoorPolarity, Frame8A, LockerSim, OpenOutcome, WireDir,
};

const BOARDS: [(u8, u16); 2] = [(1, 16), (2, 8)];

#[test]
fn two_boards_on_one_line_each_open_their_own_doors_and_report_with_their_address() {
    let sim = LockerSim::spawn_bus(&BOARDS).unwrap();
    let mut bus = connect(&sim, &BOARDS, DoorPolarity::default(), options());
    assert_eq!(bus.doors(), 24);
    assert!(open_doors(&bus.query().unwrap()).is_empty());

    let first = bus.open(3).unwrap();
    assert_eq!(first.addr, DoorAddr { board: 1, lock: 3 });
    assert_eq!(first.outcome, OpenOutcome::Opened);
    let second = bus.open(20).unwrap();
    assert_eq!(second.addr, DoorAddr { board: 2, lock: 4 });
    assert_eq!(second.outcome, OpenOutcome::Opened);
    assert_eq!(sim.opened_log(), [3, 20]);

    // the fire commands went to the right address
    let fired: Vec<Vec<u8>> = sim
        .wire_log()
        .into_iter()
        .filter(|r| r.dir == WireDir::FromHost && r.bytes[0] == 0x8A)
        .map(|r| r.bytes)
        .collect();
    assert_eq!(
        fired,
        [
            Frame8A::Open { board: 1, lock: 3 }.encode(),
            Frame8A::Open { board: 2, lock: 4 }.encode()
        ]
    );

    // changes pushed by either board come out with their board and the bus's door number
    sim.force_open(18);
    sim.close_door(3);
    sim.close_door(20);
    assert_eq!(
        events(bus.as_mut(), Duration::from_millis(300)),
        [
            (3, 1, DoorChange::Opened),
            (20, 2, DoorChange::Opened),
            (18, 2, DoorChange::OpenedUnexpectedly),
            (3, 1, DoorChange::Closed),
            (20, 2, DoorChange::Closed),
        ]
    );
    assert_eq!(open_doors(&bus.query().unwrap()), [18]);
    assert_eq!(bus.line_status().stray_frames, 0);
}

#[test]
fn one_silent_board_does_not_hide_the_others_changes() {
    let sim = LockerSim::spawn_bus(&BOARDS).unwrap();
    let mut bus = connect(&sim, &BOARDS, DoorPolarity::default(), options());
    bus.query().unwrap();
    sim.set_board_silent(1, true);
    sim.set_pushes(false);
    sim.force_open(21); // board 2 lock 5: no push, found by the next read
    let e = bus.query().unwrap_err();
    assert!(e.to_string().contains("board 1"), "{e}");
    assert_eq!(
        events(bus.as_mut(), Duration::from_millis(50)),
        [(21, 2, DoorChange::OpenedUnexpectedly)]
    );
    sim.set_board_silent(1, false);
    assert_eq!(open_doors(&bus.query().unwrap()), [21]);
}

/// Runs a mix of reads and openings on both boards and checks every host frame waited at least `gap` after
/// the last frame the simulator wrote (answer or echo). Returns how many host frames were checked.
fn gaps_kept(echo: bool, gap: Duration) -> usize {
    let sim = LockerSim::spawn_bus(&BOARDS).unwrap();
    sim.set_echo(echo);
    let mut bus = connect(
        &sim,
        &BOARDS,
        DoorPolarity::default(),
        BusOptions {
            frame_gap: gap,
            ..options()
        },
    );
    for door in [1, 17, 2, 24, 9] {
        bus.query().unwrap();
        assert_eq!(bus.open(door).unwrap().outcome, OpenOutcome::Opened);
    }
    let log = sim.wire_log();
    let mut checked = 0;
    for pair in log.windows(2) {
        let (before, host) = (&pair[0], &pair[1]);
        if host.dir != WireDir::FromHost {
            continue;
        }
        assert_ne!(
            before.dir,
            WireDir::FromHost,
            "every frame here is answered before the next is sent"
        );
        let quiet = host.at.saturating_duration_since(before.at);
        assert!(
            quiet >= gap,
            "only {quiet:?} of quiet before {:02X?} (echo {echo})",
            host.bytes
        );
        checked += 1;
    }
    checked
}

#[test]
fn the_host_keeps_the_inter_frame_gap_on_the_wire() {
    // 5 × (2 reads + 1 fire), the first frame has nothing before it
    assert_eq!(gaps_kept(false, BusOptions::default().frame_gap), 14);
    assert_eq!(gaps_kept(true, Duration::from_millis(45)), 14);
}
