//! What kiosks did, counted per day for the 三办 KPIs ([`crate::kpi`]). Each store aggregates in SQL, so a report
//! over a city's events moves counts, not events.
//!
//! A day is the date part of the time the kiosk stamped (its hall's local time, with its offset), so an errand at
//! 23:30 in the hall counts for that day whatever the platform's clock says.

use serde::Serialize;

/// An event is counted as done offline when it reached the platform this many seconds after it happened: it sat in
/// the kiosk's outbox while the network was down (an online errand syncs within seconds).
pub const LATE_AFTER_SECS: i64 = 5 * 60;

/// Applied events of one kind, one day, one kiosk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventDayCount {
    pub day: String,
    pub kiosk: String,
    pub kind: String,
    pub count: u64,
    /// How many of them reached the platform more than [`LATE_AFTER_SECS`] after they happened.
    pub late: u64,
}

/// Ratings of one level (its code in the five-is-best numbering), per day, kiosk and service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RatingCount {
    pub day: String,
    pub kiosk: String,
    pub service: Option<String>,
    pub level_code: u8,
    pub count: u64,
}

/// Applications submitted at kiosks per day and service; `deferred` ones owe materials (容缺受理).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApplicationCount {
    pub day: String,
    pub service: String,
    pub deferred: bool,
    pub count: u64,
}

/// Guide notices (一次性告知) printed per day and service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceDayCount {
    pub day: String,
    pub service: String,
    pub count: u64,
}

/// Appointments per appointment day, service and status (`booked`, `checked_in`, `cancelled`, `no_show`, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppointmentCount {
    pub day: String,
    pub service: String,
    pub status: String,
    pub count: u64,
}

/// Everything the KPI report reads from a store for a range of days.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Activity {
    pub events: Vec<EventDayCount>,
    pub ratings: Vec<RatingCount>,
    pub applications: Vec<ApplicationCount>,
    pub guide_prints: Vec<ServiceDayCount>,
    pub appointments: Vec<AppointmentCount>,
}
