//! `GET /fleet`: the operators' page of the kiosks (its kiosk detail: [`detail`]). Plain HTML (no script), every value escaped, kiosks ordered so the one to
//! visit first is on top: device faults, then kiosks not heard from, then warnings, then big outbox backlogs.
//!
//! What kiosks report is shown as they sent it but never as markup, and never invisibly: control, format and
//! bidirectional characters (U+202E would reverse the text after it) appear as `[U+202E]`.

pub mod detail;

use std::fmt::Write;

use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

use axum::extract::State;
use axum::response::Html;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sanban_wire::{DeviceState, Heartbeat};

use crate::error::ApiError;
use crate::state::AppState;
use crate::store::model::StoredLockerAlert;
use crate::store::KioskRow;

/// Not heard from for this long (heartbeats come every minute or so): someone should look.
pub const UNSEEN_AFTER_SECS: i64 = 10 * 60;
/// Outbox backlog worth a visit (the network or the platform link is failing).
pub const BIG_BACKLOG: u64 = 100;
pub const OLD_PENDING_SECS: u64 = 15 * 60;

/// Why a kiosk is where it is in the list; the order of the variants is the order of the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    Fault,
    Unseen,
    Warning,
    Backlog,
    Ok,
}

impl Status {
    fn label(self) -> &'static str {
        match self {
            Status::Fault => "FAULT",
            Status::Unseen => "UNSEEN",
            Status::Warning => "WARNING",
            Status::Backlog => "BACKLOG",
            Status::Ok => "OK",
        }
    }

    fn label_zh(self) -> &'static str {
        match self {
            Status::Fault => "故障",
            Status::Unseen => "失联",
            Status::Warning => "警告",
            Status::Backlog => "积压",
            Status::Ok => "正常",
        }
    }
}

/// One kiosk as the page shows it.
#[derive(Debug, Clone)]
pub struct FleetRow {
    pub id: String,
    pub name: Option<String>,
    pub hall: Option<String>,
    pub status: Status,
    pub unseen_secs: Option<i64>,
    pub app_version: String,
    pub backlog: Option<u64>,
    pub oldest_pending_secs: Option<u64>,
    pub alerts: Vec<String>,
}

/// The devices kiosks report, named in Chinese first.
pub fn device_zh(device: &str) -> &'static str {
    match device {
        "printer" => "打印机",
        "idcard" => "身份证阅读器",
        "locker" => "智能柜",
        "touch" | "screen" => "触摸屏",
        "network" => "网络",
        _ => "设备",
    }
}

