//! The hall's appointment schedule: working days (Monday to Friday; no holiday calendar yet), 09:00–12:00 and
//! 13:30–17:00 in 30-minute slots of 4 places each.

use chrono::{Datelike, NaiveDate, NaiveTime, Utc, Weekday};

pub const SLOT_MINUTES: u32 = 30;
pub const SLOT_CAPACITY: u32 = 4;
const SESSIONS: [((u32, u32), (u32, u32)); 2] = [((9, 0), (12, 0)), ((13, 30), (17, 0))];

/// One slot of the day's schedule.
#[derive(Debug, Clone, PartialEq)]
pub struct SlotTime {
    /// "0930": stable, short, sorts by time.
    pub slot_id: String,
    pub start: String,
    pub end: String,
}

/// Parses a strict `YYYY-MM-DD` date.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    if text.len() != 10 {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

pub fn is_working_day(date: NaiveDate) -> bool {
    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The slots of `date`; none on a weekend.
pub fn slots_for(date: NaiveDate) -> Vec<SlotTime> {
    if !is_working_day(date) {
        return Vec::new();
    }
    let mut slots = Vec::new();
    for ((sh, sm), (eh, em)) in SESSIONS {
        let (Some(mut t), Some(end)) = (
            NaiveTime::from_hms_opt(sh, sm, 0),
            NaiveTime::from_hms_opt(eh, em, 0),
        ) else {
            continue;
        };
        while t < end {
            let next = t + chrono::Duration::minutes(SLOT_MINUTES as i64);
            slots.push(SlotTime {
                slot_id: t.format("%H%M").to_string(),
                start: t.format("%H:%M").to_string(),
                end: next.format("%H:%M").to_string(),
            });
            t = next;
        }
    }
    slots
}

/// Today in the hall's time zone. The platform serves halls in China (UTC+8, no daylight saving).
pub fn hall_today() -> NaiveDate {
    (Utc::now() + chrono::Duration::hours(8)).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thirteen_slots_on_a_weekday_none_on_sunday() {
        let monday = parse_date("2026-11-23").unwrap();
        let slots = slots_for(monday);
        assert_eq!(slots.len(), 13);
        assert_eq!(
            slots[0],
            SlotTime {
                slot_id: "0900".into(),
                start: "09:00".into(),
                end: "09:30".into()
            }
        );
        assert_eq!(slots[6].start, "13:30");
        assert_eq!(slots.last().unwrap().end, "17:00");
        assert!(slots_for(parse_date("2026-11-29").unwrap()).is_empty());
    }

    #[test]
    fn dates_are_strict() {
        assert!(parse_date("2026-02-30").is_none());
        assert!(parse_date("2026-2-3").is_none());
        assert!(parse_date("2026-02-03").is_some());
    }
}
