//! `GET /kpi`: the operators' 三办 KPI page. Plain HTML with server-drawn SVG charts ([`super::chart`]), every
//! value escaped; each indicator against its target, the trend over the days, worst departments and services
//! first.

use std::fmt::Write;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Html;

use super::chart::{daily_trend, share_bars, DayPoint, ShareBar};
use super::{range, report, KpiReport, Standing};
use crate::error::ApiError;
use crate::fleet::escape;
use crate::state::AppState;

#[derive(serde::Deserialize)]
pub struct KpiQuery {
    to: Option<String>,
    days: Option<u64>,
}

#[utoipa::path(get, path = "/kpi", tag = "operations",
    summary = "Operators' 三办 KPI page (HTML): targets, daily trend, worst departments and services first",
    params(
        ("to" = Option<String>, Query, format = Date, description = "Last day of the report (default: today in \
            the hall)", example = "2026-11-30"),
        ("days" = Option<u64>, Query, minimum = 1, maximum = 366, description = "Days in the report, ending \
            with `to` (default 28)", example = 28)),
    security(("operatorSession" = [])),
    responses(
        (status = 200, description = "HTML page", body = String, content_type = "text/html"),
        (status = 401, description = "No live operator session: a page that moves on to `/login`", body = String,
            content_type = "text/html"),
        (status = 400, description = "A malformed date or a number of days outside 1–366",
            body = sanban_wire::ApiError)))]
pub async fn page(
    State(state): State<AppState>,
    query: Result<Query<KpiQuery>, QueryRejection>,
) -> Result<Html<String>, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let (from, to) =
        range(q.to.as_deref(), q.days, state.hall().today()).map_err(ApiError::BadRequest)?;
    let report = report(&state.store, from, to).await?;
    Ok(Html(render(&report)))
}

