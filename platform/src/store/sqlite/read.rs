//! Reads for the CLI and the tests, and [`PlatformDb`], a synchronous handle on a platform's SQLite file for the
//! kiosk's end-to-end tests (which compare what the platform holds with the receipts the kiosk printed).

use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension};
use sanban_wire::Rejection;

use super::open_connection;
use crate::store::error::StoreError;
use crate::store::model::StoredTicket;
use crate::store::tables::data_tables;

pub fn tickets(conn: &Connection, kiosk: Option<&str>) -> Result<Vec<StoredTicket>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT kiosk_id, seq, ticket_id, category, number, business_day, priority, offline, occurred_at
         FROM tickets WHERE ?1 IS NULL OR kiosk_id = ?1 ORDER BY kiosk_id, seq",
    )?;
    let rows = stmt.query_map(params![kiosk], |r| {
        Ok(StoredTicket {
            kiosk_id: r.get(0)?,
            seq: r.get(1)?,
            ticket_id: r.get(2)?,
            category: r.get(3)?,
            number: r.get(4)?,
            business_day: r.get(5)?,
            priority: r.get(6)?,
            offline: r.get(7)?,
            occurred_at: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn last_applied_seq(conn: &Connection, kiosk: &str) -> Result<Option<u64>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT last_applied_seq FROM kiosks WHERE id = ?1",
            [kiosk],
            |r| r.get(0),
        )
        .optional()?)
}

pub fn rejections(conn: &Connection, kiosk: &str) -> Result<Vec<Rejection>, StoreError> {
    let mut stmt =
        conn.prepare("SELECT seq, reason FROM rejections WHERE kiosk_id = ?1 ORDER BY seq")?;
    let rows = stmt.query_map([kiosk], |r| {
        Ok(Rejection {
            seq: r.get(0)?,
            reason: r.get(1)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn counts(conn: &Connection) -> Result<Vec<(&'static str, u64)>, StoreError> {
    let mut out = Vec::new();
    for table in data_tables() {
        let n: u64 = conn.query_row(&format!("SELECT COUNT(*) FROM {}", table.name), [], |r| {
            r.get(0)
        })?;
        out.push((table.name, n));
    }
    Ok(out)
}

/// A synchronous read handle on a platform's SQLite file (opening it creates and migrates it if needed).
pub struct PlatformDb {
    conn: Connection,
}

impl PlatformDb {
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        Ok(PlatformDb {
            conn: open_connection(path)?,
        })
    }

    /// Tickets of one kiosk (or all), in kiosk and sequence order.
    pub fn tickets(&self, kiosk: Option<&str>) -> anyhow::Result<Vec<StoredTicket>> {
        Ok(tickets(&self.conn, kiosk)?)
    }

    /// The last sequence settled for `kiosk` (0 when none); `None` for an unknown kiosk.
    pub fn last_applied_seq(&self, kiosk: &str) -> anyhow::Result<Option<u64>> {
        Ok(last_applied_seq(&self.conn, kiosk)?)
    }

    /// Events of `kiosk` that were acknowledged but not applied, with their reasons, by sequence.
    pub fn rejections(&self, kiosk: &str) -> anyhow::Result<Vec<Rejection>> {
        Ok(rejections(&self.conn, kiosk)?)
    }

    /// Number of rows in each data table (for tests proving "nothing stored").
    pub fn counts(&self) -> anyhow::Result<Vec<(&'static str, u64)>> {
        Ok(counts(&self.conn)?)
    }

    /// The raw connection, for ad-hoc checks in tests.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }
}
