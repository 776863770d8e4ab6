//! The KPI counts ([`crate::store::activity`]) on SQLite.

use rusqlite::{params, Connection};

use crate::store::activity::{
    Activity, ApplicationCount, AppointmentCount, EventDayCount, RatingCount, ServiceDayCount,
    LATE_AFTER_SECS,
};
use crate::store::error::StoreError;

/// Counts for the days `from..=to` (`YYYY-MM-DD`).
pub fn activity(conn: &Connection, from: &str, to: &str) -> Result<Activity, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT substr(occurred_at, 1, 10), kiosk_id, kind, COUNT(*),
                SUM((julianday(received_at) - julianday(occurred_at)) * 86400.0 > ?3)
         FROM events
         WHERE outcome = 'applied' AND substr(occurred_at, 1, 10) BETWEEN ?1 AND ?2
         GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
    )?;
    let events = stmt
        .query_map(params![from, to, LATE_AFTER_SECS], |r| {
            Ok(EventDayCount {
                day: r.get(0)?,
                kiosk: r.get(1)?,
                kind: r.get(2)?,
                count: r.get(3)?,
                late: r.get::<_, Option<u64>>(4)?.unwrap_or(0),
            })
        })?
        .collect::<Result<_, _>>()?;

    let mut stmt = conn.prepare(
        "SELECT substr(occurred_at, 1, 10), kiosk_id, service, level, COUNT(*)
         FROM ratings WHERE substr(occurred_at, 1, 10) BETWEEN ?1 AND ?2
         GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4",
    )?;
    let ratings = stmt
        .query_map(params![from, to], |r| {
            Ok(RatingCount {
                day: r.get(0)?,
                kiosk: r.get(1)?,
                service: r.get(2)?,
                level_code: r.get(3)?,
                count: r.get(4)?,
            })
        })?
        .collect::<Result<_, _>>()?;

    let mut stmt = conn.prepare(
        "SELECT substr(occurred_at, 1, 10), service, materials_owed <> '[]', COUNT(*)
         FROM applications WHERE substr(occurred_at, 1, 10) BETWEEN ?1 AND ?2
         GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
    )?;
    let applications = stmt
        .query_map(params![from, to], |r| {
            Ok(ApplicationCount {
                day: r.get(0)?,
                service: r.get(1)?,
                deferred: r.get(2)?,
                count: r.get(3)?,
            })
        })?
        .collect::<Result<_, _>>()?;

    let mut stmt = conn.prepare(
        "SELECT substr(occurred_at, 1, 10), service, COUNT(*)
         FROM guide_prints WHERE substr(occurred_at, 1, 10) BETWEEN ?1 AND ?2
         GROUP BY 1, 2 ORDER BY 1, 2",
    )?;
    let guide_prints = stmt
        .query_map(params![from, to], |r| {
            Ok(ServiceDayCount {
                day: r.get(0)?,
                service: r.get(1)?,
                count: r.get(2)?,
            })
        })?
        .collect::<Result<_, _>>()?;

    let mut stmt = conn.prepare(
        "SELECT date, service, status, COUNT(*)
         FROM appointments WHERE date BETWEEN ?1 AND ?2
         GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
    )?;
    let appointments = stmt
        .query_map(params![from, to], |r| {
            Ok(AppointmentCount {
                day: r.get(0)?,
                service: r.get(1)?,
                status: r.get(2)?,
                count: r.get(3)?,
            })
        })?
        .collect::<Result<_, _>>()?;

    Ok(Activity {
        events,
        ratings,
        applications,
        guide_prints,
        appointments,
    })
}
