//! Maintenance mode, the platform's part: each kiosk's one-time code secret (made by `sanban-platform
//! maintenance-secret ID`, copied once to the kiosk), the one-time codes an operator issues for a technician
//! (`sanban-platform maintenance-code ID`: bound to that kiosk and the current 15-minute window, valid offline on
//! the kiosk), and the rule for the kiosks' audit events (`maintenance.access`, `maintenance.action`), which the
//! ingest keeps in `maintenance_events` on either store.

use sanban_wire::{AccessOutcome, EventPayload, MaintenanceAccess, MaintenanceAction};

use crate::ingest::apply::plain_text;
use crate::ingest::parse::ParsedEvent;
use crate::ingest::writes::MaintenanceRow;
use crate::store::{Store, StoreError};

/// A one-time code for `kiosk` at `unix_secs`, and the end of its window (the kiosk also takes the code of the
/// previous window, so a code read out at the end of its window still works for a while).
pub async fn one_time_code(
    store: &Store,
    kiosk: &str,
    unix_secs: u64,
) -> Result<(String, u64), StoreError> {
    let Some(secret) = store.stored_maintenance_secret(kiosk).await? else {
        return Err(StoreError::Invalid(format!(
            "kiosk {kiosk} has no maintenance secret: run `sanban-platform maintenance-secret {kiosk}` and store it on the kiosk"
        )));
    };
    let secret = hex::decode(secret)
        .map_err(|_| StoreError::Invalid("the stored maintenance secret is not hex".into()))?;
    let window = sanban_wire::code_window(unix_secs);
    let window_end = (window + 1) * sanban_wire::CODE_WINDOW_SECS;
    Ok((
        sanban_wire::one_time_code(&secret, kiosk, window),
        window_end,
    ))
}

fn snake(v: impl serde::Serialize) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}

/// The audit row of a maintenance event, or why it is rejected.
pub fn audit_row(ev: &ParsedEvent) -> Result<MaintenanceRow, String> {
    let (kind, technician, what, target, result) = match &ev.payload {
        EventPayload::MaintenanceAccess(MaintenanceAccess {
            method,
            outcome,
            technician,
            failures,
            locked_until,
        }) => (
            "maintenance.access",
            technician.clone(),
            format!("{}:{}", snake(method), snake(outcome)),
            None,
            Some(match (outcome, locked_until) {
                (AccessOutcome::LockedOut, Some(until)) => {
                    format!("{failures} wrong; locked until {until}")
                }
                _ => format!("{failures} wrong"),
            }),
        ),
        EventPayload::MaintenanceAction(MaintenanceAction {
            technician,
            action,
            target,
            result,
        }) => (
            "maintenance.action",
            Some(technician.clone()),
            action.as_str().to_string(),
            target.clone(),
            result.clone(),
        ),
        _ => return Err("not a maintenance event".into()),
    };
    if let Some(t) = &technician {
        if !plain_text(t, 64) {
            return Err("technician must be 1 to 64 printable characters".into());
        }
    }
    for text in [&target, &result].into_iter().flatten() {
        if text.chars().count() > 500 || text.chars().any(char::is_control) {
            return Err("target and result must be at most 500 printable characters".into());
        }
    }
    Ok(MaintenanceRow {
        seq: ev.seq,
        kind,
        technician,
        what,
        target,
        result,
        occurred_at: ev.occurred_at.clone(),
    })
}
