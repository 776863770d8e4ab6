//! Maintenance mode through the real UI (testing backend, software renderer, simulated devices on
//! pseudo-terminals), played by the script runner: the hidden long press, an unprovisioned kiosk, a wrong and a
//! right PIN, every page and self-test, reprint, sync, the recent log lines, the settings (applied to the next
//! session), the restart's confirmation, leave; the one-time code and the idle timeout; the lock-out.
//! Every action is checked in the outbox as an audited event. One #[test]: one Slint event loop per process.

#[path = "support/mod.rs"]
mod support;

use std::time::Duration;

use sanban_hardware::printer::PaperLevel;
use sanban_kiosk::app::{KioskApp, Services, HOME};
use sanban_kiosk::config::Config;
use sanban_kiosk::headless::driver::visible_texts;
use sanban_kiosk::maintenance::credentials;
use sanban_kiosk::ui::{AppWindow, KioskAdapter, MaintenanceAdapter, Nav};
use slint::ComponentHandle;
use support::ui::play;

const SECRET_HEX: &str = "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a";

fn page(w: &AppWindow) -> String {
    w.global::<Nav>().get_page().to_string()
}

/// The maintenance events in the outbox, as (kind, payload).
fn maintenance_events(app: &KioskApp) -> Vec<(String, serde_json::Value)> {
    app.services
        .store()
        .pending_events(500)
        .unwrap()
        .into_iter()
        .filter(|e| e.kind.starts_with("maintenance."))
        .map(|e| (e.kind.clone(), e.payload.clone()))
        .collect()
}

fn actions(app: &KioskApp) -> Vec<String> {
    maintenance_events(app)
        .into_iter()
        .filter(|(k, _)| k == "maintenance.action")
        .map(|(_, p)| {
            format!(
                "{} {}",
                p["technician"].as_str().unwrap(),
                p["action"].as_str().unwrap()
            )
        })
        .collect()
}

