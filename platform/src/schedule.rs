//! Calendar arithmetic: strict dates and the catalog's weekdays. Today in a hall is
//! [`crate::appointments::Hall::today`]; appointment hours and slots are each service's own, in the catalog
//! ([`sanban_wire::Service::slots_on`]).

use chrono::{Datelike, NaiveDate};

/// Parses a strict `YYYY-MM-DD` date.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    if text.len() != 10 {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

/// The catalog's weekday of `date`.
pub fn weekday(date: NaiveDate) -> sanban_wire::Weekday {
    sanban_wire::Weekday::ALL[date.weekday().num_days_from_monday() as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekdays_follow_the_calendar() {
        use sanban_wire::Weekday;
        assert_eq!(weekday(parse_date("2026-11-23").unwrap()), Weekday::Mon);
        assert_eq!(weekday(parse_date("2026-12-02").unwrap()), Weekday::Wed);
        assert_eq!(weekday(parse_date("2026-11-29").unwrap()), Weekday::Sun);
    }

    #[test]
    fn dates_are_strict() {
        assert!(parse_date("2026-02-30").is_none());
        assert!(parse_date("2026-2-3").is_none());
        assert!(parse_date("2026-02-03").is_some());
    }
}
