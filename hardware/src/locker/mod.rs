//! Pickup locker lock-control boards (锁控板), see `hardware-protocols.md` section 3.
//!
//! The app talks to a [`LockerBoard`] trait object made by [`LockerFamily::connect`], so a second board family
//! (Kerong KR-CU16, WKLY, …) is one more module and one more enum variant here, and no change in the app.

mod family_8a;
mod sim;

use std::time::Duration;

pub use family_8a::{bcc, Board8A, Decoder8A, Direction, Frame8A, MAX_DOORS_8A};
pub use sim::LockerSim;

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

/// One door's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DoorState {
    /// Door number, 1-based as printed on the locker.
    pub door: u16,
    /// The door is open (after applying the board's [`DoorPolarity`]).
    pub is_open: bool,
}

/// A change the board pushed by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DoorEvent {
    /// A door opened (1-based number).
    Opened(u16),
    /// A door was shut (1-based number), e.g. a citizen closed it after taking a document.
    Closed(u16),
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
    /// The door number is not on this board.
    #[error("door {door} does not exist (this board has doors 1..={doors})")]
    NoSuchDoor {
        /// The door asked for.
        door: u16,
        /// Doors the board has.
        doors: u16,
    },
    /// The configuration asks for something this family cannot do.
    #[error("locker configuration: {0}")]
    Config(String),
    /// The port itself failed.
    #[error("locker port error: {0}")]
    Io(#[from] std::io::Error),
}

/// A lock-control board: what the app needs, whatever the wire protocol.
pub trait LockerBoard: Send {
    /// Number of doors on this board (numbered 1..=doors).
    fn doors(&self) -> u16;
    /// Release door `door`'s lock; returns the door's state as the board reports it in its answer (check
    /// `is_open`: a jammed lock answers but stays locked).
    fn open(&mut self, door: u16) -> Result<DoorState, LockerError>;
    /// Every door's state, door 1 first.
    fn query(&mut self) -> Result<Vec<DoorState>, LockerError>;
    /// The next change the board pushed by itself, waiting at most `timeout`; `Ok(None)` if none came.
    fn poll_event(&mut self, timeout: Duration) -> Result<Option<DoorEvent>, LockerError>;
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

    /// A driver for board `board` with `doors` doors on transport `t`.
    pub fn connect<T: Transport + 'static>(
        self,
        t: T,
        board: u8,
        doors: u16,
        polarity: DoorPolarity,
    ) -> Result<Box<dyn LockerBoard>, LockerError> {
        match self {
            LockerFamily::Family8A => Ok(Box::new(
                Board8A::new(t, board, doors)?.with_polarity(polarity),
            )),
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
        let e = "kerong".parse::<LockerFamily>().unwrap_err();
        assert!(e.to_string().contains("unknown locker board family"));
    }
}
