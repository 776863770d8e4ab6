//! The locker, owned by one thread: every lock board on its RS-485 line behind one [`LockerBus`]. It opens doors on
//! request (the lock is fired, then the opening is proven by the door sensor), watches every door it opened until
//! it is shut again — a door still open after the configured time is a "door left open" alert — and reports doors
//! that open with no command behind them as security alerts. Between requests it drains the boards' pushes and
//! reads every board now and then, so a silent board or a jammed door shows in the device health. The app never
//! sees the wire: it gets [`OpenedDoor`] replies and [`LockerEvent`]s.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sanban_hardware::locker::{
    BusOptions, DoorChange, DoorPolarity, DoorState, LineStatus, LockerBus, LockerError,
    LockerFamily, OpenOutcome,
};
use sanban_hardware::transport::SerialTransport;

use super::health::{DeviceKind, HealthBoard};
use super::worker::{self, Device, Link};

/// How the app hears of an opening it asked for.
pub type OpenReply = Box<dyn FnOnce(Result<OpenedDoor, String>) + Send>;

pub enum Command {
    Open {
        door: u16,
        reply: OpenReply,
    },
    Query {
        reply: Sender<Result<Vec<DoorState>, String>>,
    },
}

/// How an opening went, as the app needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenedDoor {
    pub door: u16,
    /// `Opened` (proven by the sensor), `Jammed` (the door never read open) or `SensorStuckOpen` (fired, unproven).
    pub outcome: OpenOutcome,
    /// When the worker took the request, when the fire command left, when the sensor read open.
    pub requested_at: Instant,
    pub pulse_sent_at: Instant,
    pub confirmed_at: Option<Instant>,
}

/// What the locker tells the app by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockerEvent {
    /// A door the kiosk opened (or one that opened unexpectedly) reads shut again.
    Closed { door: u16, open_for: Duration },
    /// A door has stayed open longer than the configured time (reported once per opening).
    LeftOpen { door: u16, open_for: Duration },
    /// A door opened with no command behind it: forced, or a sensor wire that just broke.
    OpenedUnexpectedly { door: u16 },
}

/// Where and how the locker is wired.
#[derive(Debug, Clone)]
pub struct LockerSetup {
    pub path: String,
    pub baud: u32,
    pub family: LockerFamily,
    /// `(address, doors)` per board, in door-numbering order.
    pub boards: Vec<(u8, u16)>,
    pub polarity: DoorPolarity,
    pub options: BusOptions,
    /// How often an idle locker's boards are read (health; lost pushes).
    pub poll: Duration,
    /// A watched door still open after this is a "door left open" alert.
    pub left_open_after: Duration,
}

#[derive(Clone)]
pub struct LockerHandle {
    tx: Option<Sender<Command>>,
    events: Arc<Mutex<Receiver<LockerEvent>>>,
    doors: u16,
}

impl LockerHandle {
    pub fn start(setup: Option<LockerSetup>, health: HealthBoard) -> LockerHandle {
        let (events_tx, events_rx) = mpsc::channel();
        let doors = setup
            .as_ref()
            .map(|s| s.boards.iter().map(|&(_, d)| d).sum())
            .unwrap_or(0);
        let target = setup.map(|setup| {
            (
                setup.path.clone(),
                Lockers {
                    setup,
                    watched: BTreeMap::new(),
                    jammed: BTreeSet::new(),
                    events: events_tx,
                    next_query: Instant::now(),
                    line: None,
                    failed: false,
                },
            )
        });
        LockerHandle {
            tx: worker::spawn("locker", DeviceKind::Locker, target, health),
            events: Arc::new(Mutex::new(events_rx)),
            doors,
        }
    }

    /// Whether a locker is configured at all.
    pub fn available(&self) -> bool {
        self.tx.is_some()
    }

    /// Doors on the locker, numbered `1..=doors()` (0 when none is configured).
    pub fn doors(&self) -> u16 {
        self.doors
    }

