//! Wall-clock time and business days. A trait so tests can cross midnight without waiting for it.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

/// Source of the current time.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that only moves when told to (tests, the scripted tour's reproducible output).
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<Mutex<DateTime<Utc>>>);

impl ManualClock {
    pub fn new(start: DateTime<Utc>) -> Self {
        Self(Arc::new(Mutex::new(start)))
    }
    pub fn set(&self, t: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = t;
    }
    pub fn advance(&self, d: chrono::Duration) {
        let mut t = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *t += d;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The business day an instant belongs to: the local calendar date in the kiosk's time zone.
pub fn business_day(t: DateTime<Utc>, tz: Tz) -> NaiveDate {
    t.with_timezone(&tz).date_naive()
}

/// Today's date in the kiosk's time zone, as the card driver counts ages and validity.
pub fn card_today(tz: Tz) -> sanban_hardware::idcard::Date {
    use chrono::Datelike;
    let now = Utc::now().with_timezone(&tz).date_naive();
    sanban_hardware::idcard::Date::new(now.year() as u16, now.month() as u8, now.day() as u8)
        .expect("a calendar date is a valid date")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn business_day_rolls_over_at_local_midnight() {
        let tz: Tz = "Asia/Shanghai".parse().unwrap();
        // 15:59:59 UTC is 23:59:59 in Shanghai; one second later is the next local day.
        let before = Utc.with_ymd_and_hms(2026, 11, 26, 15, 59, 59).unwrap();
        let after = before + chrono::Duration::seconds(1);
        assert_eq!(
            business_day(before, tz),
            NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
        );
        assert_eq!(
            business_day(after, tz),
            NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
        );
    }
}
