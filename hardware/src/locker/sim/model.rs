//! The simulated boards and doors, with no I/O: bytes from the host in, bytes for the host out, time passed in.
//!
//! Each door has a lock, a door and a sensor. Firing a lock releases it (unless the door is jammed: the relay
//! clicks, the door stays shut); a released door is opened by the door's simulated citizen after
//! `opens_after` (zero: it springs open at once) and shut after `shuts_after` (or never: left open), which
//! latches the lock again. The board reports the sensor as the lock's feedback, wired the usual way
//! ([`DoorPolarity::LockedMeansShut`](crate::locker::DoorPolarity)): 11 while it reads shut, 00 while it reads
//! open. A broken sensor always reads open. Every change of what the sensor reads is pushed as `82 bb ll ss`,
//! except an opening the answer to the fire command already reports.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::locker::doors::DoorMap;
use crate::locker::family_8a::{Decoder8A, Direction, Frame8A, MAX_DOORS_8A};
use crate::locker::{DoorState, LockerError};

/// Records kept in each log; older ones are dropped so a simulator can run for days.
const LOG_KEPT: usize = 4096;

/// What a door's simulated citizen does once its lock is released.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Citizen {
    /// Pulls the door open this long after the lock is released (zero: the door springs open at once).
    pub opens_after: Duration,
    /// Shuts it this long after opening it; `None`: leaves it open.
    pub shuts_after: Option<Duration>,
}

impl Default for Citizen {
    /// The door springs open and stays open until [`super::LockerSim::close_door`].
    fn default() -> Self {
        Citizen {
            opens_after: Duration::ZERO,
            shuts_after: None,
        }
    }
}

/// Something that happened to a simulated door.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DoorHappening {
    /// The board fired the lock.
    Pulsed,
    /// The door opened after its lock was released.
    Opened,
    /// The door opened with no command (forced).
    ForcedOpen,
    /// The door was shut; the lock latched.
    Shut,
    /// The sensor wire broke (reads open from now on).
    SensorBroke,
    /// The sensor was repaired.
    SensorRepaired,
}

/// One entry of the simulator's door log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DoorLogEntry {
    /// When it happened.
    pub at: Instant,
    /// Door number (across boards, as the bus numbers them).
    pub door: u16,
    /// What happened.
    pub what: DoorHappening,
}

/// Who put bytes on the simulated line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WireDir {
    /// A frame from the host.
    FromHost,
    /// The adapter's echo of the host's bytes.
    Echo,
    /// A board's answer or push, or injected noise.
    ToHost,
}

/// One entry of the simulator's wire log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireRecord {
    /// Who sent it.
    pub dir: WireDir,
    /// For host frames, when their first byte arrived; for the rest, just before the simulator wrote them
    /// (so the host cannot have heard them earlier).
    pub at: Instant,
    /// The bytes.
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone, Copy, Default)]
struct SimDoor {
    open: bool,
    /// The lock holds the door (until fired; latches again when the door is shut).
    latched: bool,
    jammed: bool,
    sensor_broken: bool,
    citizen: Citizen,
}

impl SimDoor {
    /// The feedback the board reports: 11 (locked) while the sensor reads shut.
    fn reads_locked(&self) -> bool {
        !(self.open || self.sensor_broken)
    }
}

#[derive(Debug, Clone, Copy)]
enum Plan {
    Open,
    Shut,
}

/// The simulated line and its boards.
pub(super) struct Model {
    map: DoorMap,
    silent: Vec<bool>,
    doors: Vec<SimDoor>,
    echo: bool,
    /// Boards push changes by themselves (some do not; then the host finds changes by reading).
    pushes: bool,
    started: Instant,
    decoder: Decoder8A,
    /// When the candidate frame in the decoder started arriving.
    frame_start: Instant,
    out: Vec<(WireDir, Vec<u8>)>,
    plans: Vec<(Instant, usize, Plan)>,
    pulses: VecDeque<u16>,
    door_log: VecDeque<DoorLogEntry>,
    wire_log: VecDeque<WireRecord>,
}

fn keep<T>(log: &mut VecDeque<T>, item: T) {
    if log.len() >= LOG_KEPT {
        log.pop_front();
    }
    log.push_back(item);
}