    /// Fire door `door`'s lock and prove the opening by its sensor; `done` runs on the locker thread with the
    /// outcome (within about 2 s: the confirm time plus a board read).
    pub fn open(&self, door: u16, done: impl FnOnce(Result<OpenedDoor, String>) + Send + 'static) {
        let Some(tx) = &self.tx else {
            done(Err("no locker configured".into()));
            return;
        };
        if let Err(mpsc::SendError(Command::Open { reply, .. })) = tx.send(Command::Open {
            door,
            reply: Box::new(done),
        }) {
            reply(Err("locker thread stopped".into()));
        }
    }

    /// [`open`](Self::open), waiting for the outcome at most `timeout` (technician commands, tests).
    pub fn open_blocking(&self, door: u16, timeout: Duration) -> Result<OpenedDoor, String> {
        let (tx, rx) = mpsc::channel();
        self.open(door, move |r| {
            let _ = tx.send(r);
        });
        rx.recv_timeout(timeout)
            .map_err(|_| "locker did not answer".to_string())?
    }

    /// Read every board now: each door open or shut, door 1 first.
    pub fn query(&self, timeout: Duration) -> Result<Vec<DoorState>, String> {
        let tx = self.tx.as_ref().ok_or("no locker configured")?;
        let (reply, rx) = mpsc::channel();
        tx.send(Command::Query { reply })
            .map_err(|_| "locker thread stopped".to_string())?;
        rx.recv_timeout(timeout)
            .map_err(|_| "locker did not answer".to_string())?
    }

    /// The events since the last call, oldest first (one consumer: the app).
    pub fn take_events(&self) -> Vec<LockerEvent> {
        let rx = self.events.lock().unwrap_or_else(|e| e.into_inner());
        rx.try_iter().collect()
    }
}

/// A door the worker watches until it is shut.
#[derive(Debug, Clone, Copy)]
struct Watch {
    opened_at: Instant,
    alerted: bool,
}

struct Lockers {
    setup: LockerSetup,
    watched: BTreeMap<u16, Watch>,
    /// Doors whose last opening was jammed (until they are seen open): the technician's fault list.
    jammed: BTreeSet<u16>,
    events: Sender<LockerEvent>,
    next_query: Instant,
    /// The line's health at the last read, for the technician.
    line: Option<LineStatus>,
    /// The last exchange with the boards failed (its fault is on the health board until one succeeds).
    failed: bool,
}

type Port = Box<dyn LockerBus>;

/// How often a door the kiosk waits on is read (pushes may be lost, some boards never push).
const WATCH_TICK: Duration = Duration::from_millis(200);
/// How often pushes are drained while nothing is watched: an unexpected opening shows within this.
const IDLE_TICK: Duration = Duration::from_millis(500);

impl Device for Lockers {
    type Port = Port;
    type Command = Command;

    fn open(&mut self, path: &str) -> Result<Port, String> {
        let s = &self.setup;
        let t = SerialTransport::open(path, s.baud).map_err(|e| e.to_string())?;
        s.family
            .connect(t, &s.boards, s.polarity, s.options.clone())
            .map_err(|e| e.to_string())
    }

    fn serve(&mut self, link: &mut Link<Port>, command: Command) {
        match command {
            Command::Open { door, reply } => {
                let requested_at = Instant::now();
                let result = self.with_bus(link, |b| b.open(door));
                let result = result.map(|r| {
                    match r.outcome {
                        OpenOutcome::Opened | OpenOutcome::SensorStuckOpen => {
                            self.jammed.remove(&door);
                            self.watched.insert(
                                door,
                                Watch {
                                    opened_at: r.confirmed_at.unwrap_or(r.pulse_sent_at),
                                    alerted: false,
                                },
                            );
                        }
                        OpenOutcome::Jammed => {
                            self.jammed.insert(door);
                        }
                    }
                    OpenedDoor {
                        door,
                        outcome: r.outcome,
                        requested_at,
                        pulse_sent_at: r.pulse_sent_at,
                        confirmed_at: r.confirmed_at,
                    }
                });
                // The reply first: a citizen is waiting for it. The opening's own events are drained next tick.
                reply(result);
                self.report_health(link);
            }
            Command::Query { reply } => {
                let result = self.with_bus(link, |b| b.query());
                self.drain(link);
                let _ = reply.send(result);
                self.report_health(link);
            }
        }
    }

