//! 好差评 ratings as stored (the call-back number sealed).

use rusqlite::Connection;

use crate::store::error::StoreError;
use crate::store::model::{rating_reasons, StoredRating};

pub fn ratings(conn: &Connection) -> Result<Vec<StoredRating>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT kiosk_id, seq, rating_id, errand, errand_id, service, channel, level, reasons, reason, text,
                callback_phone, times_rated, occurred_at
         FROM ratings ORDER BY kiosk_id, seq",
    )?;
    let rows = stmt.query_map([], |r| {
        let list: Option<String> = r.get(8)?;
        let joined: Option<String> = r.get(9)?;
        Ok(StoredRating {
            kiosk_id: r.get(0)?,
            seq: r.get(1)?,
            rating_id: r.get(2)?,
            errand: r.get(3)?,
            errand_id: r.get(4)?,
            service: r.get(5)?,
            channel: r.get(6)?,
            level_code: r.get(7)?,
            reasons: rating_reasons(list.as_deref(), joined.as_deref()),
            text: r.get(10)?,
            callback_phone_sealed: r.get(11)?,
            times_rated: r.get(12)?,
            occurred_at: r.get(13)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
