//! `sanban-kiosk locker …`: the staff's locker work from a technician's shell, with the kiosk stopped (it owns the
//! locker's serial line while it runs). The same store calls as the staff page (`begin_deposit` before the lock is
//! fired, `finish_deposit` once the door is shut, `fail_deposit` when it never opened) and the same locker worker
//! (fire, prove by the sensor, report the door shut), so a deposit made here is exactly one made on the screen.

use std::str::FromStr;
use std::time::{Duration, Instant};

use sanban_hardware::locker::OpenOutcome;
use serde::Serialize;

use crate::config::Config;
use crate::devices::health::HealthBoard;
use crate::devices::locker::{LockerEvent, LockerHandle};
use crate::store::pickups::{LockerDocument, PickupState, DOCUMENT_NO_MAX};
use crate::store::{Store, StoreError};

/// A document's number as printed on it: 1–32 letters and digits, kept in capitals (what the staff page's
/// keyboard produces).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentNo(String);

impl DocumentNo {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for DocumentNo {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.is_empty() || s.chars().count() > DOCUMENT_NO_MAX {
            return Err(format!("1 to {DOCUMENT_NO_MAX} letters and digits"));
        }
        if !s.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err("letters and digits only".into());
        }
        Ok(DocumentNo(s.to_ascii_uppercase()))
    }
}

/// How a deposit ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DepositOutcome {
    /// The door opened and was shut again: the document is in, `locker.deposited` is queued.
    Deposited,
    /// The door never read open: nothing deposited, the door is free again, a jammed-door alert is queued.
    Jammed,
    /// The door was not shut in time (or its sensor cannot tell): held for the staff to check, with an alert.
    Held,
}

/// What `locker deposit` did.
#[derive(Debug, Clone, Serialize)]
pub struct DepositReport {
    pub door: u16,
    pub document_no: String,
    pub pickup_id: String,
    pub outcome: DepositOutcome,
    /// The outbox sequence of the event queued for the platform (deposited or jammed).
    pub outbox_seq: Option<u64>,
}

/// Where the deposit stands, for the operator watching the command.
pub trait Progress {
    fn door_open(&mut self, door: u16);
}

