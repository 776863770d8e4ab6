//! The locker board, owned by one thread: opens doors on request and checks the board now and then so a silent
//! board shows in the status bar. Board family and polarity come from the config; the app never sees the wire.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use sanban_hardware::locker::{
    BusOptions, DoorPolarity, DoorState, LockerBus, LockerFamily, OpenOutcome,
};
use sanban_hardware::transport::SerialTransport;
use sanban_wire::DeviceState;

use super::health::{DeviceKind, HealthBoard};

enum Command {
    Open {
        door: u16,
        reply: Sender<Result<DoorState, String>>,
    },
}

#[derive(Clone)]
pub struct LockerHandle {
    tx: Option<Sender<Command>>,
}

/// Where and how the board is wired.
pub struct LockerSetup {
    pub path: String,
    pub baud: u32,
    pub board: u8,
    pub doors: u16,
    pub polarity: DoorPolarity,
    pub poll: Duration,
}

impl LockerHandle {
    pub fn start(setup: Option<LockerSetup>, health: HealthBoard) -> LockerHandle {
        let Some(setup) = setup else {
            health.set(DeviceKind::Locker, DeviceState::Absent, "not configured");
            return LockerHandle { tx: None };
        };
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("locker".into())
            .spawn(move || {
                Worker {
                    setup,
                    health,
                    board: None,
                    backoff: Duration::ZERO,
                }
                .run(rx)
            })
            .expect("spawn locker thread");
        LockerHandle { tx: Some(tx) }
    }

    /// Release a door's lock; the board's answer tells whether it opened.
    pub fn open(&self, door: u16, timeout: Duration) -> Result<DoorState, String> {
        let tx = self.tx.as_ref().ok_or("no locker configured")?;
        let (reply, rx) = mpsc::channel();
        tx.send(Command::Open { door, reply })
            .map_err(|_| "locker thread stopped".to_string())?;
        rx.recv_timeout(timeout)
            .map_err(|_| "locker did not answer".to_string())?
    }
}

struct Worker {
    setup: LockerSetup,
    health: HealthBoard,
    board: Option<Box<dyn LockerBus>>,
    backoff: Duration,
}

impl Worker {
    fn run(mut self, rx: Receiver<Command>) {
        let mut next_check = Instant::now();
        loop {
            match rx.recv_timeout(next_check.saturating_duration_since(Instant::now())) {
                Ok(Command::Open { door, reply }) => {
                    let result = self.with_board(|b| {
                        b.open(door).map(|r| DoorState {
                            door,
                            is_open: r.outcome != OpenOutcome::Jammed,
                        })
                    });
                    let _ = reply.send(result);
                }
                Err(RecvTimeoutError::Timeout) => {
                    let _ = self.with_board(|b| b.query());
                    next_check = Instant::now()
                        + if self.board.is_some() {
                            self.setup.poll
                        } else {
                            self.backoff
                        };
                }
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
    }

    fn with_board<T>(
        &mut self,
        f: impl FnOnce(&mut dyn LockerBus) -> Result<T, sanban_hardware::locker::LockerError>,
    ) -> Result<T, String> {
        if self.board.is_none() {
            let s = &self.setup;
            let opened = SerialTransport::open(&s.path, s.baud)
                .map_err(|e| format!("cannot open {}: {e}", s.path))
                .and_then(|t| {
                    LockerFamily::Family8A
                        .connect(t, &[(s.board, s.doors)], s.polarity, BusOptions::default())
                        .map_err(|e| e.to_string())
                });
            match opened {
                Ok(b) => {
                    self.board = Some(b);
                    self.backoff = Duration::ZERO;
                }
                Err(e) => {
                    self.backoff = (self.backoff * 2)
                        .clamp(Duration::from_millis(500), Duration::from_secs(30));
                    self.health
                        .set(DeviceKind::Locker, DeviceState::Fault, e.clone());
                    return Err(e);
                }
            }
        }
        let board = self.board.as_mut().expect("just opened");
        match f(board.as_mut()) {
            Ok(v) => {
                self.health
                    .set(DeviceKind::Locker, DeviceState::Ok, "ready");
                Ok(v)
            }
            Err(e) => {
                let text = e.to_string();
                if matches!(e, sanban_hardware::locker::LockerError::Io(_)) {
                    self.board = None; // reopen, but not in a tight loop
                    self.backoff = self.backoff.max(Duration::from_millis(500));
                }
                self.health
                    .set(DeviceKind::Locker, DeviceState::Fault, text.clone());
                Err(text)
            }
        }
    }
}
