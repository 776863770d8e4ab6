//! The platform's appointment rules (预约), the same for an online booking (`POST /v1/appointments`) and an offline
//! request's `appointment.requested` event: the bookable window in the hall's working days, the slot's hours, one
//! booking per citizen, service and day, the no-show ban and the slot's capacity. Pure functions over what a store
//! found; the stores lock (a slot, a citizen) and count. Refusals carry a [`RefusalReason`] so that kiosks can
//! explain them.

use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;
use sanban_wire::{HallCalendar, RefusalReason};

use crate::schedule;
use crate::store::catalog::CatalogIndex;

/// Missed appointments that bar a citizen from booking …
pub const NO_SHOW_LIMIT: usize = 2;
/// … when they fall within this many days …
pub const NO_SHOW_WINDOW_DAYS: i64 = 90;
/// … for this many days after the last of them.
pub const BAN_DAYS: i64 = 30;

/// Booking statuses that hold a place of their slot.
pub const HOLDS_A_PLACE: [&str; 3] = ["booked", "checked_in", "no_show"];
/// Booking statuses that count for the one-per-citizen-service-day rule.
pub const ACTIVE: [&str; 2] = ["booked", "checked_in"];

/// The hall the platform serves: its time zone (dates and slot times are local to it) and its calendar.
#[derive(Debug, Clone)]
pub struct Hall {
    pub tz: Tz,
    pub calendar: Arc<HallCalendar>,
}

impl Hall {
    /// A hall in `tz` with the seed calendar (the national holidays and 调休 days).
    pub fn new(tz: Tz) -> Hall {
        let mut calendar = HallCalendar::seed();
        calendar.timezone = tz.name().to_string();
        Hall {
            tz,
            calendar: Arc::new(calendar),
        }
    }

    /// The hall's wall clock at `at`.
    pub fn local(&self, at: DateTime<Utc>) -> NaiveDateTime {
        at.with_timezone(&self.tz).naive_local()
    }

    pub fn today(&self) -> NaiveDate {
        self.local(Utc::now()).date()
    }

    /// The rules as they stand now.
    pub fn policy(&self) -> Policy {
        self.policy_at(Utc::now())
    }

    pub fn policy_at(&self, at: DateTime<Utc>) -> Policy {
        Policy {
            tz: self.tz,
            now: self.local(at),
            calendar: self.calendar.clone(),
        }
    }
}

impl Default for Hall {
    fn default() -> Self {
        Hall::new(chrono_tz::Asia::Shanghai)
    }
}

/// The rules at one moment of the hall.
#[derive(Debug, Clone)]
pub struct Policy {
    pub tz: Tz,
    /// The hall's wall clock.
    pub now: NaiveDateTime,
    pub calendar: Arc<HallCalendar>,
}

impl Policy {
    pub fn today(&self) -> NaiveDate {
        self.now.date()
    }

    /// The hall's wall clock at an RFC 3339 instant (an event's `occurred_at`); `None` when unreadable.
    pub fn local_time_of(&self, rfc3339: &str) -> Option<NaiveDateTime> {
        DateTime::parse_from_rfc3339(rfc3339)
            .ok()
            .map(|t| t.with_timezone(&self.tz).naive_local())
    }
}

/// Why a booking was refused, with plain words for a technician (no personal data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub reason: RefusalReason,
    pub detail: String,
    /// With [`RefusalReason::Banned`]: the first day the citizen may book again.
    pub until: Option<NaiveDate>,
}

impl Refusal {
    pub fn new(reason: RefusalReason, detail: impl Into<String>) -> Refusal {
        Refusal {
            reason,
            detail: detail.into(),
            until: None,
        }
    }

    /// As an event rejection: `"<code>: <detail>"`.
    pub fn text(&self) -> String {
        self.reason.rejection(&self.detail)
    }

    pub fn body(&self) -> sanban_wire::AppointmentRefused {
        sanban_wire::AppointmentRefused {
            error: self.text(),
            reason: self.reason,
            until: self.until.map(|d| d.to_string()),
        }
    }
}