impl Model {
    /// Boards `(address, doors)` in door-numbering order, every door shut and locked.
    pub fn new(boards: &[(u8, u16)], now: Instant) -> Result<Model, LockerError> {
        let map = DoorMap::new(boards, MAX_DOORS_8A)?;
        let shut = SimDoor {
            latched: true,
            ..SimDoor::default()
        };
        Ok(Model {
            silent: vec![false; boards.len()],
            doors: vec![shut; usize::from(map.doors())],
            map,
            echo: false,
            pushes: true,
            started: now,
            decoder: Decoder8A::new(Direction::FromHost),
            frame_start: now,
            out: Vec::new(),
            plans: Vec::new(),
            pulses: VecDeque::new(),
            door_log: VecDeque::new(),
            wire_log: VecDeque::new(),
        })
    }

    pub fn map(&self) -> &DoorMap {
        &self.map
    }

    pub fn started(&self) -> Instant {
        self.started
    }

    /// Index of door `door`, if the simulated locker has it.
    pub fn index(&self, door: u16) -> Option<usize> {
        (1..=self.map.doors())
            .contains(&door)
            .then(|| usize::from(door) - 1)
    }

    fn board_index(&self, board: u8) -> Option<usize> {
        self.map.boards().iter().position(|&(a, _)| a == board)
    }

    fn door_number(i: usize) -> u16 {
        (i + 1) as u16 // doors are counted in u16 by `DoorMap`
    }

    /// Bytes from the host, arrived at `now`.
    pub fn on_bytes(&mut self, bytes: &[u8], now: Instant) {
        if self.echo {
            self.out.push((WireDir::Echo, bytes.to_vec()));
        }
        for &b in bytes {
            if self.decoder.buffered() == 0 {
                self.frame_start = now;
            }
            self.decoder.push(&[b]);
            while let Some(f) = self.decoder.pop() {
                keep(
                    &mut self.wire_log,
                    WireRecord {
                        dir: WireDir::FromHost,
                        at: self.frame_start,
                        bytes: f.encode(),
                    },
                );
                self.answer(f, now);
            }
        }
    }

    /// Answer one host frame, if it is for a powered board on the line.
    fn answer(&mut self, f: Frame8A, now: Instant) {
        match f {
            Frame8A::Open { board, lock } => {
                if self.is_silent(board) {
                    return;
                }
                // A lock the board does not have: real boards stay quiet.
                let Some(i) = self.map.door_of(board, lock).and_then(|d| self.index(d)) else {
                    return;
                };
                self.pulse(i, now);
                let locked = self.doors[i].reads_locked();
                self.send(
                    Frame8A::OpenReply {
                        board,
                        lock,
                        locked,
                    }
                    .encode(),
                );
            }
            Frame8A::Query { board } => {
                if self.is_silent(board) {
                    return;
                }
                let Some(locks) = self.map.doors_of(board) else {
                    return;
                };
                let first = self.map.door_of(board, 1).and_then(|d| self.index(d));
                let Some(first) = first else { return };
                let locked = self.doors[first..first + usize::from(locks)]
                    .iter()
                    .enumerate()
                    .fold(0u32, |acc, (i, d)| acc | (u32::from(d.reads_locked()) << i));
                self.send(Frame8A::QueryReply { board, locked }.encode());
            }
            // Board frames cannot come from a host-side decoder.
            Frame8A::OpenReply { .. } | Frame8A::QueryReply { .. } | Frame8A::Push { .. } => {}
        }
    }

    fn is_silent(&self, board: u8) -> bool {
        self.board_index(board).is_none_or(|b| self.silent[b])
    }

    fn send(&mut self, bytes: Vec<u8>) {
        self.out.push((WireDir::ToHost, bytes));
    }

    fn log(&mut self, i: usize, what: DoorHappening, at: Instant) {
        let door = Self::door_number(i);
        keep(&mut self.door_log, DoorLogEntry { at, door, what });
    }

