//! What kiosks actually did, from the store's counts ([`crate::store::activity`]): errands per day and kind, the
//! share done offline, appointments kept against no-shows, 容缺 applications and the 好差评 levels, per day, per
//! service (worst rated first) and per kiosk.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};
use serde::Serialize;

use sanban_wire::Service;

use super::targets::percent;
use crate::store::activity::Activity;

/// The events that are a citizen's errand done at a kiosk, with their names on the report.
pub const ERRAND_KINDS: [(&str, &str, &str); 7] = [
    ("ticket.issued", "取号", "Queue tickets"),
    ("guide.printed", "一次性告知", "Guide notices"),
    ("appointment.requested", "预约", "Appointments booked"),
    (
        "appointment.checked_in",
        "预约签到",
        "Appointment check-ins",
    ),
    ("application.submitted", "申办", "Applications"),
    ("pickup.collected", "取件", "Documents collected"),
    ("pickup.post_requested", "免费邮寄", "Documents posted"),
];

/// 好评 in the national 好差评 system: 非常满意, 满意 and 基本满意 (codes 5, 4, 3 when five is best).
pub fn is_good(level_code: u8) -> bool {
    level_code >= 3
}

/// 差评: 不满意 and 非常不满意, each followed up (回访).
pub fn is_bad(level_code: u8) -> bool {
    (1..=2).contains(&level_code)
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DayFigures {
    pub day: String,
    pub errands: u64,
    /// Errands that reached the platform late: done while the kiosk was offline.
    pub offline: u64,
    pub offline_percent: f64,
    pub ratings: u64,
    pub good: u64,
    pub good_percent: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KindTotal {
    pub kind: &'static str,
    pub name_zh: &'static str,
    pub name_en: &'static str,
    pub count: u64,
    pub offline: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ServiceFigures {
    pub service: String,
    pub name_zh: String,
    pub department: String,
    pub guide_prints: u64,
    pub appointments: u64,
    pub applications: u64,
    /// Applications accepted with materials owed (容缺受理).
    pub deferred: u64,
    pub ratings: u64,
    pub good: u64,
    pub bad: u64,
    pub good_percent: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AppointmentFigures {
    /// Appointments for the days of the report, whatever became of them.
    pub total: u64,
    pub checked_in: u64,
    pub no_show: u64,
    pub cancelled: u64,
    /// Requests the platform refused (slot full, limit reached…), kept apart from the appointments.
    pub refused: u64,
    /// Checked in out of those that were due (checked in + no-show); cancelled ones were not due.
    pub kept_percent: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RatingFigures {
    /// Ratings per level code, `[非常不满意(1), 不满意(2), 基本满意(3), 满意(4), 非常满意(5)]`.
    pub by_level: [u64; 5],
    pub total: u64,
    pub good_percent: f64,
    /// 差评 to follow up.
    pub bad: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct KioskFigures {
    pub kiosk: String,
    pub errands: u64,
    pub offline: u64,
    pub offline_percent: f64,
}

/// A department's share of the errands that name a service, and how citizens rated them.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DepartmentUsage {
    pub department: String,
    /// Guide notices, appointments and applications of its services.
    pub errands: u64,
    pub ratings: u64,
    pub bad: u64,
    pub good_percent: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Usage {
    /// Every day of the report, oldest first, days without activity included (a trend needs its gaps).
    pub days: Vec<DayFigures>,
    pub kinds: Vec<KindTotal>,
    pub errands: u64,
    pub offline: u64,
    pub offline_percent: f64,
    /// Worst first: the lowest 好评 share among rated services, then the most 差评; unrated services last.
    pub services: Vec<ServiceFigures>,
    /// Worst rated first, as services.
    pub departments: Vec<DepartmentUsage>,
    pub kiosks: Vec<KioskFigures>,
    pub appointments: AppointmentFigures,
    pub applications: u64,
    pub deferred_applications: u64,
    pub deferred_percent: f64,
    pub ratings: RatingFigures,
}

/// The figures of `activity` over the days `from..=to`, services named from `catalog`.
pub fn figures(activity: &Activity, catalog: &[Service], from: NaiveDate, to: NaiveDate) -> Usage {
    let mut days: BTreeMap<String, DayFigures> = BTreeMap::new();
    let mut day = from;
    while day <= to {
        let key = day.format("%Y-%m-%d").to_string();
        days.insert(
            key.clone(),
            DayFigures {
                day: key,
                ..DayFigures::default()
            },
        );
        day = match day.checked_add_days(Days::new(1)) {
            Some(next) => next,
            None => break,
        };
    }
    let mut kinds: Vec<KindTotal> = ERRAND_KINDS
        .iter()
        .map(|&(kind, name_zh, name_en)| KindTotal {
            kind,
            name_zh,
            name_en,
            count: 0,
            offline: 0,
        })
        .collect();
    let mut kiosks: BTreeMap<String, KioskFigures> = BTreeMap::new();
    for e in &activity.events {
        let Some(kind) = kinds.iter_mut().find(|k| k.kind == e.kind) else {
            continue;
        };
        kind.count += e.count;
        kind.offline += e.late;
        if let Some(d) = days.get_mut(&e.day) {
            d.errands += e.count;
            d.offline += e.late;
        }
        let k = kiosks
            .entry(e.kiosk.clone())
            .or_insert_with(|| KioskFigures {
                kiosk: e.kiosk.clone(),
                ..KioskFigures::default()
            });
        k.errands += e.count;
        k.offline += e.late;
    }

    let mut services: BTreeMap<String, ServiceFigures> = BTreeMap::new();
    for g in &activity.guide_prints {
        service(&mut services, catalog, &g.service).guide_prints += g.count;
    }
    let mut appointments = AppointmentFigures::default();
    for a in &activity.appointments {
        // A refused request never held a place: counted apart, not as an appointment.
        if a.status == "refused" {
            appointments.refused += a.count;
            continue;
        }
        service(&mut services, catalog, &a.service).appointments += a.count;
        appointments.total += a.count;
        match a.status.as_str() {
            "checked_in" => appointments.checked_in += a.count,
            "no_show" => appointments.no_show += a.count,
            "cancelled" => appointments.cancelled += a.count,
            _ => {}
        }
    }
    appointments.kept_percent = percent(
        appointments.checked_in,
        appointments.checked_in + appointments.no_show,
    );
    let (mut applications, mut deferred) = (0, 0);
    for a in &activity.applications {
        let s = service(&mut services, catalog, &a.service);
        s.applications += a.count;
        applications += a.count;
        if a.deferred {
            s.deferred += a.count;
            deferred += a.count;
        }
    }
    let mut ratings = RatingFigures::default();
    for r in &activity.ratings {
        if !(1..=5).contains(&r.level_code) {
            continue;
        }
        ratings.by_level[usize::from(r.level_code - 1)] += r.count;
        ratings.total += r.count;
        let good = is_good(r.level_code);
        if is_bad(r.level_code) {
            ratings.bad += r.count;
        }
        if let Some(d) = days.get_mut(&r.day) {
            d.ratings += r.count;
            if good {
                d.good += r.count;
            }
        }
        if let Some(id) = &r.service {
            let s = service(&mut services, catalog, id);
            s.ratings += r.count;
            if good {
                s.good += r.count;
            } else {
                s.bad += r.count;
            }
        }
    }
    ratings.good_percent = percent(ratings.total - ratings.bad, ratings.total);

    let mut days: Vec<DayFigures> = days.into_values().collect();
    for d in &mut days {
        d.offline_percent = percent(d.offline, d.errands);
        d.good_percent = percent(d.good, d.ratings);
    }
    let mut services: Vec<ServiceFigures> = services.into_values().collect();
    for s in &mut services {
        s.good_percent = percent(s.good, s.ratings);
    }
    services.sort_by(|a, b| {
        (a.ratings == 0)
            .cmp(&(b.ratings == 0))
            .then_with(|| a.good_percent.total_cmp(&b.good_percent))
            .then_with(|| b.bad.cmp(&a.bad))
            .then_with(|| a.service.cmp(&b.service))
    });
    let departments = by_department(&services);
    let mut kiosks: Vec<KioskFigures> = kiosks.into_values().collect();
    for k in &mut kiosks {
        k.offline_percent = percent(k.offline, k.errands);
    }
    let errands = kinds.iter().map(|k| k.count).sum();
    let offline = kinds.iter().map(|k| k.offline).sum();
    Usage {
        days,
        kinds,
        errands,
        offline,
        offline_percent: percent(offline, errands),
        services,
        departments,
        kiosks,
        appointments,
        applications,
        deferred_applications: deferred,
        deferred_percent: percent(deferred, applications),
        ratings,
    }
}

fn by_department(services: &[ServiceFigures]) -> Vec<DepartmentUsage> {
    let mut map: BTreeMap<&str, DepartmentUsage> = BTreeMap::new();
    for s in services {
        let d = map
            .entry(s.department.as_str())
            .or_insert_with(|| DepartmentUsage {
                department: s.department.clone(),
                ..DepartmentUsage::default()
            });
        d.errands += s.guide_prints + s.appointments + s.applications;
        d.ratings += s.ratings;
        d.bad += s.bad;
    }
    let mut out: Vec<DepartmentUsage> = map.into_values().collect();
    for d in &mut out {
        d.good_percent = percent(d.ratings - d.bad, d.ratings);
    }
    out.sort_by(|a, b| {
        (a.ratings == 0)
            .cmp(&(b.ratings == 0))
            .then_with(|| a.good_percent.total_cmp(&b.good_percent))
            .then_with(|| a.department.cmp(&b.department))
    });
    out
}

/// The figures of service `id`, named from the catalog (a service no longer listed keeps its id only).
fn service<'a>(
    services: &'a mut BTreeMap<String, ServiceFigures>,
    catalog: &[Service],
    id: &str,
) -> &'a mut ServiceFigures {
    services.entry(id.to_string()).or_insert_with(|| {
        let known = catalog.iter().find(|s| s.id == id);
        ServiceFigures {
            service: id.to_string(),
            name_zh: known.map(|s| s.name_zh.clone()).unwrap_or_default(),
            department: known.map(|s| s.department.clone()).unwrap_or_default(),
            ..ServiceFigures::default()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::activity::{AppointmentCount, EventDayCount};

    fn day(d: &str) -> NaiveDate {
        NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn every_day_is_listed_and_only_errands_count() {
        let activity = Activity {
            events: vec![
                EventDayCount {
                    day: "2026-11-02".into(),
                    kiosk: "K01".into(),
                    kind: "ticket.issued".into(),
                    count: 4,
                    late: 1,
                },
                EventDayCount {
                    day: "2026-11-02".into(),
                    kiosk: "K01".into(),
                    kind: "help.requested".into(),
                    count: 9,
                    late: 9,
                },
            ],
            ..Activity::default()
        };
        let u = figures(&activity, &[], day("2026-11-01"), day("2026-11-03"));
        let days: Vec<(&str, u64, u64)> = u
            .days
            .iter()
            .map(|d| (d.day.as_str(), d.errands, d.offline))
            .collect();
        assert_eq!(
            days,
            [
                ("2026-11-01", 0, 0),
                ("2026-11-02", 4, 1),
                ("2026-11-03", 0, 0)
            ]
        );
        assert_eq!((u.errands, u.offline, u.offline_percent), (4, 1, 25.0));
    }

    #[test]
    fn appointments_kept_count_the_due_ones_only() {
        let appt = |status: &str, count| AppointmentCount {
            day: "2026-11-02".into(),
            service: "RES-01".into(),
            status: status.into(),
            count,
        };
        let activity = Activity {
            appointments: vec![
                appt("checked_in", 3),
                appt("no_show", 1),
                appt("cancelled", 6),
                appt("refused", 2),
            ],
            ..Activity::default()
        };
        let u = figures(&activity, &[], day("2026-11-02"), day("2026-11-02"));
        assert_eq!((u.appointments.total, u.appointments.refused), (10, 2));
        assert_eq!(u.appointments.kept_percent, 75.0);
        assert_eq!(u.services[0].appointments, 10);
    }
}