/// Judges one kiosk at `now`, against the platform's `current_catalog` version.
pub fn assess(k: &KioskRow, now: DateTime<Utc>, current_catalog: Option<u64>, tz: Tz) -> FleetRow {
    let unseen_secs = k
        .last_seen
        .as_deref()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| {
            now.signed_duration_since(t.with_timezone(&Utc))
                .num_seconds()
                .max(0)
        });
    let heartbeat: Option<Heartbeat> = k
        .last_heartbeat
        .as_deref()
        .and_then(|j| serde_json::from_str(j).ok());
    let mut alerts = Vec::new();
    let mut status = Status::Ok;
    let mut raise = |s: Status, text: String, alerts: &mut Vec<String>| {
        status = status.min(s);
        alerts.push(text);
    };
    if let Some(hb) = &heartbeat {
        for d in &hb.devices {
            match d.state {
                DeviceState::Fault => raise(
                    Status::Fault,
                    format!(
                        "{}故障 · {} fault: {}",
                        device_zh(&d.device),
                        d.device,
                        d.detail
                    ),
                    &mut alerts,
                ),
                DeviceState::Warning => raise(
                    Status::Warning,
                    format!(
                        "{}警告 · {} warning: {}",
                        device_zh(&d.device),
                        d.device,
                        d.detail
                    ),
                    &mut alerts,
                ),
                DeviceState::Ok | DeviceState::Absent => {}
            }
        }
        if let (Some(have), Some(current)) = (hb.catalog_version, current_catalog) {
            if have < current {
                raise(
                    Status::Warning,
                    format!("事项清单落后（第 {have} 版，现行第 {current} 版） · catalog version {have}, current {current}"),
                    &mut alerts,
                );
            }
        }
        if let Some(pad) = &hb.maintenance {
            if let Some(until) = &pad.locked_until {
                raise(
                    Status::Warning,
                    format!(
                        "维护密码锁定至 {} · maintenance PIN pad locked until {until}",
                        local_time(until, tz)
                    ),
                    &mut alerts,
                );
            } else if pad.failures > 0 {
                raise(
                    Status::Warning,
                    format!(
                        "维护密码连续错误 {n} 次 · {n} wrong maintenance PINs in a row",
                        n = pad.failures
                    ),
                    &mut alerts,
                );
            }
        }
    }
    match unseen_secs {
        None => raise(Status::Unseen, "从未联系 · never seen".into(), &mut alerts),
        Some(s) if s >= UNSEEN_AFTER_SECS => raise(
            Status::Unseen,
            format!("{}未联系 · not seen for {}", ago_zh(s), ago(s)),
            &mut alerts,
        ),
        _ => {}
    }
    let backlog = heartbeat.as_ref().map(|h| h.outbox_backlog);
    let oldest_pending_secs = heartbeat.as_ref().and_then(|h| h.oldest_pending_secs);
    if backlog.is_some_and(|b| b >= BIG_BACKLOG)
        || oldest_pending_secs.is_some_and(|s| s >= OLD_PENDING_SECS)
    {
        let oldest = oldest_pending_secs
            .map(|s| format!(", oldest {}", ago(saturating_secs(s))))
            .unwrap_or_default();
        raise(
            Status::Backlog,
            format!(
                "待同步积压 {n} 条 · outbox backlog {n} events{oldest}",
                n = backlog.unwrap_or(0)
            ),
            &mut alerts,
        );
    }
    FleetRow {
        id: k.id.clone(),
        name: k.name.clone(),
        hall: k.hall.clone(),
        status,
        unseen_secs,
        app_version: k.app_version.clone().unwrap_or_else(|| "?".into()),
        backlog,
        oldest_pending_secs,
        alerts,
    }
}

/// Most urgent first; within a status, the longest unseen, then the biggest backlog.
pub fn sort(rows: &mut [FleetRow]) {
    rows.sort_by(|a, b| {
        a.status
            .cmp(&b.status)
            .then_with(|| {
                b.unseen_secs
                    .unwrap_or(i64::MAX)
                    .cmp(&a.unseen_secs.unwrap_or(i64::MAX))
            })
            .then_with(|| b.backlog.unwrap_or(0).cmp(&a.backlog.unwrap_or(0)))
            .then_with(|| a.id.cmp(&b.id))
    });
}

/// A kiosk-reported age in seconds as the page counts them: a huge one stays huge, it does not wrap negative.
fn saturating_secs(secs: u64) -> i64 {
    i64::try_from(secs).unwrap_or(i64::MAX)
}

/// An RFC 3339 time as the hall reads it: its wall clock in the hall's zone (`serve --timezone`), or the text
/// itself if it is not a time.
pub fn local_time(rfc3339: &str, tz: Tz) -> String {
    DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| t.with_timezone(&tz).format("%m-%d %H:%M:%S").to_string())
        .unwrap_or_else(|_| rfc3339.to_string())
}

/// "45 秒", "12 分钟", "3 小时 4 分", "2 天 3 小时".
pub fn ago_zh(secs: i64) -> String {
    match secs {
        s if s < 60 => format!("{s} 秒"),
        s if s < 3600 => format!("{} 分钟", s / 60),
        s if s < 86400 => format!("{} 小时 {} 分", s / 3600, s % 3600 / 60),
        s => format!("{} 天 {} 小时", s / 86400, s % 86400 / 3600),
    }
}

/// "45 s", "12 min", "3 h 4 min", "2 d 3 h".
pub fn ago(secs: i64) -> String {
    match secs {
        s if s < 60 => format!("{s} s"),
        s if s < 3600 => format!("{} min", s / 60),
        s if s < 86400 => format!("{} h {} min", s / 3600, s % 3600 / 60),
        s => format!("{} d {} h", s / 86400, s % 86400 / 3600),
    }
}