pub fn render(r: &KpiReport) -> String {
    let mut html = String::from(
        "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <title>三办 KPI · Sanban</title><style>\
         body{font-family:sans-serif;margin:1.5em;color:#1a1a1a;max-width:1100px}\
         h2{margin-top:1.6em;border-bottom:2px solid #ddd}small,.en{color:#555}\
         table{border-collapse:collapse;width:100%;margin:.5em 0}\
         th,td{border:1px solid #bbb;padding:.35em .6em;text-align:left}th{background:#eee}\
         td.n{text-align:right}.miss{background:#fdd}.met{background:#e6f4e6}\
         .cards{display:flex;flex-wrap:wrap;gap:1em}.card{border:1px solid #bbb;padding:.6em 1em;min-width:11em}\
         .card b{font-size:1.6em;display:block}</style></head><body>\n",
    );
    html.push_str(crate::pages::NAV);
    let _ = writeln!(
        html,
        "<h1>“马上办、网上办、一次办”改革指标 <span class=\"en\">Reform KPIs</span></h1>\n\
         <p>{} 至 {}（{} 天）· 事项清单第 {} 版，{} 项事项 · <span class=\"en\">{} to {}, catalog version {}, \
         {} services</span></p>",
        escape(&r.from),
        escape(&r.to),
        r.usage.days.len(),
        r.catalog_version,
        r.services,
        escape(&r.from),
        escape(&r.to),
        r.catalog_version,
        r.services,
    );

    html.push_str("<h2>目标完成情况 <span class=\"en\">Targets</span></h2>\n");
    let bars: Vec<ShareBar> = r
        .hall
        .iter()
        .map(|s| ShareBar {
            label: s.indicator.name_zh().to_string(),
            percent: s.share_percent,
            target_percent: f64::from(s.target.percent),
            met: s.target_met,
        })
        .collect();
    html.push_str(&share_bars(&bars));
    html.push_str(
        "<table><thead><tr><th>指标 Indicator</th><th>事项 Services</th><th>比例 Share</th>\
         <th>目标 Target</th><th>结果 Result</th></tr></thead><tbody>\n",
    );
    for s in &r.hall {
        let _ = writeln!(
            html,
            "<tr class=\"{cls}\"><td>{zh} <small>{en}</small></td><td class=\"n\">{} / {}</td>\
             <td class=\"n\">{:.1}%</td><td>{}</td><td>{verdict}</td></tr>",
            s.met,
            s.total,
            s.share_percent,
            escape(&s.target.describe_zh()),
            cls = class(s),
            zh = s.indicator.name_zh(),
            en = s.indicator.name_en(),
            verdict = verdict(s),
        );
    }
    html.push_str("</tbody></table>\n");

    let u = &r.usage;
    html.push_str("<h2>自助终端办件 <span class=\"en\">Errands at the kiosks</span></h2>\n<div class=\"cards\">");
    let due = u.appointments.checked_in + u.appointments.no_show;
    let cards = [
        ("办件 Errands", u.errands.to_string()),
        ("离线办理 Offline", share(u.errands, u.offline_percent)),
        (
            "预约履约 Appointments kept",
            share(due, u.appointments.kept_percent),
        ),
        (
            "容缺受理 Deferred materials",
            share(u.applications, u.deferred_percent),
        ),
        (
            "好评率 Good ratings",
            share(u.ratings.total, u.ratings.good_percent),
        ),
        ("差评待回访 Bad ratings", u.ratings.bad.to_string()),
    ];
    for (label, value) in cards {
        let _ = write!(
            html,
            "<div class=\"card\">{}<b>{}</b></div>",
            escape(label),
            escape(&value)
        );
    }
    html.push_str("</div>\n");
    let points: Vec<DayPoint> = u
        .days
        .iter()
        .map(|d| DayPoint {
            label: d.day.clone(),
            errands: d.errands,
            offline: d.offline,
            good_percent: (d.ratings > 0).then_some(d.good_percent),
        })
        .collect();
    html.push_str(&daily_trend(&points));
    html.push_str(
        "<table><thead><tr><th>业务 Errand</th><th>件数 Count</th><th>离线 Offline</th></tr></thead><tbody>\n",
    );
    for k in &u.kinds {
        let _ = writeln!(
            html,
            "<tr><td>{} <small>{}</small></td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            k.name_zh, k.name_en, k.count, k.offline
        );
    }
    let a = &u.appointments;
    let _ = writeln!(
        html,
        "</tbody></table>\n<p>预约 {} 个：签到 {}，爽约 {}，取消 {}。申办 {} 件，其中容缺受理 {} 件。评价 {} 条：\
         非常满意 {}，满意 {}，基本满意 {}，不满意 {}，非常不满意 {}。<br><span class=\"en\">Appointments {}: \
         {} checked in, {} no-shows, {} cancelled. Applications {}, {} with materials owed. Ratings {}.</span></p>",
        a.total,
        a.checked_in,
        a.no_show,
        a.cancelled,
        u.applications,
        u.deferred_applications,
        u.ratings.total,
        u.ratings.by_level[4],
        u.ratings.by_level[3],
        u.ratings.by_level[2],
        u.ratings.by_level[1],
        u.ratings.by_level[0],
        a.total,
        a.checked_in,
        a.no_show,
        a.cancelled,
        u.applications,
        u.deferred_applications,
        u.ratings.total,
    );

    html.push_str(
        "<h2>部门（最差在前） <span class=\"en\">Departments, worst first</span></h2>\n\
         <table><thead><tr><th>部门 Department</th>",
    );
    for i in super::Indicator::ALL {
        let _ = write!(html, "<th>{}</th>", i.name_zh());
    }
    html.push_str("</tr></thead><tbody>\n");
    for d in &r.departments {
        let _ = write!(
            html,
            "<tr><td>{} <small>{}</small></td>",
            escape(&d.department),
            escape(&d.department_en)
        );
        for s in &d.standings {
            let _ = write!(
                html,
                "<td class=\"n {}\">{:.0}% <small>({}/{})</small></td>",
                class(s),
                s.share_percent,
                s.met,
                s.total
            );
        }
        html.push_str("</tr>\n");
    }
    html.push_str("</tbody></table>\n");
    if !u.departments.is_empty() {
        html.push_str(
            "<p>自助办件与评价（评价最差在前） <span class=\"en\">Errands and ratings, worst rated first</span></p>\
             <table><thead><tr><th>部门 Department</th><th>自助办件 Errands</th><th>评价 Ratings</th>\
             <th>好评率 Good</th><th>差评 Bad</th></tr></thead><tbody>\n",
        );
        for d in &u.departments {
            let _ = writeln!(
                html,
                "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
                 <td class=\"n\">{}</td></tr>",
                escape(&d.department),
                d.errands,
                d.ratings,
                share(d.ratings, d.good_percent),
                d.bad
            );
        }
        html.push_str("</tbody></table>\n");
    }

    html.push_str(
        "<h2>事项（评价最差在前） <span class=\"en\">Services, worst rated first</span></h2>\n\
         <table><thead><tr><th>事项 Service</th><th>部门 Department</th><th>告知单 Guides</th>\
         <th>预约 Appointments</th><th>申办 Applications</th><th>容缺 Deferred</th><th>评价 Ratings</th>\
         <th>好评率 Good</th><th>差评 Bad</th></tr></thead><tbody>\n",
    );
    for s in &u.services {
        let _ = writeln!(
            html,
            "<tr><td>{} <small>{}</small></td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td></tr>",
            escape(&s.name_zh),
            escape(&s.service),
            escape(&s.department),
            s.guide_prints,
            s.appointments,
            s.applications,
            s.deferred,
            s.ratings,
            share(s.ratings, s.good_percent),
            s.bad
        );
    }
    html.push_str("</tbody></table>\n");

    html.push_str(
        "<h2>终端 <span class=\"en\">Kiosks</span></h2>\n<table><thead><tr><th>终端 Kiosk</th>\
         <th>办件 Errands</th><th>离线 Offline</th></tr></thead><tbody>\n",
    );
    for k in &u.kiosks {
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{} ({:.1}%)</td></tr>",
            escape(&k.kiosk),
            k.errands,
            k.offline,
            k.offline_percent
        );
    }
    html.push_str(
        "</tbody></table>\n<p class=\"en\">Offline: reached the platform more than 5 minutes after it was done. \
         Good ratings: 非常满意, 满意 and 基本满意.</p>\n</body></html>\n",
    );
    html
}

fn class(s: &Standing) -> &'static str {
    if s.target_met {
        "met"
    } else {
        "miss"
    }
}

fn verdict(s: &Standing) -> &'static str {
    if s.target_met {
        "达标 met"
    } else {
        "未达标 missed"
    }
}

/// A share, or a dash when there was nothing to share out (0 of 0 is not 0%).
fn share(whole: u64, percent: f64) -> String {
    if whole == 0 {
        "–".into()
    } else {
        format!("{percent:.1}%")
    }
}
