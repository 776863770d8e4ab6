//! Maintenance mode, the platform's part: each kiosk's one-time code secret (made by `sanban-platform
//! maintenance-secret ID`, copied once to the kiosk), the one-time codes an operator issues for a technician
//! (`sanban-platform maintenance-code ID`: bound to that kiosk and the current 15-minute window, valid offline on
//! the kiosk), and the kiosks' audit events (`maintenance.access`, `maintenance.action`) kept for the fleet page.
//!
//! Written against the current SQLite store; to move onto the storage interface with the other tables.

use rusqlite::{params, Connection, OptionalExtension};
use sanban_wire::{AccessOutcome, EventPayload, MaintenanceAccess, MaintenanceAction};

use crate::ingest::apply::{Context, Verdict};
use crate::ingest::parse::ParsedEvent;
use crate::store::{now_rfc3339, StoreError};

/// Schema step: the kiosks' maintenance events.
pub fn create_tables(conn: &Connection) -> Result<(), StoreError> {
    conn.execute_batch(
        "
        CREATE TABLE maintenance_events (
            kiosk_id    TEXT NOT NULL REFERENCES kiosks(id),
            seq         INTEGER NOT NULL,
            kind        TEXT NOT NULL,
            technician  TEXT,
            what        TEXT NOT NULL,
            target      TEXT,
            result      TEXT,
            occurred_at TEXT NOT NULL,
            PRIMARY KEY (kiosk_id, seq)
        ) WITHOUT ROWID;
        ",
    )?;
    Ok(())
}

fn secret_name(kiosk: &str) -> String {
    format!("maintenance_code_secret:{kiosk}")
}

fn kiosk_exists(conn: &Connection, kiosk: &str) -> Result<bool, StoreError> {
    Ok(conn
        .query_row("SELECT 1 FROM kiosks WHERE id = ?1", [kiosk], |_| Ok(()))
        .optional()?
        .is_some())
}

/// The kiosk's secret (64 hex digits): made on first use, or anew with `rotate` (codes of the old one stop working
/// once the kiosk holds the new one).
pub fn kiosk_secret(conn: &Connection, kiosk: &str, rotate: bool) -> Result<String, StoreError> {
    if !kiosk_exists(conn, kiosk)? {
        return Err(StoreError::Invalid(format!(
            "no kiosk {kiosk:?} is registered"
        )));
    }
    let name = secret_name(kiosk);
    if !rotate {
        if let Some(existing) = stored_secret(conn, kiosk)? {
            return Ok(existing);
        }
    }
    let secret = hex::encode(rand::random::<[u8; 32]>());
    conn.execute(
        "INSERT INTO platform_secrets (name, value, created_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (name) DO UPDATE SET value = excluded.value, created_at = excluded.created_at",
        params![name, secret, now_rfc3339()],
    )?;
    Ok(secret)
}

fn stored_secret(conn: &Connection, kiosk: &str) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT value FROM platform_secrets WHERE name = ?1",
            [secret_name(kiosk)],
            |r| r.get(0),
        )
        .optional()?)
}

/// A one-time code for `kiosk` at `unix_secs`, and the end of its window (the kiosk also takes the code of the
/// previous window, so a code read out at the end of its window still works for a while).
pub fn one_time_code(
    conn: &Connection,
    kiosk: &str,
    unix_secs: u64,
) -> Result<(String, u64), StoreError> {
    let Some(secret) = stored_secret(conn, kiosk)? else {
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

fn plain(s: &str, max: usize) -> bool {
    !s.trim().is_empty() && s.chars().count() <= max && !s.chars().any(char::is_control)
}

/// Store one maintenance event of a batch.
pub fn apply(cx: &Context, ev: &ParsedEvent) -> Result<Verdict, StoreError> {
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
            format!(
                "{}:{}",
                serde_json::to_value(method)
                    .unwrap_or_default()
                    .as_str()
                    .unwrap_or("?"),
                serde_json::to_value(outcome)
                    .unwrap_or_default()
                    .as_str()
                    .unwrap_or("?")
            ),
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
        _ => return Ok(Err("not a maintenance event".into())),
    };
    if let Some(t) = &technician {
        if !plain(t, 64) {
            return Ok(Err("technician must be 1 to 64 printable characters".into()));
        }
    }
    for text in [&target, &result].into_iter().flatten() {
        if text.chars().count() > 500 || text.chars().any(char::is_control) {
            return Ok(Err(
                "target and result must be at most 500 printable characters".into(),
            ));
        }
    }
    cx.conn.execute(
        "INSERT INTO maintenance_events (kiosk_id, seq, kind, technician, what, target, result, occurred_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![cx.kiosk, ev.seq, kind, technician, what, target, result, ev.occurred_at],
    )?;
    Ok(Ok(()))
}

/// A kiosk's latest maintenance events, newest first: (kind, technician, what, target, result, occurred_at).
pub type EventRow = (
    String,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    String,
);

pub fn recent_events(
    conn: &Connection,
    kiosk: &str,
    limit: usize,
) -> Result<Vec<EventRow>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT kind, technician, what, target, result, occurred_at FROM maintenance_events WHERE kiosk_id = ?1
         ORDER BY seq DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![kiosk, limit as i64], |r| {
        Ok((
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
        ))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
