//! The KPI counts ([`crate::store::activity`]) on PostgreSQL.

use deadpool_postgres::Object;

use super::{pg_err, to_u64};
use crate::store::activity::{
    Activity, ApplicationCount, AppointmentCount, EventDayCount, RatingCount, ServiceDayCount,
    LATE_AFTER_SECS,
};
use crate::store::error::StoreError;

/// Counts for the days `from..=to` (`YYYY-MM-DD`).
pub async fn activity(client: &Object, from: &str, to: &str) -> Result<Activity, StoreError> {
    let late = LATE_AFTER_SECS as f64;
    let events = client
        .query(
            "SELECT substr(occurred_at, 1, 10), kiosk_id, kind, COUNT(*),
                    COUNT(*) FILTER (WHERE received_at::timestamptz - occurred_at::timestamptz
                                           > make_interval(secs => $3))
             FROM events
             WHERE outcome = 'applied' AND substr(occurred_at, 1, 10) BETWEEN $1 AND $2
             GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
            &[&from, &to, &late],
        )
        .await
        .map_err(pg_err)?
        .iter()
        .map(|r| EventDayCount {
            day: r.get(0),
            kiosk: r.get(1),
            kind: r.get(2),
            count: to_u64(r.get(3)),
            late: to_u64(r.get(4)),
        })
        .collect();

    let ratings = client
        .query(
            "SELECT substr(occurred_at, 1, 10), kiosk_id, service, level, COUNT(*)
             FROM ratings WHERE substr(occurred_at, 1, 10) BETWEEN $1 AND $2
             GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4",
            &[&from, &to],
        )
        .await
        .map_err(pg_err)?
        .iter()
        .map(|r| RatingCount {
            day: r.get(0),
            kiosk: r.get(1),
            service: r.get(2),
            level_code: u8::try_from(r.get::<_, i64>(3)).unwrap_or(0),
            count: to_u64(r.get(4)),
        })
        .collect();

    let applications = client
        .query(
            "SELECT substr(occurred_at, 1, 10), service, materials_owed <> '[]', COUNT(*)
             FROM applications WHERE substr(occurred_at, 1, 10) BETWEEN $1 AND $2
             GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
            &[&from, &to],
        )
        .await
        .map_err(pg_err)?
        .iter()
        .map(|r| ApplicationCount {
            day: r.get(0),
            service: r.get(1),
            deferred: r.get(2),
            count: to_u64(r.get(3)),
        })
        .collect();

    let guide_prints = client
        .query(
            "SELECT substr(occurred_at, 1, 10), service, COUNT(*)
             FROM guide_prints WHERE substr(occurred_at, 1, 10) BETWEEN $1 AND $2
             GROUP BY 1, 2 ORDER BY 1, 2",
            &[&from, &to],
        )
        .await
        .map_err(pg_err)?
        .iter()
        .map(|r| ServiceDayCount {
            day: r.get(0),
            service: r.get(1),
            count: to_u64(r.get(2)),
        })
        .collect();

    let appointments = client
        .query(
            "SELECT date, service, status, COUNT(*)
             FROM appointments WHERE date BETWEEN $1 AND $2
             GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
            &[&from, &to],
        )
        .await
        .map_err(pg_err)?
        .iter()
        .map(|r| AppointmentCount {
            day: r.get(0),
            service: r.get(1),
            status: r.get(2),
            count: to_u64(r.get(3)),
        })
        .collect();

    Ok(Activity {
        events,
        ratings,
        applications,
        guide_prints,
        appointments,
    })
}
