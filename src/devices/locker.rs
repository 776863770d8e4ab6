//! The locker board, owned by one thread: opens doors on request and checks the board now and then so a silent
//! board shows in the status bar. Board family and polarity come from the config; the app never sees the wire.

use std::sync::mpsc::{self, Sender};
use std::time::Duration;

use sanban_hardware::locker::{
    BusOptions, DoorPolarity, DoorState, LockerBus, LockerError, LockerFamily, OpenOutcome,
};
use sanban_hardware::transport::SerialTransport;

use super::health::{DeviceKind, HealthBoard};
use super::worker::{self, Device, Link};

pub enum Command {
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
        let target = setup.map(|setup| (setup.path.clone(), Lockers { setup }));
        LockerHandle {
            tx: worker::spawn("locker", DeviceKind::Locker, target, health),
        }
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

struct Lockers {
    setup: LockerSetup,
}

type Port = Box<dyn LockerBus>;

impl Device for Lockers {
    type Port = Port;
    type Command = Command;

    fn open(&mut self, path: &str) -> Result<Port, String> {
        let s = &self.setup;
        let t = SerialTransport::open(path, s.baud).map_err(|e| e.to_string())?;
        LockerFamily::Family8A
            .connect(t, &[(s.board, s.doors)], s.polarity, BusOptions::default())
            .map_err(|e| e.to_string())
    }

    fn serve(&mut self, link: &mut Link<Port>, command: Command) {
        match command {
            Command::Open { door, reply } => {
                let result = self.with_board(link, |b| {
                    b.open(door).map(|r| DoorState {
                        door,
                        is_open: r.outcome != OpenOutcome::Jammed,
                    })
                });
                let _ = reply.send(result);
            }
        }
    }

    fn tick(&mut self, link: &mut Link<Port>) -> Duration {
        let _ = self.with_board(link, |b| b.query());
        if link.is_open() {
            self.setup.poll
        } else {
            link.until_retry().max(Duration::from_millis(100))
        }
    }
}

impl Lockers {
    fn with_board<T>(
        &mut self,
        link: &mut Link<Port>,
        f: impl FnOnce(&mut dyn LockerBus) -> Result<T, LockerError>,
    ) -> Result<T, String> {
        let board = link.port(self)?;
        match f(board.as_mut()) {
            Ok(v) => {
                link.ok("ready");
                Ok(v)
            }
            Err(e) => {
                let text = e.to_string();
                if matches!(e, LockerError::Io(_)) {
                    link.lost(&text);
                } else {
                    link.fault(&text);
                }
                Err(text)
            }
        }
    }
}
