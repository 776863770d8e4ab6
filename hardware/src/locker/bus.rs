//! One serial line with its boards, for any family: the [`LockerBus`] the app gets.
//!
//! Single-threaded by design: the app's locker worker owns the bus and calls it; each call reads the line as
//! long as it needs, and everything heard on the way (pushed changes, late answers, other boards' frames) is
//! applied to the door table in wire order, so nothing is lost between calls. Pushed changes wait in the table's
//! event queue for [`LockerBus::poll_event`].

use std::time::{Duration, Instant};

use super::codec::{Codec, Decoded, Incoming};
use super::doors::{DoorMap, DoorState};
use super::echo::verdict;
use super::line::Line;
use super::options::BusOptions;
use super::report::{BusEvent, CloseOutcome, LineStatus, OpenOutcome, OpenReport};
use super::table::DoorTable;
use super::{DoorPolarity, LockerBus, LockerError};
use crate::transport::Transport;

/// Bytes heard after a command kept for learning the echo: room for the echo and the answer behind a few dozen
/// pushes already on their way.
const HEARD_KEPT: usize = 256;

/// The two things the host asks a board.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ask {
    /// Fire a lock.
    Fire,
    /// Read every lock; its answer never looks like its echo, so it can teach the echo.
    Read,
}

/// An answered exchange.
struct Answer<R> {
    value: R,
    sent_at: Instant,
    answered_at: Instant,
}

/// The boards of one line, of family `C`, over transport `T`.
pub struct Bus<C: Codec, T: Transport> {
    codec: C,
    line: Line<T>,
    table: DoorTable,
    options: BusOptions,
}

impl<C: Codec, T: Transport> Bus<C, T> {
    /// A bus over `t` for `boards` (`(address, doors)`, in door-numbering order; see [`super::doors`]).
    /// Nothing is sent until the first call.
    pub fn new(
        codec: C,
        t: T,
        boards: &[(u8, u16)],
        polarity: DoorPolarity,
        options: BusOptions,
    ) -> Result<Self, LockerError> {
        options.check()?;
        let map = DoorMap::new(boards, codec.max_locks())?;
        Ok(Bus {
            line: Line::new(t, options.frame_gap, options.echo),
            table: DoorTable::new(map, polarity, options.confirm_timeout),
            codec,
            options,
        })
    }

    /// Feed what the line gave and apply every message to the table, in order; the first one `want` accepts.
    fn absorb<R>(
        &mut self,
        bytes: &[u8],
        at: Instant,
        want: &mut impl FnMut(&Decoded) -> Option<R>,
    ) -> Option<R> {
        self.codec.feed(bytes);
        let mut found = None;
        while let Some(d) = self.codec.next() {
            if found.is_none() {
                found = want(&d);
            }
            match d.msg {
                Incoming::Fired {
                    board,
                    lock,
                    locked,
                } => {
                    self.table.observe(board, lock, locked, false, at);
                }
                Incoming::Read { board, locked } => {
                    self.table.observe_board(board, locked, at);
                }
                Incoming::Pushed {
                    board,
                    lock,
                    locked,
                } => {
                    self.table.observe(board, lock, locked, true, at);
                }
            }
        }
        found
    }

    /// Listen once until `until` (returning early when bytes come); apply what came.
    fn listen(&mut self, until: Instant) -> Result<(), LockerError> {
        let mut bytes = Vec::new();
        if self.line.read_until(until, &mut bytes)? > 0 {
            self.absorb(&bytes, Instant::now(), &mut |_: &Decoded| None::<()>);
        }
        Ok(())
    }

