//! The skeleton every device thread runs: one thread owns one serial device; commands arrive over a channel;
//! between commands the device ticks (a health check, or polling while a citizen waits); a port that cannot be
//! opened, or that vanished, is reopened with exponential backoff. Each device says only what is its own: how to
//! open it, how to serve a command, what to do on a tick.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use backon::{BackoffBuilder, ExponentialBuilder};
use sanban_wire::DeviceState;

use super::health::{DeviceKind, HealthBoard};

/// A device as the skeleton drives it.
pub(crate) trait Device: Send + 'static {
    type Port: Send + 'static;
    type Command: Send + 'static;

    /// Open the port at `path`; the error is shown to the technician.
    fn open(&mut self, path: &str) -> Result<Self::Port, String>;
    /// Serve one command.
    fn serve(&mut self, link: &mut Link<Self::Port>, command: Self::Command);
    /// Periodic work between commands; returns how long until the next tick.
    fn tick(&mut self, link: &mut Link<Self::Port>) -> Duration;
}

/// The device's connection: its port when open, and when to try opening it again.
pub(crate) struct Link<P> {
    kind: DeviceKind,
    path: String,
    port: Option<P>,
    backoff: Box<dyn Iterator<Item = Duration> + Send>,
    retry_at: Instant,
    health: HealthBoard,
}

/// The one reconnect policy of every device: 0.5 s doubling to 30 s, with jitter so devices that vanished together
/// (a USB hub reset) do not retry in lockstep.
fn reconnect_backoff() -> Box<dyn Iterator<Item = Duration> + Send> {
    Box::new(
        ExponentialBuilder::default()
            .with_min_delay(Duration::from_millis(500))
            .with_max_delay(Duration::from_secs(30))
            .with_jitter()
            .without_max_times()
            .build(),
    )
}

impl<P> Link<P> {
    /// The open port, opening it first if it is closed and its backoff has passed.
    pub fn port<D: Device<Port = P>>(&mut self, device: &mut D) -> Result<&mut P, String> {
        if self.port.is_none() {
            if Instant::now() < self.retry_at {
                return Err(format!("{} is reconnecting", self.path));
            }
            match device.open(&self.path) {
                Ok(p) => {
                    self.port = Some(p);
                    self.backoff = reconnect_backoff();
                }
                Err(e) => {
                    let wait = self.backoff.next().unwrap_or(Duration::from_secs(30));
                    self.retry_at = Instant::now() + wait;
                    let why = format!("cannot open {}: {e}", self.path);
                    self.fault(&why);
                    return Err(why);
                }
            }
        }
        Ok(self.port.as_mut().expect("just opened"))
    }

    pub fn is_open(&self) -> bool {
        self.port.is_some()
    }

    /// The port failed (unplugged, I/O error): drop it and reopen after a backoff.
    pub fn lost(&mut self, why: &str) {
        self.port = None;
        let wait = self.backoff.next().unwrap_or(Duration::from_secs(30));
        self.retry_at = Instant::now() + wait;
        self.fault(why);
    }

    pub fn ok(&self, detail: &str) {
        self.health.set(self.kind, DeviceState::Ok, detail);
    }

    pub fn warn(&self, detail: &str) {
        self.health.set(self.kind, DeviceState::Warning, detail);
    }

    pub fn fault(&self, detail: &str) {
        self.health.set(self.kind, DeviceState::Fault, detail);
    }

    /// How long until the port may be opened again (zero when open or due).
    pub fn until_retry(&self) -> Duration {
        self.retry_at.saturating_duration_since(Instant::now())
    }
}

/// Start a device's thread on its path; commands go through the returned sender. `None`: not configured.
pub(crate) fn spawn<D: Device>(
    name: &str,
    kind: DeviceKind,
    target: Option<(String, D)>,
    health: HealthBoard,
) -> Option<Sender<D::Command>> {
    let Some((path, mut device)) = target else {
        health.set(kind, DeviceState::Absent, "not configured");
        return None;
    };
    let (tx, rx): (Sender<D::Command>, Receiver<D::Command>) = mpsc::channel();
    std::thread::Builder::new()
        .name(name.into())
        .spawn(move || {
            let mut link = Link {
                kind,
                path,
                port: None,
                backoff: reconnect_backoff(),
                retry_at: Instant::now(),
                health,
            };
            let mut next_tick = Instant::now();
            loop {
                match rx.recv_timeout(next_tick.saturating_duration_since(Instant::now())) {
                    Ok(command) => device.serve(&mut link, command),
                    Err(RecvTimeoutError::Timeout) => {
                        next_tick = Instant::now() + device.tick(&mut link);
                    }
                    Err(RecvTimeoutError::Disconnected) => return,
                }
            }
        })
        .expect("spawn device thread");
    Some(tx)
}
