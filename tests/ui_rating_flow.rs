//! 好差评 through the real UI, played as SCENARIOS.md scripts by the script runner: "完成" after a ticket leads to
//! the rating step on its own; a good rating, a bad one with reasons, a text and a call-back number, a second rating
//! of the same errand refused politely, and "跳过" — each checked down to the outbox event the platform receives.
//! One #[test]: the Slint event loop can be started once per process.

#[path = "support/mod.rs"]
mod support;

use sanban_kiosk::app::flows::rating;
use sanban_kiosk::app::{CompletedErrand, KioskApp, Services, HOME};
use sanban_kiosk::config::Config;
use sanban_kiosk::ui::{AppWindow, Nav};
use slint::ComponentHandle;
use support::ui::play;

fn page(w: &AppWindow) -> String {
    w.global::<Nav>().get_page().to_string()
}

/// The rating events in the outbox, oldest first.
fn ratings(app: &KioskApp) -> anyhow::Result<Vec<serde_json::Value>> {
    Ok(app
        .services
        .store()
        .pending_events(100)?
        .into_iter()
        .filter(|e| e.kind == "rating.submitted")
        .map(|e| e.payload)
        .collect())
}

async fn scenario(app: &KioskApp) -> anyhow::Result<()> {
    let w = &app.window;
    assert_eq!(page(w), HOME);

    // 1. SCENARIOS.md's 取号: 完成 leads to the rating by itself; 满意 is recorded with its explicit code.
    play(
        app,
        "tap 取号\ntap 公安事务类\nsee 前面还有\ntap 完成\nsee 请您对本次服务作出评价\nsee 非常满意\ntap 满意\nsee 感谢您的评价\n",
    )
    .await?;
    let r = ratings(app)?;
    assert_eq!(r.len(), 1, "one rating event");
    assert_eq!(r[0]["errand"], "ticket");
    assert_eq!(r[0]["errand_id"], "E001");
    assert_eq!(r[0]["level"], "satisfied");
    assert_eq!(r[0]["level_code"], 4, "5 = 非常满意 … 1 = 非常不满意");
    assert_eq!(r[0]["channel"], "self_service_terminal");
    assert_eq!(r[0]["times_rated"], 1);
    assert!(r[0]["reasons"].as_array().unwrap().is_empty());
    play(app, "tap 完成\nwait home.main 2\n").await?;
    assert!(
        app.kiosk.session().completed.is_none(),
        "the session is wiped"
    );

    // 2. The same errand again: refused politely, nothing recorded, 完成 goes home.
    rating::start(
        &app.kiosk,
        CompletedErrand {
            errand: "ticket",
            id: "E001".into(),
            service: None,
        },
    );
    play(
        app,
        "see 本次服务已评价\nsee 您已评价过\ntap 完成\nwait home.main 2\n",
    )
    .await?;
    assert_eq!(ratings(app)?.len(), 1, "a second rating is not recorded");

    // 3. SCENARIOS.md's 好差评 with a bad rating: reasons, a text on the keyboard, a call-back number.
    play(
        app,
        "tap 取号\ntap 公安事务类\nsee 前面还有\ntap 完成\nsee 非常满意\ntap 不满意\nsee 请告诉我们哪里让您不满意\n\
         see 请至少选择一项原因\ntap 等候时间长\ntap 设备故障\ntap 填写意见\ntype tai\ntap 太\ntype man\ntap 慢\ntap 确定\n\
         tap 留下电话\ntype 1381234\ntap 确定\nsee 号码不完整\ntype 5678\ntap 确定\n\
         tap 提交评价\nsee 感谢您的评价\nsee 工作人员会在 3 个工作日内给您回电\n",
    )
    .await?;
    let r = ratings(app)?;
    assert_eq!(r.len(), 2);
    let bad = &r[1];
    assert_eq!(bad["errand_id"], "E002");
    assert_eq!(bad["level"], "dissatisfied");
    assert_eq!(bad["level_code"], 2);
    assert_eq!(
        bad["reasons"],
        serde_json::json!(["long_wait", "device_fault"])
    );
    assert_eq!(bad["text"], "太慢", "Chinese, typed by pinyin");
    assert_eq!(bad["callback_phone"], "13812345678");
    play(app, "tap 完成\nwait home.main 2\n").await?;

    // 4. Unticking the only reason disables 提交评价 again; 跳过 leaves without a rating.
    play(
        app,
        "tap 取号\ntap 公安事务类\nsee 前面还有\ntap 完成\ntap 非常不满意\ntap 服务态度\ntap 服务态度\n\
         see 请至少选择一项原因\ntap 跳过\nwait home.main 2\n",
    )
    .await?;
    assert_eq!(ratings(app)?.len(), 2, "跳过 records nothing");

    // 5. 跳过 on the levels page too; then the errand can no longer be rated from the kiosk's session.
    play(
        app,
        "tap 取号\ntap 公安事务类\nsee 前面还有\ntap 完成\nsee 非常满意\ntap 跳过\nwait home.main 2\n",
    )
    .await?;
    assert_eq!(ratings(app)?.len(), 2);
    assert!(app.kiosk.session().completed.is_none());

    // 6. English: the levels speak English, the codes stay the same.
    play(
        app,
        "tap English\ntap Take a ticket\ntap Public security\nsee ahead of you\ntap Done\nsee Very satisfied\n\
         tap Very satisfied\nsee Thank you for your rating\n",
    )
    .await?;
    let r = ratings(app)?;
    assert_eq!(r.len(), 3);
    assert_eq!(r[2]["level"], "very_satisfied");
    assert_eq!(r[2]["level_code"], 5);
    Ok(())
}

#[test]
fn a_rating_follows_every_completed_errand_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::default();
    config.data.dir = dir.path().to_owned();
    config.devices.locker = "none".into();
    config.devices.poll_ms = 200;
    sanban_kiosk::headless::init_headless().unwrap();
    let app = KioskApp::new(Services::start(config, None).unwrap()).unwrap();
    support::ui::run_portrait(app, move |app| async move { scenario(&app).await });
}
