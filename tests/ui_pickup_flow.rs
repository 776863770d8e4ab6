//! 取件 through the real UI with the locker simulator on a pseudo-terminal, played as SCENARIOS.md scripts by the
//! script runner: a pickup code opens its door (proven by the door sensor), the pickup is committed with its event
//! and a printed proof, and the rating follows; the same code never opens the door twice; a jammed door keeps the
//! document for the staff with a printed note; the ID card finds the citizen's document; a door left open and a
//! door opened with no command behind it raise alerts; wrong codes are reported and lock the keypad.
//! One #[test]: the Slint event loop can be started once per process.

#[path = "support/mod.rs"]
mod support;

use std::time::Duration;

use sanban_hardware::idcard::SimCard;
use sanban_kiosk::app::{KioskApp, Services, HOME};
use sanban_kiosk::config::Config;
use sanban_kiosk::headless::driver::wait_until;
use sanban_kiosk::store::pickups::PickupState;
use sanban_kiosk::ui::{AppWindow, Nav, PickupAdapter, PickupDoorState};
use sanban_wire::{pickup_code_hash, Pickup};
use slint::ComponentHandle;
use support::ui::play;

fn page(w: &AppWindow) -> String {
    w.global::<Nav>().get_page().to_string()
}

/// A document waiting behind `door`, as the platform lists it: the code only as a hash with its own salt.
fn waiting(id: &str, door: u32, code: &str, document: &str, citizen_ref: Option<String>) -> Pickup {
    let salt = format!("{:032x}", door as u128 * 0x9e37_79b9_7f4a_7c15);
    Pickup {
        pickup_id: id.into(),
        code_hash: pickup_code_hash(&salt, code).unwrap(),
        code_salt: salt,
        locker_door: door,
        document: document.into(),
        document_en: String::new(),
        citizen_ref,
        holder: "王*".into(),
        postable: false,
        deposited_at: "2026-11-28T09:00:00+08:00".into(),
    }
}

/// The outbox events of `kind`, oldest first.
fn events(app: &KioskApp, kind: &str) -> anyhow::Result<Vec<serde_json::Value>> {
    Ok(app
        .services
        .store()
        .pending_events(200)?
        .into_iter()
        .filter(|e| e.kind == kind)
        .map(|e| e.payload)
        .collect())
}

fn state_of(app: &KioskApp, id: &str) -> anyhow::Result<PickupState> {
    Ok(app
        .services
        .store()
        .locker_document(id)?
        .expect("document known")
        .state)
}

fn contains(haystack: &[u8], text: &str) -> bool {
    let (gb, _, _) = encoding_rs::GB18030.encode(text);
    haystack.windows(gb.len()).any(|w| w == &gb[..])
}

async fn wait_for_event(app: &KioskApp, kind: &str, n: usize) -> anyhow::Result<()> {
    for _ in 0..100 {
        if events(app, kind)?.len() >= n {
            return Ok(());
        }
        slint_sleep(Duration::from_millis(100)).await;
    }
    anyhow::bail!("no {n} {kind} events: {:?}", events(app, kind)?)
}

/// Sleep without blocking the event loop.
async fn slint_sleep(d: Duration) {
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    slint::Timer::single_shot(d, move || {
        let _ = tx.send(());
    });
    let _ = rx.await;
}

