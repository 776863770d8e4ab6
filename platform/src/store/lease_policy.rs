//! Queue number leases: blocks of numbers from one platform-wide counter per (category, business day), so two
//! kiosks never print the same number. The rules here bound what one kiosk can take.

use chrono::NaiveDate;
use sanban_wire::Lease;
use sha2::{Digest, Sha256};

/// Largest block granted at once, whatever the kiosk asks for.
pub const MAX_BLOCK: u32 = 200;
/// Highest queue number of a category on a day (the printed number has four digits at most).
pub const MAX_NUMBER: u32 = 9999;
/// Most numbers of one category and day a kiosk may hold leased but not yet reported used (as tickets). A kiosk
/// tops up at 10 left with blocks of 50, so this leaves room for tickets not yet synced, while one kiosk can no
/// longer take a whole day's numbers (9,999) from the others.
pub const MAX_UNUSED: u32 = 2 * MAX_BLOCK;

/// A lease request, checked by the handler.
#[derive(Debug, Clone, PartialEq)]
pub struct LeaseAsk {
    /// The kiosk's id for this request: a retry (after a lost reply) gets the first reply, not a new block.
    pub request_id: Option<String>,
    pub business_day: String,
    pub categories: Vec<String>,
    pub block_size: u32,
}

impl LeaseAsk {
    /// What the request asked, to tell a retry from a request id reused for another request.
    pub fn fingerprint(&self) -> String {
        let mut categories = self.categories.clone();
        categories.sort();
        let mut h = Sha256::new();
        h.update(self.business_day.as_bytes());
        for c in &categories {
            h.update([0]);
            h.update(c.as_bytes());
        }
        h.update([0]);
        h.update(self.block_size.to_be_bytes());
        hex::encode(h.finalize())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum LeaseOutcome {
    /// The blocks granted now, or granted before to the same request id (a retry). A category with nothing left
    /// to grant (numbers spent, or the kiosk at its [`MAX_UNUSED`]) is absent.
    Granted(Vec<Lease>),
    /// The request id was used before for a different request.
    RequestIdReused,
}

/// Business days a kiosk may lease for: yesterday, today and tomorrow in the hall's time zone (a kiosk's clock
/// near midnight may be a little off; a day further away is a mistake or an attempt to hoard).
pub fn check_business_day(day: NaiveDate, today: NaiveDate) -> Result<(), String> {
    let window = today.pred_opt().unwrap_or(today)..=today.succ_opt().unwrap_or(today);
    if window.contains(&day) {
        Ok(())
    } else {
        Err(format!(
            "business_day {day} is outside the leasable days {} to {}",
            window.start(),
            window.end()
        ))
    }
}

/// The block to grant next, `first..=last`: the ask clamped to [`MAX_BLOCK`], to the kiosk's room under
/// [`MAX_UNUSED`] (`unused` = its leased numbers not yet used by its tickets) and to [`MAX_NUMBER`]. `None` when
/// nothing can be granted.
pub fn next_block(asked: u32, unused: u64, counter_last: u32) -> Option<(u32, u32)> {
    let room = u64::from(MAX_UNUSED).saturating_sub(unused);
    let size = u64::from(asked.clamp(1, MAX_BLOCK)).min(room) as u32;
    if size == 0 || counter_last >= MAX_NUMBER {
        return None;
    }
    Some((counter_last + 1, (counter_last + size).min(MAX_NUMBER)))
}

/// Leases in the order the request listed the categories (stores work in sorted order to lock consistently).
pub fn in_request_order(ask: &LeaseAsk, mut leases: Vec<Lease>) -> Vec<Lease> {
    leases.sort_by_key(|l| {
        ask.categories
            .iter()
            .position(|c| *c == l.category)
            .unwrap_or(usize::MAX)
    });
    leases
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_clamped_by_the_cap_the_kiosks_room_and_the_last_number() {
        assert_eq!(next_block(50, 0, 0), Some((1, 50)));
        assert_eq!(next_block(100_000, 0, 10), Some((11, 210)));
        assert_eq!(next_block(300, 350, 0), Some((1, 50)));
        assert_eq!(next_block(10, u64::from(MAX_UNUSED), 0), None);
        assert_eq!(next_block(10, 10_000, 0), None);
        assert_eq!(next_block(50, 0, 9990), Some((9991, 9999)));
        assert_eq!(next_block(50, 0, 9999), None);
    }

    #[test]
    fn only_yesterday_today_and_tomorrow_are_leasable() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        for d in [25, 26, 27] {
            assert!(
                check_business_day(NaiveDate::from_ymd_opt(2026, 11, d).unwrap(), today).is_ok()
            );
        }
        for d in [
            NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(),
            NaiveDate::from_ymd_opt(2026, 11, 28).unwrap(),
            NaiveDate::from_ymd_opt(9999, 1, 1).unwrap(),
            NaiveDate::from_ymd_opt(0, 1, 1).unwrap(),
        ] {
            let err = check_business_day(d, today).unwrap_err();
            assert!(err.contains("outside the leasable days"), "{err}");
        }
    }

    #[test]
    fn a_fingerprint_ignores_category_order_only() {
        let ask = |cats: &[&str], block| LeaseAsk {
            request_id: None,
            business_day: "2026-11-26".into(),
            categories: cats.iter().map(|c| c.to_string()).collect(),
            block_size: block,
        };
        assert_eq!(
            ask(&["police", "tax"], 50).fingerprint(),
            ask(&["tax", "police"], 50).fingerprint()
        );
        assert_ne!(
            ask(&["police"], 50).fingerprint(),
            ask(&["police"], 51).fingerprint()
        );
    }
}
