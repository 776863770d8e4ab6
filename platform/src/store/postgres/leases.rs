//! Queue number leases on PostgreSQL. The kiosk's row lock serializes its own lease requests (its request ids and
//! its unused-number cap); each (category, day) counter row is locked while its block is carved out, categories in
//! sorted order so that two kiosks' requests never deadlock.

use deadpool_postgres::Object;
use sanban_wire::Lease;

use super::{pg_err, to_u32};
use crate::store::clock::now_rfc3339;
use crate::store::error::StoreError;
use crate::store::lease_policy::{in_request_order, next_block, LeaseAsk, LeaseOutcome};

pub async fn grant_leases(
    client: &mut Object,
    kiosk: &str,
    ask: &LeaseAsk,
) -> Result<LeaseOutcome, StoreError> {
    let tx = client.transaction().await.map_err(pg_err)?;
    tx.execute("SELECT 1 FROM kiosks WHERE id = $1 FOR UPDATE", &[&kiosk])
        .await
        .map_err(pg_err)?;
    let fingerprint = ask.fingerprint();
    if let Some(request_id) = &ask.request_id {
        let earlier = tx
            .query_opt(
                "SELECT fingerprint, reply FROM lease_requests WHERE kiosk_id = $1 AND request_id = $2",
                &[&kiosk, request_id],
            )
            .await
            .map_err(pg_err)?;
        if let Some(row) = earlier {
            let (earlier_fingerprint, reply): (String, String) = (row.get(0), row.get(1));
            return Ok(if earlier_fingerprint == fingerprint {
                LeaseOutcome::Granted(serde_json::from_str(&reply)?)
            } else {
                LeaseOutcome::RequestIdReused
            });
        }
    }
    let now = now_rfc3339();
    let day = &ask.business_day;
    let mut categories = ask.categories.clone();
    categories.sort();
    let mut leases = Vec::new();
    for category in &categories {
        tx.execute(
            "INSERT INTO number_counters (category, business_day, last_number) VALUES ($1, $2, 0)
             ON CONFLICT DO NOTHING",
            &[category, day],
        )
        .await
        .map_err(pg_err)?;
        let last: i64 = tx
            .query_one(
                "SELECT last_number FROM number_counters WHERE category = $1 AND business_day = $2 FOR UPDATE",
                &[category, day],
            )
            .await
            .map_err(pg_err)?
            .get(0);
        let leased: i64 = tx
            .query_one(
                "SELECT COALESCE(SUM(last_number - first_number + 1), 0)::BIGINT FROM leases
                 WHERE kiosk_id = $1 AND business_day = $2 AND category = $3",
                &[&kiosk, day, category],
            )
            .await
            .map_err(pg_err)?
            .get(0);
        let used: i64 = tx
            .query_one(
                "SELECT COUNT(*) FROM tickets
                 WHERE business_day = $2 AND category = $3 AND kiosk_id = $1 AND NOT offline",
                &[&kiosk, day, category],
            )
            .await
            .map_err(pg_err)?
            .get(0);
        let unused = (leased - used).max(0) as u64;
        let Some((first, end)) = next_block(ask.block_size, unused, to_u32(last)) else {
            continue;
        };
        tx.execute(
            "UPDATE number_counters SET last_number = $3 WHERE category = $1 AND business_day = $2",
            &[category, day, &i64::from(end)],
        )
        .await
        .map_err(pg_err)?;
        tx.execute(
            "INSERT INTO leases (kiosk_id, category, business_day, first_number, last_number, granted_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[&kiosk, category, day, &i64::from(first), &i64::from(end), &now],
        )
        .await
        .map_err(pg_err)?;
        leases.push(Lease {
            category: category.clone(),
            business_day: day.clone(),
            first,
            last: end,
        });
    }
    let leases = in_request_order(ask, leases);
    if let Some(request_id) = &ask.request_id {
        tx.execute(
            "INSERT INTO lease_requests (kiosk_id, request_id, fingerprint, reply, created_at)
             VALUES ($1, $2, $3, $4, $5)",
            &[
                &kiosk,
                request_id,
                &fingerprint,
                &serde_json::to_string(&leases)?,
                &now,
            ],
        )
        .await
        .map_err(pg_err)?;
    }
    tx.commit().await.map_err(pg_err)?;
    Ok(LeaseOutcome::Granted(leases))
}
