//! Kiosk registry on PostgreSQL.

use deadpool_postgres::Object;
use sanban_wire::Heartbeat;

use super::{pg_err, to_u64};
use crate::store::clock::now_rfc3339;
use crate::store::error::StoreError;
use crate::store::model::{already_registered, KioskRow, MaintenanceRow};

pub async fn add_kiosk(
    client: &Object,
    id: &str,
    token_sha256: &str,
    rotate: bool,
) -> Result<(), StoreError> {
    let now = now_rfc3339();
    let inserted = client
        .execute(
            "INSERT INTO kiosks (id, token_sha256, registered_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING",
            &[&id, &token_sha256, &now],
        )
        .await
        .map_err(pg_err)?;
    if inserted == 1 {
        return Ok(());
    }
    if !rotate {
        return Err(already_registered(id));
    }
    client
        .execute(
            "UPDATE kiosks SET token_sha256 = $2, token_rotated_at = $3 WHERE id = $1",
            &[&id, &token_sha256, &now],
        )
        .await
        .map_err(pg_err)?;
    Ok(())
}

pub async fn kiosk_token_hash(client: &Object, id: &str) -> Result<Option<String>, StoreError> {
    let stmt = client
        .prepare_cached("SELECT token_sha256 FROM kiosks WHERE id = $1")
        .await
        .map_err(pg_err)?;
    Ok(client
        .query_opt(&stmt, &[&id])
        .await
        .map_err(pg_err)?
        .map(|r| r.get(0)))
}

pub async fn kiosk_by_token_hash(
    client: &Object,
    hash: &str,
) -> Result<Option<(String, String)>, StoreError> {
    let stmt = client
        .prepare_cached("SELECT id, token_sha256 FROM kiosks WHERE token_sha256 = $1")
        .await
        .map_err(pg_err)?;
    Ok(client
        .query_opt(&stmt, &[&hash])
        .await
        .map_err(pg_err)?
        .map(|r| (r.get(0), r.get(1))))
}

pub async fn list_kiosks(client: &Object) -> Result<Vec<KioskRow>, StoreError> {
    let rows = client
        .query(
            "SELECT id, registered_at, last_seen, app_version, last_applied_seq, last_heartbeat, name, hall
             FROM kiosks ORDER BY id",
            &[],
        )
        .await
        .map_err(pg_err)?;
    Ok(rows
        .iter()
        .map(|r| KioskRow {
            id: r.get(0),
            registered_at: r.get(1),
            last_seen: r.get(2),
            app_version: r.get(3),
            last_applied_seq: to_u64(r.get(4)),
            last_heartbeat: r.get(5),
            name: r.get(6),
            hall: r.get(7),
        })
        .collect())
}

pub async fn record_heartbeat(
    client: &Object,
    id: &str,
    heartbeat: &Heartbeat,
) -> Result<(), StoreError> {
    client
        .execute(
            "UPDATE kiosks SET last_seen = $2, app_version = $3, last_heartbeat = $4 WHERE id = $1",
            &[
                &id,
                &now_rfc3339(),
                &heartbeat.app_version,
                &serde_json::to_string(heartbeat)?,
            ],
        )
        .await
        .map_err(pg_err)?;
    Ok(())
}

/// Sets a kiosk's name and hall (`None` leaves one as it is); false for an unknown kiosk.
pub async fn describe_kiosk(
    client: &Object,
    id: &str,
    name: Option<&str>,
    hall: Option<&str>,
) -> Result<bool, StoreError> {
    Ok(client
        .execute(
            "UPDATE kiosks SET name = COALESCE($2, name), hall = COALESCE($3, hall) WHERE id = $1",
            &[&id, &name, &hall],
        )
        .await
        .map_err(pg_err)?
        > 0)
}

/// The kiosk's latest maintenance events, newest first.
pub async fn maintenance_events(
    client: &Object,
    id: &str,
    limit: u32,
) -> Result<Vec<MaintenanceRow>, StoreError> {
    Ok(client
        .query(
            "SELECT seq, kind, technician, what, target, result, occurred_at FROM maintenance_events
             WHERE kiosk_id = $1 ORDER BY seq DESC LIMIT $2",
            &[&id, &i64::from(limit)],
        )
        .await
        .map_err(pg_err)?
        .iter()
        .map(|r| MaintenanceRow {
            seq: to_u64(r.get(0)),
            kind: r.get(1),
            technician: r.get(2),
            what: r.get(3),
            target: r.get(4),
            result: r.get(5),
            occurred_at: r.get(6),
        })
        .collect())
}
