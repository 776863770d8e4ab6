//! A service's appointment hours (预约时段): clock times, opening hours per weekday, and the slots cut from them.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A time of day in the hall's time zone, to the minute; `"HH:MM"` on the wire (00:00 to 23:59).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClockTime(u16);

impl ClockTime {
    /// `None` unless `hour < 24` and `minute < 60`.
    pub const fn new(hour: u16, minute: u16) -> Option<ClockTime> {
        if hour < 24 && minute < 60 {
            Some(ClockTime(hour * 60 + minute))
        } else {
            None
        }
    }

    /// Minutes since midnight.
    pub const fn minutes(self) -> u32 {
        self.0 as u32
    }

    pub const fn from_minutes(minutes: u32) -> Option<ClockTime> {
        if minutes < 24 * 60 {
            Some(ClockTime(minutes as u16))
        } else {
            None
        }
    }

    /// Strict `HH:MM` (two digits each, no seconds).
    pub fn parse(text: &str) -> Option<ClockTime> {
        let b = text.as_bytes();
        if b.len() != 5 || b[2] != b':' || ![0, 1, 3, 4].iter().all(|&i| b[i].is_ascii_digit()) {
            return None;
        }
        let two = |i: usize| u16::from(b[i] - b'0') * 10 + u16::from(b[i + 1] - b'0');
        ClockTime::new(two(0), two(3))
    }

    /// `"0930"`: the form slot ids take (short, stable, sorts by time).
    pub fn compact(self) -> String {
        format!("{:02}{:02}", self.0 / 60, self.0 % 60)
    }
}

impl fmt::Display for ClockTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

impl Serialize for ClockTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ClockTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        ClockTime::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "{text:?} is not a time of day written HH:MM (00:00 to 23:59)"
            ))
        })
    }
}

/// A stretch of opening hours, `start` included, `end` excluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TimeRange {
    /// `HH:MM`, included.
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$"))]
    pub start: ClockTime,
    /// `HH:MM`, excluded.
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$"))]
    pub end: ClockTime,
}

impl TimeRange {
    /// Minutes from start to end; 0 when inverted.
    pub fn minutes(&self) -> u32 {
        self.end.minutes().saturating_sub(self.start.minutes())
    }
}

impl fmt::Display for TimeRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}–{}", self.start, self.end)
    }
}

/// Day of the week, Monday first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl Weekday {
    pub const ALL: [Weekday; 7] = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ];

    /// 0 = Monday … 6 = Sunday (chrono's `num_days_from_monday`).
    pub fn from_days_from_monday(days: u32) -> Option<Weekday> {
        Weekday::ALL.get(days as usize).copied()
    }

    /// The wire name, also the field name in [`WeeklyHours`]: `"mon"`.
    pub fn code(self) -> &'static str {
        ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][self as usize]
    }

    pub fn label_zh(self) -> &'static str {
        ["周一", "周二", "周三", "周四", "周五", "周六", "周日"][self as usize]
    }

    pub fn label_en(self) -> &'static str {
        ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][self as usize]
    }
}

/// Opening hours for appointments, per weekday; a day left out takes no appointments. Holidays (法定节假日) are the
/// platform's calendar, not the catalog's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WeeklyHours {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mon: Vec<TimeRange>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tue: Vec<TimeRange>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub wed: Vec<TimeRange>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub thu: Vec<TimeRange>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fri: Vec<TimeRange>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sat: Vec<TimeRange>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sun: Vec<TimeRange>,
}

impl WeeklyHours {
    /// The same ranges Monday to Friday, none at the weekend: the usual hall week.
    pub fn weekdays(ranges: &[TimeRange]) -> WeeklyHours {
        WeeklyHours {
            mon: ranges.to_vec(),
            tue: ranges.to_vec(),
            wed: ranges.to_vec(),
            thu: ranges.to_vec(),
            fri: ranges.to_vec(),
            ..WeeklyHours::default()
        }
    }

