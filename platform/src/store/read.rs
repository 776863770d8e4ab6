//! Read API over a platform database, for the CLI and for the kiosk's end-to-end tests (which compare what the
//! platform holds with the receipts the kiosk printed).

use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension};
use sanban_wire::Rejection;
use serde::Serialize;

use super::open_connection;

/// A queue ticket as the platform holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredTicket {
    pub kiosk_id: String,
    pub seq: u64,
    pub ticket_id: String,
    pub category: String,
    pub number: String,
    pub business_day: String,
    pub priority: bool,
    pub offline: bool,
    pub occurred_at: String,
}

/// A read-mostly handle on a platform database file (opening it creates and migrates it if needed).
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
        let mut stmt = self.conn.prepare(
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

    /// The last sequence settled for `kiosk` (0 when none); `None` for an unknown kiosk.
    pub fn last_applied_seq(&self, kiosk: &str) -> anyhow::Result<Option<u64>> {
        Ok(self
            .conn
            .query_row(
                "SELECT last_applied_seq FROM kiosks WHERE id = ?1",
                [kiosk],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Events of `kiosk` that were acknowledged but not applied, with their reasons, by sequence.
    pub fn rejections(&self, kiosk: &str) -> anyhow::Result<Vec<Rejection>> {
        let mut stmt = self
            .conn
            .prepare("SELECT seq, reason FROM rejections WHERE kiosk_id = ?1 ORDER BY seq")?;
        let rows = stmt.query_map([kiosk], |r| {
            Ok(Rejection {
                seq: r.get(0)?,
                reason: r.get(1)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Number of rows in each data table (for tests proving "nothing stored").
    pub fn counts(&self) -> anyhow::Result<Vec<(&'static str, u64)>> {
        const TABLES: [&str; 9] = [
            "events",
            "rejections",
            "tickets",
            "appointments",
            "applications",
            "pickups",
            "ratings",
            "leases",
            "number_counters",
        ];
        let mut out = Vec::new();
        for table in TABLES {
            let n: u64 =
                self.conn
                    .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))?;
            out.push((table, n));
        }
        Ok(out)
    }

    /// The raw connection, for ad-hoc checks in tests.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }
}
