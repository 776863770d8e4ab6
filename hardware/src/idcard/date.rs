//! A tiny calendar date: cards store dates as `YYYYMMDD`, and the kiosk only needs comparisons and ages.

use std::fmt;

/// A valid Gregorian calendar date (year 0..=9999). Ordered chronologically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    // Field order matters: the derived Ord compares year, then month, then day.
    year: u16,
    month: u8,
    day: u8,
}

impl Date {
    /// The date, if it exists on the calendar.
    pub const fn new(year: u16, month: u8, day: u8) -> Option<Date> {
        if year > 9999 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date { year, month, day })
    }

    /// Year.
    pub const fn year(self) -> u16 {
        self.year
    }

    /// Month, 1..=12.
    pub const fn month(self) -> u8 {
        self.month
    }

    /// Day of the month, 1..=31.
    pub const fn day(self) -> u8 {
        self.day
    }

    /// Parse exactly eight ASCII digits `YYYYMMDD`.
    pub fn parse_yyyymmdd(s: &str) -> Option<Date> {
        let b = s.as_bytes();
        if b.len() != 8 || !b.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let num =
            |r: std::ops::Range<usize>| b[r].iter().fold(0u16, |n, d| n * 10 + u16::from(d - b'0'));
        Date::new(num(0..4), num(4..6) as u8, num(6..8) as u8)
    }

    /// The `YYYYMMDD` form stored on cards.
    pub fn to_yyyymmdd(self) -> String {
        format!("{:04}{:02}{:02}", self.year, self.month, self.day)
    }

    /// Whole years from `self` (a birth date) to `on`; 0 if `on` is earlier. Someone born on 29 February turns a
    /// year older on 1 March in common years.
    pub fn years_until(self, on: Date) -> u32 {
        if on < self {
            return 0;
        }
        let years = u32::from(on.year - self.year);
        if (on.month, on.day) < (self.month, self.day) {
            years - 1
        } else {
            years
        }
    }
}

const fn is_leap(year: u16) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

const fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl fmt::Display for Date {
    /// ISO 8601: `YYYY-MM-DD`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: u16, m: u8, day: u8) -> Date {
        Date::new(y, m, day).unwrap()
    }

    #[test]
    fn calendar_rules() {
        assert!(Date::new(2024, 2, 29).is_some());
        assert!(Date::new(2023, 2, 29).is_none());
        assert!(Date::new(1900, 2, 29).is_none());
        assert!(Date::new(2000, 2, 29).is_some());
        assert!(Date::new(2024, 4, 31).is_none());
        assert!(Date::new(2024, 13, 1).is_none());
        assert!(Date::new(2024, 1, 0).is_none());
    }

    #[test]
    fn parses_and_prints_card_dates() {
        assert_eq!(Date::parse_yyyymmdd("19900307"), Some(d(1990, 3, 7)));
        assert_eq!(d(1990, 3, 7).to_yyyymmdd(), "19900307");
        assert_eq!(d(1990, 3, 7).to_string(), "1990-03-07");
        for bad in [
            "1990037",
            "199003070",
            "1990-3-7",
            "19901307",
            "长期",
            "+9900307",
        ] {
            assert_eq!(Date::parse_yyyymmdd(bad), None, "{bad}");
        }
    }

    #[test]
    fn ages_count_whole_years() {
        let born = d(1964, 6, 15);
        assert_eq!(born.years_until(d(2024, 6, 14)), 59);
        assert_eq!(born.years_until(d(2024, 6, 15)), 60);
        assert_eq!(born.years_until(d(1960, 1, 1)), 0);
        let leap = d(2000, 2, 29);
        assert_eq!(leap.years_until(d(2001, 2, 28)), 0);
        assert_eq!(leap.years_until(d(2001, 3, 1)), 1);
        assert_eq!(leap.years_until(d(2004, 2, 29)), 4);
    }
}
