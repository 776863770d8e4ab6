//! The KPI report as text for `sanban-platform kpi`.

use std::fmt::Write;

use super::KpiReport;

pub fn render(r: &KpiReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "三办 KPIs {} .. {} ({} days), catalog version {}, {} services",
        r.from,
        r.to,
        r.usage.days.len(),
        r.catalog_version,
        r.services
    );
    let _ = writeln!(out, "\nTargets (hall):");
    for s in &r.hall {
        let _ = writeln!(
            out,
            "  {:<10} {:>5.1}%  {:>3}/{:<3}  target {:<10}  {}",
            s.indicator.name_zh(),
            s.share_percent,
            s.met,
            s.total,
            s.target.describe_zh(),
            if s.target_met { "met" } else { "MISSED" }
        );
    }
    let _ = writeln!(
        out,
        "\nDepartments, worst first (即办 / 全程网办 / 网上预审 / 一次办):"
    );
    for d in &r.departments {
        let shares: Vec<String> = d
            .standings
            .iter()
            .map(|s| {
                format!(
                    "{:.0}%{}",
                    s.share_percent,
                    if s.target_met { "" } else { "!" }
                )
            })
            .collect();
        let _ = writeln!(out, "  {}  {}", d.department, shares.join(" / "));
    }
    let u = &r.usage;
    let _ = writeln!(
        out,
        "\nErrands at kiosks: {} ({} offline, {:.1}%)",
        u.errands, u.offline, u.offline_percent
    );
    for k in &u.kinds {
        let _ = writeln!(
            out,
            "  {:<8} {:>6}  offline {}",
            k.name_zh, k.count, k.offline
        );
    }
    let a = &u.appointments;
    let _ = writeln!(
        out,
        "Appointments: {} ({} checked in, {} no-shows, {} cancelled; kept {:.1}%)",
        a.total, a.checked_in, a.no_show, a.cancelled, a.kept_percent
    );
    let _ = writeln!(
        out,
        "Applications: {} ({} with materials owed, {:.1}%)",
        u.applications, u.deferred_applications, u.deferred_percent
    );
    let rt = &u.ratings;
    let _ = writeln!(
        out,
        "Ratings: {} (非常满意 {}, 满意 {}, 基本满意 {}, 不满意 {}, 非常不满意 {}); good {:.1}%, {} bad to follow up",
        rt.total,
        rt.by_level[4],
        rt.by_level[3],
        rt.by_level[2],
        rt.by_level[1],
        rt.by_level[0],
        rt.good_percent,
        rt.bad
    );
    if !u.services.is_empty() {
        let _ = writeln!(out, "\nServices, worst rated first:");
        for s in &u.services {
            let good = if s.ratings == 0 {
                "unrated".to_string()
            } else {
                format!("good {:.1}% of {}", s.good_percent, s.ratings)
            };
            let _ = writeln!(
                out,
                "  {} {}  guides {}, appointments {}, applications {} ({} deferred), {}",
                s.service,
                s.name_zh,
                s.guide_prints,
                s.appointments,
                s.applications,
                s.deferred,
                good
            );
        }
    }
    let _ = writeln!(out, "\nPer day (errands, offline, ratings, good):");
    for d in &u.days {
        let _ = writeln!(
            out,
            "  {}  {:>5}  {:>4}  {:>4}  {}",
            d.day,
            d.errands,
            d.offline,
            d.ratings,
            if d.ratings == 0 {
                "–".to_string()
            } else {
                format!("{:.1}%", d.good_percent)
            }
        );
    }
    out
}