async fn scenario(app: &KioskApp, secrets: &std::path::Path) -> anyhow::Result<()> {
    let w = &app.window;
    let sim = app
        .services
        .devices
        .printer_sim
        .clone()
        .expect("printer simulator");

    // No credentials: the pad says how to provision them, and nothing can be typed in.
    play(app, "hold 维护入口 3.5\nwait maintenance.pad 2\nsee sanban-kiosk maintenance set-pin\ntap 首页\nwait home.main 2\n").await?;

    credentials::set_pin(secrets, "T07", "482913")?;
    credentials::set_code_secret(secrets, SECRET_HEX)?;

    // A short tap on the kiosk's name does nothing.
    play(app, "tap 维护入口\nsleep 0.5\n").await?;
    assert_eq!(page(w), HOME);

    // A receipt that did not print (paper out), for the reprint below.
    sim.set_paper(PaperLevel::Out);
    play(
        app,
        "tap 取号\ntap 公安事务类\nsee 前面还有\nsleep 1\ntap 完成\ntap 跳过\nwait home.main 2\n",
    )
    .await?;
    sim.set_paper(PaperLevel::Ok);
    let before = sim.jobs().len();

    // A wrong PIN, then the right one.
    play(
        app,
        "hold 维护入口 3.5\nwait maintenance.pad 2\ntype 111111\ntap 确认\nsee 还可以再试 4 次\n",
    )
    .await?;
    play(
        app,
        "type 482913\ntap 确认\nwait maintenance.menu 10\nsee 维护人员：T07\n",
    )
    .await?;

    // Network and sync: no platform configured here.
    play(app, "tap 网络与同步\nwait maintenance.sync 2\nsee 待上传事件\nsee 未配置（单机运行\ntap 立即同步\nsee 未配置平台\ntap 返回\nwait maintenance.menu 2\n").await?;

    // Devices: the test page, a card read (masked), a door.
    play(app, "tap 设备检测\nwait maintenance.devices 2\nsee 凭条打印机\ntap 打印测试页\nsee 测试页: printed\nsee 打印纸\n").await?;
    let jobs = sim.wait_for_jobs(before + 1, Duration::from_secs(5));
    let (gb, _, _) = encoding_rs::GB18030.encode("打印测试页");
    assert!(
        jobs.last().unwrap().windows(gb.len()).any(|w| w == &gb[..]),
        "the CLI's test page"
    );
    play(app, "tap 读卡测试\nsee 读卡成功\n").await?;
    let card = sanban_kiosk::devices::sim_card(&app.services.config.devices.sim_card)
        .expect("the sample card");
    let rows: Vec<(String, String)> =
        slint::Model::iter(&w.global::<MaintenanceAdapter>().get_rows())
            .map(|r| (r.label.to_string(), r.value.to_string()))
            .collect();
    let id = rows
        .iter()
        .find(|(l, _)| l == "id number")
        .expect("every field of the card");
    assert!(id.1.contains("**********"), "{id:?}");
    assert!(rows.iter().any(|(l, v)| l == "valid to" && v == "长期"));
    assert!(
        !visible_texts(w)
            .join("\n")
            .contains(card.record.id_number()),
        "masked on screen"
    );
    play(
        app,
        "tap 下一个柜门\ntap 打开柜门\nsee 柜门 2: 已打开\ntap 返回\nwait maintenance.menu 2\n",
    )
    .await?;

    // The receipt that did not print, reprinted.
    play(app, "tap 未打印的凭条\nwait maintenance.jobs 2\nsee paper out\ntap 重印 1\nsee 重印 #1: printed\nsee 没有未打印的凭条\n").await?;
    assert!(app.services.store().failed_print_jobs(10)?.is_empty());

    play(
        app,
        "tap 返回\nwait maintenance.menu 2\ntap 存放待取文件\nwait pickup.staff 5\n\
         tap 返回\nwait maintenance.menu 5\n",
    )
    .await?;

    // Settings: within the bounds (the config's 15 s idle is below them: + gives 25), the default beside the value,
    // 恢复默认, a change of language undone, large type by default on.
    play(
        app,
        "tap 设置\nwait maintenance.settings 2\nsee 当前：15 秒　默认：15 秒\ntap 延长空闲时间\n\
         see 当前：25 秒　默认：15 秒\nsee 已保存\ntap 空闲时间恢复默认\nsee 当前：15 秒　默认：15 秒\n\
         tap 默认语言：English\nsee 当前：English　默认：中文\ntap 默认语言恢复默认\nsee 当前：中文　默认：中文\n\
         tap 默认大字：开\nsee 当前：开　默认：关\ntap 返回\nwait maintenance.menu 2\n",
    )
    .await?;
    assert_eq!(app.services.settings().idle_seconds, 15);
    assert!(app.services.settings().large_type);
    let stored = app.services.store().stored_settings()?;
    assert_eq!(
        stored
            .iter()
            .map(|s| (s.key.as_str(), s.value.as_str(), s.changed_by.as_str()))
            .collect::<Vec<_>>(),
        [("large_type", "true", "T07")],
        "only the change not undone is stored (and so survives a restart)"
    );

    // The recent log lines: newest first, by level, an ID or mobile number masked even if something logged one.
    tracing::error!("test fault while serving 13812345678");
    play(
        app,
        "tap 最近日志\nwait maintenance.log 2\nsee session settings changed by a technician\ntap 错误日志\n\
         see test fault while serving <phone masked>\n",
    )
    .await?;
    let shown: Vec<(String, String)> =
        slint::Model::iter(&w.global::<MaintenanceAdapter>().get_log_lines())
            .map(|l| (l.level.to_string(), l.text.to_string()))
            .collect();
    assert!(!shown.is_empty() && shown.iter().all(|(level, _)| level == "ERROR"));
    assert!(!visible_texts(w).join("\n").contains("13812345678"));
    play(
        app,
        "tap 全部日志\nsee session settings changed by a technician\n",
    )
    .await?;
    let all: Vec<String> = slint::Model::iter(&w.global::<MaintenanceAdapter>().get_log_lines())
        .map(|l| l.text.to_string())
        .collect();
    // The fault was logged after the settings were changed: it comes first.
    let fault = all.iter().position(|t| t.contains("test fault"));
    let change = all
        .iter()
        .position(|t| t.contains("session settings changed by a technician"));
    assert!(
        fault.is_some() && change.is_some() && fault < change,
        "newest first: {all:?}"
    );

    // Restart: a confirmation first; 取消 goes back without restarting.
    play(
        app,
        "tap 返回\nwait maintenance.menu 2\ntap 重启应用\nwait maintenance.restart 2\n\
         see 确定重启？正在进行的同步会在重启后继续\ntap 取消\nwait maintenance.menu 2\n\
         tap 退出维护\nwait home.main 2\n",
    )
    .await?;
    // The next session starts in large type.
    assert!(w.global::<KioskAdapter>().get_large_type());
    assert_eq!(w.global::<KioskAdapter>().get_language(), "zh");
    assert_eq!(
        actions(app),
        [
            "T07 sync_now",
            "T07 print_test_page",
            "T07 read_card",
            "T07 open_door",
            "T07 reprint",
            "T07 staff_deposit",
            "T07 change_setting",
            "T07 change_setting",
            "T07 change_setting",
            "T07 change_setting",
            "T07 change_setting",
            "T07 leave"
        ]
    );
    let changes: Vec<(String, String)> = maintenance_events(app)
        .into_iter()
        .filter(|(_, p)| p["action"] == "change_setting")
        .map(|(_, p)| {
            (
                p["target"].as_str().unwrap().to_string(),
                p["result"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        [
            ("idle_seconds".into(), "25".into()),
            ("idle_seconds".into(), "15 (default)".into()),
            ("default_language".into(), "en".into()),
            ("default_language".into(), "zh (default)".into()),
            ("large_type".into(), "true".into()),
        ]
    );
    let events = maintenance_events(app);
    let access: Vec<&str> = events
        .iter()
        .filter(|(k, _)| k == "maintenance.access")
        .map(|(_, p)| p["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(access, ["refused", "granted"]);
    let door = events
        .iter()
        .find(|(_, p)| p["action"] == "open_door")
        .unwrap();
    assert_eq!(door.1["target"], "2");
    assert_eq!(door.1["result"], "opened");
    let read = serde_json::to_string(&events).unwrap();
    assert!(
        !read.contains(card.record.id_number()),
        "no personal data in the audit"
    );

    // The platform's one-time code; maintenance times out like a citizen session.
    let now = app.services.clock.now().timestamp() as u64;
    let secret = hex::decode(SECRET_HEX)?;
    let code = sanban_wire::one_time_code(
        &secret,
        &app.services.config.kiosk.id,
        sanban_wire::code_window(now),
    );
    play(
        app,
        &format!("hold 维护入口 3.5\nwait maintenance.pad 2\ntap 使用一次性维护码\nsee 请输入一次性维护码\ntype {code}\ntap 确认\nwait maintenance.menu 10\nwait home.main 40\n"),
    )
    .await?;
    assert_eq!(actions(app).last().unwrap(), "one-time-code timed_out");

    // The same code again is refused (used once).
    play(app, &format!("hold 维护入口 3.5\nwait maintenance.pad 2\ntap 使用一次性维护码\ntype {code}\ntap 确认\nsee 还可以再试\n")).await?;

    // Wrong PINs until the pad locks.
    play(app, "tap 改用维护密码\n").await?;
    // The used code was the first wrong try; three more wrong PINs, and the fifth locks the pad.
    for left in [3, 2, 1] {
        play(
            app,
            &format!("type 999999\ntap 确认\nsee 还可以再试 {left} 次\n"),
        )
        .await?;
    }
    play(app, "type 999999\ntap 确认\nsee 已锁定\n").await?;
    let locked = maintenance_events(app);
    assert_eq!(locked.last().unwrap().1["outcome"], "locked_out");
    play(
        app,
        "tap 首页\nwait home.main 2\nhold 维护入口 3.5\nwait maintenance.pad 2\nsee 已锁定\n",
    )
    .await?;
    Ok(())
}

#[test]
fn maintenance_mode_through_the_ui() {
    let dir = tempfile::tempdir().unwrap();
    let secrets = dir.path().join("secrets/maintenance.toml");
    let mut config = Config::default();
    config.data.dir = dir.path().to_owned();
    config.maintenance.credentials = secrets.clone();
    config.devices.poll_ms = 200;
    config.session.idle_seconds = 15;
    config.session.countdown_seconds = 3;
    sanban_kiosk::headless::init_headless().unwrap();
    // The recent-lines ring at the binary's default level, as `main` installs it (no output here).
    {
        use tracing_subscriber::layer::SubscriberExt;
        use tracing_subscriber::util::SubscriberInitExt;
        tracing_subscriber::registry()
            .with(tracing_subscriber::EnvFilter::new("info"))
            .with(sanban_kiosk::logbook::layer())
            .try_init()
            .unwrap();
    }
    let app = KioskApp::new(Services::start(config, None).unwrap()).unwrap();
    support::ui::run_portrait(
        app,
        move |app| async move { scenario(&app, &secrets).await },
    );
}
