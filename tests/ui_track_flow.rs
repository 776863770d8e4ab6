//! 办件查询 through the real UI, as SCENARIOS.md plays it. An application is submitted with the platform down (a
//! 容缺 material owed); then, still offline, looked up by ID card and by the digits of its number: the kiosk shows
//! its own row, saying the status is the one at submission; a number from another kiosk gets a plain message.
//! Then the platform comes up, the outbox drains, the back office sets a status, and the same look-ups show the
//! platform's status, its history and the material owed with its due date; an unknown number is said to be
//! unknown; and offline again, the status last heard is what the kiosk shows. One #[test]: the Slint event loop can
//! be started once per process.

#[path = "support/mod.rs"]
mod support;

use std::time::Duration;

use sanban_kiosk::app::{KioskApp, Services};
use sanban_kiosk::config::Config;
use sanban_kiosk::headless::driver::{sleep, wait_until};
use sanban_kiosk::ui::{Nav, TrackAdapter};
use sanban_wire::ApplicationStatus;
use slint::{ComponentHandle, Model};
use support::platform::Platform;
use support::ui::play;

const OWED: &str = "住所使用相关文件(房屋租赁合同或产权证明)";

/// "首页" and wait for it.
async fn home(app: &KioskApp) -> anyhow::Result<()> {
    play(app, "tap 首页\nwait home.main\n").await
}

/// 申办 of 企业设立登记 with the card on the reader, every core material in hand and the lease owed (容缺).
async fn submit_application(app: &KioskApp) -> anyhow::Result<String> {
    let service = app
        .services
        .store()
        .catalog_service("ECO-01")?
        .expect("ECO-01");
    let mut script = String::from(
        "tap 申办\ntype qysl\ntap 企业设立登记\ntap 我已阅读\ncard 20\nwait apply.applicant\n\
         tap 信息无误\nwait apply.form\n\
         tap 拟设立企业名称\nwait apply.field\ntype hannan\ntap 汉南\ntype gongsi\ntap 空格\ntap 确定\nwait apply.form\n\
         tap 企业类型\ntap 有限责任公司(自然人独资)\nwait apply.form\n\
         tap 注册资本(万元)\ntype 50\ntap 确定\nwait apply.form\n\
         tap 经营范围\ntype canyin\ntap 空格\ntap 确定\nwait apply.form\n\
         tap 联系人手机号码\ntype 13912345678\ntap 确定\nwait apply.form\n\
         tap 是否申请免费刻制印章\ntap 是\nwait apply.form\ntap 下一步\nwait apply.materials\n",
    );
    for m in service.materials.iter().filter(|m| !m.deferrable) {
        script.push_str(&format!("tap 在手:{}\n", m.name));
    }
    script.push_str(&format!(
        "tap 容缺:{OWED}\ntap 下一步\nwait apply.review\ntap 提交申请\nwait apply.receipt\nsee 申办编号\n"
    ));
    play(app, &script).await?;
    Ok(app
        .window
        .global::<sanban_kiosk::ui::ApplyAdapter>()
        .get_number()
        .to_string())
}

fn digits(number: &str) -> String {
    number.chars().filter(char::is_ascii_digit).collect()
}

fn current(app: &KioskApp) -> (String, String) {
    let c = app.window.global::<TrackAdapter>().get_current();
    (c.number.to_string(), c.status.to_string())
}

fn owed(app: &KioskApp) -> Vec<(String, String)> {
    app.window
        .global::<TrackAdapter>()
        .get_owed()
        .iter()
        .map(|o| (o.name.to_string(), o.due.to_string()))
        .collect()
}

