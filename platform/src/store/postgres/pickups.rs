//! Documents waiting in kiosk lockers, on PostgreSQL.

use deadpool_postgres::Object;
use sanban_wire::Pickup;

use super::{pg_err, to_u32, to_u64};
use crate::store::clock::now_rfc3339;
use crate::store::error::StoreError;
use crate::store::model::{
    door_busy, unknown_kiosk, CodeRejectionCount, NewPickup, PendingNotice, StoredLockerAlert,
    StoredPickup,
};

pub async fn add_pickup(client: &mut Object, p: &NewPickup) -> Result<String, StoreError> {
    p.check()?;
    let tx = client.transaction().await.map_err(pg_err)?;
    // The kiosk row lock orders this with the kiosk's own batches (which collect and deposit pickups).
    let known = tx
        .query_opt("SELECT 1 FROM kiosks WHERE id = $1 FOR UPDATE", &[&p.kiosk])
        .await
        .map_err(pg_err)?
        .is_some();
    if !known {
        return Err(unknown_kiosk(&p.kiosk));
    }
    let door = i64::from(p.door);
    let busy = tx
        .query_opt(
            "SELECT 1 FROM pickups WHERE kiosk_id = $1 AND locker_door = $2
                 AND collected_at IS NULL AND cleared_at IS NULL",
            &[&p.kiosk, &door],
        )
        .await
        .map_err(pg_err)?
        .is_some();
    if busy {
        return Err(door_busy(&p.kiosk, p.door));
    }
    let id = uuid::Uuid::now_v7().to_string();
    tx.execute(
        "INSERT INTO pickups (pickup_id, kiosk_id, locker_door, code_salt, code_hash, document, document_en,
                              citizen_ref, holder, postable, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        &[
            &id,
            &p.kiosk,
            &door,
            &p.code_salt,
            &p.code_hash,
            &p.document,
            &p.document_en,
            &p.citizen_ref,
            &p.holder,
            &p.postable,
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
            "SELECT pickup_id, code_salt, code_hash, locker_door, document, document_en, citizen_ref, holder,
                    postable, created_at
             FROM pickups
             WHERE kiosk_id = $1 AND collected_at IS NULL AND cleared_at IS NULL AND held_at IS NULL
                   AND posted_at IS NULL
             ORDER BY locker_door",
            &[&kiosk],
        )
        .await
        .map_err(pg_err)?;
    Ok(rows
        .iter()
        .map(|r| Pickup {
            pickup_id: r.get(0),
            code_salt: r.get(1),
            code_hash: r.get(2),
            locker_door: to_u32(r.get(3)),
            document: r.get(4),
            document_en: r.get(5),
            citizen_ref: r.get(6),
            holder: r.get(7),
            postable: r.get(8),
            deposited_at: r.get(9),
        })
        .collect())
}

pub async fn pickup_records(client: &Object) -> Result<Vec<StoredPickup>, StoreError> {
    let rows = client
        .query(
            "SELECT p.pickup_id, p.kiosk_id, p.locker_door, p.document, p.document_no, p.created_at,
                    p.collected_at, p.collected_method, p.held_at, p.held_reason, p.posted_at, p.cleared_at,
                    p.postable, r.request_id, r.recipient
             FROM pickups p LEFT JOIN postal_requests r ON r.pickup_id = p.pickup_id
             ORDER BY p.kiosk_id, p.locker_door, p.created_at",
            &[],
        )
        .await
        .map_err(pg_err)?;
    Ok(rows
        .iter()
        .map(|r| {
            let request: Option<String> = r.get(13);
            let recipient: Option<String> = r.get(14);
            StoredPickup {
                pickup_id: r.get(0),
                kiosk_id: r.get(1),
                locker_door: to_u32(r.get(2)),
                document: r.get(3),
                document_no: r.get(4),
                created_at: r.get(5),
                collected_at: r.get(6),
                collected_method: r.get(7),
                held_at: r.get(8),
                held_reason: r.get(9),
                posted_at: r.get(10),
                cleared_at: r.get(11),
                postable: r.get(12),
                postal: request.zip(recipient),
            }
        })
        .collect())
}

pub async fn code_rejections(client: &Object) -> Result<Vec<CodeRejectionCount>, StoreError> {
    let rows = client
        .query(
            "SELECT kiosk_id, COUNT(*), COUNT(locked_until), MAX(occurred_at) FROM pickup_code_rejections
             GROUP BY kiosk_id ORDER BY kiosk_id",
            &[],
        )
        .await
        .map_err(pg_err)?;
    Ok(rows
        .iter()
        .map(|r| CodeRejectionCount {
            kiosk_id: r.get(0),
            wrong_codes: to_u64(r.get(1)),
            lockouts: to_u64(r.get(2)),
            last_at: r.get(3),
        })
        .collect())
}

pub async fn locker_alerts(
    client: &Object,
    limit: u32,
) -> Result<Vec<StoredLockerAlert>, StoreError> {
    let rows = client
        .query(
            "SELECT kiosk_id, seq, locker_door, alert, open_seconds, occurred_at FROM locker_alerts
             ORDER BY occurred_at DESC, kiosk_id, seq DESC LIMIT $1",
            &[&i64::from(limit)],
        )
        .await
        .map_err(pg_err)?;
    Ok(rows
        .iter()
        .map(|r| StoredLockerAlert {
            kiosk_id: r.get(0),
            seq: to_u64(r.get(1)),
            locker_door: to_u32(r.get(2)),
            alert: r.get(3),
            open_seconds: r.get::<_, Option<i64>>(4).map(to_u32),
            occurred_at: r.get(5),
        })
        .collect())
}

pub async fn pending_notices(client: &Object) -> Result<Vec<PendingNotice>, StoreError> {
    let rows = client
        .query(
            "SELECT n.pickup_id, n.kiosk_id, p.locker_door, p.document_no, n.code
             FROM pickup_notices n JOIN pickups p ON p.pickup_id = n.pickup_id
             WHERE n.sent_at IS NULL AND n.code IS NOT NULL ORDER BY n.created_at, n.pickup_id",
            &[],
        )
        .await
        .map_err(pg_err)?;
    Ok(rows
        .iter()
        .map(|r| PendingNotice {
            pickup_id: r.get(0),
            kiosk_id: r.get(1),
            locker_door: to_u32(r.get(2)),
            document_no: r.get(3),
            code_sealed: r.get(4),
        })
        .collect())
}

pub async fn notice_sent(client: &Object, pickup_id: &str) -> Result<bool, StoreError> {
    let n = client
        .execute(
            "UPDATE pickup_notices SET code = NULL, sent_at = $2 WHERE pickup_id = $1 AND sent_at IS NULL",
            &[&pickup_id, &now_rfc3339()],
        )
        .await
        .map_err(pg_err)?;
    Ok(n == 1)
}
