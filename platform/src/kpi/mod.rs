//! The 三办 KPI report (seed section 目标要求): the catalog against the reform's four targets, hall-wide and per
//! department, beside what kiosks actually did per day. `sanban-platform kpi` prints it; `GET /kpi` draws it.

pub mod chart;
pub mod page;
pub mod targets;
pub mod text;
pub mod usage;

use chrono::{Days, NaiveDate};
use serde::Serialize;

use crate::schedule::parse_date;
use crate::store::{Store, StoreError};
pub use targets::{DepartmentStanding, Indicator, Standing};
pub use usage::Usage;

/// The longest report: a year of days.
pub const MAX_DAYS: u64 = 366;
/// Days in a report when none are asked for: the last four weeks.
pub const DEFAULT_DAYS: u64 = 28;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KpiReport {
    pub from: String,
    pub to: String,
    pub catalog_version: u64,
    pub services: u64,
    /// The four indicators over the whole catalog.
    pub hall: Vec<Standing>,
    /// The four indicators per department, the one furthest below a target first.
    pub departments: Vec<DepartmentStanding>,
    pub usage: Usage,
}

/// The first and last day of a report ending `to` (default `today`) and `days` long (default [`DEFAULT_DAYS`]).
pub fn range(
    to: Option<&str>,
    days: Option<u64>,
    today: NaiveDate,
) -> Result<(NaiveDate, NaiveDate), String> {
    let to = match to {
        Some(t) => parse_date(t).ok_or_else(|| format!("to {t:?} is not a YYYY-MM-DD date"))?,
        None => today,
    };
    let days = days.unwrap_or(DEFAULT_DAYS);
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(format!("days must be between 1 and {MAX_DAYS}, not {days}"));
    }
    let from = to
        .checked_sub_days(Days::new(days - 1))
        .ok_or("the report starts before the calendar does")?;
    Ok((from, to))
}

/// The report for the days `from..=to` from `store`'s current catalog and counts.
pub async fn report(
    store: &Store,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<KpiReport, StoreError> {
    let catalog = store.current_catalog().await?;
    let activity = store
        .activity(
            &from.format("%Y-%m-%d").to_string(),
            &to.format("%Y-%m-%d").to_string(),
        )
        .await?;
    let services = &catalog.services;
    Ok(KpiReport {
        from: from.to_string(),
        to: to.to_string(),
        catalog_version: catalog.version,
        services: services.len() as u64,
        hall: targets::hall(services),
        departments: targets::departments(services),
        usage: usage::figures(&activity, services, from, to),
    })
}
