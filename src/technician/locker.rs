//! The locker board, as data: each door's sensor, and how an opening went. `sanban-kiosk device locker` prints
//! them; the maintenance locker page shows them.

use sanban_hardware::locker::{DoorState, LockerSim, OpenOutcome};
use sanban_hardware::transport::SerialTransport;
use serde::Serialize;

use super::Port;
use crate::config::Config;

/// One door's sensor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DoorReport {
    pub door: u16,
    pub open: bool,
}

/// An opening: "opened" (the sensor proved it), "jammed" (fired, never read open), "sensor_stuck_open" (read open
/// before and after: not proven).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct OpeningReport {
    pub door: u16,
    pub outcome: &'static str,
}

impl OpeningReport {
    pub fn of(door: u16, outcome: OpenOutcome) -> OpeningReport {
        OpeningReport {
            door,
            outcome: match outcome {
                OpenOutcome::Opened => "opened",
                OpenOutcome::Jammed => "jammed",
                OpenOutcome::SensorStuckOpen => "sensor_stuck_open",
            },
        }
    }

    /// From the kiosk's locker worker, which answers with the door's state after the opening.
    pub fn from_state(state: DoorState) -> OpeningReport {
        OpeningReport {
            door: state.door,
            outcome: if state.is_open { "opened" } else { "jammed" },
        }
    }
}

/// Every door, door 1 first.
pub fn doors(states: &[DoorState]) -> Vec<DoorReport> {
    states
        .iter()
        .map(|s| DoorReport {
            door: s.door,
            open: s.is_open,
        })
        .collect()
}

/// What `device locker` did and read.
#[derive(Debug, Clone, Serialize)]
pub struct LockerReport {
    pub opened: Option<OpeningReport>,
    pub doors: Vec<DoorReport>,
}

/// `device locker --port P status | open N`: straight to the board on `port` (the kiosk must not be running).
pub fn over_port(config: &Config, port: &str, open: Option<u16>) -> anyhow::Result<LockerReport> {
    let boards = config.devices.locker_boards();
    let port = if port == "sim" {
        Port::LockerSim(LockerSim::spawn_bus(&boards)?)
    } else {
        Port::Path(port.into())
    };
    let setup = crate::devices::locker_setup(&config.devices, port.path());
    let t = SerialTransport::open(&setup.path, setup.baud)
        .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", setup.path))?;
    let mut board =
        setup
            .family
            .connect(t, &setup.boards, setup.polarity, setup.options.clone())?;
    let opened = match open {
        Some(door) => Some(OpeningReport::of(door, board.open(door)?.outcome)),
        None => None,
    };
    Ok(LockerReport {
        opened,
        doors: doors(&board.query()?),
    })
}
