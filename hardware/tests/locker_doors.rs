//! Door sensor truth, simulated on a real pseudo-terminal: a relay's answer is not proof that a door opened.

mod locker_common;

use std::time::{Duration, Instant};

use locker_common::{connect, events, open_doors, options};
use sanban_hardware::locker::{
    Citizen, CloseOutcome, DoorChange, DoorHappening, DoorPolarity, LockerSim, OpenOutcome,
};

/// When the simulated door last did `what`.
fn sim_time(sim: &LockerSim, door: u16, what: DoorHappening) -> Instant {
    sim.door_log()
        .iter()
        .rev()
        .find(|e| e.door == door && e.what == what)
        .unwrap_or_else(|| panic!("door {door} never {what:?}"))
        .at
}

#[test]
fn a_jammed_door_is_reported_jammed_once_the_confirm_timeout_passed() {
    let sim = LockerSim::spawn(1, 8).unwrap();
    sim.set_jammed(2, true);
    let opts = options();
    let mut bus = connect(&sim, &[(1, 8)], DoorPolarity::default(), opts.clone());
    let report = bus.open(2).unwrap();
    let returned = Instant::now();
    assert_eq!(report.outcome, OpenOutcome::Jammed);
    assert_eq!(report.was_open, Some(false));
    assert_eq!(report.confirmed_at, None);
    assert!(
        returned >= report.pulse_sent_at + opts.confirm_timeout,
        "it watched the sensor for the whole confirm timeout"
    );
    assert_eq!(sim.opened_log(), [2], "the lock was fired once");
    assert!(open_doors(&sim.door_states()).is_empty());
    assert!(open_doors(&bus.query().unwrap()).is_empty());
    assert_eq!(events(bus.as_mut(), Duration::from_millis(50)), []);
}

#[test]
fn a_broken_sensor_still_gets_the_lock_fired_and_is_reported_as_such() {
    let sim = LockerSim::spawn(1, 8).unwrap();
    let mut bus = connect(&sim, &[(1, 8)], DoorPolarity::default(), options());
    bus.query().unwrap();
    sim.set_sensor_broken(5, true);
    // the wire breaking reads as an opening nobody commanded: the technician sees it
    assert_eq!(
        events(bus.as_mut(), Duration::from_millis(300)),
        [(5, 1, DoorChange::OpenedUnexpectedly)]
    );
    let report = bus.open(5).unwrap();
    assert_eq!(report.outcome, OpenOutcome::SensorStuckOpen);
    assert_eq!(report.was_open, Some(true));
    assert_eq!(sim.opened_log(), [5], "fired although the sensor read open");
    assert_eq!(open_doors(&sim.door_states()), [5], "and the door did open");
}

#[test]
fn a_citizen_who_opens_late_is_confirmed_within_a_second_of_the_opening() {
    let sim = LockerSim::spawn(1, 8).unwrap();
    let opens_after = Duration::from_millis(400);
    let shuts_after = Duration::from_millis(300);
    sim.set_citizen(
        4,
        Citizen {
            opens_after,
            shuts_after: Some(shuts_after),
        },
    );
    let mut bus = connect(&sim, &[(1, 8)], DoorPolarity::default(), options());
    let report = bus.open(4).unwrap();
    assert_eq!(report.outcome, OpenOutcome::Opened);
    let confirmed = report.confirmed_at.unwrap();
    let opened = sim_time(&sim, 4, DoorHappening::Opened);
    // the answer to the fire command read shut: the confirmation is the sensor, after the door moved
    assert!(report.answered_at < opened);
    assert!(confirmed >= opened, "confirmed before the door opened");
    assert!(report.confirm_latency().unwrap() >= opens_after);
    assert!(
        confirmed - opened < Duration::from_secs(1),
        "confirmed {:?} after the door opened",
        confirmed - opened
    );

    match bus.wait_closed(4, Duration::from_secs(2)).unwrap() {
        CloseOutcome::Closed { at } => assert!(at >= sim_time(&sim, 4, DoorHappening::Shut)),
        CloseOutcome::StillOpen => panic!("the citizen shut door 4"),
    }
    assert_eq!(
        events(bus.as_mut(), Duration::from_millis(50)),
        [(4, 1, DoorChange::Opened), (4, 1, DoorChange::Closed)]
    );
}

#[test]
fn a_lost_push_is_made_up_by_reading_the_board() {
    let sim = LockerSim::spawn(1, 8).unwrap();
    sim.set_pushes(false);
    sim.set_citizen(
        7,
        Citizen {
            opens_after: Duration::from_millis(250),
            shuts_after: None,
        },
    );
    let opts = options();
    let mut bus = connect(&sim, &[(1, 8)], DoorPolarity::default(), opts.clone());
    let report = bus.open(7).unwrap();
    assert_eq!(report.outcome, OpenOutcome::Opened);
    let late = report.confirmed_at.unwrap() - sim_time(&sim, 7, DoorHappening::Opened);
    assert!(
        late < Duration::from_secs(1),
        "a read every {:?} found it {late:?} late",
        opts.sensor_poll
    );
}

#[test]
fn a_door_left_open_is_still_open_after_the_wait() {
    let sim = LockerSim::spawn(1, 8).unwrap();
    let mut bus = connect(&sim, &[(1, 8)], DoorPolarity::default(), options());
    assert_eq!(bus.open(3).unwrap().outcome, OpenOutcome::Opened);
    let wait = Duration::from_millis(500);
    let start = Instant::now();
    assert_eq!(bus.wait_closed(3, wait).unwrap(), CloseOutcome::StillOpen);
    assert!(start.elapsed() >= wait);
    assert_eq!(open_doors(&sim.door_states()), [3]);

    sim.close_door(3);
    assert!(matches!(
        bus.wait_closed(3, Duration::from_secs(1)).unwrap(),
        CloseOutcome::Closed { .. }
    ));
    // a door that is already shut returns at once
    let start = Instant::now();
    assert!(matches!(
        bus.wait_closed(3, Duration::from_secs(5)).unwrap(),
        CloseOutcome::Closed { .. }
    ));
    assert!(start.elapsed() < Duration::from_secs(5));
}

#[test]
fn a_door_opened_with_no_command_is_an_unexpected_opening() {
    let sim = LockerSim::spawn(2, 8).unwrap();
    let mut bus = connect(&sim, &[(2, 8)], DoorPolarity::default(), options());
    bus.query().unwrap();
    assert_eq!(bus.open(1).unwrap().outcome, OpenOutcome::Opened);
    sim.force_open(6);
    assert_eq!(
        events(bus.as_mut(), Duration::from_millis(300)),
        [
            (1, 2, DoorChange::Opened),
            (6, 2, DoorChange::OpenedUnexpectedly)
        ]
    );
    assert!(
        sim.opened_log().iter().all(|&d| d != 6),
        "nobody fired door 6"
    );
}