async fn scenario(app: &KioskApp) -> anyhow::Result<()> {
    let w = &app.window;
    let locker = app
        .services
        .devices
        .locker_sim
        .clone()
        .expect("locker simulator");
    let printer = app
        .services
        .devices
        .printer_sim
        .clone()
        .expect("printer simulator");
    let number = SimCard::elderly().record.id_number().to_string();
    let me = app.services.citizen_key().citizen_ref(&number);
    app.services.store().apply_pickup_list(
        &[
            waiting("P-LICENCE", 3, "482913", "营业执照", None),
            waiting("P-JAMMED", 5, "111111", "结婚证", None),
            waiting("P-DEED", 7, "246802", "不动产权证书", Some(me)),
        ],
        locker.doors(),
    )?;
    assert_eq!(page(w), HOME);
    // The 取件 tile is offered once the locker answers.
    play(app, "see 取件柜 正常\n").await?;

    // 1. SCENARIOS.md's 取件 by code: the door opens (its sensor reads open), the pickup is committed.
    play(
        app,
        "tap 取件\ntap 输入取件码\ntype 482913\ntap 确定\nsee 号柜门已打开\nsee 营业执照\n",
    )
    .await?;
    assert_eq!(locker.opened_log(), vec![3], "door 3 fired once");
    assert_eq!(state_of(app, "P-LICENCE")?, PickupState::Collected);
    let collected = events(app, "pickup.collected")?;
    assert_eq!(collected.len(), 1);
    assert_eq!(collected[0]["pickup_id"], "P-LICENCE");
    assert_eq!(collected[0]["proof"], "sensor", "proven by the door sensor");
    // The citizen shuts the door: the proof is printed.
    locker.close_door(3);
    play(app, "see 取件完成\nsee 柜门已关好\n").await?;
    let jobs = printer.wait_for_jobs(1, Duration::from_secs(5));
    assert_eq!(jobs.len(), 1, "the pickup proof");
    assert!(contains(&jobs[0], "取件凭证") && contains(&jobs[0], "营业执照"));
    assert!(contains(&jobs[0], "王*"), "the holder, masked");
    // Then the rating (好差评) of the pickup.
    play(
        app,
        "tap 完成\nsee 非常满意\ntap 满意\nsee 感谢您的评价\ntap 完成\nwait home.main 2\n",
    )
    .await?;
    let rated = events(app, "rating.submitted")?;
    assert_eq!(rated.len(), 1);
    assert_eq!(rated[0]["errand"], "pickup");
    assert_eq!(rated[0]["errand_id"], "P-LICENCE");

    // 2. The same code again: told it was collected; the door is not fired a second time.
    play(
        app,
        "tap 取件\ntap 输入取件码\ntype 482913\ntap 确定\nsee 该文件已经取走了\n",
    )
    .await?;
    assert_eq!(locker.opened_log(), vec![3], "never opened twice");
    assert!(
        events(app, "pickup.code_rejected")?.is_empty(),
        "a right code for a collected document is not a guess"
    );
    play(app, "tap 首页\nwait home.main 2\n").await?;

    // 3. A jammed door: the lock fires, the sensor never reads open; the document stays for the staff, a note
    //    is printed and the citizen is told to call for help.
    locker.set_jammed(5, true);
    play(
        app,
        "tap 取件\ntap 输入取件码\ntype 111111\ntap 确定\nsee 号柜门未能打开\nsee 呼叫帮助\n",
    )
    .await?;
    assert_eq!(locker.opened_log(), vec![3, 5], "the lock was fired");
    assert_eq!(state_of(app, "P-JAMMED")?, PickupState::Held);
    let held = events(app, "pickup.held")?;
    assert_eq!(held.len(), 1);
    assert_eq!(held[0]["pickup_id"], "P-JAMMED");
    assert_eq!(held[0]["reason"], "jammed");
    let jobs = printer.wait_for_jobs(2, Duration::from_secs(5));
    assert!(contains(&jobs[1], "取件说明"), "a note for the staff");
    assert!(events(app, "pickup.collected")?.len() == 1);
    play(app, "tap 完成\ntap 跳过\nwait home.main 2\n").await?;
    locker.set_jammed(5, false);

    // 4. SCENARIOS.md's 取件 by ID card: the card finds the citizen's own document.
    play(
        app,
        "tap 取件\ntap 刷身份证取件\ncard 20\nsee 不动产权证书\ntap 开柜取件\nsee 号柜门已打开\n",
    )
    .await?;
    assert_eq!(locker.opened_log(), vec![3, 5, 7]);
    assert_eq!(state_of(app, "P-DEED")?, PickupState::Collected);
    let collected = events(app, "pickup.collected")?;
    assert_eq!(collected[1]["pickup_id"], "P-DEED");
    assert_eq!(collected[1]["method"], "idcard");

    // 5. The door is left open: after the configured time an alert goes out and the page asks to shut it.
    wait_for_event(app, "locker.alert", 1).await?;
    let alerts = events(app, "locker.alert")?;
    assert_eq!(alerts[0]["locker_door"], 7);
    assert_eq!(alerts[0]["alert"], "left_open");
    play(app, "see 请关好 7 号柜门\n").await?;
    locker.close_door(7);
    wait_until(w, "door 7 shut", Duration::from_secs(5), |w| {
        w.global::<PickupAdapter>().get_door_state() == PickupDoorState::Closed
    })
    .await?;
    play(app, "tap 完成\ntap 跳过\nwait home.main 2\n").await?;

    // 6. A door that opens with no command behind it is a security alert.
    locker.force_open(12);
    wait_for_event(app, "locker.alert", 2).await?;
    let alerts = events(app, "locker.alert")?;
    assert_eq!(alerts[1]["locker_door"], 12);
    assert_eq!(alerts[1]["alert"], "opened_unexpectedly");
    locker.close_door(12);

    // 7. Wrong codes: a clear message with the tries left, each reported (without the code); the fifth within
    //    ten minutes locks the keypad, and even a right code is not taken then.
    play(app, "tap 取件\ntap 输入取件码\n").await?;
    for left in (1..=4).rev() {
        play(
            app,
            &format!("type 000000\ntap 确定\nsee 还可以再试 {left} 次\n"),
        )
        .await?;
    }
    play(app, "type 000000\ntap 确定\nsee 输错次数过多\n").await?;
    let rejected = events(app, "pickup.code_rejected")?;
    assert_eq!(rejected.len(), 5, "the platform sees every attempt");
    assert!(
        !serde_json::to_string(&rejected)?.contains("000000"),
        "the code typed does not travel"
    );
    assert!(w.global::<PickupAdapter>().get_locked());
    assert!(
        !sanban_kiosk::headless::driver::exists(w, "2"),
        "no keypad while locked"
    );
    play(app, "tap 确定\nsee 输错次数过多\n").await?;
    assert_eq!(events(app, "pickup.code_rejected")?.len(), 5);
    // The locker's health tells the technician that a door needs attention.
    play(app, "see 取件柜 注意\n").await?;
    assert_eq!(locker.opened_log(), vec![3, 5, 7], "no door while locked");
    Ok(())
}

#[test]
fn pickup_through_the_ui_with_the_locker_simulator() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::default();
    config.data.dir = dir.path().to_owned();
    config.devices.locker = "sim".into();
    config.devices.poll_ms = 200;
    config.devices.locker_left_open_seconds = 2;
    config.session.idle_seconds = 600;
    sanban_kiosk::headless::init_headless().unwrap();
    let app = KioskApp::new(Services::start(config, None).unwrap()).unwrap();
    support::ui::run_portrait(app, move |app| async move { scenario(&app).await });
}
