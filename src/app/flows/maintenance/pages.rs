//! The technician's pages: each shows a report from `crate::technician` (the same data the command line prints) as
//! rows, and each button is one audited action.

use std::time::Duration;

use sanban_wire::{DeviceState, MaintenanceActionKind};
use slint::{ComponentHandle, ModelRc, SharedString, VecModel};

use super::{audit, t, DEVICES, JOBS, SYNC};
use crate::app::Kiosk;
use crate::devices::CardOutcome;
use crate::technician::card::CardReport;
use crate::technician::locker::OpeningReport;
use crate::technician::outbox::OutboxReport;
use crate::technician::printer::{test_page, PrinterReport};
use crate::ui::{AppWindow, MaintJob, MaintRow, MaintenanceAdapter};

const DEVICE_TIMEOUT: Duration = Duration::from_secs(10);

pub(super) fn wire(kiosk: &Kiosk, w: &AppWindow) {
    let adapter = w.global::<MaintenanceAdapter>();
    let k = kiosk.clone();
    adapter.on_print_test(move || print_test(&k));
    let k = kiosk.clone();
    adapter.on_read_card(move || read_card(&k));
    let k = kiosk.clone();
    adapter.on_open_door(move |door| open_door(&k, door.max(1) as u16));
    let k = kiosk.clone();
    adapter.on_sync_now(move || sync_now(&k));
    let k = kiosk.clone();
    adapter.on_reprint(move |job| reprint(&k, job as i64));
    let k = kiosk.clone();
    adapter.on_refresh(move || match k.page().as_str() {
        DEVICES => show_devices(&k),
        SYNC => show_sync(&k),
        JOBS => show_jobs(&k),
        _ => {}
    });
}

fn row(label: &str, value: impl Into<String>, tone: &str) -> MaintRow {
    MaintRow {
        label: label.into(),
        value: SharedString::from(value.into()),
        tone: tone.into(),
    }
}

fn set_rows(kiosk: &Kiosk, rows: Vec<MaintRow>) {
    kiosk.with_window(|w| {
        w.global::<MaintenanceAdapter>()
            .set_rows(ModelRc::new(VecModel::from(rows)))
    });
}

pub(super) fn set_result(kiosk: &Kiosk, text: impl Into<SharedString>, tone: &str) {
    let text = text.into();
    kiosk.with_window(|w| {
        let a = w.global::<MaintenanceAdapter>();
        a.set_result(text);
        a.set_result_tone(tone.into());
    });
}

fn set_busy(kiosk: &Kiosk, busy: bool) {
    kiosk.with_window(|w| w.global::<MaintenanceAdapter>().set_busy(busy));
}

pub(super) fn open(kiosk: &Kiosk, page: &str) {
    set_result(kiosk, "", "info");
    kiosk.go(page);
}

pub(super) fn open_devices(kiosk: &Kiosk) {
    open(kiosk, DEVICES);
    show_devices(kiosk);
}

pub(super) fn open_sync(kiosk: &Kiosk) {
    open(kiosk, SYNC);
    show_sync(kiosk);
}

pub(super) fn open_jobs(kiosk: &Kiosk) {
    open(kiosk, JOBS);
    show_jobs(kiosk);
}

fn tone(state: DeviceState) -> &'static str {
    match state {
        DeviceState::Ok => "ok",
        DeviceState::Warning => "warn",
        DeviceState::Fault => "fault",
        DeviceState::Absent => "",
    }
}

/// Each device's health as its worker last saw it (the printer's includes paper near end).
fn show_devices(kiosk: &Kiosk) {
    let health = kiosk.services().devices.health.all();
    let rows = health
        .iter()
        .map(|h| {
            let label = match h.device.as_str() {
                "idcard" => t(kiosk, "身份证阅读器", "ID card reader"),
                "printer" => t(kiosk, "凭条打印机", "Receipt printer"),
                "locker" => t(kiosk, "储物柜", "Lockers"),
                _ => "?",
            };
            let state = match h.state {
                DeviceState::Ok => t(kiosk, "正常", "OK"),
                DeviceState::Warning => t(kiosk, "需要关注", "Needs attention"),
                DeviceState::Fault => t(kiosk, "故障", "Fault"),
                DeviceState::Absent => t(kiosk, "未配置", "Not configured"),
            };
            let value = if h.detail.is_empty() {
                state.to_string()
            } else {
                format!("{state} · {}", h.detail)
            };
            row(label, value, tone(h.state))
        })
        .collect();
    set_rows(kiosk, rows);
}