/// Put document `number` into `door`: journal it, fire the lock, wait (at most `wait`) for the door to be shut.
/// Refuses a door that is not free (nothing fired) and a door the locker does not have.
pub fn deposit(
    config: &Config,
    door: u16,
    number: &DocumentNo,
    wait: Duration,
    progress: &mut dyn Progress,
) -> anyhow::Result<DepositReport> {
    let locker = start_locker(config)?;
    if door == 0 || door > locker.doors() {
        anyhow::bail!("door {door}: the locker has doors 1 to {}", locker.doors());
    }
    // A locker that does not answer gets no journal entry: nothing would settle it before the kiosk starts.
    locker.query(Duration::from_secs(5)).map_err(|e| {
        anyhow::anyhow!(
            "the locker on {} does not answer: {e}",
            config.devices.locker
        )
    })?;
    let mut store = Store::open(&config.database_path())?;
    let tz = config.time_zone()?;
    let opening = match store.begin_deposit(door, number.as_str(), "", chrono::Utc::now()) {
        Ok(o) => o,
        Err(StoreError::AlreadyDone(_)) => {
            anyhow::bail!("door {door} is not free (a document is in it or on its way in)")
        }
        Err(e) => return Err(e.into()),
    };
    let report = |outcome, seq| DepositReport {
        door,
        document_no: number.as_str().to_string(),
        pickup_id: opening.pickup_id.clone(),
        outcome,
        outbox_seq: seq,
    };
    tracing::info!(door, "locker deposit: opening locker door");
    let opened = locker.open_blocking(door, Duration::from_secs(10));
    match opened {
        Ok(d) if d.outcome == OpenOutcome::Opened => {}
        Ok(d) if d.outcome == OpenOutcome::Jammed => {
            let c = store.fail_deposit(&opening, chrono::Utc::now(), tz)?;
            return Ok(report(DepositOutcome::Jammed, Some(c.outbox_seq)));
        }
        // Fired, but the sensor cannot prove the door: the staff must look (held, with an alert).
        Ok(_) => {
            store.resolve_interrupted_opening(&opening, false, chrono::Utc::now(), tz)?;
            return Ok(report(DepositOutcome::Held, None));
        }
        // Not known to have fired: the journal stays pending and the kiosk's next start settles it from the
        // door's sensor, as after a crash.
        Err(e) => anyhow::bail!(
            "door {door}: {e}; the deposit stays journalled and is settled when the kiosk starts"
        ),
    }
    progress.door_open(door);
    let deadline = Instant::now() + wait;
    while Instant::now() < deadline {
        let shut = locker
            .take_events()
            .into_iter()
            .any(|e| matches!(e, LockerEvent::Closed { door: d, .. } if d == door));
        if shut {
            let c = store.finish_deposit(&opening, chrono::Utc::now(), tz)?;
            return Ok(report(DepositOutcome::Deposited, Some(c.outbox_seq)));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    // Left open: whether the document is in is for the staff to see.
    store.resolve_interrupted_opening(&opening, true, chrono::Utc::now(), tz)?;
    Ok(report(DepositOutcome::Held, None))
}

/// One door, as `locker status` shows it: its sensor and what the store has in it.
#[derive(Debug, Clone, Serialize)]
pub struct DoorStatus {
    pub door: u16,
    /// "open" or "shut"; none when the locker could not be read.
    pub sensor: Option<&'static str>,
    /// waiting, held, posted, depositing, deposited, opening; none when free.
    pub state: Option<&'static str>,
    pub document: Option<String>,
    pub document_no: Option<String>,
    /// When it was put in (RFC 3339), and how many whole days ago.
    pub since: Option<String>,
    pub days: Option<i64>,
    /// Waiting longer than `[pickup] overdue_days`.
    pub overdue: bool,
    pub hold_reason: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LockerStatus {
    pub doors: Vec<DoorStatus>,
    pub overdue_days: u32,
    /// Why the sensors are missing, when they are.
    pub sensors_error: Option<String>,
}

/// Every door: its sensor (read through the locker worker) and its document (from the store).
pub fn status(config: &Config) -> anyhow::Result<LockerStatus> {
    let locker = start_locker(config)?;
    let store = Store::open(&config.database_path())?;
    let now = chrono::Utc::now();
    let overdue_days = config.pickup.overdue_days;
    let overdue: Vec<String> = store
        .overdue_pickups(now, overdue_days)?
        .into_iter()
        .map(|d| d.pickup_id)
        .collect();
    let documents: Vec<LockerDocument> = store
        .locker_documents()?
        .into_iter()
        .filter(|d| d.state.occupies_door())
        .collect();
    let (sensors, sensors_error) = match locker.query(Duration::from_secs(5)) {
        Ok(s) => (s, None),
        Err(e) => (Vec::new(), Some(e)),
    };
    let doors = (1..=locker.doors())
        .map(|door| {
            let doc = documents.iter().find(|d| d.door == door);
            DoorStatus {
                door,
                sensor: sensors.iter().find(|s| s.door == door).map(|s| {
                    if s.is_open {
                        "open"
                    } else {
                        "shut"
                    }
                }),
                state: doc.map(|d| d.state.as_str()),
                document: doc.map(|d| d.document.clone()).filter(|s| !s.is_empty()),
                document_no: doc.and_then(|d| d.document_no.clone()),
                since: doc.map(|d| d.deposited_at.to_rfc3339()),
                days: doc.map(|d| (now - d.deposited_at).num_days().max(0)),
                overdue: doc.is_some_and(|d| overdue.contains(&d.pickup_id)),
                hold_reason: doc
                    .filter(|d| d.state == PickupState::Held)
                    .and_then(|d| d.hold_reason.clone()),
            }
        })
        .collect();
    Ok(LockerStatus {
        doors,
        overdue_days,
        sensors_error,
    })
}

/// The configured locker behind the kiosk's own worker (health goes nowhere: this is a one-off command).
fn start_locker(config: &Config) -> anyhow::Result<LockerHandle> {
    let path = match config.devices.locker.as_str() {
        "none" => anyhow::bail!("no locker is configured ([devices] locker = \"none\")"),
        "sim" => anyhow::bail!(
            "[devices] locker = \"sim\" is the kiosk's own simulator; give the locker's device path"
        ),
        path => path.to_string(),
    };
    let setup = crate::devices::locker_setup(&config.devices, path);
    Ok(LockerHandle::start(Some(setup), HealthBoard::new(None)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_number_is_letters_and_digits_kept_in_capitals() {
        assert_eq!(
            "hn20261128".parse::<DocumentNo>().unwrap().as_str(),
            "HN20261128"
        );
        assert!("".parse::<DocumentNo>().is_err());
        assert!("HN 2026".parse::<DocumentNo>().is_err());
        assert!("证书1".parse::<DocumentNo>().is_err());
        assert!("A".repeat(33).parse::<DocumentNo>().is_err());
        assert!("A".repeat(32).parse::<DocumentNo>().is_ok());
    }
}
