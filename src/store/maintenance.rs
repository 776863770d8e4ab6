//! Maintenance mode's rows: the PIN pad's state (wrong tries, lock-out, the last one-time code window used) and the
//! settings a technician changed. Every change is committed with its audit event in one errand transaction, so the
//! platform hears of each try and each action exactly once, and a lock-out survives a restart.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use rusqlite::{params, Transaction};
use sanban_wire::{EventPayload, MaintenanceAccess, MaintenanceAction};

use super::{Errand, Result, Store, StoreError};

/// The PIN pad as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PadRow {
    pub failures: u32,
    pub locked_until: Option<DateTime<Utc>>,
    pub last_code_window: Option<u64>,
}

/// One technician setting as stored (over the config file's value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSetting {
    pub key: String,
    pub value: String,
    pub changed_by: String,
    pub changed_at: String,
}

fn write_pad(tx: &Transaction, pad: &PadRow) -> Result<()> {
    tx.execute(
        "UPDATE maintenance_pad SET failures = ?1, locked_until = ?2, last_code_window = ?3 WHERE id = 1",
        params![
            pad.failures,
            pad.locked_until.map(|t| t.to_rfc3339()),
            pad.last_code_window.map(|w| w as i64),
        ],
    )?;
    Ok(())
}

impl Store {
    /// The PIN pad's state.
    pub fn maintenance_pad(&self) -> Result<PadRow> {
        let (failures, locked_until, window): (u32, Option<String>, Option<i64>) =
            self.conn().query_row(
                "SELECT failures, locked_until, last_code_window FROM maintenance_pad WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?;
        let locked_until = match locked_until {
            None => None,
            Some(t) => Some(
                DateTime::parse_from_rfc3339(&t)
                    .map_err(|e| StoreError::Invalid(format!("maintenance_pad.locked_until: {e}")))?
                    .to_utc(),
            ),
        };
        Ok(PadRow {
            failures,
            locked_until,
            last_code_window: window.map(|w| w as u64),
        })
    }

    /// Store the pad's new state and its `maintenance.access` event together.
    pub fn record_maintenance_access(
        &mut self,
        now: DateTime<Utc>,
        tz: Tz,
        pad: &PadRow,
        access: MaintenanceAccess,
    ) -> Result<u64> {
        let committed = self.commit_errand(now, tz, |tx| {
            write_pad(tx, pad)?;
            Ok(Errand {
                value: (),
                event: EventPayload::MaintenanceAccess(access),
                print: None,
            })
        })?;
        Ok(committed.outbox_seq)
    }

    /// The audit event of one maintenance action.
    pub fn record_maintenance_action(
        &mut self,
        now: DateTime<Utc>,
        tz: Tz,
        action: MaintenanceAction,
    ) -> Result<u64> {
        let committed = self.commit_errand(now, tz, |_| {
            Ok(Errand {
                value: (),
                event: EventPayload::MaintenanceAction(action),
                print: None,
            })
        })?;
        Ok(committed.outbox_seq)
    }

    /// The settings technicians changed, by key.
    pub fn stored_settings(&self) -> Result<Vec<StoredSetting>> {
        let mut stmt = self
            .conn()
            .prepare("SELECT key, value, changed_by, changed_at FROM settings ORDER BY key")?;
        let rows = stmt.query_map([], |r| {
            Ok(StoredSetting {
                key: r.get(0)?,
                value: r.get(1)?,
                changed_by: r.get(2)?,
                changed_at: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// Store a setting and its audit event together (`action` says who and what).
    pub fn change_setting(
        &mut self,
        now: DateTime<Utc>,
        tz: Tz,
        key: &str,
        value: &str,
        action: MaintenanceAction,
    ) -> Result<()> {
        let changed_by = action.technician.clone();
        self.commit_errand(now, tz, |tx| {
            tx.execute(
                "INSERT INTO settings (key, value, changed_by, changed_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value, changed_by = excluded.changed_by,
                 changed_at = excluded.changed_at",
                params![key, value, changed_by, now.to_rfc3339()],
            )?;
            Ok(Errand {
                value: (),
                event: EventPayload::MaintenanceAction(action),
                print: None,
            })
        })?;
        Ok(())
    }

    /// Forget a technician's change (恢复默认: the config file's value applies again), with its audit event.
    pub fn reset_setting(
        &mut self,
        now: DateTime<Utc>,
        tz: Tz,
        key: &str,
        action: MaintenanceAction,
    ) -> Result<()> {
        self.commit_errand(now, tz, |tx| {
            tx.execute("DELETE FROM settings WHERE key = ?1", params![key])?;
            Ok(Errand {
                value: (),
                event: EventPayload::MaintenanceAction(action),
                print: None,
            })
        })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sanban_wire::{AccessMethod, AccessOutcome, MaintenanceActionKind};

    fn tz() -> Tz {
        "Asia/Shanghai".parse().unwrap()
    }

    #[test]
    fn a_fresh_pad_is_open_and_its_state_is_stored_with_its_event() {
        let mut store = Store::open_in_memory().unwrap();
        assert_eq!(store.maintenance_pad().unwrap(), PadRow::default());
        let now = Utc::now();
        let until = now + chrono::Duration::minutes(1);
        let pad = PadRow {
            failures: 5,
            locked_until: Some(until),
            last_code_window: Some(42),
        };
        let seq = store
            .record_maintenance_access(
                now,
                tz(),
                &pad,
                MaintenanceAccess {
                    method: AccessMethod::Pin,
                    outcome: AccessOutcome::LockedOut,
                    technician: None,
                    failures: 5,
                    locked_until: Some(until.to_rfc3339()),
                },
            )
            .unwrap();
        let back = store.maintenance_pad().unwrap();
        assert_eq!(back.failures, 5);
        assert_eq!(back.last_code_window, Some(42));
        assert_eq!(
            back.locked_until.unwrap().timestamp_millis(),
            until.timestamp_millis()
        );
        let events = store.pending_events(10).unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].seq, seq);
        assert_eq!(events[0].kind, "maintenance.access");
        assert_eq!(events[0].payload["outcome"], "locked_out");
    }

    #[test]
    fn a_setting_and_its_audit_event_commit_together() {
        let mut store = Store::open_in_memory().unwrap();
        let action = |v: &str| MaintenanceAction {
            technician: "T01".into(),
            action: MaintenanceActionKind::ChangeSetting,
            target: Some(format!("idle_seconds={v}")),
            result: None,
        };
        store
            .change_setting(Utc::now(), tz(), "idle_seconds", "90", action("90"))
            .unwrap();
        store
            .change_setting(Utc::now(), tz(), "idle_seconds", "120", action("120"))
            .unwrap();
        let settings = store.stored_settings().unwrap();
        assert_eq!(settings.len(), 1);
        assert_eq!(settings[0].value, "120");
        assert_eq!(settings[0].changed_by, "T01");
        let events = store.pending_events(10).unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!(events[1].payload["target"], "idle_seconds=120");
    }

    #[test]
    fn a_reset_forgets_the_change_and_is_audited() {
        let mut store = Store::open_in_memory().unwrap();
        let action = |result: &str| MaintenanceAction {
            technician: "T01".into(),
            action: MaintenanceActionKind::ChangeSetting,
            target: Some("large_type".into()),
            result: Some(result.into()),
        };
        store
            .change_setting(Utc::now(), tz(), "large_type", "true", action("true"))
            .unwrap();
        store
            .change_setting(Utc::now(), tz(), "idle_seconds", "90", action("90"))
            .unwrap();
        store
            .reset_setting(Utc::now(), tz(), "large_type", action("false (default)"))
            .unwrap();
        let keys: Vec<String> = store
            .stored_settings()
            .unwrap()
            .into_iter()
            .map(|s| s.key)
            .collect();
        assert_eq!(keys, ["idle_seconds"]);
        let events = store.pending_events(10).unwrap();
        assert_eq!(events.len(), 3);
        assert_eq!(events[2].payload["result"], "false (default)");
    }
}