/// "打印测试页": the test page the CLI prints, through the kiosk's printer thread.
fn print_test(kiosk: &Kiosk) {
    let services = kiosk.services();
    let when = services
        .clock
        .now()
        .with_timezone(&services.tz)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string();
    let printer = services.devices.printer.clone();
    set_busy(kiosk, true);
    set_result(
        kiosk,
        t(kiosk, "正在打印测试页…", "Printing the test page…"),
        "info",
    );
    let task = services.runtime.spawn_blocking(move || {
        let outcome = printer
            .print(test_page(&when))
            .recv_timeout(DEVICE_TIMEOUT * 3)
            .map(|r| r.outcome.detail())
            .unwrap_or_else(|_| "printer thread did not answer".into());
        let status = printer
            .status(DEVICE_TIMEOUT)
            .map(|s| PrinterReport::of(&s));
        (outcome, status)
    });
    let k = kiosk.downgrade();
    let _ = slint::spawn_local(async move {
        let Ok((outcome, status)) = task.await else {
            return;
        };
        let Some(kiosk) = k.upgrade() else { return };
        set_busy(&kiosk, false);
        audit(
            &kiosk,
            MaintenanceActionKind::PrintTestPage,
            None,
            Some(outcome.clone()),
        );
        let ok = outcome.starts_with("printed");
        set_result(
            &kiosk,
            format!("{}: {outcome}", t(&kiosk, "测试页", "Test page")),
            if ok { "ok" } else { "fault" },
        );
        if kiosk.page() == DEVICES {
            show_devices(&kiosk);
            if let Ok(report) = status {
                let paper = match report.paper {
                    "ok" => t(&kiosk, "充足", "OK"),
                    "near_end" => t(&kiosk, "将尽，请及时更换", "Near end: replace soon"),
                    _ => t(&kiosk, "缺纸", "Out"),
                };
                let tone = match report.paper {
                    "ok" => "ok",
                    "near_end" => "warn",
                    _ => "fault",
                };
                kiosk.with_window(|w| {
                    let a = w.global::<MaintenanceAdapter>();
                    let mut rows: Vec<MaintRow> = slint::Model::iter(&a.get_rows()).collect();
                    rows.push(row(t(&kiosk, "打印纸", "Paper"), paper, tone));
                    a.set_rows(ModelRc::new(VecModel::from(rows)));
                });
            }
        }
    });
}

/// "读卡测试": wait for a card and show every field, masked.
fn read_card(kiosk: &Kiosk) {
    let services = kiosk.services();
    if !services.devices.idcard.available() {
        set_result(
            kiosk,
            t(kiosk, "未配置身份证阅读器", "No ID card reader configured"),
            "fault",
        );
        return;
    }
    set_busy(kiosk, true);
    set_result(
        kiosk,
        t(
            kiosk,
            "请将身份证放在读卡区",
            "Place an ID card on the reader",
        ),
        "info",
    );
    let (tx, rx) = tokio::sync::oneshot::channel();
    services
        .devices
        .idcard
        .wait_for_card(services.citizen_key(), move |outcome| {
            let _ = tx.send(outcome);
        });
    let tz = services.tz;
    let k = kiosk.downgrade();
    let _ = slint::spawn_local(async move {
        let Ok(outcome) = rx.await else { return };
        let Some(kiosk) = k.upgrade() else { return };
        set_busy(&kiosk, false);
        if kiosk.page() != DEVICES {
            return;
        }
        match outcome {
            CardOutcome::Read(identity) => {
                let report = CardReport::of(identity.full(), crate::clock::card_today(tz), true);
                audit(
                    &kiosk,
                    MaintenanceActionKind::ReadCard,
                    None,
                    Some(format!("read: {}", report.kind)),
                );
                set_result(
                    &kiosk,
                    t(&kiosk, "读卡成功（已遮蔽）", "Card read (masked)"),
                    "ok",
                );
                let rows = report
                    .fields
                    .iter()
                    .map(|f| row(crate::technician::card::label(f.key), f.value.clone(), ""))
                    .collect();
                set_rows(&kiosk, rows);
            }
            CardOutcome::Failed(why) => {
                audit(
                    &kiosk,
                    MaintenanceActionKind::ReadCard,
                    None,
                    Some(format!("failed: {why}")),
                );
                set_result(
                    &kiosk,
                    format!("{}: {why}", t(&kiosk, "读卡失败", "Card not read")),
                    "fault",
                );
            }
        }
    });
}

