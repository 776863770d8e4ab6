//! Documents waiting in kiosk lockers, on PostgreSQL.

use deadpool_postgres::Object;
use sanban_wire::Pickup;

use super::{pg_err, to_u32};
use crate::store::model::{check_new_pickup, door_busy, pickup_code_sha256, unknown_kiosk};
use crate::store::{now_rfc3339, StoreError};

pub async fn add_pickup(
    client: &mut Object,
    kiosk: &str,
    door: u32,
    code: &str,
    document: &str,
) -> Result<String, StoreError> {
    check_new_pickup(code, document)?;
    let tx = client.transaction().await.map_err(pg_err)?;
    // The kiosk row lock orders this with the kiosk's own batches (which collect pickups).
    let known = tx
        .query_opt("SELECT 1 FROM kiosks WHERE id = $1 FOR UPDATE", &[&kiosk])
        .await
        .map_err(pg_err)?
        .is_some();
    if !known {
        return Err(unknown_kiosk(kiosk));
    }
    let door = i64::from(door);
    let busy = tx
        .query_opt(
            "SELECT 1 FROM pickups WHERE kiosk_id = $1 AND locker_door = $2 AND collected_at IS NULL",
            &[&kiosk, &door],
        )
        .await
        .map_err(pg_err)?
        .is_some();
    if busy {
        return Err(door_busy(kiosk, door as u32));
    }
    let id = uuid::Uuid::now_v7().to_string();
    tx.execute(
        "INSERT INTO pickups (pickup_id, kiosk_id, locker_door, code_sha256, document, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            &id,
            &kiosk,
            &door,
            &pickup_code_sha256(code),
            &document,
            &now_rfc3339(),
        ],
    )
    .await
    .map_err(pg_err)?;
    tx.commit().await.map_err(pg_err)?;
    Ok(id)
}

pub async fn open_pickups(client: &Object, kiosk: &str) -> Result<Vec<Pickup>, StoreError> {
    let rows = client
        .query(
            "SELECT pickup_id, code_sha256, locker_door, document, created_at FROM pickups
             WHERE kiosk_id = $1 AND collected_at IS NULL ORDER BY locker_door",
            &[&kiosk],
        )
        .await
        .map_err(pg_err)?;
    // The stored hash is unsalted, which is the salted hash with an empty salt (per-document salts are left for
    // the pickups' own tables).
    Ok(rows
        .iter()
        .map(|r| Pickup {
            pickup_id: r.get(0),
            code_salt: String::new(),
            code_hash: r.get(1),
            locker_door: to_u32(r.get(2)),
            document: r.get(3),
            document_en: String::new(),
            citizen_ref: None,
            holder: String::new(),
            postable: false,
            deposited_at: r.get(4),
        })
        .collect())
}