/// Characters that change how the text around them reads without showing themselves.
fn is_invisible(c: char) -> bool {
    matches!(
        c.general_category(),
        GeneralCategory::Control
            | GeneralCategory::Format
            | GeneralCategory::LineSeparator
            | GeneralCategory::ParagraphSeparator
    )
}

/// HTML-escapes `s` and shows invisible characters as `[U+XXXX]`.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            c if is_invisible(c) => {
                let _ = write!(out, "[U+{:04X}]", c as u32);
            }
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub fn render(rows: &[FleetRow], now: DateTime<Utc>, tz: Tz) -> String {
    render_with_alerts(rows, &[], now, tz)
}

/// How many locker door alerts the page shows (newest first).
pub const LOCKER_ALERTS_SHOWN: u32 = 50;

/// What a door alert means, for the page.
fn alert_text(alert: &str) -> &'static str {
    match alert {
        "left_open" => "left open 柜门未关",
        "opened_unexpectedly" => "opened with no command (security) 异常开启",
        "jammed" => "jammed 柜门卡住",
        "sensor_stuck" => "sensor reads open before firing 传感器异常",
        "interrupted" => "opening interrupted by a restart 开柜中断",
        _ => "other",
    }
}

/// The page, with the kiosks' recent locker door alerts below the kiosks (a door opened with no command first).
pub fn render_with_alerts(
    rows: &[FleetRow],
    alerts: &[StoredLockerAlert],
    now: DateTime<Utc>,
    tz: Tz,
) -> String {
    let mut html = String::from(
        "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"refresh\" content=\"60\">\
         <title>Sanban fleet 自助终端运维</title><style>\
         body{font-family:sans-serif;margin:1.5em;color:#1a1a1a}\
         table{border-collapse:collapse;width:100%}th,td{border:1px solid #bbb;padding:.4em .6em;text-align:left}\
         th{background:#eee}.FAULT{background:#fdd}.UNSEEN{background:#fed}.WARNING{background:#ffc}\
         .BACKLOG{background:#eef}td.n{text-align:right}</style></head><body>\n\
         ",
    );
    html.push_str(crate::pages::NAV);
    html.push_str("<h1>自助终端运维 <span style=\"color:#555\">Kiosk fleet</span></h1>\n");
    let _ = writeln!(
        html,
        "<p>{n} 台终端，当地时间 {t}（{z}），最紧急的在前：故障、失联、警告、积压。<br><span style=\"color:#555\">{n} \
         kiosks as of {t} ({z}). Most urgent first: faults, unseen, warnings, backlogs.</span></p>",
        n = rows.len(),
        t = escape(
            &now.with_timezone(&tz)
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        ),
        z = escape(tz.name()),
    );
    html.push_str(
        "<table><thead><tr><th>状态 Status</th><th>终端 Kiosk</th><th>最后联系 Last seen</th><th>版本 Version</th>\
         <th>待同步 Outbox backlog</th><th>最早待同步 Oldest pending</th><th>告警 Alerts</th></tr></thead><tbody>\n",
    );
    for r in rows {
        let label = r.status.label();
        let seen = r
            .unseen_secs
            .map(|s| format!("{}前 ({} ago)", ago_zh(s), ago(s)))
            .unwrap_or_else(|| "从未 never".into());
        let place: String = [&r.name, &r.hall]
            .into_iter()
            .flatten()
            .map(|t| escape(t))
            .collect::<Vec<_>>()
            .join("<br>");
        let backlog = r
            .backlog
            .map(|b| b.to_string())
            .unwrap_or_else(|| "–".into());
        let oldest = r
            .oldest_pending_secs
            .map(|s| ago(saturating_secs(s)))
            .unwrap_or_else(|| "–".into());
        let alerts = if r.alerts.is_empty() {
            "无 none".to_string()
        } else {
            r.alerts
                .iter()
                .map(|a| escape(a))
                .collect::<Vec<_>>()
                .join("<br>")
        };
        let _ = writeln!(
            html,
            "<tr class=\"{label}\"><td>{zh} {label}</td><td><a href=\"/fleet/kiosks/{id}\">{id}</a>\
             <br><small>{place}</small></td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td>{}</td><td>{alerts}</td></tr>",
            escape(&seen),
            escape(&r.app_version),
            escape(&backlog),
            escape(&oldest),
            id = escape(&r.id),
            zh = r.status.label_zh(),
        );
    }
    html.push_str("</tbody></table>\n");
    if !alerts.is_empty() {
        let _ = writeln!(
            html,
            "<h2>Locker alerts 取件柜告警</h2>\n<p>The {} newest, security alerts first.</p>\n\
             <table><thead><tr><th>Kiosk</th><th>Door</th><th>Alert</th><th>At</th></tr></thead><tbody>",
            alerts.len()
        );
        let mut ordered: Vec<&StoredLockerAlert> = alerts.iter().collect();
        ordered.sort_by_key(|a| a.alert != "opened_unexpectedly");
        for a in ordered {
            let class = if a.alert == "opened_unexpectedly" {
                "FAULT"
            } else {
                "WARNING"
            };
            let open = a
                .open_seconds
                .map(|s| format!(", open {}", ago(i64::from(s))))
                .unwrap_or_default();
            let _ = writeln!(
                html,
                "<tr class=\"{class}\"><td>{}</td><td class=\"n\">{}</td><td>{}{}</td><td>{}</td></tr>",
                escape(&a.kiosk_id),
                a.locker_door,
                alert_text(&a.alert),
                escape(&open),
                escape(&a.occurred_at),
            );
        }
        html.push_str("</tbody></table>\n");
    }
    html.push_str("</body></html>\n");
    html
}

