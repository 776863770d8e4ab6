//! The ID card reader. It is polled for a card only while a page waits for one; otherwise it is asked for its SAM
//! status now and then, so a silent or unplugged reader shows in the status bar.
//!
//! A read hands the app a [`CitizenIdentity`]; the photo stays here and is dropped (zeroized) right after the read.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::Sender;
use std::sync::Arc;
use std::time::Duration;

use sanban_hardware::idcard::{IdCardError, IdReader};
use sanban_hardware::transport::SerialTransport;

use super::health::{DeviceKind, HealthBoard};
use super::identity::{CitizenIdentity, CitizenKey};
use super::worker::{self, Device, Link};

/// How a wait for a card ended.
#[derive(Debug)]
pub enum CardOutcome {
    Read(Box<CitizenIdentity>),
    /// The card was there but could not be read, or the reader does not answer; the reason is for the technician.
    Failed(String),
}

type Callback = Box<dyn FnOnce(CardOutcome) + Send>;

pub enum Command {
    Wait { key: CitizenKey, on_card: Callback },
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
        let reader = Reader {
            baud,
            poll,
            tz,
            waiting: None,
            errors: 0,
        };
        IdCardHandle {
            tx: worker::spawn(
                "idcard",
                DeviceKind::IdCard,
                path.map(|p| (p, reader)),
                health,
            ),
            generation: Arc::new(AtomicU64::new(0)),
        }
    }

    pub fn available(&self) -> bool {
        self.tx.is_some()
    }

    /// Start polling for a card; `on_card` runs once, on the reader thread, when one was read (or failed).
    pub fn wait_for_card(
        &self,
        key: CitizenKey,
        on_card: impl FnOnce(CardOutcome) + Send + 'static,
    ) {
        let mine = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        let generation = self.generation.clone();
        let on_card = move |outcome| {
            if generation.load(Ordering::SeqCst) == mine {
                on_card(outcome);
            }
        };
        match &self.tx {
            Some(tx) => {
                let _ = tx.send(Command::Wait {
                    key,
                    on_card: Box::new(on_card),
                });
            }
            None => on_card(CardOutcome::Failed("no ID card reader configured".into())),
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

struct Reader {
    baud: u32,
    poll: Duration,
    tz: chrono_tz::Tz,
    waiting: Option<(CitizenKey, Callback)>,
    errors: u32,
}

type Port = IdReader<SerialTransport>;

impl Device for Reader {
    type Port = Port;
    type Command = Command;

    fn open(&mut self, path: &str) -> Result<Port, String> {
        SerialTransport::open(path, self.baud)
            .map(|t| IdReader::new(t).with_timeout(Duration::from_millis(1500)))
            .map_err(|e| e.to_string())
    }

    fn serve(&mut self, link: &mut Link<Port>, command: Command) {
        match command {
            Command::Wait { key, on_card } => {
                self.waiting = Some((key, on_card));
                self.errors = 0;
                self.poll_card(link);
            }
            Command::Cancel => self.waiting = None,
        }
    }

    fn tick(&mut self, link: &mut Link<Port>) -> Duration {
        if self.waiting.is_some() {
            self.poll_card(link);
            return FIND_EVERY;
        }
        // Idle: the SAM must answer.
        let result = link.port(self).map(|r| r.sam_status());
        match result {
            Ok(Ok(_)) => link.ok("ready"),
            Ok(Err(e)) => self.fail(link, &e),
            Err(_) => {}
        }
        if link.is_open() {
            self.poll
        } else {
            link.until_retry().max(Duration::from_millis(100))
        }
    }
}

impl Reader {
    /// One find → select → read attempt while a citizen waits.
    fn poll_card(&mut self, link: &mut Link<Port>) {
        let outcome = match link.port(self) {
            Err(_) => self.give_up_after_errors("the reader cannot be opened"),
            Ok(reader) => match reader.read_card() {
                Ok(read) => {
                    self.errors = 0;
                    link.ok("ready");
                    // The photo (read.photo) is dropped with `read` at the end of this arm, zeroized.
                    self.waiting.as_ref().map(|(key, _)| {
                        let today = crate::clock::card_today(self.tz);
                        CardOutcome::Read(Box::new(CitizenIdentity::new(read.record, today, key)))
                    })
                }
                Err(IdCardError::NoCard) => {
                    link.ok("ready");
                    None
                }
                Err(e @ (IdCardError::Timeout { .. } | IdCardError::Io(_))) => {
                    self.fail(link, &e);
                    self.give_up_after_errors("the reader does not answer")
                }
                // A card is there but unreadable (moved, checksum, bad record): tell the citizen.
                Err(e) => {
                    tracing::warn!("card read failed: {e}");
                    Some(CardOutcome::Failed(e.to_string()))
                }
            },
        };
        if let Some(outcome) = outcome {
            if let Some((_, on_card)) = self.waiting.take() {
                on_card(outcome);
            }
        }
    }

    fn give_up_after_errors(&mut self, why: &str) -> Option<CardOutcome> {
        self.errors += 1;
        (self.errors >= ERRORS_BEFORE_GIVING_UP).then(|| CardOutcome::Failed(why.to_string()))
    }

    fn fail(&mut self, link: &mut Link<Port>, e: &IdCardError) {
        if matches!(e, IdCardError::Io(_)) {
            link.lost(&e.to_string()); // reopen on the next attempt
        } else {
            link.fault(&e.to_string());
        }
    }
}