/// What the store holds about one citizen that the rules need.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CitizenRecord {
    /// (service, date) of the citizen's active bookings ([`ACTIVE`]).
    pub active: Vec<(String, String)>,
    /// Dates of the citizen's missed appointments (`YYYY-MM-DD`).
    pub no_shows: Vec<String>,
}

/// The service, day and slot of a booking against the catalog and the calendar. `Ok` carries the slot's capacity.
pub fn check_slot(
    catalog: &CatalogIndex,
    policy: &Policy,
    service: &str,
    date: &str,
    slot_id: &str,
) -> Result<u32, Refusal> {
    let Some(svc) = catalog.service(service) else {
        return Err(Refusal::new(
            RefusalReason::NotBookable,
            format!("unknown service {service:?}"),
        ));
    };
    if !svc.bookable {
        return Err(Refusal::new(
            RefusalReason::NotBookable,
            format!("service {service} takes no appointments"),
        ));
    }
    let Some(day) = schedule::parse_date(date) else {
        return Err(Refusal::new(
            RefusalReason::Invalid,
            format!("date {date:?} is not a YYYY-MM-DD date"),
        ));
    };
    if !policy.calendar.is_bookable(policy.today(), day) {
        return Err(Refusal::new(
            RefusalReason::OutsideWindow,
            format!(
                "{date} is not bookable on {}: from the next working day, {} working days ahead",
                policy.today(),
                policy.calendar.bookable_days
            ),
        ));
    }
    let (slots, capacity) = svc.slots_on(schedule::weekday(day));
    if slots.is_empty() {
        return Err(Refusal::new(
            RefusalReason::NoSuchSlot,
            format!("service {service} takes no appointments on {date}"),
        ));
    }
    if !slots.iter().any(|s| s.slot_id == slot_id) {
        return Err(Refusal::new(
            RefusalReason::NoSuchSlot,
            format!("service {service} has no slot {slot_id:?} on {date}"),
        ));
    }
    Ok(capacity)
}

/// The first day a citizen with these missed appointments may book again, if that is after `today`:
/// [`NO_SHOW_LIMIT`] no-shows within [`NO_SHOW_WINDOW_DAYS`] bar booking for [`BAN_DAYS`] after the last of them.
pub fn banned_until(no_shows: &[String], today: NaiveDate) -> Option<NaiveDate> {
    let mut dates: Vec<NaiveDate> = no_shows
        .iter()
        .filter_map(|d| schedule::parse_date(d))
        .collect();
    dates.sort();
    let span = NO_SHOW_LIMIT.max(1) - 1;
    dates
        .windows(span + 1)
        .filter(|w| (w[span] - w[0]).num_days() < NO_SHOW_WINDOW_DAYS)
        .map(|w| w[span] + Duration::days(BAN_DAYS))
        .max()
        .filter(|until| *until > today)
}

/// Missed appointments within the look-back period before `today`.
pub fn recent_no_shows(no_shows: &[String], today: NaiveDate) -> u32 {
    no_shows
        .iter()
        .filter_map(|d| schedule::parse_date(d))
        .filter(|d| *d <= today && (today - *d).num_days() < NO_SHOW_WINDOW_DAYS)
        .count() as u32
}

/// The citizen's own limits: the no-show ban, then one booking per service and day.
pub fn check_citizen(
    policy: &Policy,
    citizen: &CitizenRecord,
    service: &str,
    date: &str,
) -> Result<(), Refusal> {
    if let Some(until) = banned_until(&citizen.no_shows, policy.today()) {
        return Err(Refusal {
            reason: RefusalReason::Banned,
            detail: format!(
                "{NO_SHOW_LIMIT} missed appointments within {NO_SHOW_WINDOW_DAYS} days: no booking before {until}"
            ),
            until: Some(until),
        });
    }
    if citizen
        .active
        .iter()
        .any(|(s, d)| s == service && d == date)
    {
        return Err(Refusal::new(
            RefusalReason::DailyLimit,
            format!("the citizen already holds a booking for {service} on {date}"),
        ));
    }
    Ok(())
}

/// A place left in the slot?
pub fn check_capacity(
    booked: u32,
    capacity: u32,
    slot_id: &str,
    date: &str,
) -> Result<(), Refusal> {
    if booked >= capacity {
        return Err(Refusal::new(
            RefusalReason::SlotFull,
            format!("slot {slot_id} on {date} is full"),
        ));
    }
    Ok(())
}