/// "打开柜门": fire one door and read its sensor.
fn open_door(kiosk: &Kiosk, door: u16) {
    let locker = kiosk.services().devices.locker.clone();
    set_busy(kiosk, true);
    let task = kiosk.services().runtime.spawn_blocking(move || {
        // The worker answers through a callback; this blocking task waits for it, bounded.
        let (tx, rx) = std::sync::mpsc::channel();
        locker.open(door, move |r| {
            let _ = tx.send(r);
        });
        rx.recv_timeout(DEVICE_TIMEOUT)
            .map_err(|_| "no answer from the locker".to_string())
            .and_then(|r| r)
            .map(|o| OpeningReport::of(o.door, o.outcome))
    });
    let k = kiosk.downgrade();
    let _ = slint::spawn_local(async move {
        let Ok(opened) = task.await else { return };
        let Some(kiosk) = k.upgrade() else { return };
        set_busy(&kiosk, false);
        let (text, tone, result) = match &opened {
            Ok(r) if r.outcome == "opened" => (
                format!(
                    "{} {door}: {}",
                    t(&kiosk, "柜门", "Door"),
                    t(&kiosk, "已打开（传感器确认）", "open (sensor confirms)")
                ),
                "ok",
                r.outcome.to_string(),
            ),
            Ok(r) => (
                format!(
                    "{} {door}: {}",
                    t(&kiosk, "柜门", "Door"),
                    t(
                        &kiosk,
                        "未打开（传感器未确认）",
                        "not open (sensor does not confirm)"
                    )
                ),
                "fault",
                r.outcome.to_string(),
            ),
            Err(why) => (
                format!("{} {door}: {why}", t(&kiosk, "柜门", "Door")),
                "fault",
                why.clone(),
            ),
        };
        audit(
            &kiosk,
            MaintenanceActionKind::OpenDoor,
            Some(door.to_string()),
            Some(result),
        );
        set_result(&kiosk, text, tone);
    });
}

/// Platform URL, the link, last contact, backlog, oldest pending, last error, rejections.
fn show_sync(kiosk: &Kiosk) {
    let services = kiosk.services();
    let report = OutboxReport::gather(
        &services.store(),
        services.config.platform.url.as_deref(),
        services.clock.now(),
    );
    let link = services
        .sync_status
        .lock()
        .map(|s| s.online)
        .unwrap_or(false);
    let mut rows = Vec::new();
    match report {
        Ok(r) => {
            rows.push(row(
                t(kiosk, "平台地址", "Platform"),
                r.platform.clone().unwrap_or_else(|| {
                    t(
                        kiosk,
                        "未配置（单机运行，事件留在本机）",
                        "none (stand-alone: events stay queued)",
                    )
                    .into()
                }),
                if r.platform.is_some() { "" } else { "warn" },
            ));
            rows.push(row(
                t(kiosk, "连接", "Link"),
                if link {
                    t(kiosk, "在线", "online")
                } else {
                    t(kiosk, "离线", "offline")
                },
                if link { "ok" } else { "warn" },
            ));
            rows.push(row(
                t(kiosk, "待上传事件", "Pending events"),
                r.pending.to_string(),
                if r.pending == 0 { "ok" } else { "" },
            ));
            rows.push(row(
                t(kiosk, "最早待上传", "Oldest pending"),
                match (&r.oldest_pending_at, r.oldest_pending_age_secs) {
                    (Some(at), Some(age)) => {
                        format!("{at} ({})", crate::technician::outbox::human_age(age))
                    }
                    _ => "—".into(),
                },
                "",
            ));
            rows.push(row(
                t(kiosk, "已上传事件", "Applied events"),
                r.applied.to_string(),
                "",
            ));
            rows.push(row(
                t(kiosk, "最近错误", "Last error"),
                r.last_error.clone().unwrap_or_else(|| "—".into()),
                if r.last_error.is_some() { "fault" } else { "" },
            ));
            rows.push(row(
                t(kiosk, "被平台拒收", "Rejected by the platform"),
                r.rejected.to_string(),
                if r.rejected == 0 { "" } else { "fault" },
            ));
            for rej in &r.rejections {
                rows.push(row(
                    &format!("#{} {}", rej.seq, rej.kind),
                    rej.reason.clone(),
                    "fault",
                ));
            }
        }
        Err(e) => rows.push(row(
            t(kiosk, "本机数据库", "Kiosk database"),
            e.to_string(),
            "fault",
        )),
    }
    set_rows(kiosk, rows);
}

