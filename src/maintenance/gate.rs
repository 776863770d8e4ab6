//! The door into maintenance mode: a technician's PIN, or the platform's one-time code, through the lock-out. Each
//! try that is checked is recorded with the pad's new state and a `maintenance.access` event in one transaction;
//! anything that cannot be recorded keeps the door shut.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sanban_wire::{AccessMethod, AccessOutcome, MaintenanceAccess, MaintenancePadState};
use zeroize::Zeroizing;

use super::credentials::{self, Credentials, Location};
use super::lockout;
use crate::clock::Clock;
use crate::config::Config;
use crate::store::maintenance::PadRow;
use crate::store::Store;

/// Who a one-time code lets in (recorded as the technician of the session's actions).
pub const CODE_TECHNICIAN: &str = "one-time-code";

/// What was typed on the pad.
pub enum Attempt {
    Pin(Zeroizing<String>),
    Code(Zeroizing<String>),
}

impl Attempt {
    fn method(&self) -> AccessMethod {
        match self {
            Attempt::Pin(_) => AccessMethod::Pin,
            Attempt::Code(_) => AccessMethod::OneTimeCode,
        }
    }
}

/// How a try ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    Granted {
        technician: String,
        method: AccessMethod,
    },
    /// Wrong; `tries_left` before the pad locks.
    Refused { tries_left: u32 },
    /// Wrong, and this try locked the pad.
    LockedOut { until: DateTime<Utc> },
    /// The pad was locked: nothing was checked.
    Locked { until: DateTime<Utc> },
    /// No PIN (or no one-time code secret) is provisioned on this kiosk.
    NotProvisioned,
    /// The credentials cannot be read, or the try cannot be recorded: the door stays shut; the reason is for the
    /// technician (never a secret).
    Unavailable(String),
}

/// What is provisioned, for the pad's own explanation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provisioning {
    pub location: Location,
    pub pins: bool,
    pub code: bool,
    /// The credentials file exists but cannot be used.
    pub problem: Option<String>,
}

/// The gate of one kiosk.
#[derive(Clone)]
pub struct Gate {
    location: Location,
    kiosk_id: String,
    store: Arc<Mutex<Store>>,
    clock: Arc<dyn Clock>,
    tz: Tz,
}

impl Gate {
    pub fn new(config: &Config, store: Arc<Mutex<Store>>, clock: Arc<dyn Clock>, tz: Tz) -> Gate {
        Gate {
            location: credentials::location(config),
            kiosk_id: config.kiosk.id.clone(),
            store,
            clock,
            tz,
        }
    }

    /// The same gate reading its credentials from `location` (tests, and `maintenance status`).
    pub fn with_location(mut self, location: Location) -> Gate {
        self.location = location;
        self
    }

    fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The pad's stored state.
    pub fn pad(&self) -> Result<PadRow, String> {
        self.store().maintenance_pad().map_err(|e| e.to_string())
    }

    /// The pad for the heartbeat (wrong tries in a row, a lock still running).
    pub fn pad_state(&self) -> Option<MaintenancePadState> {
        let pad = self.pad().ok()?;
        Some(MaintenancePadState {
            failures: pad.failures,
            locked_until: lockout::locked_until(&pad, self.clock.now()).map(|t| t.to_rfc3339()),
        })
    }

    /// Until when the pad is locked now, if it is.
    pub fn locked_until(&self) -> Option<DateTime<Utc>> {
        let pad = self.pad().ok()?;
        lockout::locked_until(&pad, self.clock.now())
    }

    /// What this kiosk has provisioned (reads the credentials file).
    pub fn provisioning(&self) -> Provisioning {
        match Credentials::load(&self.location.path) {
            Ok(c) => Provisioning {
                location: self.location.clone(),
                pins: c.has_pins(),
                code: c.code_secret().is_some(),
                problem: None,
            },
            Err(e) => Provisioning {
                location: self.location.clone(),
                pins: false,
                code: false,
                problem: Some(e.to_string()),
            },
        }
    }

