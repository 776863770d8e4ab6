//! The rule for the kiosks' maintenance audit events (`maintenance.access`, `maintenance.action`), which the ingest
//! keeps in `maintenance_events` on either store.

use sanban_wire::{AccessOutcome, EventPayload, MaintenanceAccess, MaintenanceAction};

use super::parse::ParsedEvent;
use super::writes::MaintenanceRow;
use crate::text::plain_text;

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