/// "立即同步": wake the sync agent now; the page shows the backlog again a moment later.
fn sync_now(kiosk: &Kiosk) {
    let services = kiosk.services();
    let configured = services.sync.is_some();
    audit(
        kiosk,
        MaintenanceActionKind::SyncNow,
        None,
        Some(
            if configured {
                "requested"
            } else {
                "no platform configured"
            }
            .into(),
        ),
    );
    if !configured {
        set_result(
            kiosk,
            t(
                kiosk,
                "未配置平台，无法同步",
                "No platform configured: nothing to sync with",
            ),
            "warn",
        );
        show_sync(kiosk);
        return;
    }
    services.poke_sync();
    set_result(kiosk, t(kiosk, "已开始同步", "Sync started"), "info");
    let k = kiosk.downgrade();
    slint::Timer::single_shot(Duration::from_secs(2), move || {
        if let Some(kiosk) = k.upgrade() {
            if kiosk.page() == SYNC {
                show_sync(&kiosk);
            }
        }
    });
    show_sync(kiosk);
}

/// The receipts that did not print, newest first.
fn show_jobs(kiosk: &Kiosk) {
    let services = kiosk.services();
    let report = OutboxReport::gather(&services.store(), None, services.clock.now());
    let jobs: Vec<MaintJob> = match report {
        Ok(r) => r
            .unprinted_jobs
            .iter()
            .map(|j| MaintJob {
                id: j.id as i32,
                text: format!(
                    "#{} {} {} · {} · {}",
                    j.id,
                    j.subject,
                    j.subject_id,
                    j.created_at,
                    j.detail
                        .as_deref()
                        .unwrap_or(t(kiosk, "未发送", "never sent"))
                )
                .into(),
            })
            .collect(),
        Err(e) => {
            set_result(kiosk, e.to_string(), "fault");
            Vec::new()
        }
    };
    kiosk.with_window(|w| {
        w.global::<MaintenanceAdapter>()
            .set_jobs(ModelRc::new(VecModel::from(jobs)))
    });
}

/// "重印": the stored job again (`PrintService::reprint`).
fn reprint(kiosk: &Kiosk, job: i64) {
    set_busy(kiosk, true);
    let (tx, rx) = tokio::sync::oneshot::channel();
    kiosk.services().printing.reprint(job, move |outcome| {
        let _ = tx.send(outcome);
    });
    let k = kiosk.downgrade();
    let _ = slint::spawn_local(async move {
        let Ok(outcome) = rx.await else { return };
        let Some(kiosk) = k.upgrade() else { return };
        set_busy(&kiosk, false);
        let detail = outcome.detail();
        audit(
            &kiosk,
            MaintenanceActionKind::Reprint,
            Some(job.to_string()),
            Some(detail.clone()),
        );
        set_result(
            &kiosk,
            format!("{} #{job}: {detail}", t(&kiosk, "重印", "Reprint")),
            if outcome.printed() { "ok" } else { "fault" },
        );
        if kiosk.page() == JOBS {
            show_jobs(&kiosk);
        }
    });
}
