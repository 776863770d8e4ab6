//! 好差评 on the kiosk: which errands were rated here (one rating per errand). What the citizen said travels only in
//! the outbox event; this table keeps no text and no phone number.

use chrono::{DateTime, Utc};
use rusqlite::{params, Transaction};
use sanban_wire::RatingLevel;

use super::{Result, Store, StoreError};

impl Store {
    /// Whether errand `errand_id` of kind `errand` was rated at this kiosk.
    pub fn is_rated(&self, errand: &str, errand_id: &str) -> Result<bool> {
        Ok(self.conn().query_row(
            "SELECT EXISTS (SELECT 1 FROM ratings WHERE errand = ?1 AND errand_id = ?2)",
            params![errand, errand_id],
            |r| r.get(0),
        )?)
    }
}

/// Inside the errand transaction: record the rating, or refuse a second one of the same errand with
/// [`StoreError::AlreadyDone`].
fn insert(
    tx: &Transaction,
    rating_id: &str,
    errand: &str,
    errand_id: &str,
    level: RatingLevel,
    now: DateTime<Utc>,
) -> Result<()> {
    let inserted = tx.execute(
        "INSERT INTO ratings (rating_id, errand, errand_id, level, rated_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (errand, errand_id) DO NOTHING",
        params![rating_id, errand, errand_id, level.name(), now.to_rfc3339()],
    )?;
    if inserted == 0 {
        return Err(StoreError::AlreadyDone(
            "this errand has already been rated",
        ));
    }
    Ok(())
}

impl Store {
    /// Record a rating with its `rating.submitted` event, or refuse a second rating of the same errand
    /// ([`StoreError::AlreadyDone`]).
    pub fn rate(
        &mut self,
        rating: sanban_wire::RatingSubmitted,
        now: DateTime<Utc>,
        tz: chrono_tz::Tz,
    ) -> Result<u64> {
        Ok(self
            .commit_errand(now, tz, |tx| {
                insert(
                    tx,
                    &rating.rating_id.to_string(),
                    &rating.errand,
                    &rating.errand_id,
                    rating.level,
                    now,
                )?;
                Ok(super::Errand {
                    value: (),
                    event: sanban_wire::EventPayload::RatingSubmitted(rating),
                    print: None,
                })
            })?
            .outbox_seq)
    }
}