async fn offline_lookups(app: &KioskApp, number: &str) -> anyhow::Result<()> {
    let a = app.window.global::<TrackAdapter>();
    // By card: the one application this kiosk took, from its own row, said to be the status at submission.
    play(
        app,
        "tap 办件查询\ncard 20\nwait track.detail\n\
         see 状态为本机提交时的状态\nsee 已在本机提交\nsee 还需补交的材料\nsee 终端联网后会送交审批部门\n",
    )
    .await?;
    assert_eq!(current(app), (number.to_string(), "submitted".to_string()));
    assert!(a.get_offline());
    assert_eq!(a.get_holder().as_str(), "张*", "the holder masked");
    let owed_now = owed(app);
    assert_eq!(owed_now.len(), 1, "{owed_now:?}");
    assert_eq!(owed_now[0].0, OWED);
    assert_eq!(owed_now[0].1.len(), 10, "a due date: {owed_now:?}");
    home(app).await?;

    // By number: only the digits are typed; the screen lays them out as the receipt prints them.
    let typed = digits(number);
    play(
        app,
        &format!(
            "tap 按编号查询办件\nwait track.number\ntype {}\n",
            &typed[..5]
        ),
    )
    .await?;
    assert_eq!(a.get_shown_number().as_str(), &number[..7], "K01-202…");
    play(app, "tap 查询\nsee 还没有输完\n").await?;
    assert_eq!(a.get_error().as_str(), "short");
    play(
        app,
        &format!(
            "type {}\ntap 查询\nwait track.detail\nsee 状态为本机提交时的状态\n",
            &typed[5..]
        ),
    )
    .await?;
    assert_eq!(current(app).0, number);
    assert_eq!(a.get_holder().as_str(), "", "no name by number");
    home(app).await?;

    // Another kiosk's number cannot be looked up offline: a plain message, not an empty page.
    play(
        app,
        "tap 按编号查询办件\ntype 07202611290003\ntap 查询\nsee 暂时无法联网\n",
    )
    .await?;
    assert_eq!(a.get_error().as_str(), "offline");
    assert_eq!(
        app.window.global::<Nav>().get_page().as_str(),
        "track.number"
    );
    home(app).await
}

/// The back office's stand-in: a status set on the platform's store (as `sanban-platform applications set-status`).
fn set_status(db: &std::path::Path, number: &str, status: ApplicationStatus, note: Option<&str>) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = sanban_platform::Store::open(&sanban_platform::DbUrl::Sqlite(db.to_path_buf()))
            .await
            .expect("the platform's store");
        sanban_platform::applications::report::set_status(
            &store,
            number,
            status,
            note.map(str::to_string),
            "test",
        )
        .await
        .expect("status set");
    });
}

