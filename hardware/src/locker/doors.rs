//! Door numbers across the boards of one bus.
//!
//! The app, the platform and the label on the locker speak of one door number per locker, 1-based. A bus holds
//! several boards, each with its own locks numbered from 1. The rule: boards count in the order they are
//! configured, and each board's doors follow the previous board's. With boards `[(1, 16), (2, 8)]`, doors 1–16
//! are board 1 locks 1–16, and doors 17–24 are board 2 locks 1–8. The order of the configuration, not the DIP
//! address, decides: a board swapped for one with another address keeps its doors' numbers once its new address
//! is written in the same place of the list.

use super::LockerError;

/// Most boards one RS-485 line carries (five DIP switches).
pub const MAX_BOARDS: usize = 32;

/// Where a door is on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DoorAddr {
    /// The board's address (its DIP switches).
    pub board: u8,
    /// The lock on that board, 1-based.
    pub lock: u8,
}

/// One door's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DoorState {
    /// Door number, 1-based, across every board of the bus (see the module notes).
    pub door: u16,
    /// The door is open (after applying the bus's [`super::DoorPolarity`]).
    pub is_open: bool,
}

/// The boards of one bus, in door-numbering order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DoorMap {
    /// `(address, doors)` per board.
    boards: Vec<(u8, u16)>,
    /// The door number before each board's first door.
    before: Vec<u16>,
    doors: u16,
}

impl DoorMap {
    /// Check `boards` (`(address, doors)` each) against a family whose boards have at most `max_locks` locks.
    pub fn new(boards: &[(u8, u16)], max_locks: u16) -> Result<DoorMap, LockerError> {
        let config = |m: String| Err(LockerError::Config(m));
        if boards.is_empty() {
            return config("no locker board configured".into());
        }
        if boards.len() > MAX_BOARDS {
            return config(format!(
                "{} locker boards configured; one line carries at most {MAX_BOARDS}",
                boards.len()
            ));
        }
        // Locks are numbered in one byte on every wire protocol the kiosk knows.
        let max_locks = max_locks.min(u16::from(u8::MAX));
        let mut before = Vec::with_capacity(boards.len());
        let mut doors: u16 = 0;
        for (i, &(address, n)) in boards.iter().enumerate() {
            if boards[..i].iter().any(|&(a, _)| a == address) {
                return config(format!(
                    "locker board address {address} is configured twice"
                ));
            }
            if !(1..=max_locks).contains(&n) {
                return config(format!(
                    "locker board {address}: {n} doors configured; a board of this family has 1..={max_locks}"
                ));
            }
            before.push(doors);
            doors = doors
                .checked_add(n)
                .ok_or_else(|| LockerError::Config("too many locker doors".into()))?;
        }
        Ok(DoorMap {
            boards: boards.to_vec(),
            before,
            doors,
        })
    }

    /// Doors on the bus, numbered `1..=doors()`.
    pub fn doors(&self) -> u16 {
        self.doors
    }

    /// The boards as configured: `(address, doors)`, in door-numbering order.
    pub fn boards(&self) -> &[(u8, u16)] {
        &self.boards
    }

    /// Doors on board `board`, if it is on the bus.
    pub fn doors_of(&self, board: u8) -> Option<u16> {
        self.boards
            .iter()
            .find(|&&(a, _)| a == board)
            .map(|&(_, n)| n)
    }

    /// Where door `door` is, or `None` if the bus has no such door.
    pub fn locate(&self, door: u16) -> Option<DoorAddr> {
        if door == 0 || door > self.doors {
            return None;
        }
        // The last board whose first door is at or before `door`.
        let i = self.before.partition_point(|&b| b < door) - 1;
        Some(DoorAddr {
            board: self.boards[i].0,
            // `new` refused boards with more than 255 locks.
            lock: (door - self.before[i]) as u8,
        })
    }

    /// The door number of lock `lock` on board `board`, or `None` if that lock is not on the bus.
    pub fn door_of(&self, board: u8, lock: u8) -> Option<u16> {
        let i = self.boards.iter().position(|&(a, _)| a == board)?;
        let lock = u16::from(lock);
        (1..=self.boards[i].1)
            .contains(&lock)
            .then(|| self.before[i] + lock)
    }

    /// The error for a door that is not on the bus.
    pub fn no_such_door(&self, door: u16) -> LockerError {
        LockerError::NoSuchDoor {
            door,
            doors: self.doors,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doors_count_across_boards_in_configured_order() {
        let map = DoorMap::new(&[(7, 16), (2, 8)], 24).unwrap();
        assert_eq!(map.doors(), 24);
        assert_eq!(map.locate(1), Some(DoorAddr { board: 7, lock: 1 }));
        assert_eq!(map.locate(16), Some(DoorAddr { board: 7, lock: 16 }));
        assert_eq!(map.locate(17), Some(DoorAddr { board: 2, lock: 1 }));
        assert_eq!(map.locate(24), Some(DoorAddr { board: 2, lock: 8 }));
        assert_eq!(map.locate(0), None);
        assert_eq!(map.locate(25), None);
        assert_eq!(map.door_of(2, 8), Some(24));
        assert_eq!(map.door_of(7, 1), Some(1));
        assert_eq!(map.door_of(2, 9), None, "board 2 has 8 locks");
        assert_eq!(map.door_of(2, 0), None);
        assert_eq!(map.door_of(3, 1), None, "board 3 is not on the bus");
    }

    #[test]
    fn every_door_maps_back_to_itself() {
        let map = DoorMap::new(&[(1, 24), (2, 1), (32, 13)], 24).unwrap();
        for door in 1..=map.doors() {
            let at = map.locate(door).unwrap();
            assert_eq!(map.door_of(at.board, at.lock), Some(door));
        }
    }

    #[test]
    fn bad_configurations_are_refused_with_a_reason() {
        let err = |boards: &[(u8, u16)]| DoorMap::new(boards, 24).unwrap_err().to_string();
        assert!(err(&[]).contains("no locker board"));
        assert!(err(&[(1, 8), (1, 8)]).contains("configured twice"));
        assert!(err(&[(1, 25)]).contains("1..=24"));
        assert!(err(&[(1, 0)]).contains("1..=24"));
        let many: Vec<(u8, u16)> = (0..33).map(|a| (a, 1)).collect();
        assert!(err(&many).contains("at most 32"));
    }
}
