//! What each door last read, and the events its changes make.
//!
//! Every reading the bus hears — a fire answer, a read of a whole board, a pushed change — is applied here in
//! the order it came off the wire, so the table always holds the newest reading of each door. A reading that
//! differs from the previous one is one event, whichever way it arrived (a lost push is found by the next read);
//! a push counts as a change even when the door had no reading yet. The first read of a board only fills the
//! table: a door already open at start-up is a state, not an event.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::doors::DoorMap;
use super::report::{BusEvent, DoorChange};
use super::DoorPolarity;

/// A door's reading and when the bus heard it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reading {
    /// The door reads open (polarity applied).
    pub open: bool,
    /// When the bus heard it.
    pub at: Instant,
}

#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    reading: Option<Reading>,
    /// When the bus last fired this door's lock, until an opening uses it up.
    released_at: Option<Instant>,
}

/// The door-state table of one bus.
#[derive(Debug)]
pub struct DoorTable {
    map: DoorMap,
    polarity: DoorPolarity,
    release_window: Duration,
    slots: Vec<Slot>,
    events: VecDeque<BusEvent>,
    events_dropped: u64,
    stray: u64,
}

impl DoorTable {
    /// Events kept for the app before the oldest are dropped.
    pub const MAX_EVENTS: usize = 256;

    /// An empty table for the doors of `map`; an opening within `release_window` of a fire is the commanded one.
    pub fn new(map: DoorMap, polarity: DoorPolarity, release_window: Duration) -> Self {
        DoorTable {
            slots: vec![Slot::default(); usize::from(map.doors())],
            map,
            polarity,
            release_window,
            events: VecDeque::new(),
            events_dropped: 0,
            stray: 0,
        }
    }

    /// The boards and door numbering.
    pub fn map(&self) -> &DoorMap {
        &self.map
    }

    /// How lock feedback maps to doors.
    pub fn polarity(&self) -> DoorPolarity {
        self.polarity
    }

    /// The newest reading of door `door`.
    pub fn reading(&self, door: u16) -> Option<Reading> {
        self.slot(door).and_then(|s| s.reading)
    }

    /// The bus is firing door `door`'s lock now.
    pub fn released(&mut self, door: u16, at: Instant) {
        if let Some(s) = self.slot_mut(door) {
            s.released_at = Some(at);
        }
    }

    /// The fire command actually went out at `at`: count the release window from there, unless an opening has
    /// already used the release up.
    pub fn restamp_release(&mut self, door: u16, at: Instant) {
        if let Some(r) = self.slot_mut(door).and_then(|s| s.released_at.as_mut()) {
            *r = at;
        }
    }

    /// Lock `lock` of board `board` reads `locked` (`pushed`: the board sent it by itself). Returns the door, or
    /// `None` if that lock is not on the bus (counted as a stray frame).
    pub fn observe(
        &mut self,
        board: u8,
        lock: u8,
        locked: bool,
        pushed: bool,
        at: Instant,
    ) -> Option<u16> {
        let Some(door) = self.map.door_of(board, lock) else {
            self.stray += 1;
            return None;
        };
        let open = self.polarity.door_open(locked);
        let window = self.release_window;
        let slot = &mut self.slots[usize::from(door) - 1];
        let before = slot.reading.map(|r| r.open);
        slot.reading = Some(Reading { open, at });
        let changed = match before {
            Some(was) => was != open,
            None => pushed,
        };
        if !changed {
            return Some(door);
        }
        let change = if !open {
            DoorChange::Closed
        } else if slot
            .released_at
            .take()
            .is_some_and(|r| at >= r && at - r <= window)
        {
            DoorChange::Opened
        } else {
            DoorChange::OpenedUnexpectedly
        };
        if self.events.len() >= Self::MAX_EVENTS {
            self.events.pop_front();
            self.events_dropped += 1;
        }
        self.events.push_back(BusEvent {
            door,
            addr: self.map.locate(door).expect("door from the map"),
            change,
            at,
        });
        Some(door)
    }

    /// Every lock of board `board` as one read found them (bit `i` = lock `i + 1`, set = locked). Returns
    /// `false` if the board is not on the bus.
    pub fn observe_board(&mut self, board: u8, locked: u32, at: Instant) -> bool {
        let Some(locks) = self.map.doors_of(board) else {
            self.stray += 1;
            return false;
        };
        for lock in 1..=locks.min(32) as u8 {
            self.observe(board, lock, locked & (1 << (lock - 1)) != 0, false, at);
        }
        true
    }

    /// The oldest event not yet taken.
    pub fn next_event(&mut self) -> Option<BusEvent> {
        self.events.pop_front()
    }

    /// Events dropped because the queue was full.
    pub fn events_dropped(&self) -> u64 {
        self.events_dropped
    }

    /// Frames about boards or locks not on the bus.
    pub fn stray(&self) -> u64 {
        self.stray
    }

    fn slot(&self, door: u16) -> Option<&Slot> {
        self.slots.get(usize::from(door).checked_sub(1)?)
    }