    /// Send `command` to `board` and wait for the answer `want` picks, sending again up to `attempts` times.
    fn exchange<R>(
        &mut self,
        board: u8,
        ask: Ask,
        command: &[u8],
        mut want: impl FnMut(&Incoming) -> Option<R>,
    ) -> Result<Answer<R>, LockerError> {
        for _ in 0..self.options.attempts {
            // What arrived before the command is applied (pushes become events) and can never pass for its
            // answer: `want` only sees what comes after the send.
            let mut early = Vec::new();
            self.line.settle(self.options.reply_timeout, &mut early)?;
            self.absorb(&early, Instant::now(), &mut |_: &Decoded| None::<()>);
            self.codec.restart();

            let learning = ask == Ask::Read && self.line.learning();
            let mark = self.codec.position();
            let sent_at = self.line.send(command)?;
            let deadline = sent_at + self.options.reply_timeout;
            let mut heard = Vec::new();
            let mut found = None;
            loop {
                let mut bytes = Vec::new();
                self.line.read_until(deadline, &mut bytes)?;
                let at = Instant::now();
                if learning && heard.len() < HEARD_KEPT {
                    heard.extend_from_slice(&bytes[..bytes.len().min(HEARD_KEPT - heard.len())]);
                }
                let mut pick = |d: &Decoded| want(&d.msg).map(|v| (v, d.offset));
                if let Some((value, offset)) = self.absorb(&bytes, at, &mut pick) {
                    found = Some((value, offset, at));
                    break;
                }
                // Bounded even on a line that never stops talking.
                if at >= deadline {
                    break;
                }
            }
            if learning {
                let answer_at = found
                    .as_ref()
                    .and_then(|&(_, offset, _)| usize::try_from(offset.checked_sub(mark)?).ok());
                if let Some(v) = verdict(command, &heard, answer_at) {
                    self.line.learn(v);
                }
            }
            if let Some((value, _, answered_at)) = found {
                return Ok(Answer {
                    value,
                    sent_at,
                    answered_at,
                });
            }
            tracing::debug!("locker board {board}: no answer, {ask:?} again");
        }
        Err(LockerError::NoAnswer { board })
    }

    /// Read every lock of `board` into the table.
    fn read_board(&mut self, board: u8) -> Result<Instant, LockerError> {
        let command = self.codec.read(board);
        let answer = self.exchange(board, Ask::Read, &command, |m| {
            matches!(*m, Incoming::Read { board: b, .. } if b == board).then_some(())
        })?;
        Ok(answer.answered_at)
    }

    /// Wait until door `door` reads `open` in a reading heard at or after `since`, listening for pushes and
    /// reading its board every `sensor_poll`. The reading's time, or `None` once `deadline` passed.
    /// With `tolerate_silence`, a board that does not answer a read is waited on anyway (pushes may still come).
    fn await_reading(
        &mut self,
        door: u16,
        open: bool,
        since: Instant,
        deadline: Instant,
        tolerate_silence: bool,
    ) -> Result<Option<Instant>, LockerError> {
        let board = self
            .table
            .map()
            .locate(door)
            .ok_or_else(|| self.table.map().no_such_door(door))?
            .board;
        let mut next_read = Instant::now() + self.options.sensor_poll;
        loop {
            if let Some(r) = self.table.reading(door) {
                if r.open == open && r.at >= since {
                    return Ok(Some(r.at));
                }
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(None);
            }
            if now >= next_read {
                match self.read_board(board) {
                    Ok(_) => {}
                    Err(LockerError::NoAnswer { .. }) if tolerate_silence => {}
                    Err(e) => return Err(e),
                }
                next_read = Instant::now() + self.options.sensor_poll;
                continue;
            }
            self.listen(deadline.min(next_read))?;
        }
    }
}

impl<C: Codec, T: Transport> LockerBus for Bus<C, T> {
    fn map(&self) -> &DoorMap {
        self.table.map()
    }

    fn open(&mut self, door: u16) -> Result<OpenReport, LockerError> {
        let requested_at = Instant::now();
        let addr = self
            .table
            .map()
            .locate(door)
            .ok_or_else(|| self.table.map().no_such_door(door))?;

        // The door's state before the pulse: the table's reading if it is fresh and the line is understood,
        // else read the board first. That read also settles an unknown echo before the one exchange the echo
        // can confuse (see `echo`).
        let fresh = self
            .table
            .reading(door)
            .filter(|r| requested_at.saturating_duration_since(r.at) <= self.options.fresh_reading);
        let was_open = match fresh {
            Some(r) if !self.line.learning() => Some(r.open),
            _ => match self.read_board(addr.board) {
                Ok(_) => self.table.reading(door).map(|r| r.open),
                // Fire anyway: the citizen is waiting, and a read lost to noise says nothing of the lock.
                Err(LockerError::NoAnswer { .. }) => None,
                Err(e) => return Err(e),
            },
        };

        // Fired whatever the sensor reads: a broken sensor wire reads open too.
        let command = self.codec.fire(addr.board, addr.lock);
        self.table.released(door, Instant::now());
        let (board, lock) = (addr.board, addr.lock);
        let fired = self.exchange(board, Ask::Fire, &command, |m| match *m {
            Incoming::Fired {
                board: b,
                lock: l,
                locked,
            } if b == board && l == lock => Some(locked),
            _ => None,
        })?;
        self.table.restamp_release(door, fired.sent_at);
        let reads_open = self.table.polarity().door_open(fired.value);

        let (outcome, confirmed_at) = if reads_open && was_open == Some(true) {
            (OpenOutcome::SensorStuckOpen, None)
        } else if reads_open {
            (OpenOutcome::Opened, Some(fired.answered_at))
        } else {
            let deadline = fired.sent_at + self.options.confirm_timeout;
            match self.await_reading(door, true, fired.sent_at, deadline, true)? {
                Some(at) => (OpenOutcome::Opened, Some(at)),
                None => (OpenOutcome::Jammed, None),
            }
        };
        if outcome != OpenOutcome::Opened {
            tracing::warn!("locker door {door} (board {board} lock {lock}): {outcome:?}");
        }
        Ok(OpenReport {
            door,
            addr,
            outcome,
            was_open,
            requested_at,
            pulse_sent_at: fired.sent_at,
            answered_at: fired.answered_at,
            confirmed_at,
        })
    }

