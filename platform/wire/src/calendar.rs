//! The hall's calendar (`GET /v1/calendar`): which days it works. Monday to Friday, except the public holidays
//! (法定节假日) that fall on them, plus the weekend days worked to make up for a long holiday (调休上班). The platform
//! keeps it; kiosks cache it so that the day list of a booking is right with the network down. Both sides compute
//! the bookable days with the same functions here, so they cannot disagree.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// A dated exception to the Monday-to-Friday week.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CalendarDay {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// What the day is, e.g. "国庆节" or "国庆节调休上班".
    pub name: String,
}

/// `GET /v1/calendar`: the hall's working days and how far ahead it takes bookings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct HallCalendar {
    /// The hall's IANA time zone: the one its dates and slot times are in.
    pub timezone: String,
    /// Weekdays the hall is closed (public holidays and the weekdays of their 调休).
    #[serde(default)]
    pub holidays: Vec<CalendarDay>,
    /// Saturdays and Sundays the hall works (调休上班).
    #[serde(default)]
    pub workdays: Vec<CalendarDay>,
    /// Bookings are taken from the next working day up to this many working days ahead.
    pub bookable_days: u32,
}

/// The longest booking window a calendar may set (about two months of working days).
pub const MAX_BOOKABLE_DAYS: u32 = 40;

/// Why a calendar is unusable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarError(pub String);

impl std::fmt::Display for CalendarError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CalendarError {}

