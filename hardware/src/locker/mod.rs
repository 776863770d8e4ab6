//! Pickup locker lock-control boards (锁控板), see `hardware-protocols.md` section 3.
//!
//! The app talks to one [`LockerBus`] per RS-485 line, made by [`LockerFamily::connect`]: every board on that
//! line (up to 32, addressed by DIP switch) behind a single owner of the port. Doors are numbered across the
//! boards in the order they are configured ([`doors`]). Opening a door fires its lock and then proves the door
//! opened by its sensor ([`OpenOutcome`]); door changes from every board arrive as [`BusEvent`]s.
//!
//! Layers, one module each, dependencies pointing down:
//! - `bus`: exchanges with retries, opening with proof, waiting for a door to shut — the same for every family.
//! - `table`: each door's newest reading, and the events its changes make.
//! - `line`: the port itself, keeping the inter-frame gap and removing an echoing adapter's echo ([`echo`]).
//! - [`codec`] and `family_8a`: the wire format; a second family (Kerong KR-CU16, WKLY) is one more codec
//!   module and one more [`LockerFamily`] variant, with no change in the app.
//! - `sim`: the simulator ([`LockerSim`]), several boards on one pseudo-terminal.

mod bus;
pub mod codec;
pub mod doors;
pub mod echo;
mod family_8a;
mod line;
mod options;
mod report;
mod sim;
mod table;

use std::time::Duration;

pub use bus::Bus;
pub use codec::{Codec, Decoded, Incoming};
pub use doors::{DoorAddr, DoorMap, DoorState, MAX_BOARDS};
pub use echo::{EchoCanceller, EchoState};
pub use family_8a::{bcc, Codec8A, Decoder8A, Direction, Frame8A, MAX_DOORS_8A};
pub use options::{BusOptions, EchoMode};
pub use report::{BusEvent, CloseOutcome, DoorChange, LineStatus, OpenOutcome, OpenReport};
pub use sim::{Citizen, DoorHappening, DoorLogEntry, LockerSim, SimCommand, WireDir, WireRecord};
pub use table::{DoorTable, Reading};

use crate::transport::Transport;

/// How the lock's feedback maps to the door: the board reports the *lock* (11 locked, 00 open); whether a
/// locked lock means the door is shut depends on how the sensor is wired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DoorPolarity {
    /// Status 11 (locked) = door shut; 00 = door open. The usual wiring.
    #[default]
    LockedMeansShut,
    /// Status 00 = door shut; 11 = door open (inverted sensor).
    OpenMeansShut,
}

impl DoorPolarity {
    /// Whether the door is open, given the lock's reported state.
    pub fn door_open(self, locked: bool) -> bool {
        match self {
            DoorPolarity::LockedMeansShut => !locked,
            DoorPolarity::OpenMeansShut => locked,
        }
    }
}

/// Why a locker command failed.
#[derive(Debug, thiserror::Error)]
pub enum LockerError {
    /// The board did not answer in time: unpowered, wrong address, wrong port or a broken RS-485 line.
    #[error(
        "locker board {board} did not answer (unpowered, wrong address/port, or RS-485 line fault)"
    )]
    NoAnswer {
        /// The board address asked.
        board: u8,
    },
    /// The door number is not on this bus.
    #[error("door {door} does not exist (this locker has doors 1..={doors})")]
    NoSuchDoor {
        /// The door asked for.
        door: u16,
        /// Doors on the bus.
        doors: u16,
    },
    /// The configuration asks for something this family or bus cannot do.
    #[error("locker configuration: {0}")]
    Config(String),
    /// The port itself failed.
    #[error("locker port error: {0}")]
    Io(#[from] std::io::Error),
}

/// The boards on one RS-485 line: what the app needs, whatever the wire protocol.
///
/// Door numbers are the bus's (see [`doors`]). Every call reads the line as long as it needs; changes heard on
/// the way are kept for [`poll_event`](LockerBus::poll_event).
pub trait LockerBus: Send {
    /// The boards and how doors are numbered on them.
    fn map(&self) -> &DoorMap;

    /// Doors on the bus, numbered `1..=doors()`.
    fn doors(&self) -> u16 {
        self.map().doors()
    }

    /// Fire door `door`'s lock — even if its sensor already reads open — then watch the sensor until the door
    /// reads open or the confirm timeout passes. An error means the board never answered the fire command
    /// (the lock may or may not have clicked).
    fn open(&mut self, door: u16) -> Result<OpenReport, LockerError>;

    /// Wait up to `timeout` for door `door` to read shut (a fresh reading counts, so a door already shut
    /// returns at once). Call it in slices if the worker has other work; `StillOpen` after the app's limit is a
    /// door left open.
    fn wait_closed(&mut self, door: u16, timeout: Duration) -> Result<CloseOutcome, LockerError>;

    /// Read every board; every door's state, door 1 first. A board that does not answer is an error after the
    /// others were read (their changes still become events).
    fn query(&mut self) -> Result<Vec<DoorState>, LockerError>;

    /// The next door change (from any board), waiting at most `timeout`; `Ok(None)` if none came.
    fn poll_event(&mut self, timeout: Duration) -> Result<Option<BusEvent>, LockerError>;

    /// Echo, noise and stray-frame counts, for the technician.
    fn line_status(&self) -> LineStatus;
}

/// The board families the kiosk knows, selectable from configuration (`"8a"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockerFamily {
    /// The common "8A" family: RS-485, 9600 8N1, BCC = XOR.
    Family8A,
}

impl LockerFamily {
    /// The family's line speed.
    pub fn baud(self) -> u32 {
        match self {
            LockerFamily::Family8A => 9600,
        }
    }

    /// Locks one board of this family can have.
    pub fn max_doors_per_board(self) -> u16 {
        match self {
            LockerFamily::Family8A => MAX_DOORS_8A,
        }
    }

    /// A bus on transport `t` with `boards` (`(address, doors)` each, in door-numbering order). Nothing is sent
    /// until the first call, so a board that is off at start-up does not stop the kiosk.
    pub fn connect<T: Transport + 'static>(
        self,
        t: T,
        boards: &[(u8, u16)],
        polarity: DoorPolarity,
        options: BusOptions,
    ) -> Result<Box<dyn LockerBus>, LockerError> {
        match self {
            LockerFamily::Family8A => Ok(Box::new(Bus::new(
                Codec8A::new(),
                t,
                boards,
                polarity,
                options,
            )?)),
        }
    }
}

impl std::str::FromStr for LockerFamily {
    type Err = LockerError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "8a" | "family8a" => Ok(LockerFamily::Family8A),
            other => Err(LockerError::Config(format!(
                "unknown locker board family {other:?} (known: \"8a\")"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polarity_maps_lock_to_door() {
        assert!(DoorPolarity::LockedMeansShut.door_open(false));
        assert!(!DoorPolarity::LockedMeansShut.door_open(true));
        assert!(DoorPolarity::OpenMeansShut.door_open(true));
        assert!(!DoorPolarity::OpenMeansShut.door_open(false));
    }

    #[test]
    fn family_parses_from_config() {
        assert_eq!(
            "8A".parse::<LockerFamily>().unwrap(),
            LockerFamily::Family8A
        );
        assert_eq!(LockerFamily::Family8A.baud(), 9600);
        assert_eq!(LockerFamily::Family8A.max_doors_per_board(), 24);
        let e = "kerong".parse::<LockerFamily>().unwrap_err();
        assert!(e.to_string().contains("unknown locker board family"));
    }
}