/// When a booking's slot starts, in the hall's wall clock; `None` when the catalog no longer has it.
pub fn slot_start(
    catalog: &CatalogIndex,
    service: &str,
    date: &str,
    slot_id: &str,
) -> Option<NaiveDateTime> {
    let (start, _) = slot_times(catalog, service, date, slot_id)?;
    let day = schedule::parse_date(date)?;
    Some(
        day.and_time(chrono::NaiveTime::from_num_seconds_from_midnight_opt(
            start * 60,
            0,
        )?),
    )
}

/// Start and end of a slot, in minutes since midnight.
fn slot_times(
    catalog: &CatalogIndex,
    service: &str,
    date: &str,
    slot_id: &str,
) -> Option<(u32, u32)> {
    let day = schedule::parse_date(date)?;
    let (slots, _) = catalog.service(service)?.slots_on(schedule::weekday(day));
    slots
        .into_iter()
        .find(|s| s.slot_id == slot_id)
        .map(|s| (s.start.minutes(), s.end.minutes()))
}

/// `HH:MM` start and end of a slot, or the slot id and "" when the catalog no longer has it.
pub fn slot_clock(
    catalog: &CatalogIndex,
    service: &str,
    date: &str,
    slot_id: &str,
) -> (String, String) {
    let hm = |m: u32| format!("{:02}:{:02}", m / 60, m % 60);
    match slot_times(catalog, service, date, slot_id) {
        Some((start, end)) => (hm(start), hm(end)),
        None => (slot_id.to_string(), String::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn d(text: &str) -> NaiveDate {
        schedule::parse_date(text).unwrap()
    }

    fn days(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn two_no_shows_within_ninety_days_bar_booking_for_thirty_days_after_the_second() {
        let two = days(&["2026-09-01", "2026-11-10"]);
        assert_eq!(banned_until(&two, d("2026-11-11")), Some(d("2026-12-10")));
        assert_eq!(banned_until(&two, d("2026-12-09")), Some(d("2026-12-10")));
        assert_eq!(banned_until(&two, d("2026-12-10")), None, "the ban is over");
        // One alone, or two further apart than the look-back period, bar nothing.
        assert_eq!(banned_until(&days(&["2026-11-10"]), d("2026-11-11")), None);
        let apart = days(&["2026-06-01", "2026-11-10"]);
        assert_eq!(banned_until(&apart, d("2026-11-11")), None);
        assert_eq!(recent_no_shows(&apart, d("2026-11-11")), 1);
        assert_eq!(recent_no_shows(&two, d("2026-11-11")), 2);
    }

    #[test]
    fn one_booking_per_citizen_service_and_day() {
        let policy = Hall::default().policy();
        let citizen = CitizenRecord {
            active: vec![("RES-01".into(), "2026-12-02".into())],
            no_shows: Vec::new(),
        };
        let refused = check_citizen(&policy, &citizen, "RES-01", "2026-12-02").unwrap_err();
        assert_eq!(refused.reason, RefusalReason::DailyLimit);
        assert!(refused.text().starts_with("daily_limit: "));
        check_citizen(&policy, &citizen, "RES-01", "2026-12-03").unwrap();
        check_citizen(&policy, &citizen, "POL-01", "2026-12-02").unwrap();
    }

    #[test]
    fn the_hall_day_turns_at_local_midnight_not_utc() {
        // 23:30 UTC on 30 Nov is 07:30 on 1 Dec in Shanghai but 18:30 on 30 Nov in New York.
        let at = Utc.with_ymd_and_hms(2026, 11, 30, 23, 30, 0).unwrap();
        assert_eq!(Hall::default().policy_at(at).today(), d("2026-12-01"));
        let new_york = Hall::new(chrono_tz::America::New_York);
        assert_eq!(new_york.policy_at(at).today(), d("2026-11-30"));
        assert_eq!(new_york.calendar.timezone, "America/New_York");
        let p = new_york.policy_at(at);
        assert_eq!(
            p.local_time_of("2026-12-01T04:59:00Z").unwrap().date(),
            d("2026-11-30")
        );
    }
}
