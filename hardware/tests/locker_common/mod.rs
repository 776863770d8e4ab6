//! Helpers shared by the locker tests: a bus on a simulator's pseudo-terminal, and readable views of results.
#![allow(dead_code)]

use std::time::Duration;

use sanban_hardware::locker::{
    BusEvent, BusOptions, DoorChange, DoorPolarity, DoorState, LockerBus, LockerFamily, LockerSim,
};
use sanban_hardware::transport::SerialTransport;

/// The default timings, with a shorter confirm timeout so a jammed door does not slow the suite down.
pub fn options() -> BusOptions {
    BusOptions {
        confirm_timeout: Duration::from_millis(800),
        sensor_poll: Duration::from_millis(100),
        ..BusOptions::default()
    }
}

/// A bus over the simulator's port, as the kiosk builds it.
pub fn connect(
    sim: &LockerSim,
    boards: &[(u8, u16)],
    polarity: DoorPolarity,
    options: BusOptions,
) -> Box<dyn LockerBus> {
    let family: LockerFamily = "8a".parse().unwrap();
    let port = SerialTransport::open(sim.path().to_str().unwrap(), family.baud()).unwrap();
    family.connect(port, boards, polarity, options).unwrap()
}

/// The open doors' numbers.
pub fn open_doors(states: &[DoorState]) -> Vec<u16> {
    states
        .iter()
        .filter(|d| d.is_open)
        .map(|d| d.door)
        .collect()
}

/// Every event that arrives within `quiet` of the previous one: `(door, board, change)`.
pub fn events(bus: &mut dyn LockerBus, quiet: Duration) -> Vec<(u16, u8, DoorChange)> {
    std::iter::from_fn(|| bus.poll_event(quiet).unwrap())
        .map(|e: BusEvent| (e.door, e.addr.board, e.change))
        .collect()
}
