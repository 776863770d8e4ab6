//! `GET /fleet/kiosks/{id}`: one kiosk for the operator who opened its row — where it is, its alerts, each device,
//! its outbox, the catalog it holds, its maintenance pad, the events the platform refused and the latest
//! maintenance actions. Every value a kiosk reported is escaped as on the list.

use std::fmt::Write;

use axum::extract::{Path, State};
use axum::response::Html;
use chrono::Utc;
use sanban_wire::{DeviceState, Heartbeat};

use super::{ago, ago_zh, assess, device_zh, escape, local_time};
use crate::error::ApiError;
use crate::state::AppState;

/// Refused events and maintenance actions shown, newest first.
pub const RECENT: usize = 20;

#[utoipa::path(get, path = "/fleet/kiosks/{id}", tag = "operations",
    summary = "One kiosk in detail (HTML): devices, outbox, catalog, maintenance pad, refused events, \
        maintenance actions",
    params(("id" = String, Path, description = "The kiosk's id", example = "K07")),
    security(("operatorSession" = [])),
    responses(
        (status = 200, description = "HTML page", body = String, content_type = "text/html"),
        (status = 401, description = "No live operator session: a page that moves on to `/login`", body = String,
            content_type = "text/html"),
        (status = 404, description = "No such kiosk", body = sanban_wire::ApiError)))]