    pub fn on(&self, day: Weekday) -> &[TimeRange] {
        match day {
            Weekday::Mon => &self.mon,
            Weekday::Tue => &self.tue,
            Weekday::Wed => &self.wed,
            Weekday::Thu => &self.thu,
            Weekday::Fri => &self.fri,
            Weekday::Sat => &self.sat,
            Weekday::Sun => &self.sun,
        }
    }

    pub fn is_empty(&self) -> bool {
        Weekday::ALL.iter().all(|&d| self.on(d).is_empty())
    }
}

/// One bookable slot of a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotTime {
    /// `"0930"`: the slot's start, as `GET /v1/slots` and appointment events name it.
    pub slot_id: String,
    pub start: ClockTime,
    pub end: ClockTime,
}

/// Cuts each range into whole slots of `slot_minutes`; a tail shorter than a slot is not offered.
pub fn slots_in(ranges: &[TimeRange], slot_minutes: u32) -> Vec<SlotTime> {
    if slot_minutes == 0 {
        return Vec::new();
    }
    let mut slots = Vec::new();
    for range in ranges {
        let mut start = range.start.minutes();
        while start + slot_minutes <= range.end.minutes() {
            let (Some(s), Some(e)) = (
                ClockTime::from_minutes(start),
                ClockTime::from_minutes(start + slot_minutes),
            ) else {
                break;
            };
            slots.push(SlotTime {
                slot_id: s.compact(),
                start: s,
                end: e,
            });
            start += slot_minutes;
        }
    }
    slots
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(text: &str) -> ClockTime {
        ClockTime::parse(text).unwrap()
    }

    fn range(a: &str, b: &str) -> TimeRange {
        TimeRange {
            start: t(a),
            end: t(b),
        }
    }

    #[test]
    fn clock_times_are_strict_hh_mm() {
        assert_eq!(t("09:30").minutes(), 570);
        assert_eq!(t("23:59").to_string(), "23:59");
        for bad in [
            "9:30", "24:00", "12:60", "09:30:00", "0930", "ab:cd", "", "09:3０",
        ] {
            assert!(ClockTime::parse(bad).is_none(), "{bad}");
        }
        assert_eq!(serde_json::to_string(&t("08:05")).unwrap(), r#""08:05""#);
        let err = serde_json::from_str::<ClockTime>(r#""8:05""#).unwrap_err();
        assert!(err.to_string().contains("HH:MM"), "{err}");
    }

    #[test]
    fn a_hall_day_in_half_hours_has_thirteen_slots() {
        let day = [range("09:00", "12:00"), range("13:30", "17:00")];
        let slots = slots_in(&day, 30);
        assert_eq!(slots.len(), 13);
        assert_eq!(
            (slots[0].slot_id.as_str(), slots[0].end),
            ("0900", t("09:30"))
        );
        assert_eq!(slots[6].start, t("13:30"));
        assert_eq!(slots[12].end, t("17:00"));
    }

    #[test]
    fn a_tail_shorter_than_a_slot_is_not_offered() {
        let slots = slots_in(&[range("09:00", "10:40")], 45);
        let ids: Vec<&str> = slots.iter().map(|s| s.slot_id.as_str()).collect();
        assert_eq!(ids, ["0900", "0945"]);
        assert!(slots_in(&[range("09:00", "10:00")], 0).is_empty());
        assert!(slots_in(&[range("10:00", "09:00")], 30).is_empty());
    }

    #[test]
    fn weekly_hours_leave_out_closed_days_on_the_wire() {
        let week = WeeklyHours::weekdays(&[range("09:00", "12:00")]);
        let json = serde_json::to_value(&week).unwrap();
        assert_eq!(json["wed"][0]["start"], "09:00");
        assert!(json.get("sat").is_none());
        assert_eq!(serde_json::from_value::<WeeklyHours>(json).unwrap(), week);
        assert!(week.on(Weekday::Sun).is_empty() && !week.is_empty());
        assert!(serde_json::from_str::<WeeklyHours>(r#"{"monday": []}"#).is_err());
        assert_eq!(Weekday::from_days_from_monday(2), Some(Weekday::Wed));
        assert_eq!(Weekday::from_days_from_monday(7), None);
    }
}