    fn tick(&mut self, link: &mut Link<Port>) -> Duration {
        if link.port(self).is_err() {
            return link.until_retry().max(Duration::from_millis(100));
        }
        self.drain(link);
        let now = Instant::now();
        if !self.watched.is_empty() || now >= self.next_query {
            if self.with_bus(link, |b| b.query()).is_ok() {
                self.line = link.port(self).ok().map(|b| b.line_status());
            }
            self.next_query = Instant::now() + self.setup.poll;
            self.drain(link);
        }
        let now = Instant::now();
        for (door, watch) in self.watched.iter_mut() {
            let open_for = now.saturating_duration_since(watch.opened_at);
            if !watch.alerted && open_for >= self.setup.left_open_after {
                watch.alerted = true;
                tracing::warn!(door, "locker door left open for {} s", open_for.as_secs());
                let _ = self.events.send(LockerEvent::LeftOpen {
                    door: *door,
                    open_for,
                });
            }
        }
        self.report_health(link);
        if self.watched.is_empty() {
            IDLE_TICK.min(self.setup.poll)
        } else {
            WATCH_TICK
        }
    }
}

impl Lockers {
    fn with_bus<T>(
        &mut self,
        link: &mut Link<Port>,
        f: impl FnOnce(&mut dyn LockerBus) -> Result<T, LockerError>,
    ) -> Result<T, String> {
        let bus = link.port(self)?;
        match f(bus.as_mut()) {
            Ok(v) => {
                self.failed = false;
                Ok(v)
            }
            Err(e) => {
                self.failed = true;
                let text = e.to_string();
                match e {
                    LockerError::Io(_) => link.lost(&text),
                    // A door number the app got wrong says nothing about the boards.
                    LockerError::NoSuchDoor { .. } => self.failed = false,
                    _ => link.fault(&text),
                }
                Err(text)
            }
        }
    }

    /// Every door change the bus heard since the last call, turned into the app's events.
    fn drain(&mut self, link: &mut Link<Port>) {
        loop {
            // Only the events the bus already holds or the line already carries: no exchange with a board, so
            // this says nothing of the boards' health.
            let Ok(bus) = link.port(self) else { return };
            let event = match bus.poll_event(Duration::ZERO) {
                Ok(Some(e)) => e,
                Ok(None) => return,
                Err(e) => {
                    if matches!(e, LockerError::Io(_)) {
                        self.failed = true;
                        link.lost(&e.to_string());
                    }
                    return;
                }
            };
            match event.change {
                DoorChange::Opened => {}
                DoorChange::OpenedUnexpectedly => {
                    tracing::warn!(
                        door = event.door,
                        board = event.addr.board,
                        "locker door opened with no command"
                    );
                    self.jammed.remove(&event.door);
                    // Watched like any open door: shut again, or left open.
                    self.watched.entry(event.door).or_insert(Watch {
                        opened_at: event.at,
                        alerted: false,
                    });
                    let _ = self
                        .events
                        .send(LockerEvent::OpenedUnexpectedly { door: event.door });
                }
                DoorChange::Closed => {
                    if let Some(w) = self.watched.remove(&event.door) {
                        let _ = self.events.send(LockerEvent::Closed {
                            door: event.door,
                            open_for: event.at.saturating_duration_since(w.opened_at),
                        });
                    }
                }
            }
        }
    }

    /// The locker's health: faults of the line are set where they happen; here, a working line with its doors.
    fn report_health(&self, link: &Link<Port>) {
        if !link.is_open() || self.failed {
            return;
        }
        let mut detail = format!(
            "ready · {} doors",
            self.setup.boards.iter().map(|b| b.1).sum::<u16>()
        );
        if let Some(line) = &self.line {
            detail.push_str(&format!(" · echo {:?}", line.echo));
            if line.noise_bytes > 0 {
                detail.push_str(&format!(" · {} noise bytes", line.noise_bytes));
            }
        }
        if self.jammed.is_empty() {
            link.ok(&detail);
        } else {
            let doors: Vec<String> = self.jammed.iter().map(|d| d.to_string()).collect();
            link.warn(&format!("door {} jammed · {detail}", doors.join(", ")));
        }
    }
}
