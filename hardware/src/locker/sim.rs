//! A simulated 8A lock board on a pseudo-terminal. Its doors start shut and locked; an open command releases
//! a lock (the door springs open); [`LockerSim::close_door`] is a citizen shutting it, which re-latches the lock
//! and makes the board push an `82` frame. The simulated wiring is [`DoorPolarity::LockedMeansShut`].

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use serialport::TTYPort;

use super::family_8a::{Decoder8A, Direction, Frame8A, MAX_DOORS_8A};
use super::{DoorPolarity, DoorState};

struct State {
    board: u8,
    /// `locked[i]` is lock i + 1.
    locked: Vec<bool>,
    silent: bool,
    /// Bytes to write to the host at the next turn of the loop (pushes, injected noise).
    outbox: Vec<u8>,
    opens: Vec<u16>,
}

struct Shared {
    state: Mutex<State>,
    stop: AtomicBool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A simulated 8A-family lock board on a pseudo-terminal; dropping it stops its thread.
pub struct LockerSim {
    shared: Arc<Shared>,
    path: PathBuf,
    thread: Option<JoinHandle<()>>,
    /// Held open so the master side never sees a hang-up while no client has the port open.
    _slave: TTYPort,
}

impl LockerSim {
    /// A board at address `board_addr` with `doors` doors (clamped to 1..=24), all shut and locked.
    pub fn spawn(board_addr: u8, doors: u16) -> std::io::Result<LockerSim> {
        let crate::pty::PtyPair {
            master,
            slave,
            path,
        } = crate::pty::open(Duration::from_millis(10))?;
        let doors = doors.clamp(1, MAX_DOORS_8A) as usize;
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                board: board_addr,
                locked: vec![true; doors],
                silent: false,
                outbox: Vec::new(),
                opens: Vec::new(),
            }),
            stop: AtomicBool::new(false),
        });
        let s = shared.clone();
        let thread = std::thread::Builder::new()
            .name("locker-sim".into())
            .spawn(move || run(master, &s))?;
        Ok(LockerSim {
            shared,
            path,
            thread: Some(thread),
            _slave: slave,
        })
    }

    /// The device to open, e.g. with `SerialTransport::open(path, 9600)`.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every door's state as the citizen would see it, door 1 first.
    pub fn door_states(&self) -> Vec<DoorState> {
        let st = self.shared.lock();
        (1..)
            .zip(st.locked.iter())
            .map(|(door, &locked)| DoorState {
                door,
                is_open: DoorPolarity::LockedMeansShut.door_open(locked),
            })
            .collect()
    }

    /// Doors the board was commanded to open, in order (an audit of what the driver sent).
    pub fn opened_log(&self) -> Vec<u16> {
        self.shared.lock().opens.clone()
    }

    /// A citizen shuts door `n`: the lock latches and the board pushes `82 bb ll 11 cs`. No-op if the door
    /// does not exist or is already shut.
    pub fn close_door(&self, n: u16) {
        let mut st = self.shared.lock();
        let board = st.board;
        let Some(slot) = (n as usize)
            .checked_sub(1)
            .and_then(|i| st.locked.get_mut(i))
        else {
            return;
        };
        if *slot {
            return;
        }
        *slot = true;
        if !st.silent {
            let frame = Frame8A::Push {
                board,
                lock: n as u8,
                locked: true,
            };
            st.outbox.extend(frame.encode());
        }
    }

    /// Make the board answer nothing (unpowered, cable cut); commands received meanwhile are lost.
    pub fn set_silent(&self, silent: bool) {
        self.shared.lock().silent = silent;
    }

    /// Write raw bytes to the host (line noise, a corrupted frame) at the next turn of the board's loop.
    pub fn inject(&self, bytes: &[u8]) {
        self.shared.lock().outbox.extend_from_slice(bytes);
    }
}

impl Drop for LockerSim {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Answer one frame from the host, if it is for this board.
fn answer(st: &mut State, f: Frame8A) {
    match f {
        Frame8A::Open { board, lock } if board == st.board => {
            let Some(slot) = (lock as usize)
                .checked_sub(1)
                .and_then(|i| st.locked.get_mut(i))
            else {
                return; // a lock the board does not have: real boards stay quiet
            };
            *slot = false;
            st.opens.push(lock as u16);
            let reply = Frame8A::OpenReply {
                board,
                lock,
                locked: false,
            };
            st.outbox.extend(reply.encode());
        }
        Frame8A::Query { board } if board == st.board => {
            let locked = st
                .locked
                .iter()
                .enumerate()
                .fold(0u32, |acc, (i, &l)| acc | (u32::from(l) << i));
            st.outbox
                .extend(Frame8A::QueryReply { board, locked }.encode());
        }
        _ => {}
    }
}

fn run(mut master: TTYPort, shared: &Shared) {
    let mut decoder = Decoder8A::new(Direction::FromHost);
    let mut buf = [0u8; 256];
    while !shared.stop.load(Ordering::Relaxed) {
        let n = match std::io::Read::read(&mut master, &mut buf) {
            Ok(n) => n,
            Err(e)
                if e.kind() == std::io::ErrorKind::TimedOut
                    || e.kind() == std::io::ErrorKind::WouldBlock =>
            {
                0
            }
            Err(e) => {
                tracing::debug!("locker sim read: {e}");
                std::thread::sleep(Duration::from_millis(10));
                0
            }
        };
        let out = {
            let mut st = shared.lock();
            if st.silent {
                st.outbox.clear();
                continue;
            }
            decoder.push(&buf[..n]);
            while let Some(f) = decoder.pop() {
                answer(&mut st, f);
            }
            std::mem::take(&mut st.outbox)
        };
        if !out.is_empty() {
            if let Err(e) = master.write_all(&out) {
                tracing::debug!("locker sim write: {e}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_the_spec_frames() {
        let mut st = State {
            board: 1,
            locked: vec![true; 4],
            silent: false,
            outbox: Vec::new(),
            opens: Vec::new(),
        };
        let mut d = Decoder8A::new(Direction::FromHost);
        d.push(&[0x8A, 0x01, 0x01, 0x11, 0x9B, 0x80, 0x01, 0x00, 0x33, 0xB2]);
        while let Some(f) = d.pop() {
            answer(&mut st, f);
        }
        // lock 1 released: reply 8A 01 01 00 8A, then the bitmap 0b1110
        assert_eq!(
            st.outbox,
            [0x8A, 0x01, 0x01, 0x00, 0x8A, 0x80, 0x01, 0x0E, 0x00, 0x00, 0x33, 0xBC]
        );
        // another board's command is not answered
        st.outbox.clear();
        answer(&mut st, Frame8A::Query { board: 2 });
        assert!(st.outbox.is_empty());
    }
}
