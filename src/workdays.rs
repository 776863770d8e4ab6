//! Working days (工作日) for the dates a receipt promises: a service's time limit and a 容缺 material's deadline
//! count Monday to Friday. Public holidays and their make-up days are not known to the kiosk, so receipts say that
//! holidays extend the date (遇法定节假日顺延) and the platform's status has the last word.

use chrono::{Datelike, NaiveDate, Weekday};

/// The date `days` working days after `from` (0: `from` itself).
pub fn after(from: NaiveDate, days: u32) -> NaiveDate {
    let mut date = from;
    let mut left = days;
    while left > 0 {
        date = date.succ_opt().unwrap_or(date);
        if !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    date
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn weekends_do_not_count() {
        // 2026-11-26 is a Thursday.
        assert_eq!(after(d("2026-11-26"), 0), d("2026-11-26"));
        assert_eq!(after(d("2026-11-26"), 1), d("2026-11-27"));
        assert_eq!(after(d("2026-11-26"), 2), d("2026-11-30"), "Fri, then Mon");
        assert_eq!(after(d("2026-11-26"), 5), d("2026-12-03"));
        // Submitted on a Saturday: the first working day is Monday.
        assert_eq!(after(d("2026-11-28"), 1), d("2026-11-30"));
        assert_eq!(after(d("2026-11-26"), 20), d("2026-12-24"));
    }
}