#[utoipa::path(get, path = "/fleet", tag = "operations",
    summary = "Technicians' fleet page (HTML): kiosks ordered faults, unseen, warnings, backlogs",
    security(("operatorSession" = [])),
    responses(
        (status = 200, description = "HTML page", body = String, content_type = "text/html"),
        (status = 401, description = "No live operator session: a page that moves on to `/login`", body = String,
            content_type = "text/html")))]
pub async fn page(State(state): State<AppState>) -> Result<Html<String>, ApiError> {
    let kiosks = state.store.list_kiosks().await?;
    let alerts = state.store.locker_alerts(LOCKER_ALERTS_SHOWN).await?;
    let current = state.store.current_catalog().await?.version;
    let now = Utc::now();
    let mut rows: Vec<FleetRow> = kiosks
        .iter()
        .map(|k| assess(k, now, Some(current), state.hall().tz))
        .collect();
    sort(&mut rows);
    Ok(Html(render_with_alerts(
        &rows,
        &alerts,
        now,
        state.hall().tz,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHANGHAI: Tz = chrono_tz::Asia::Shanghai;

    #[test]
    fn times_read_in_the_halls_own_zone() {
        let t = "2026-11-30T23:30:00Z";
        assert_eq!(local_time(t, SHANGHAI), "12-01 07:30:00");
        assert_eq!(local_time(t, chrono_tz::Asia::Urumqi), "12-01 05:30:00");
        assert_eq!(local_time(t, chrono_tz::Europe::Berlin), "12-01 00:30:00");
        assert_eq!(local_time("soon", SHANGHAI), "soon");
    }

    fn kiosk(
        id: &str,
        seen_secs_ago: Option<i64>,
        heartbeat: Option<serde_json::Value>,
    ) -> KioskRow {
        let now = Utc::now();
        KioskRow {
            id: id.into(),
            registered_at: now.to_rfc3339(),
            last_seen: seen_secs_ago.map(|s| (now - chrono::Duration::seconds(s)).to_rfc3339()),
            app_version: Some("0.1.0".into()),
            last_applied_seq: 0,
            last_heartbeat: heartbeat.map(|h| h.to_string()),
            name: None,
            hall: None,
        }
    }

    fn hb(printer: &str, detail: &str, backlog: u64) -> serde_json::Value {
        serde_json::json!({"app_version": "0.1.0", "outbox_backlog": backlog, "oldest_pending_secs": null,
            "sent_at": "2026-11-26T08:00:00+08:00",
            "devices": [{"device": "printer", "state": printer, "detail": detail}]})
    }

    #[test]
    fn orders_faults_unseen_warnings_backlogs() {
        let now = Utc::now();
        let kiosks = [
            kiosk("ok", Some(5), Some(hb("ok", "", 0))),
            kiosk("backlog", Some(5), Some(hb("ok", "", 500))),
            kiosk("warn", Some(5), Some(hb("warning", "paper near end", 0))),
            kiosk("gone", Some(7200), Some(hb("ok", "", 0))),
            kiosk("never", None, None),
            kiosk("fault", Some(5), Some(hb("fault", "paper out", 0))),
        ];
        let mut rows: Vec<FleetRow> = kiosks
            .iter()
            .map(|k| assess(k, now, None, SHANGHAI))
            .collect();
        sort(&mut rows);
        let order: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(order, ["fault", "never", "gone", "warn", "backlog", "ok"]);
        assert_eq!(rows[0].alerts, ["打印机故障 · printer fault: paper out"]);
    }

    #[test]
    fn escapes_everything() {
        let k = kiosk(
            "k1",
            Some(5),
            Some(hb("fault", "<script>alert(1)</script>", 0)),
        );
        let html = render(
            &[assess(&k, Utc::now(), None, SHANGHAI)],
            Utc::now(),
            SHANGHAI,
        );
        assert!(!html.contains("<script>"));
        assert!(html.contains("&lt;script&gt;"));
    }

    #[test]
    fn markup_and_invisible_characters_in_reported_text_are_shown_not_obeyed() {
        let mut k = kiosk(
            "k1",
            Some(5),
            Some(hb("fault", "cover\u{200B} open\u{2066}x\u{2069}\n", 0)),
        );
        k.app_version = Some("1.0<script>alert(1)</script>\u{202E}3.2.1".into());
        let html = render(
            &[assess(&k, Utc::now(), None, SHANGHAI)],
            Utc::now(),
            SHANGHAI,
        );
        assert!(!html.contains("<script>"));
        assert!(
            html.contains("1.0&lt;script&gt;alert(1)&lt;/script&gt;[U+202E]3.2.1"),
            "{html}"
        );
        assert!(html.contains("cover[U+200B] open[U+2066]x[U+2069][U+000A]"));
        for c in html.chars() {
            assert!(
                !is_invisible(c) || c == '\n',
                "{:04X} reached the page",
                c as u32
            );
        }
        // Chinese text and ordinary punctuation pass unchanged.
        assert_eq!(escape("打印机缺纸 (paper out)"), "打印机缺纸 (paper out)");
    }

    #[test]
    fn huge_reported_ages_saturate_instead_of_wrapping_negative() {
        let mut beat = hb("ok", "", u64::MAX);
        beat["oldest_pending_secs"] = u64::MAX.into();
        let k = kiosk("k1", Some(5), Some(beat));
        let row = assess(&k, Utc::now(), None, SHANGHAI);
        let html = render(std::slice::from_ref(&row), Utc::now(), SHANGHAI);
        assert_eq!(row.status, Status::Backlog);
        assert!(!html.contains(">-") && !html.contains(" -"), "{html}");
        assert!(html.contains(&ago(i64::MAX)), "{html}");
        assert!(html.contains(&u64::MAX.to_string()));
        // A last-seen time far in the past (or future) neither wraps nor panics.
        let mut old = kiosk("k2", None, None);
        old.last_seen = Some("0001-01-01T00:00:00Z".into());
        assert!(
            assess(&old, Utc::now(), None, SHANGHAI)
                .unseen_secs
                .unwrap()
                > 0
        );
        old.last_seen = Some("9999-12-31T23:59:59Z".into());
        assert_eq!(
            assess(&old, Utc::now(), None, SHANGHAI).unseen_secs,
            Some(0)
        );
    }

    #[test]
    fn ages_read_well() {
        assert_eq!(ago(45), "45 s");
        assert_eq!(ago(720), "12 min");
        assert_eq!(ago(3 * 3600 + 240), "3 h 4 min");
        assert_eq!(ago(2 * 86400 + 3 * 3600), "2 d 3 h");
    }
}
