//! The 8A locker bus against the locker simulator over a real pseudo-terminal: the basics.

mod locker_common;

use std::time::Duration;

use locker_common::{connect, events, open_doors, options};
use sanban_hardware::locker::{
    DoorChange, DoorPolarity, LockerError, LockerFamily, LockerSim, OpenOutcome,
};
use sanban_hardware::transport::SerialTransport;

#[test]
fn open_query_close_round_trip() {
    let sim = LockerSim::spawn(3, 16).unwrap();
    let mut bus = connect(&sim, &[(3, 16)], DoorPolarity::LockedMeansShut, options());
    assert_eq!(bus.doors(), 16);
    assert!(
        open_doors(&bus.query().unwrap()).is_empty(),
        "all doors start shut"
    );

    assert_eq!(bus.open(5).unwrap().outcome, OpenOutcome::Opened);
    assert_eq!(bus.open(16).unwrap().outcome, OpenOutcome::Opened);
    assert_eq!(open_doors(&bus.query().unwrap()), [5, 16]);
    assert_eq!(open_doors(&sim.door_states()), [5, 16]);
    assert_eq!(sim.opened_log(), [5, 16]);
    assert_eq!(
        events(bus.as_mut(), Duration::from_millis(50)),
        [(5, 3, DoorChange::Opened), (16, 3, DoorChange::Opened)]
    );

    sim.close_door(5);
    assert_eq!(
        events(bus.as_mut(), Duration::from_millis(300)),
        [(5, 3, DoorChange::Closed)]
    );
    assert_eq!(open_doors(&bus.query().unwrap()), [16]);

    assert!(matches!(
        bus.open(17),
        Err(LockerError::NoSuchDoor {
            door: 17,
            doors: 16
        })
    ));
}

#[test]
fn inverted_wiring_reads_the_other_way() {
    let sim = LockerSim::spawn(1, 4).unwrap();
    let mut bus = connect(&sim, &[(1, 4)], DoorPolarity::OpenMeansShut, options());
    // every lock is latched (11): with this wiring that reads as open
    assert_eq!(open_doors(&bus.query().unwrap()), [1, 2, 3, 4]);
    // door 2 "reads open" before the pulse and its answer (00) reads shut: never proven open
    let report = bus.open(2).unwrap();
    assert_eq!(report.was_open, Some(true));
    assert_eq!(report.outcome, OpenOutcome::Jammed);
    sim.close_door(2);
    assert_eq!(
        events(bus.as_mut(), Duration::from_millis(300)),
        [
            (2, 1, DoorChange::Closed),
            (2, 1, DoorChange::OpenedUnexpectedly)
        ],
        "the answer read shut; the latch reads open, long after the pulse"
    );
}

#[test]
fn wrong_address_or_silent_board_is_no_answer() {
    let sim = LockerSim::spawn(1, 8).unwrap();
    let port = SerialTransport::open(sim.path().to_str().unwrap(), 9600).unwrap();
    let mut other = LockerFamily::Family8A
        .connect(port, &[(2, 8)], DoorPolarity::default(), options())
        .unwrap();
    assert!(matches!(
        other.query(),
        Err(LockerError::NoAnswer { board: 2 })
    ));
    drop(other);

    let mut bus = connect(&sim, &[(1, 8)], DoorPolarity::default(), options());
    sim.set_silent(true);
    let e = bus.open(1).unwrap_err();
    assert!(matches!(e, LockerError::NoAnswer { board: 1 }), "{e}");
    assert!(
        open_doors(&sim.door_states()).is_empty(),
        "a silent board opened nothing"
    );
    sim.set_silent(false);
    assert_eq!(bus.open(1).unwrap().outcome, OpenOutcome::Opened);
}

#[test]
fn noise_on_the_line_is_skipped() {
    let sim = LockerSim::spawn(1, 8).unwrap();
    let mut bus = connect(&sim, &[(1, 8)], DoorPolarity::default(), options());
    bus.open(4).unwrap();
    assert_eq!(
        events(bus.as_mut(), Duration::from_millis(50)),
        [(4, 1, DoorChange::Opened)]
    );
    // garbage, a push with a broken BCC, then the real push
    sim.inject(&[0x00, 0x55, 0x82, 0x01, 0x04, 0x11, 0x00, 0xFF]);
    sim.close_door(4);
    assert_eq!(
        events(bus.as_mut(), Duration::from_millis(300)),
        [(4, 1, DoorChange::Closed)]
    );
    assert!(bus.line_status().noise_bytes >= 8);
}

#[test]
fn the_technician_console_drives_the_simulator() {
    let sim = LockerSim::spawn_bus(&[(1, 4), (2, 4)]).unwrap();
    assert!(LockerSim::help().contains("citizen <door> <open-ms>"));
    assert_eq!(sim.run("jam 2 on").unwrap(), "ok");
    sim.run("force 6").unwrap();
    sim.run("echo on").unwrap();
    let state = sim.run("state").unwrap();
    assert!(state.starts_with("echo on, push on"), "{state}");
    assert!(
        state.contains("door   2 (board 1 lock  2): shut, locked, jammed"),
        "{state}"
    );
    assert!(
        state.contains("door   6 (board 2 lock  2): open, locked"),
        "{state}"
    );
    let e = sim.run("close 9").unwrap_err().to_string();
    assert!(e.contains("door 9 does not exist"), "{e}");
    assert!(sim.run("silent on 3").is_err());
    assert!(sim
        .run("open 1")
        .unwrap_err()
        .to_string()
        .contains("unknown command"));
    assert!(sim.run("log").unwrap().contains("door   6  ForcedOpen"));
    assert_eq!(open_doors(&sim.door_states()), [6]);
}
