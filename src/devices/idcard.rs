//! The ID card reader, owned by one thread. It is polled for a card only while a page waits for one; otherwise
//! it is asked for its SAM status now and then, so a silent or unplugged reader shows in the status bar.
//!
//! Only what the app needs leaves this module: the masked name and the age. The full record (and the photo) is
//! dropped here, right after the read.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sanban_hardware::idcard::{IdCardError, IdReader};
use sanban_hardware::transport::SerialTransport;
use sanban_wire::DeviceState;

use super::health::{DeviceKind, HealthBoard};

/// What a card read gives the app: never the raw ID number or name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardSummary {
    pub masked_name: String,
    pub age: u32,
    pub expired: bool,
}

/// How a wait for a card ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardOutcome {
    Read(CardSummary),
    /// The card was there but could not be read; the citizen should place it again.
    Failed(String),
}

type Callback = Box<dyn FnOnce(CardOutcome) + Send>;

enum Command {
    Wait { on_card: Callback },
    Cancel,
}

#[derive(Clone)]
pub struct IdCardHandle {
    tx: Option<Sender<Command>>,
    /// Bumped by every wait and cancel: a read that finishes after its citizen left is dropped, never handed to
    /// the next citizen.
    generation: Arc<AtomicU64>,
}

impl IdCardHandle {
    pub fn start(
        path: Option<String>,
        baud: u32,
        poll: Duration,
        tz: chrono_tz::Tz,
        health: HealthBoard,
    ) -> IdCardHandle {
        let generation = Arc::new(AtomicU64::new(0));
        let Some(path) = path else {
            health.set(DeviceKind::IdCard, DeviceState::Absent, "not configured");
            return IdCardHandle {
                tx: None,
                generation,
            };
        };
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("idcard".into())
            .spawn(move || {
                Worker {
                    path,
                    baud,
                    poll,
                    tz,
                    health,
                    reader: None,
                    backoff: Duration::ZERO,
                    errors: 0,
                }
                .run(rx)
            })
            .expect("spawn idcard thread");
        IdCardHandle {
            tx: Some(tx),
            generation,
        }
    }

    pub fn available(&self) -> bool {
        self.tx.is_some()
    }

    /// Start polling for a card; `on_card` runs once, on the reader thread, when one was read (or failed).
    pub fn wait_for_card(&self, on_card: impl FnOnce(CardOutcome) + Send + 'static) {
        let mine = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        let generation = self.generation.clone();
        let on_card = move |outcome| {
            if generation.load(Ordering::SeqCst) == mine {
                on_card(outcome);
            }
        };
        if let Some(tx) = &self.tx {
            let _ = tx.send(Command::Wait {
                on_card: Box::new(on_card),
            });
        }
    }

    /// Stop polling (the citizen left the page); a read already under way is discarded.
    pub fn cancel(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        if let Some(tx) = &self.tx {
            let _ = tx.send(Command::Cancel);
        }
    }
}

const FIND_EVERY: Duration = Duration::from_millis(300);
/// Reader errors in a row (silent, unplugged) before a waiting citizen is told, instead of waiting forever.
const ERRORS_BEFORE_GIVING_UP: u32 = 3;
const MAX_BACKOFF: Duration = Duration::from_secs(30);

struct Worker {
    path: String,
    baud: u32,
    poll: Duration,
    health: HealthBoard,
    tz: chrono_tz::Tz,
    reader: Option<IdReader<SerialTransport>>,
    backoff: Duration,
    errors: u32,
}

impl Worker {
    fn run(mut self, rx: Receiver<Command>) {
        let mut waiting: Option<Callback> = None;
        let mut next_check = Instant::now();
        loop {
            let interval = if waiting.is_some() {
                FIND_EVERY
            } else {
                next_check.saturating_duration_since(Instant::now())
            };
            match rx.recv_timeout(interval) {
                Ok(Command::Wait { on_card }) => {
                    waiting = Some(on_card);
                    self.errors = 0;
                }
                Ok(Command::Cancel) => waiting = None,
                Err(RecvTimeoutError::Disconnected) => return,
                Err(RecvTimeoutError::Timeout) => {}
            }
            if waiting.is_some() {
                if let Some(outcome) = self.try_read() {
                    if let Some(on_card) = waiting.take() {
                        on_card(outcome);
                    }
                }
            } else if Instant::now() >= next_check {
                self.check();
                next_check = Instant::now()
                    + if self.reader.is_some() {
                        self.poll
                    } else {
                        self.backoff
                    };
            }
        }
    }

    fn connect(&mut self) -> Option<&mut IdReader<SerialTransport>> {
        if self.reader.is_none() {
            match SerialTransport::open(&self.path, self.baud) {
                Ok(t) => {
                    self.reader = Some(IdReader::new(t).with_timeout(Duration::from_millis(1500)));
                    self.backoff = Duration::ZERO;
                }
                Err(e) => {
                    self.backoff =
                        (self.backoff * 2).clamp(Duration::from_millis(500), MAX_BACKOFF);
                    self.health.set(
                        DeviceKind::IdCard,
                        DeviceState::Fault,
                        format!("cannot open {}: {e}", self.path),
                    );
                    return None;
                }
            }
        }
        self.reader.as_mut()
    }

    /// Health check while idle: the SAM must answer.
    fn check(&mut self) {
        let Some(reader) = self.connect() else { return };
        let result = reader.sam_status();
        match result {
            Ok(_) => self
                .health
                .set(DeviceKind::IdCard, DeviceState::Ok, "ready"),
            Err(e) => self.fail(&e),
        }
    }

    /// One find → select → read attempt. `None`: no card yet, keep polling.
    fn try_read(&mut self) -> Option<CardOutcome> {
        let Some(reader) = self.connect() else {
            return self.give_up_after_errors("the reader cannot be opened");
        };
        match reader.read_card() {
            Ok(read) => {
                self.errors = 0;
                self.health
                    .set(DeviceKind::IdCard, DeviceState::Ok, "ready");
                let today = crate::clock::card_today(self.tz);
                let r = read.record;
                Some(CardOutcome::Read(CardSummary {
                    masked_name: r.masked_name(),
                    age: r.age_on(today),
                    expired: r.is_expired_on(today),
                }))
            }
            Err(IdCardError::NoCard) => {
                self.health
                    .set(DeviceKind::IdCard, DeviceState::Ok, "ready");
                None
            }
            Err(e @ (IdCardError::Timeout { .. } | IdCardError::Io(_))) => {
                self.fail(&e);
                self.give_up_after_errors("the reader does not answer")
            }
            // A card is there but unreadable (moved, checksum, bad record): tell the citizen.
            Err(e) => {
                tracing::warn!("card read failed: {e}");
                Some(CardOutcome::Failed(e.to_string()))
            }
        }
    }

    fn give_up_after_errors(&mut self, why: &str) -> Option<CardOutcome> {
        self.errors += 1;
        (self.errors >= ERRORS_BEFORE_GIVING_UP).then(|| CardOutcome::Failed(why.to_string()))
    }

    fn fail(&mut self, e: &IdCardError) {
        if matches!(e, IdCardError::Io(_)) {
            self.reader = None; // reopen on the next attempt
            self.backoff = self.backoff.max(Duration::from_millis(500));
        }
        self.health
            .set(DeviceKind::IdCard, DeviceState::Fault, e.to_string());
    }
}