    fn pulse(&mut self, i: usize, now: Instant) {
        keep(&mut self.pulses, Self::door_number(i));
        self.log(i, DoorHappening::Pulsed, now);
        let door = &mut self.doors[i];
        if door.jammed {
            return; // the relay clicks; the door does not move
        }
        door.latched = false;
        if door.open {
            return;
        }
        let citizen = door.citizen;
        if citizen.opens_after.is_zero() {
            // Springs open: the answer to the fire command reports it, no push.
            self.change(i, false, |d| d.open = true);
            self.log(i, DoorHappening::Opened, now);
            self.plan_shut(i, now);
        } else {
            self.plans.push((now + citizen.opens_after, i, Plan::Open));
        }
    }

    fn plan_shut(&mut self, i: usize, now: Instant) {
        if let Some(after) = self.doors[i].citizen.shuts_after {
            self.plans.push((now + after, i, Plan::Shut));
        }
    }

    /// Apply `f` to door `i`; push the new feedback if what the sensor reads changed and `push` is allowed.
    fn change(&mut self, i: usize, push: bool, f: impl FnOnce(&mut SimDoor)) {
        let before = self.doors[i].reads_locked();
        f(&mut self.doors[i]);
        let after = self.doors[i].reads_locked();
        if before == after || !push || !self.pushes {
            return;
        }
        let Some(addr) = self.map.locate(Self::door_number(i)) else {
            return;
        };
        if self.is_silent(addr.board) {
            return; // an unpowered board tells nothing; the host finds out on its next read
        }
        self.send(
            Frame8A::Push {
                board: addr.board,
                lock: addr.lock,
                locked: after,
            }
            .encode(),
        );
    }

    /// Carry out the citizens' plans that are due.
    pub fn tick(&mut self, now: Instant) {
        let mut due = Vec::new();
        self.plans.retain(|&(at, i, plan)| {
            if at <= now {
                due.push((at, i, plan));
                false
            } else {
                true
            }
        });
        due.sort_by_key(|&(at, _, _)| at);
        for (_, i, plan) in due {
            match plan {
                Plan::Open => {
                    let d = self.doors[i];
                    if !d.open && !d.latched && !d.jammed {
                        self.change(i, true, |d| d.open = true);
                        self.log(i, DoorHappening::Opened, now);
                        self.plan_shut(i, now);
                    }
                }
                Plan::Shut => self.shut(i, now),
            }
        }
    }

    /// Door `i` is shut (by its citizen or by hand); the lock latches.
    pub fn shut(&mut self, i: usize, now: Instant) {
        if !self.doors[i].open {
            return;
        }
        self.change(i, true, |d| {
            d.open = false;
            d.latched = true;
        });
        self.log(i, DoorHappening::Shut, now);
    }

    /// Door `i` is pulled open with no command.
    pub fn force_open(&mut self, i: usize, now: Instant) {
        if self.doors[i].open {
            return;
        }
        self.change(i, true, |d| d.open = true);
        self.log(i, DoorHappening::ForcedOpen, now);
    }

    pub fn set_jammed(&mut self, i: usize, jammed: bool) {
        self.doors[i].jammed = jammed;
    }

    pub fn set_sensor_broken(&mut self, i: usize, broken: bool, now: Instant) {
        if self.doors[i].sensor_broken == broken {
            return;
        }
        self.change(i, true, |d| d.sensor_broken = broken);
        let what = if broken {
            DoorHappening::SensorBroke
        } else {
            DoorHappening::SensorRepaired
        };
        self.log(i, what, now);
    }

    pub fn set_citizen(&mut self, i: usize, citizen: Citizen) {
        self.doors[i].citizen = citizen;
    }

    pub fn set_echo(&mut self, on: bool) {
        self.echo = on;
    }

    pub fn set_pushes(&mut self, on: bool) {
        self.pushes = on;
    }

    /// Power board `board` off (`true`) or on; `None`: every board. Returns `false` for an unknown board.
    pub fn set_silent(&mut self, board: Option<u8>, silent: bool) -> bool {
        match board {
            None => {
                self.silent.iter_mut().for_each(|s| *s = silent);
                true
            }
            Some(b) => match self.board_index(b) {
                Some(i) => {
                    self.silent[i] = silent;
                    true
                }
                None => false,
            },
        }
    }