    fn wait_closed(&mut self, door: u16, timeout: Duration) -> Result<CloseOutcome, LockerError> {
        let now = Instant::now();
        let deadline = now + timeout;
        // A fresh reading counts: the door may already be shut.
        let since = now.checked_sub(self.options.fresh_reading).unwrap_or(now);
        Ok(
            match self.await_reading(door, false, since, deadline, false)? {
                Some(at) => CloseOutcome::Closed { at },
                None => CloseOutcome::StillOpen,
            },
        )
    }

    fn query(&mut self) -> Result<Vec<DoorState>, LockerError> {
        let boards: Vec<u8> = self.table.map().boards().iter().map(|&(a, _)| a).collect();
        let mut first_error = None;
        for board in boards {
            match self.read_board(board) {
                Ok(_) => {}
                Err(e @ LockerError::Io(_)) => return Err(e),
                // The other boards are still read: their changes must not wait for this one.
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        if let Some(e) = first_error {
            return Err(e);
        }
        Ok((1..=self.table.map().doors())
            .map(|door| DoorState {
                door,
                is_open: self.table.reading(door).is_some_and(|r| r.open),
            })
            .collect())
    }

    fn poll_event(&mut self, timeout: Duration) -> Result<Option<BusEvent>, LockerError> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(e) = self.table.next_event() {
                return Ok(Some(e));
            }
            self.listen(deadline)?;
            if Instant::now() >= deadline {
                return Ok(self.table.next_event());
            }
        }
    }