pub async fn page(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Html<String>, ApiError> {
    let kiosks = state.store.list_kiosks().await?;
    let Some(kiosk) = kiosks.iter().find(|k| k.id == id) else {
        return Err(ApiError::NotFound(format!("no kiosk {id:?}")));
    };
    let current = state.store.current_catalog().await?.version;
    let now = Utc::now();
    let tz = state.hall().tz;
    let row = assess(kiosk, now, Some(current), tz);
    let heartbeat: Option<Heartbeat> = kiosk
        .last_heartbeat
        .as_deref()
        .and_then(|j| serde_json::from_str(j).ok());
    let mut rejections = state.store.rejections(&id).await?;
    rejections.reverse();
    rejections.truncate(RECENT);
    let maintenance = state.store.maintenance_events(&id, RECENT as u32).await?;

    let mut html = String::from(
        "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"refresh\" content=\"60\"><title>终端详情 · Sanban</title><style>\
         body{font-family:sans-serif;margin:1.5em;color:#1a1a1a;max-width:1100px}\
         h2{margin-top:1.4em;border-bottom:2px solid #ddd}.en{color:#555}\
         table{border-collapse:collapse;width:100%}th,td{border:1px solid #bbb;padding:.35em .6em;text-align:left}\
         th{background:#eee}.fault{background:#fdd}.warning{background:#ffc}</style></head><body>\n",
    );
    html.push_str(crate::pages::NAV);
    let _ = writeln!(
        html,
        "<h1>终端 {} <span class=\"en\">Kiosk {}</span></h1>\n<p>{} · {}<br>{} {} · <span class=\"en\">\
         version {}, last applied event {}</span></p>",
        escape(&row.id),
        escape(&row.id),
        escape(row.name.as_deref().unwrap_or("（未命名 unnamed）")),
        escape(row.hall.as_deref().unwrap_or("（未填大厅 no hall）")),
        row.status.label_zh(),
        row.status.label(),
        escape(&row.app_version),
        kiosk.last_applied_seq,
    );
    let seen = match (&kiosk.last_seen, row.unseen_secs) {
        (Some(t), Some(s)) => format!("{}（{}前 · {} ago）", local_time(t, tz), ago_zh(s), ago(s)),
        _ => "从未 never".into(),
    };
    let _ = writeln!(
        html,
        "<p>最后联系 <span class=\"en\">Last seen</span>: {}</p>",
        escape(&seen)
    );

    html.push_str("<h2>告警 <span class=\"en\">Alerts</span></h2>\n<ul>");
    if row.alerts.is_empty() {
        html.push_str("<li>无 none</li>");
    }
    for a in &row.alerts {
        let _ = write!(html, "<li>{}</li>", escape(a));
    }
    html.push_str("</ul>\n");

    html.push_str(
        "<h2>设备 <span class=\"en\">Devices</span></h2>\n<table><thead><tr><th>设备 Device</th>\
         <th>状态 State</th><th>详情 Detail</th></tr></thead><tbody>\n",
    );
    match &heartbeat {
        None => html.push_str("<tr><td colspan=\"3\">尚无心跳 no heartbeat yet</td></tr>\n"),
        Some(hb) => {
            for d in &hb.devices {
                let (class, state) = match d.state {
                    DeviceState::Fault => ("fault", "故障 fault"),
                    DeviceState::Warning => ("warning", "警告 warning"),
                    DeviceState::Ok => ("", "正常 ok"),
                    DeviceState::Absent => ("", "未接 absent"),
                };
                let _ = writeln!(
                    html,
                    "<tr class=\"{class}\"><td>{} {}</td><td>{state}</td><td>{}</td></tr>",
                    device_zh(&d.device),
                    escape(&d.device),
                    escape(&d.detail)
                );
            }
        }
    }
    html.push_str("</tbody></table>\n");

    if let Some(hb) = &heartbeat {
        let oldest = hb
            .oldest_pending_secs
            .map(|s| {
                let s = i64::try_from(s).unwrap_or(i64::MAX);
                format!("，最早 {}前 (oldest {} ago)", ago_zh(s), ago(s))
            })
            .unwrap_or_default();
        let catalog = hb
            .catalog_version
            .map(|v| format!("第 {v} 版（现行第 {current} 版） · version {v}, current {current}"))
            .unwrap_or_else(|| "未报告 not reported".into());
        let pad = match &hb.maintenance {
            Some(p) => match &p.locked_until {
                Some(until) => format!("锁定至 {} · locked until {until}", local_time(until, tz)),
                None => format!(
                    "连续错误 {} 次 · {} wrong PINs in a row",
                    p.failures, p.failures
                ),
            },
            None => "未报告 not reported".into(),
        };
        let _ = writeln!(
            html,
            "<h2>同步与配置 <span class=\"en\">Outbox, catalog, maintenance pad</span></h2>\n<ul>\
             <li>待同步 {} 条{} · outbox backlog {}</li><li>事项清单 {}</li><li>维护密码 {}</li>\
             <li>心跳时间 heartbeat sent {}</li></ul>",
            hb.outbox_backlog,
            escape(&oldest),
            hb.outbox_backlog,
            escape(&catalog),
            escape(&pad),
            escape(&local_time(&hb.sent_at, tz)),
        );
    }

    html.push_str(
        "<h2>被拒绝的事件 <span class=\"en\">Refused events, newest first</span></h2>\n<table><thead><tr>\
         <th>序号 Seq</th><th>原因 Reason</th></tr></thead><tbody>\n",
    );
    if rejections.is_empty() {
        html.push_str("<tr><td colspan=\"2\">无 none</td></tr>\n");
    }
    for r in &rejections {
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td>{}</td></tr>",
            r.seq,
            escape(&r.reason)
        );
    }
    html.push_str("</tbody></table>\n");

    html.push_str(
        "<h2>维护记录 <span class=\"en\">Maintenance, newest first</span></h2>\n<table><thead><tr>\
         <th>时间 Time</th><th>技术员 Technician</th><th>操作 What</th><th>对象 Target</th>\
         <th>结果 Result</th></tr></thead><tbody>\n",
    );
    if maintenance.is_empty() {
        html.push_str("<tr><td colspan=\"5\">无 none</td></tr>\n");
    }
    for m in &maintenance {
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&local_time(&m.occurred_at, tz)),
            escape(m.technician.as_deref().unwrap_or("–")),
            escape(&m.what),
            escape(m.target.as_deref().unwrap_or("–")),
            escape(m.result.as_deref().unwrap_or("–")),
        );
    }
    html.push_str("</tbody></table>\n</body></html>\n");
    Ok(Html(html))
}
