//! Reads for the CLI and the tests, on PostgreSQL.

use deadpool_postgres::Object;
use sanban_wire::Rejection;

use super::{pg_err, to_u64};
use crate::store::error::StoreError;
use crate::store::model::StoredTicket;
use crate::store::tables::data_tables;

pub async fn tickets(
    client: &Object,
    kiosk: Option<&str>,
) -> Result<Vec<StoredTicket>, StoreError> {
    let rows = client
        .query(
            "SELECT kiosk_id, seq, ticket_id, category, number, business_day, priority, offline, occurred_at
             FROM tickets WHERE $1::text IS NULL OR kiosk_id = $1 ORDER BY kiosk_id, seq",
            &[&kiosk],
        )
        .await
        .map_err(pg_err)?;
    Ok(rows
        .iter()
        .map(|r| StoredTicket {
            kiosk_id: r.get(0),
            seq: to_u64(r.get(1)),
            ticket_id: r.get(2),
            category: r.get(3),
            number: r.get(4),
            business_day: r.get(5),
            priority: r.get(6),
            offline: r.get(7),
            occurred_at: r.get(8),
        })
        .collect())
}

pub async fn last_applied_seq(client: &Object, kiosk: &str) -> Result<Option<u64>, StoreError> {
    Ok(client
        .query_opt(
            "SELECT last_applied_seq FROM kiosks WHERE id = $1",
            &[&kiosk],
        )
        .await
        .map_err(pg_err)?
        .map(|r| to_u64(r.get(0))))
}

pub async fn rejections(client: &Object, kiosk: &str) -> Result<Vec<Rejection>, StoreError> {
    let rows = client
        .query(
            "SELECT seq, reason FROM rejections WHERE kiosk_id = $1 ORDER BY seq",
            &[&kiosk],
        )
        .await
        .map_err(pg_err)?;
    Ok(rows
        .iter()
        .map(|r| Rejection {
            seq: to_u64(r.get(0)),
            reason: r.get(1),
        })
        .collect())
}

pub async fn counts(client: &Object) -> Result<Vec<(&'static str, u64)>, StoreError> {
    let mut out = Vec::new();
    for table in data_tables() {
        let n: i64 = client
            .query_one(&format!("SELECT COUNT(*) FROM {}", table.name), &[])
            .await
            .map_err(pg_err)?
            .get(0);
        out.push((table.name, to_u64(n)));
    }
    Ok(out)
}