    /// Check `attempt` (one Argon2id run per technician for a PIN: call it off the UI thread).
    pub fn try_enter(&self, attempt: Attempt) -> Entry {
        let now = self.clock.now();
        let pad = match self.pad() {
            Ok(p) => p,
            Err(e) => return Entry::Unavailable(format!("the kiosk database: {e}")),
        };
        if let Some(until) = lockout::locked_until(&pad, now) {
            return Entry::Locked { until };
        }
        let creds = match Credentials::load(&self.location.path) {
            Ok(c) => c,
            Err(e) => return Entry::Unavailable(e.to_string()),
        };
        let method = attempt.method();
        let granted = match &attempt {
            Attempt::Pin(pin) => {
                if !creds.has_pins() {
                    return Entry::NotProvisioned;
                }
                creds
                    .technician_with_pin(pin)
                    .map(|name| (name.to_string(), None))
            }
            Attempt::Code(code) => {
                let Some(secret) = creds.code_secret() else {
                    return Entry::NotProvisioned;
                };
                code_window(secret, &self.kiosk_id, code, now, pad.last_code_window)
                    .map(|window| (CODE_TECHNICIAN.to_string(), Some(window)))
            }
        };
        drop(attempt); // the typed PIN or code is zeroized here
        let (next, access) = match &granted {
            Some((technician, window)) => (
                lockout::after_success(&pad, *window),
                MaintenanceAccess {
                    method,
                    outcome: AccessOutcome::Granted,
                    technician: Some(technician.clone()),
                    failures: 0,
                    locked_until: None,
                },
            ),
            None => {
                let next = lockout::after_failure(&pad, now);
                let locked = lockout::locked_until(&next, now);
                (
                    next,
                    MaintenanceAccess {
                        method,
                        outcome: if locked.is_some() {
                            AccessOutcome::LockedOut
                        } else {
                            AccessOutcome::Refused
                        },
                        technician: None,
                        failures: next.failures,
                        locked_until: locked.map(|t| t.to_rfc3339()),
                    },
                )
            }
        };
        if let Err(e) = self
            .store()
            .record_maintenance_access(now, self.tz, &next, access)
        {
            tracing::error!("maintenance try not recorded: {e}");
            return Entry::Unavailable(format!("the try cannot be recorded: {e}"));
        }
        match granted {
            Some((technician, _)) => {
                tracing::info!(technician = %technician, ?method, "maintenance mode entered");
                Entry::Granted { technician, method }
            }
            None => {
                tracing::warn!(
                    ?method,
                    failures = next.failures,
                    "maintenance pad: wrong try"
                );
                match lockout::locked_until(&next, now) {
                    Some(until) => Entry::LockedOut { until },
                    None => Entry::Refused {
                        tries_left: lockout::tries_left(&next),
                    },
                }
            }
        }
    }
}

