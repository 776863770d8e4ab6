//! 好差评 ratings as stored on PostgreSQL (the call-back number sealed).

use deadpool_postgres::Object;

use super::{pg_err, to_u32, to_u64};
use crate::store::error::StoreError;
use crate::store::model::{rating_reasons, StoredRating};

pub async fn ratings(client: &Object) -> Result<Vec<StoredRating>, StoreError> {
    let rows = client
        .query(
            "SELECT kiosk_id, seq, rating_id, errand, errand_id, service, channel, level, reasons, reason, text,
                    callback_phone, times_rated, occurred_at
             FROM ratings ORDER BY kiosk_id, seq",
            &[],
        )
        .await
        .map_err(pg_err)?;
    Ok(rows
        .iter()
        .map(|r| {
            let list: Option<String> = r.get(8);
            let joined: Option<String> = r.get(9);
            StoredRating {
                kiosk_id: r.get(0),
                seq: to_u64(r.get(1)),
                rating_id: r.get(2),
                errand: r.get(3),
                errand_id: r.get(4),
                service: r.get(5),
                channel: r.get(6),
                level_code: u8::try_from(r.get::<_, i64>(7)).unwrap_or(0),
                reasons: rating_reasons(list.as_deref(), joined.as_deref()),
                text: r.get(10),
                callback_phone_sealed: r.get(11),
                times_rated: r.get::<_, Option<i64>>(12).map(to_u32),
                occurred_at: r.get(13),
            }
        })
        .collect())
}