fn parse_day(text: &str) -> Option<NaiveDate> {
    if text.len() != 10 {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

fn is_weekend(date: NaiveDate) -> bool {
    date.weekday().num_days_from_monday() >= 5
}

impl HallCalendar {
    /// The calendar every kiosk and platform starts from: the national holidays of the years in
    /// `platform/seed/calendar.json` (from the State Council's yearly notice), in Asia/Shanghai.
    pub fn seed() -> HallCalendar {
        serde_json::from_str(SEED).expect("the seed calendar parses")
    }

    /// Checks dates, names and the window; a holiday on a weekend or a make-up day on a weekday is a mistake.
    pub fn validate(&self) -> Result<(), CalendarError> {
        if self.bookable_days == 0 || self.bookable_days > MAX_BOOKABLE_DAYS {
            return Err(CalendarError(format!(
                "bookable_days must be 1 to {MAX_BOOKABLE_DAYS}"
            )));
        }
        let mut seen = BTreeMap::new();
        for (list, weekend) in [(&self.holidays, false), (&self.workdays, true)] {
            for day in list {
                let Some(date) = parse_day(&day.date) else {
                    return Err(CalendarError(format!(
                        "{:?} is not a YYYY-MM-DD date",
                        day.date
                    )));
                };
                if day.name.trim().is_empty()
                    || day.name.chars().count() > 32
                    || day.name.chars().any(char::is_control)
                {
                    return Err(CalendarError(format!(
                        "the name of {} must be 1 to 32 printable characters",
                        day.date
                    )));
                }
                if is_weekend(date) != weekend {
                    return Err(CalendarError(if weekend {
                        format!(
                            "{} is a make-up working day but not a Saturday or Sunday",
                            day.date
                        )
                    } else {
                        format!(
                            "{} is a holiday but falls on a weekend (weekends are closed anyway)",
                            day.date
                        )
                    }));
                }
                if seen.insert(date, ()).is_some() {
                    return Err(CalendarError(format!("{} is listed twice", day.date)));
                }
            }
        }
        Ok(())
    }

    /// Whether the hall works on `date`.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        let listed = |list: &[CalendarDay]| list.iter().any(|d| parse_day(&d.date) == Some(date));
        if is_weekend(date) {
            listed(&self.workdays)
        } else {
            !listed(&self.holidays)
        }
    }

    /// The name of `date` when it is an exception (a holiday or a make-up working day).
    pub fn name_of(&self, date: NaiveDate) -> Option<&str> {
        self.holidays
            .iter()
            .chain(&self.workdays)
            .find(|d| parse_day(&d.date) == Some(date))
            .map(|d| d.name.as_str())
    }

    /// The days a citizen may book on `today`: from the next working day, `bookable_days` working days.
    pub fn bookable_dates(&self, today: NaiveDate) -> Vec<NaiveDate> {
        let mut dates = Vec::new();
        let mut day = today;
        // A year of holidays cannot hide more than a few weeks of working days: the bound only stops a broken
        // calendar (every day a holiday) from looping for ever.
        for _ in 0..(self.bookable_days as usize * 7 + 60) {
            if dates.len() == self.bookable_days as usize {
                break;
            }
            let Some(next) = day.succ_opt() else { break };
            day = next;
            if self.is_working_day(day) {
                dates.push(day);
            }
        }
        dates
    }

    /// Whether `date` is one of [`HallCalendar::bookable_dates`] on `today`.
    pub fn is_bookable(&self, today: NaiveDate, date: NaiveDate) -> bool {
        date > today
            && self.is_working_day(date)
            && self
                .bookable_dates(today)
                .last()
                .is_some_and(|last| date <= *last)
    }
}

/// `platform/seed/calendar.json`.
pub const SEED: &str = include_str!("../../seed/calendar.json");

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> NaiveDate {
        parse_day(text).unwrap()
    }

    fn calendar() -> HallCalendar {
        HallCalendar {
            timezone: "Asia/Shanghai".into(),
            holidays: (1..=7)
                .filter(|n| ![3, 4].contains(n))
                .map(|n| CalendarDay {
                    date: format!("2026-10-0{n}"),
                    name: "国庆节".into(),
                })
                .collect(),
            workdays: vec![CalendarDay {
                date: "2026-10-10".into(),
                name: "国庆节调休上班".into(),
            }],
            bookable_days: 5,
        }
    }

    #[test]
    fn weekends_and_holidays_are_closed_and_make_up_days_open() {
        let c = calendar();
        c.validate().unwrap();
        assert!(c.is_working_day(d("2026-09-30")), "a Wednesday");
        assert!(!c.is_working_day(d("2026-10-01")), "a holiday Thursday");
        assert!(!c.is_working_day(d("2026-10-04")), "a Sunday");
        assert!(c.is_working_day(d("2026-10-10")), "a make-up Saturday");
        assert!(!c.is_working_day(d("2026-10-11")), "a plain Sunday");
        assert_eq!(c.name_of(d("2026-10-10")), Some("国庆节调休上班"));
        assert_eq!(c.name_of(d("2026-10-12")), None);
    }

    #[test]
    fn the_window_starts_on_the_next_working_day_and_skips_the_holiday() {
        let c = calendar();
        let days: Vec<String> = c
            .bookable_dates(d("2026-09-29"))
            .iter()
            .map(|x| x.to_string())
            .collect();
        assert_eq!(
            days,
            [
                "2026-09-30",
                "2026-10-08",
                "2026-10-09",
                "2026-10-10",
                "2026-10-12"
            ]
        );
        assert!(
            !c.is_bookable(d("2026-09-29"), d("2026-09-29")),
            "not today"
        );
        assert!(c.is_bookable(d("2026-09-29"), d("2026-10-12")));
        assert!(
            !c.is_bookable(d("2026-09-29"), d("2026-10-13")),
            "past the window"
        );
        assert!(
            !c.is_bookable(d("2026-09-29"), d("2026-10-02")),
            "a holiday"
        );
        assert!(!c.is_bookable(d("2026-09-29"), d("2026-09-28")), "the past");
    }

    #[test]
    fn a_broken_calendar_is_refused_with_the_date_named() {
        let mut c = calendar();
        c.holidays.push(CalendarDay {
            date: "2026-10-03".into(),
            name: "国庆节".into(),
        });
        assert!(c.validate().unwrap_err().0.contains("2026-10-03"));
        let mut c = calendar();
        c.workdays[0].date = "2026-10-09".into();
        assert!(c.validate().unwrap_err().0.contains("2026-10-09"));
        let mut c = calendar();
        c.bookable_days = 0;
        assert!(c.validate().is_err());
        let mut c = calendar();
        c.holidays[0].date = "2026-10-1".into();
        assert!(c.validate().is_err());
        let mut c = calendar();
        c.holidays.push(c.holidays[0].clone());
        assert!(c.validate().unwrap_err().0.contains("twice"));
    }

    #[test]
    fn the_seed_is_valid_and_knows_the_national_day_holiday() {
        let c = HallCalendar::seed();
        c.validate().unwrap();
        assert_eq!(c.timezone, "Asia/Shanghai");
        assert!(!c.is_working_day(d("2026-10-01")));
        assert!(c.is_working_day(d("2026-12-02")));
    }
}