async fn online_lookups(
    app: &KioskApp,
    platform: &mut Platform,
    number: &str,
) -> anyhow::Result<()> {
    let a = app.window.global::<TrackAdapter>();
    // The platform comes up and the outbox drains.
    platform.start_in_process();
    let t = std::time::Instant::now();
    while app
        .services
        .store()
        .pending_events(10)?
        .iter()
        .any(|e| e.kind == "application.submitted")
    {
        anyhow::ensure!(
            t.elapsed() < Duration::from_secs(60),
            "the application was not sent"
        );
        app.services.poke_sync();
        sleep(Duration::from_millis(250)).await;
    }
    set_status(&platform.db, number, ApplicationStatus::InReview, None);
    set_status(
        &platform.db,
        number,
        ApplicationStatus::MaterialsRequested,
        Some("住所使用证明须提交原件"),
    );

    // By card: the platform's status, its history with the department's note, the material owed.
    play(
        app,
        "tap 办件查询\ncard 20\nwait track.detail\nsee 需补正材料\nsee 请按下面的说明补正材料\n\
         see 部门说明：住所使用证明须提交原件\nsee 还需补交的材料\nsee 请带到\n",
    )
    .await?;
    assert!(!a.get_offline());
    assert_eq!(
        current(app),
        (number.to_string(), "materials_requested".to_string())
    );
    let history: Vec<String> = a
        .get_history()
        .iter()
        .map(|h| h.status.to_string())
        .collect();
    assert_eq!(history, ["received", "in_review", "materials_requested"]);
    let owed_now = owed(app);
    assert!(
        owed_now
            .iter()
            .any(|(name, due)| name == OWED && due.len() == 10),
        "{owed_now:?}"
    );
    assert!(
        !a.get_current().bring_to.is_empty(),
        "where to bring it is said"
    );
    home(app).await?;

    // By number, online.
    play(
        app,
        &format!(
            "tap 按编号查询办件\ntype {}\ntap 查询\nwait track.detail\nsee 需补正材料\n",
            digits(number)
        ),
    )
    .await?;
    home(app).await?;
    // A number nobody issued: said to be unknown.
    play(
        app,
        "tap 按编号查询办件\ntype 07202611290003\ntap 查询\nsee 没有找到这个申办编号\n",
    )
    .await?;
    assert_eq!(a.get_error().as_str(), "unknown");
    home(app).await?;

    // Ready: what to do next is said.
    set_status(
        &platform.db,
        number,
        ApplicationStatus::ReadyForPickup,
        None,
    );
    play(
        app,
        &format!(
            "tap 按编号查询办件\ntype {}\ntap 查询\nwait track.detail\nsee 待领取\nsee 请到取件柜或窗口领取\n",
            digits(number)
        ),
    )
    .await?;
    home(app).await?;
    assert_eq!(
        app.services
            .store()
            .application_by_number(number)?
            .and_then(|a| a.status),
        Some(ApplicationStatus::ReadyForPickup),
        "the kiosk keeps the status it heard"
    );

    // Offline again: the status last heard, said to be this kiosk's knowledge.
    platform.stop();
    play(
        app,
        "tap 办件查询\ncard 20\nwait track.detail\nsee 状态为本机提交时的状态\nsee 待领取\n",
    )
    .await?;
    assert!(a.get_offline());
    home(app).await
}

async fn scenario(app: &KioskApp, platform: &mut Platform) -> anyhow::Result<()> {
    wait_until(
        &app.window,
        "the 申办 tile",
        Duration::from_secs(10),
        |w| {
            w.global::<sanban_kiosk::ui::HomeAdapter>()
                .get_tiles()
                .iter()
                .any(|t| t.code == "apply" && t.available)
        },
    )
    .await?;
    // An installed kiosk has met its platform once: it holds the hall's citizen_ref key, so the same card gives
    // the same reference offline and online.
    platform.start_in_process();
    app.services.poke_sync();
    let config = app.services.config.clone();
    wait_until(
        &app.window,
        "the hall's citizen key",
        Duration::from_secs(30),
        |_| {
            sanban_kiosk::keys::citizen_key_source(&config)
                == Some(sanban_kiosk::keys::KeySource::Platform)
        },
    )
    .await?;
    platform.stop();
    let number = submit_application(app).await?;
    assert!(number.starts_with("K01-"), "{number}");
    home(app).await?;
    sleep(Duration::from_millis(50)).await;
    offline_lookups(app, &number).await?;
    online_lookups(app, platform, &number).await
}

#[test]
fn track_flow_through_the_ui() {
    let _serial = support::serial();
    let dir = tempfile::tempdir().unwrap();
    let port = support::free_port();
    let mut platform = Platform::new(dir.path(), port);
    let token = platform.add_kiosk("K01");
    let mut config = Config::default();
    config.kiosk.id = "K01".into();
    config.platform.url = Some(platform.url());
    config.platform.token = Some(token);
    config.data.dir = dir.path().join("kiosk");
    config.devices.locker = "none".into();
    config.devices.sim_card = "resident".into();
    config.session.idle_seconds = 600;
    config.appointments.online_timeout_ms = 1500;
    sanban_kiosk::headless::init_headless().unwrap();
    let app = KioskApp::new(Services::start(config, None).unwrap()).unwrap();
    support::ui::run_portrait(app, move |app| async move {
        scenario(&app, &mut platform).await
    });
}