/// The window `code` belongs to if it is this kiosk's code for the current or the previous 15-minute window and
/// no code of that window or a later one was used before.
fn code_window(
    secret: &[u8],
    kiosk_id: &str,
    code: &str,
    now: DateTime<Utc>,
    last_used: Option<u64>,
) -> Option<u64> {
    let current = sanban_wire::code_window(now.timestamp().max(0) as u64);
    [current, current.saturating_sub(1)]
        .into_iter()
        .filter(|w| last_used.is_none_or(|used| *w > used))
        .find(|w| {
            let expected = sanban_wire::one_time_code(secret, kiosk_id, *w);
            constant_time_eq(expected.as_bytes(), code.trim().as_bytes())
        })
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use chrono::TimeZone;

    const SECRET: [u8; 32] = [0x5a; 32];

    struct Fixture {
        _dir: tempfile::TempDir,
        db: std::path::PathBuf,
        location: Location,
        clock: ManualClock,
    }

    fn fixture() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("maintenance.toml");
        credentials::set_pin(&path, "T01", "271828").unwrap();
        credentials::set_code_secret(&path, &hex::encode(SECRET)).unwrap();
        Fixture {
            db: dir.path().join("kiosk.sqlite3"),
            location: Location {
                path,
                from_systemd: false,
            },
            clock: ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap()),
            _dir: dir,
        }
    }

    fn gate(f: &Fixture, kiosk: &str) -> Gate {
        let mut config = Config::default();
        config.kiosk.id = kiosk.into();
        let store = Arc::new(Mutex::new(Store::open(&f.db).unwrap()));
        Gate::new(
            &config,
            store,
            Arc::new(f.clock.clone()),
            "Asia/Shanghai".parse().unwrap(),
        )
        .with_location(f.location.clone())
    }

    fn pin(p: &str) -> Attempt {
        Attempt::Pin(Zeroizing::new(p.into()))
    }

    fn code(c: &str) -> Attempt {
        Attempt::Code(Zeroizing::new(c.into()))
    }

    fn code_at(kiosk: &str, t: DateTime<Utc>) -> String {
        sanban_wire::one_time_code(
            &SECRET,
            kiosk,
            sanban_wire::code_window(t.timestamp() as u64),
        )
    }

    #[test]
    fn the_right_pin_names_its_technician_and_a_wrong_one_counts_down() {
        let f = fixture();
        let g = gate(&f, "K01");
        assert_eq!(g.try_enter(pin("000001")), Entry::Refused { tries_left: 4 });
        assert_eq!(
            g.try_enter(pin("271828")),
            Entry::Granted {
                technician: "T01".into(),
                method: AccessMethod::Pin
            }
        );
        assert_eq!(g.pad().unwrap().failures, 0, "a success resets the count");
        let events = g.store().pending_events(10).unwrap();
        let outcomes: Vec<_> = events
            .iter()
            .map(|e| e.payload["outcome"].clone())
            .collect();
        assert_eq!(outcomes, ["refused", "granted"]);
        assert!(events.iter().all(|e| e.kind == "maintenance.access"));
        assert!(
            !events
                .iter()
                .any(|e| e.payload.to_string().contains("271828")),
            "what was typed never reaches an event"
        );
    }

    #[test]
    fn five_wrong_pins_lock_the_pad_and_the_lock_survives_a_restart() {
        let f = fixture();
        let g = gate(&f, "K01");
        for left in (1..=4).rev() {
            assert_eq!(
                g.try_enter(pin("999990")),
                Entry::Refused { tries_left: left }
            );
        }
        let now = f.clock.now();
        assert_eq!(
            g.try_enter(pin("999990")),
            Entry::LockedOut {
                until: now + chrono::Duration::minutes(1)
            }
        );
        // Even the right PIN is not checked while locked.
        assert!(matches!(g.try_enter(pin("271828")), Entry::Locked { .. }));
        drop(g);

        // A restart: a new process opens the same database.
        let g = gate(&f, "K01");
        assert!(
            matches!(g.try_enter(pin("271828")), Entry::Locked { until } if until == now + chrono::Duration::minutes(1)),
            "the lock-out survives the restart"
        );
        assert_eq!(g.pad_state().unwrap().failures, 5);
        f.clock.advance(chrono::Duration::seconds(61));
        // The sixth wrong try locks for two minutes.
        assert_eq!(
            g.try_enter(pin("999990")),
            Entry::LockedOut {
                until: f.clock.now() + chrono::Duration::minutes(2)
            }
        );
        f.clock.advance(chrono::Duration::seconds(121));
        assert!(matches!(g.try_enter(pin("271828")), Entry::Granted { .. }));
        let events = g.store().pending_events(20).unwrap();
        assert_eq!(
            events.len(),
            7,
            "every checked try is reported (5 + 1 wrong, 1 right), none while locked"
        );
        assert_eq!(events[4].payload["outcome"], "locked_out");
        assert_eq!(events[4].payload["failures"], 5);
    }

    #[test]
    fn a_one_time_code_opens_its_own_kiosk_in_its_window_once() {
        let f = fixture();
        let g = gate(&f, "K01");
        let now = f.clock.now();
        // Another kiosk's code for the same window is refused.
        assert_eq!(
            g.try_enter(code(&code_at("K02", now))),
            Entry::Refused { tries_left: 4 }
        );
        assert_eq!(
            g.try_enter(code(&code_at("K01", now))),
            Entry::Granted {
                technician: CODE_TECHNICIAN.into(),
                method: AccessMethod::OneTimeCode
            }
        );
        // A code works once.
        assert_eq!(
            g.try_enter(code(&code_at("K01", now))),
            Entry::Refused { tries_left: 4 }
        );
    }

    #[test]
    fn a_code_is_valid_through_the_next_window_and_refused_after() {
        let f = fixture();
        let g = gate(&f, "K01");
        let issued = f.clock.now();
        let c = code_at("K01", issued);
        // Issued at 09:00 (a window starts), still good at 09:29, the next window.
        f.clock.advance(chrono::Duration::minutes(29));
        assert!(matches!(g.try_enter(code(&c)), Entry::Granted { .. }));

        let c = code_at("K01", f.clock.now());
        f.clock.advance(chrono::Duration::minutes(31));
        assert_eq!(
            g.try_enter(code(&c)),
            Entry::Refused { tries_left: 4 },
            "expired"
        );
        // A code for a future window is not accepted either.
        let future = code_at("K01", f.clock.now() + chrono::Duration::minutes(15));
        assert_eq!(g.try_enter(code(&future)), Entry::Refused { tries_left: 3 });
    }

    #[test]
    fn nothing_provisioned_keeps_the_door_shut_without_counting_a_failure() {
        let f = fixture();
        let g = gate(&f, "K01").with_location(Location {
            path: f.db.with_file_name("absent.toml"),
            from_systemd: false,
        });
        assert_eq!(g.try_enter(pin("271828")), Entry::NotProvisioned);
        assert_eq!(g.try_enter(code("12345678")), Entry::NotProvisioned);
        assert_eq!(g.pad().unwrap().failures, 0);
        let p = g.provisioning();
        assert!(!p.pins && !p.code && p.problem.is_none());
    }
}