    fn slot_mut(&mut self, door: u16) -> Option<&mut Slot> {
        self.slots.get_mut(usize::from(door).checked_sub(1)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::locker::doors::DoorAddr;

    fn table() -> DoorTable {
        let map = DoorMap::new(&[(1, 4), (2, 4)], 24).unwrap();
        DoorTable::new(
            map,
            DoorPolarity::LockedMeansShut,
            Duration::from_millis(1500),
        )
    }

    fn changes(t: &mut DoorTable) -> Vec<(u16, DoorChange)> {
        std::iter::from_fn(|| t.next_event())
            .map(|e| (e.door, e.change))
            .collect()
    }

    #[test]
    fn the_first_read_fills_the_table_without_events() {
        let mut t = table();
        let now = Instant::now();
        assert!(t.observe_board(1, 0b1101, now)); // lock 2 open
        assert!(changes(&mut t).is_empty());
        assert_eq!(
            t.reading(2),
            Some(Reading {
                open: true,
                at: now
            })
        );
        assert_eq!(t.reading(1).map(|r| r.open), Some(false));
        assert_eq!(t.reading(5), None, "board 2 not read yet");
    }

    #[test]
    fn an_opening_after_a_fire_is_commanded_and_any_other_is_unexpected() {
        let mut t = table();
        let t0 = Instant::now();
        t.observe_board(2, 0b1111, t0);
        t.released(6, t0);
        t.observe(2, 2, false, true, t0 + Duration::from_millis(300));
        t.observe(2, 2, true, true, t0 + Duration::from_millis(900));
        // the release was used up by the first opening
        t.observe(2, 2, false, true, t0 + Duration::from_millis(1000));
        // a door never fired
        t.observe(2, 3, false, true, t0 + Duration::from_millis(1100));
        assert_eq!(
            changes(&mut t),
            [
                (6, DoorChange::Opened),
                (6, DoorChange::Closed),
                (6, DoorChange::OpenedUnexpectedly),
                (7, DoorChange::OpenedUnexpectedly),
            ]
        );
    }

    #[test]
    fn an_opening_long_after_the_fire_is_unexpected() {
        let mut t = table();
        let t0 = Instant::now();
        t.observe_board(1, 0b1111, t0);
        t.released(1, t0);
        t.observe(1, 1, false, true, t0 + Duration::from_secs(5));
        assert_eq!(changes(&mut t), [(1, DoorChange::OpenedUnexpectedly)]);
    }

    #[test]
    fn the_window_counts_from_when_the_fire_command_went_out() {
        let mut t = table();
        let t0 = Instant::now();
        t.observe_board(1, 0b1111, t0);
        t.released(1, t0);
        t.restamp_release(1, t0 + Duration::from_millis(600)); // the line was busy before the send
        t.observe(1, 1, false, true, t0 + Duration::from_millis(2000));
        assert_eq!(changes(&mut t), [(1, DoorChange::Opened)]);
        // a used-up release is not brought back
        t.restamp_release(1, t0 + Duration::from_millis(2100));
        t.observe(1, 1, true, true, t0 + Duration::from_millis(2200));
        t.observe(1, 1, false, true, t0 + Duration::from_millis(2300));
        assert_eq!(
            changes(&mut t),
            [(1, DoorChange::Closed), (1, DoorChange::OpenedUnexpectedly)]
        );
    }

    #[test]
    fn a_push_is_a_change_even_before_any_read_and_events_name_their_board() {
        let mut t = table();
        let t0 = Instant::now();
        assert_eq!(t.observe(2, 4, false, true, t0), Some(8));
        let e = t.next_event().unwrap();
        assert_eq!(e.addr, DoorAddr { board: 2, lock: 4 });
        assert_eq!(e.change, DoorChange::OpenedUnexpectedly);
        // a repeated push of the same state is no change
        t.observe(2, 4, false, true, t0);
        assert_eq!(t.next_event(), None);
    }

    #[test]
    fn a_change_found_by_a_read_is_an_event() {
        let mut t = table();
        let t0 = Instant::now();
        t.observe_board(1, 0b1111, t0);
        t.observe_board(1, 0b0111, t0 + Duration::from_secs(5)); // lock 4 opened, its push lost
        assert_eq!(changes(&mut t), [(4, DoorChange::OpenedUnexpectedly)]);
    }

    #[test]
    fn frames_for_other_boards_are_strays() {
        let mut t = table();
        let now = Instant::now();
        assert_eq!(t.observe(3, 1, false, true, now), None);
        assert_eq!(t.observe(1, 5, false, true, now), None);
        assert!(!t.observe_board(9, 0, now));
        assert_eq!(t.stray(), 3);
        assert_eq!(t.next_event(), None);
    }

    #[test]
    fn the_event_queue_is_bounded() {
        let mut t = table();
        let t0 = Instant::now();
        for i in 0..(DoorTable::MAX_EVENTS as u32 + 10) {
            t.observe(1, 1, i % 2 == 0, true, t0);
        }
        assert_eq!(changes(&mut t).len(), DoorTable::MAX_EVENTS);
        assert_eq!(t.events_dropped(), 10);
    }
}