    fn line_status(&self) -> LineStatus {
        LineStatus {
            echo_mode: self.line.mode(),
            echo: self.line.echo(),
            echo_bytes: self.line.echo_bytes(),
            noise_bytes: self.codec.rejected_bytes(),
            stray_frames: self.table.stray(),
            events_dropped: self.table.events_dropped(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::locker::echo::EchoState;
    use crate::locker::family_8a::{Codec8A, Frame8A};
    use crate::locker::report::DoorChange;
    use crate::transport::MemoryPipe;

    fn options() -> BusOptions {
        BusOptions {
            frame_gap: Duration::from_millis(1),
            reply_timeout: Duration::from_millis(80),
            confirm_timeout: Duration::from_millis(300),
            sensor_poll: Duration::from_millis(50),
            ..BusOptions::default()
        }
    }

    fn bus(boards: &[(u8, u16)], polarity: DoorPolarity) -> (Bus<Codec8A, MemoryPipe>, MemoryPipe) {
        let (a, b) = MemoryPipe::pair();
        let bus = Bus::new(Codec8A::new(), a, boards, polarity, options()).unwrap();
        (bus, b)
    }

    /// The far end of the line: for each `(command, answer)`, waits for exactly `command`, then sends `answer`.
    /// Returns every byte it received.
    fn far_end(
        mut b: MemoryPipe,
        script: Vec<(Vec<u8>, Vec<u8>)>,
    ) -> std::thread::JoinHandle<Vec<u8>> {
        std::thread::spawn(move || {
            let mut got = Vec::new();
            let mut buf = [0u8; 64];
            for (command, answer) in script {
                let want = got.len() + command.len();
                while got.len() < want {
                    let n = b.recv(&mut buf, Duration::from_secs(2)).unwrap();
                    assert!(n > 0, "the host never sent {command:02X?}");
                    got.extend_from_slice(&buf[..n]);
                }
                assert_eq!(got[want - command.len()..], command[..]);
                b.send(&answer).unwrap();
            }
            // keep the line up while the host reads; collect anything more it sends
            while let Ok(n) = b.recv(&mut buf, Duration::from_millis(150)) {
                if n == 0 {
                    break;
                }
                got.extend_from_slice(&buf[..n]);
            }
            got
        })
    }

    fn query(board: u8) -> Vec<u8> {
        Frame8A::Query { board }.encode()
    }

    fn fire(board: u8, lock: u8) -> Vec<u8> {
        Frame8A::Open { board, lock }.encode()
    }

    #[test]
    fn open_reads_the_board_first_then_fires_and_keeps_what_it_hears_on_the_way() {
        let (mut bus, b) = bus(&[(1, 12)], DoorPolarity::LockedMeansShut);
        let mut first = Frame8A::OpenReply {
            board: 2,
            lock: 3,
            locked: false,
        }
        .encode(); // another board's late reply
        first.extend(
            Frame8A::Push {
                board: 1,
                lock: 7,
                locked: false,
            }
            .encode(),
        );
        first.extend(
            Frame8A::QueryReply {
                board: 1,
                locked: 0xFFF,
            }
            .encode(),
        );
        let far = far_end(
            b,
            vec![
                (query(1), first),
                (
                    fire(1, 3),
                    Frame8A::OpenReply {
                        board: 1,
                        lock: 3,
                        locked: false,
                    }
                    .encode(),
                ),
            ],
        );
        let report = bus.open(3).unwrap();
        assert_eq!(report.outcome, OpenOutcome::Opened);
        assert_eq!(report.was_open, Some(false));
        assert_eq!(report.confirmed_at, Some(report.answered_at));
        assert!(report.requested_at <= report.pulse_sent_at);
        assert!(report.pulse_sent_at <= report.answered_at);
        let events: Vec<(u16, DoorChange)> =
            std::iter::from_fn(|| bus.poll_event(Duration::ZERO).unwrap())
                .map(|e| (e.door, e.change))
                .collect();
        // door 7 was pushed open, then the read found it shut again; door 3 opened on command
        assert_eq!(
            events,
            [
                (7, DoorChange::OpenedUnexpectedly),
                (7, DoorChange::Closed),
                (3, DoorChange::Opened)
            ]
        );
        assert_eq!(
            bus.line_status().stray_frames,
            1,
            "board 2 is not on this bus"
        );
        assert_eq!(bus.line_status().echo, EchoState::NotEchoing);
        let sent = far.join().unwrap();
        assert_eq!(
            sent,
            [query(1), fire(1, 3)].concat(),
            "nothing else was sent"
        );
    }

    #[test]
    fn a_fresh_reading_lets_open_fire_at_once() {
        let (mut bus, b) = bus(&[(1, 4)], DoorPolarity::LockedMeansShut);
        let far = far_end(
            b,
            vec![
                (
                    query(1),
                    Frame8A::QueryReply {
                        board: 1,
                        locked: 0xF,
                    }
                    .encode(),
                ),
                (
                    fire(1, 2),
                    Frame8A::OpenReply {
                        board: 1,
                        lock: 2,
                        locked: false,
                    }
                    .encode(),
                ),
            ],
        );
        assert_eq!(bus.query().unwrap().len(), 4);
        let report = bus.open(2).unwrap();
        assert_eq!(report.outcome, OpenOutcome::Opened);
        assert_eq!(far.join().unwrap(), [query(1), fire(1, 2)].concat());
    }

    #[test]
    fn a_late_reply_is_not_taken_for_the_next_answer() {
        let (mut bus, mut b) = bus(&[(1, 3)], DoorPolarity::LockedMeansShut);
        // a stale reply (all open) is already waiting when the query is sent; the fresh one says all locked
        b.send(
            &Frame8A::QueryReply {
                board: 1,
                locked: 0,
            }
            .encode(),
        )
        .unwrap();
        let far = far_end(
            b,
            vec![(
                query(1),
                Frame8A::QueryReply {
                    board: 1,
                    locked: 0b111,
                }
                .encode(),
            )],
        );
        let doors: Vec<bool> = bus.query().unwrap().iter().map(|d| d.is_open).collect();
        assert_eq!(doors, [false, false, false]);
        far.join().unwrap();
    }

    #[test]
    fn a_silent_board_is_asked_attempts_times_then_no_answer() {
        let (mut bus, b) = bus(&[(4, 8)], DoorPolarity::LockedMeansShut);
        let far = far_end(b, vec![]);
        assert!(matches!(
            bus.query(),
            Err(LockerError::NoAnswer { board: 4 })
        ));
        assert_eq!(far.join().unwrap(), [query(4), query(4)].concat());
        // nothing came back at all: an adapter would have echoed, so it does not
        assert_eq!(bus.line_status().echo, EchoState::NotEchoing);
    }

    #[test]
    fn a_line_that_never_stops_talking_still_ends_each_exchange() {
        let (mut bus, mut b) = bus(&[(1, 4)], DoorPolarity::LockedMeansShut);
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let s = stop.clone();
        let babbler = std::thread::spawn(move || {
            while !s.load(std::sync::atomic::Ordering::Relaxed) {
                if b.send(&[0x00]).is_err() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(1));
            }
        });
        let start = Instant::now();
        let e = bus.query().unwrap_err();
        let took = start.elapsed();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        babbler.join().unwrap();
        assert!(matches!(e, LockerError::NoAnswer { board: 1 }), "{e}");
        // each attempt: at most the settle limit and the reply timeout (80 ms each here)
        assert!(took < Duration::from_secs(2), "{took:?}");
        assert!(bus.line_status().noise_bytes > 0);
    }

    #[test]
    fn query_applies_polarity_and_doors_count_across_boards() {
        let (mut bus, b) = bus(&[(1, 3), (2, 2)], DoorPolarity::OpenMeansShut);
        let far = far_end(
            b,
            vec![
                (
                    query(1),
                    Frame8A::QueryReply {
                        board: 1,
                        locked: 0b101,
                    }
                    .encode(),
                ),
                (
                    query(2),
                    Frame8A::QueryReply {
                        board: 2,
                        locked: 0b10,
                    }
                    .encode(),
                ),
            ],
        );
        let doors: Vec<bool> = bus.query().unwrap().iter().map(|d| d.is_open).collect();
        assert_eq!(doors, [true, false, true, false, true]);
        far.join().unwrap();
    }

    #[test]
    fn doors_not_on_the_bus_are_refused_before_anything_is_sent() {
        let (mut bus, b) = bus(&[(1, 12)], DoorPolarity::LockedMeansShut);
        let far = far_end(b, vec![]);
        assert!(matches!(
            bus.open(13),
            Err(LockerError::NoSuchDoor {
                door: 13,
                doors: 12
            })
        ));
        assert!(matches!(bus.open(0), Err(LockerError::NoSuchDoor { .. })));
        assert!(matches!(
            bus.wait_closed(13, Duration::ZERO),
            Err(LockerError::NoSuchDoor { .. })
        ));
        assert!(far.join().unwrap().is_empty());
    }

    #[test]
    fn a_bad_configuration_is_refused() {
        let (a, _b) = MemoryPipe::pair();
        let e = Bus::new(
            Codec8A::new(),
            a,
            &[(1, 25)],
            DoorPolarity::default(),
            options(),
        )
        .err()
        .unwrap();
        assert!(e.to_string().contains("1..=24"), "{e}");
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        /// Noise, or a board frame for a board that may or may not be on the bus.
        fn piece() -> impl Strategy<Value = Vec<u8>> {
            prop_oneof![
                proptest::collection::vec(any::<u8>(), 1..6),
                (0u8..4, 0u8..30, any::<bool>()).prop_map(|(board, lock, locked)| {
                    Frame8A::Push {
                        board,
                        lock,
                        locked,
                    }
                    .encode()
                }),
                (0u8..4, any::<u32>()).prop_map(|(board, locked)| {
                    Frame8A::QueryReply {
                        board,
                        locked: locked & 0xFF_FFFF,
                    }
                    .encode()
                }),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(64))]
            #[test]
            fn whatever_comes_off_the_line_events_name_doors_of_the_bus(
                pieces in proptest::collection::vec(piece(), 0..40),
            ) {
                let (mut bus, mut b) = bus(&[(1, 8), (2, 4)], DoorPolarity::LockedMeansShut);
                b.send(&pieces.concat()).unwrap();
                let mut n = 0;
                while let Some(e) = bus.poll_event(Duration::ZERO).unwrap() {
                    prop_assert_eq!(bus.map().locate(e.door), Some(e.addr));
                    prop_assert!(e.addr.board == 1 || e.addr.board == 2);
                    n += 1;
                }
                prop_assert!(n <= pieces.len() * 24);
            }
        }
    }
}
