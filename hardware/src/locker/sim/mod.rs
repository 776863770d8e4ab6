//! Simulated 8A lock boards on one pseudo-terminal: several boards on one line, an echoing adapter, and doors
//! that jam, sensors that break, citizens who open late or leave a door open, doors forced open, silent boards
//! and line noise. The model ([`model`]) has no I/O; this module runs it on a thread against the pty.
//!
//! Doors are numbered across boards as the bus numbers them (see [`crate::locker::doors`]); by default each door
//! springs open when fired and stays open until [`LockerSim::close_door`]. Commands for a technician's console
//! are [`SimCommand`]s, parsed from text and run by [`LockerSim::run`]; [`LockerSim::help`] lists them.

mod command;
mod model;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serialport::TTYPort;

pub use command::SimCommand;
pub use model::{Citizen, DoorHappening, DoorLogEntry, WireDir, WireRecord};

use super::family_8a::MAX_DOORS_8A;
use super::{DoorState, LockerError};
use model::Model;

struct Shared {
    model: Mutex<Model>,
    stop: AtomicBool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Model> {
        self.model.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Simulated 8A-family lock boards on a pseudo-terminal; dropping it stops its thread.
pub struct LockerSim {
    shared: Arc<Shared>,
    path: PathBuf,
    thread: Option<JoinHandle<()>>,
    /// Held open so the master side never sees a hang-up while no client has the port open.
    _slave: TTYPort,
}

impl LockerSim {
    /// One board at address `board_addr` with `doors` doors (clamped to 1..=24), all shut and locked.
    pub fn spawn(board_addr: u8, doors: u16) -> std::io::Result<LockerSim> {
        Self::spawn_bus(&[(board_addr, doors.clamp(1, MAX_DOORS_8A))])
    }

    /// Several boards on one line: `(address, doors)` each, in door-numbering order, all shut and locked.
    pub fn spawn_bus(boards: &[(u8, u16)]) -> std::io::Result<LockerSim> {
        let model = Model::new(boards, Instant::now()).map_err(|e| match e {
            LockerError::Io(e) => e,
            other => std::io::Error::new(std::io::ErrorKind::InvalidInput, other.to_string()),
        })?;
        let crate::pty::PtyPair {
            master,
            slave,
            path,
        } = crate::pty::open(Duration::from_millis(10))?;
        let shared = Arc::new(Shared {
            model: Mutex::new(model),
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

    /// Doors on the simulated line.
    pub fn doors(&self) -> u16 {
        self.shared.lock().map().doors()
    }

    /// Every door as the citizen would see it (open or shut, whatever its sensor says), door 1 first.
    pub fn door_states(&self) -> Vec<DoorState> {
        self.shared.lock().door_states()
    }

    /// Doors whose lock a board fired, in order (an audit of what the driver sent).
    pub fn opened_log(&self) -> Vec<u16> {
        self.shared.lock().pulses()
    }

    /// What happened to the doors (fired, opened, forced, shut, sensor broken), oldest first.
    pub fn door_log(&self) -> Vec<DoorLogEntry> {
        self.shared.lock().door_log()
    }

    /// Every frame on the line with its time: host frames, echoes, answers, pushes, noise. Oldest first.
    pub fn wire_log(&self) -> Vec<WireRecord> {
        self.shared.lock().wire_log()
    }

    fn with_door(&self, door: u16, f: impl FnOnce(&mut Model, usize)) {
        let mut m = self.shared.lock();
        if let Some(i) = m.index(door) {
            f(&mut m, i);
        }
    }

    /// A citizen shuts door `door`: the lock latches and the board pushes `82 bb ll 11 cs`. No-op if the door
    /// does not exist or is already shut.
    pub fn close_door(&self, door: u16) {
        self.with_door(door, |m, i| m.shut(i, Instant::now()));
    }

    /// Door `door` is pulled open with no command behind it; the board pushes the opening.
    pub fn force_open(&self, door: u16) {
        self.with_door(door, |m, i| m.force_open(i, Instant::now()));
    }

    /// Jam door `door`: its lock clicks when fired, but the door stays shut.
    pub fn set_jammed(&self, door: u16, jammed: bool) {
        self.with_door(door, |m, i| m.set_jammed(i, jammed));
    }

    /// Break (or repair) door `door`'s sensor wire: broken, it reads open whatever the door does.
    pub fn set_sensor_broken(&self, door: u16, broken: bool) {
        self.with_door(door, |m, i| m.set_sensor_broken(i, broken, Instant::now()));
    }

    /// What the citizen at door `door` does once its lock is released.
    pub fn set_citizen(&self, door: u16, citizen: Citizen) {
        self.with_door(door, |m, i| m.set_citizen(i, citizen));
    }

    /// Make the line's adapter echo every byte the host sends (before any board answers).
    pub fn set_echo(&self, on: bool) {
        self.shared.lock().set_echo(on);
    }

    /// Make the boards push door changes by themselves (the default) or not (boards that never push, or whose
    /// pushes are lost): the host then finds changes only by reading.
    pub fn set_pushes(&self, on: bool) {
        self.shared.lock().set_pushes(on);
    }

    /// Make every board answer nothing (unpowered, cable cut); commands received meanwhile are lost. The
    /// adapter's echo, being the adapter's, goes on.
    pub fn set_silent(&self, silent: bool) {
        self.shared.lock().set_silent(None, silent);
    }

    /// Make board `board` answer nothing (or answer again). No-op for a board not on the line.
    pub fn set_board_silent(&self, board: u8, silent: bool) {
        self.shared.lock().set_silent(Some(board), silent);
    }

    /// Write raw bytes to the host (line noise, a corrupted frame) at the next turn of the boards' loop.
    pub fn inject(&self, bytes: &[u8]) {
        self.shared.lock().inject(bytes);
    }

    /// The command list, one line, for a technician's console.
    pub fn help() -> &'static str {
        command::HELP
    }

    /// Parse and carry out one command line (see [`SimCommand`]); returns what to show the technician.
    pub fn run(&self, line: &str) -> Result<String, LockerError> {
        let command: SimCommand = line.parse()?;
        self.apply(&command)
    }

    /// Carry out one command; returns what to show the technician.
    pub fn apply(&self, command: &SimCommand) -> Result<String, LockerError> {
        let mut guard = self.shared.lock();
        let m: &mut Model = &mut guard;
        let now = Instant::now();
        let door = |m: &Model, d: u16| {
            m.index(d).ok_or(LockerError::NoSuchDoor {
                door: d,
                doors: m.map().doors(),
            })
        };
        match *command {
            SimCommand::Close(d) => m.shut(door(m, d)?, now),
            SimCommand::Force(d) => m.force_open(door(m, d)?, now),
            SimCommand::Jam(d, on) => m.set_jammed(door(m, d)?, on),
            SimCommand::SensorBroken(d, on) => m.set_sensor_broken(door(m, d)?, on, now),
            SimCommand::Citizen(d, c) => m.set_citizen(door(m, d)?, c),
            SimCommand::Echo(on) => m.set_echo(on),
            SimCommand::Push(on) => m.set_pushes(on),
            SimCommand::Silent(on, board) => {
                if !m.set_silent(board, on) {
                    return Err(LockerError::Config(format!(
                        "no board {} on the simulated line",
                        board.unwrap_or_default()
                    )));
                }
            }
            SimCommand::Noise(ref bytes) => m.inject(bytes),
            SimCommand::State => return Ok(m.describe()),
            SimCommand::Log => {
                let started = m.started();
                let log = m.door_log();
                let lines: Vec<String> = log
                    .iter()
                    .rev()
                    .take(20)
                    .rev()
                    .map(|e| {
                        format!(
                            "{:>9} ms  door {:>3}  {:?}",
                            e.at.saturating_duration_since(started).as_millis(),
                            e.door,
                            e.what
                        )
                    })
                    .collect();
                return Ok(lines.join("\n"));
            }
            SimCommand::Help => return Ok(command::HELP.to_string()),
        }
        Ok("ok".to_string())
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

fn run(mut master: TTYPort, shared: &Shared) {
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
            let mut m = shared.lock();
            let now = Instant::now();
            if n > 0 {
                m.on_bytes(&buf[..n], now);
            }
            m.tick(now);
            m.take_out(Instant::now())
        };
        for bytes in out {
            if let Err(e) = master.write_all(&bytes) {
                tracing::debug!("locker sim write: {e}");
            }
        }
    }
}