    /// Raw bytes for the host (noise).
    pub fn inject(&mut self, bytes: &[u8]) {
        self.send(bytes.to_vec());
    }

    /// What is to be written, logged as written `at` (just before the write).
    pub fn take_out(&mut self, at: Instant) -> Vec<Vec<u8>> {
        let out = std::mem::take(&mut self.out);
        out.into_iter()
            .map(|(dir, bytes)| {
                keep(
                    &mut self.wire_log,
                    WireRecord {
                        dir,
                        at,
                        bytes: bytes.clone(),
                    },
                );
                bytes
            })
            .collect()
    }

    pub fn door_states(&self) -> Vec<DoorState> {
        self.doors
            .iter()
            .enumerate()
            .map(|(i, d)| DoorState {
                door: Self::door_number(i),
                is_open: d.open,
            })
            .collect()
    }

    pub fn pulses(&self) -> Vec<u16> {
        self.pulses.iter().copied().collect()
    }

    pub fn door_log(&self) -> Vec<DoorLogEntry> {
        self.door_log.iter().copied().collect()
    }

    pub fn wire_log(&self) -> Vec<WireRecord> {
        self.wire_log.iter().cloned().collect()
    }

    /// One line per door for the technician.
    pub fn describe(&self) -> String {
        let on_off = |b: bool| if b { "on" } else { "off" };
        let mut s = format!("echo {}, push {}", on_off(self.echo), on_off(self.pushes));
        for (&(addr, _), silent) in self.map.boards().iter().zip(&self.silent) {
            if *silent {
                s += &format!("; board {addr} silent");
            }
        }
        for (i, d) in self.doors.iter().enumerate() {
            let at = self
                .map
                .locate(Self::door_number(i))
                .expect("every simulated door is on the map");
            s += &format!(
                "\ndoor {:>3} (board {} lock {:>2}): {}{}{}{}",
                i + 1,
                at.board,
                at.lock,
                if d.open { "open" } else { "shut" },
                if d.latched { ", locked" } else { ", released" },
                if d.jammed { ", jammed" } else { "" },
                if d.sensor_broken {
                    ", sensor broken"
                } else {
                    ""
                },
            );
            if d.citizen != Citizen::default() {
                s += &format!(
                    ", citizen opens after {} ms, {}",
                    d.citizen.opens_after.as_millis(),
                    match d.citizen.shuts_after {
                        Some(m) => format!("shuts after {} ms", m.as_millis()),
                        None => "leaves it open".into(),
                    }
                );
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> (Model, Instant) {
        let now = Instant::now();
        (Model::new(&[(1, 4), (2, 4)], now).unwrap(), now)
    }

    fn written(m: &mut Model) -> Vec<u8> {
        m.take_out(Instant::now()).concat()
    }

    #[test]
    fn answers_the_spec_frames() {
        let (mut m, now) = model();
        m.on_bytes(
            &[0x8A, 0x01, 0x01, 0x11, 0x9B, 0x80, 0x01, 0x00, 0x33, 0xB2],
            now,
        );
        // lock 1 released and sprung open: reply 8A 01 01 00 8A, then the bitmap 0b1110
        assert_eq!(
            written(&mut m),
            [0x8A, 0x01, 0x01, 0x00, 0x8A, 0x80, 0x01, 0x0E, 0x00, 0x00, 0x33, 0xBC]
        );
        // another board's command is answered by that board, an absent board's by nobody
        m.on_bytes(&Frame8A::Query { board: 2 }.encode(), now);
        assert_eq!(
            written(&mut m),
            Frame8A::QueryReply {
                board: 2,
                locked: 0b1111
            }
            .encode()
        );
        m.on_bytes(&Frame8A::Query { board: 3 }.encode(), now);
        assert!(written(&mut m).is_empty());
    }

    #[test]
    fn a_jammed_door_answers_locked_with_the_commands_own_bytes() {
        let (mut m, now) = model();
        m.set_jammed(5, true); // door 6 = board 2 lock 2
        let open = Frame8A::Open { board: 2, lock: 2 }.encode();
        m.on_bytes(&open, now);
        assert_eq!(written(&mut m), open);
        assert_eq!(m.pulses(), [6]);
        assert!(!m.door_states()[5].is_open);
    }

    #[test]
    fn an_echoing_adapter_hands_the_command_back_first() {
        let (mut m, now) = model();
        m.set_echo(true);
        let open = Frame8A::Open { board: 1, lock: 2 }.encode();
        m.on_bytes(&open, now);
        let mut want = open.clone();
        want.extend(
            Frame8A::OpenReply {
                board: 1,
                lock: 2,
                locked: false,
            }
            .encode(),
        );
        assert_eq!(written(&mut m), want);
    }

    #[test]
    fn a_slow_citizen_opens_later_and_the_board_pushes_it() {
        let (mut m, now) = model();
        m.set_citizen(
            0,
            Citizen {
                opens_after: Duration::from_millis(300),
                shuts_after: Some(Duration::from_millis(500)),
            },
        );
        m.on_bytes(&Frame8A::Open { board: 1, lock: 1 }.encode(), now);
        assert_eq!(
            written(&mut m),
            [0x8A, 0x01, 0x01, 0x11, 0x9B],
            "still shut when the board answers"
        );
        m.tick(now + Duration::from_millis(299));
        assert!(written(&mut m).is_empty());
        m.tick(now + Duration::from_millis(300));
        let opened = Frame8A::Push {
            board: 1,
            lock: 1,
            locked: false,
        };
        assert_eq!(written(&mut m), opened.encode());
        m.tick(now + Duration::from_millis(800));
        let shut = Frame8A::Push {
            board: 1,
            lock: 1,
            locked: true,
        };
        assert_eq!(written(&mut m), shut.encode());
        let what: Vec<DoorHappening> = m.door_log().iter().map(|e| e.what).collect();
        assert_eq!(
            what,
            [
                DoorHappening::Pulsed,
                DoorHappening::Opened,
                DoorHappening::Shut
            ]
        );
    }

    #[test]
    fn a_broken_sensor_reads_open_and_its_breaking_is_pushed() {
        let (mut m, now) = model();
        m.set_sensor_broken(7, true, now); // door 8 = board 2 lock 4
        assert_eq!(
            written(&mut m),
            Frame8A::Push {
                board: 2,
                lock: 4,
                locked: false
            }
            .encode()
        );
        m.on_bytes(&Frame8A::Open { board: 2, lock: 4 }.encode(), now);
        assert_eq!(
            written(&mut m),
            Frame8A::OpenReply {
                board: 2,
                lock: 4,
                locked: false
            }
            .encode()
        );
        assert_eq!(m.pulses(), [8], "fired although it read open");
    }

    #[test]
    fn a_forced_door_is_pushed_and_a_silent_board_tells_nothing() {
        let (mut m, now) = model();
        m.force_open(2, now);
        assert_eq!(
            written(&mut m),
            Frame8A::Push {
                board: 1,
                lock: 3,
                locked: false
            }
            .encode()
        );
        assert!(m.set_silent(Some(2), true));
        assert!(!m.set_silent(Some(9), true));
        m.force_open(4, now);
        m.on_bytes(&Frame8A::Query { board: 2 }.encode(), now);
        assert!(written(&mut m).is_empty());
        assert!(m.door_states()[4].is_open, "the door opened all the same");
        assert!(m.pulses().is_empty());
    }

    #[test]
    fn a_board_that_does_not_push_is_read_instead() {
        let (mut m, now) = model();
        m.set_pushes(false);
        m.force_open(0, now);
        assert!(written(&mut m).is_empty());
        m.on_bytes(&Frame8A::Query { board: 1 }.encode(), now);
        assert_eq!(
            written(&mut m),
            Frame8A::QueryReply {
                board: 1,
                locked: 0b1110
            }
            .encode()
        );
    }

    #[test]
    fn host_frames_are_logged_from_their_first_byte() {
        let (mut m, t0) = model();
        let q = Frame8A::Query { board: 1 }.encode();
        m.on_bytes(&q[..2], t0);
        m.on_bytes(&q[2..], t0 + Duration::from_millis(5));
        let log = m.wire_log();
        assert_eq!(log[0].dir, WireDir::FromHost);
        assert_eq!(log[0].at, t0);
        assert_eq!(log[0].bytes, q);
    }
}
