//! The locker's RS-485 line through the kiosk: two lock boards on one bus behind a half-duplex adapter that echoes
//! every byte the host sends (the simulator on a pseudo-terminal, configured as a device path as a real adapter
//! would be). Played through the real UI by the script runner:
//! - the kiosk learns that the adapter echoes and drops the echo; the locker is healthy;
//! - a pickup from a door on the second board and one on the first: each lock fired exactly once (its echo was not
//!   taken for a second command or lost the board's answer), each opening proven by the door sensor, the page
//!   telling the right cabinet, row and column;
//! - a jammed door on the second board, whose answer is byte-for-byte the fire command: reported as jammed (the
//!   document held for the staff), not as a board that does not answer;
//! - a door forced open on the second board is an alert for the right door number;
//! - the host keeps its quiet gap between frames on the shared line.
//!
//! One #[test]: the Slint event loop can be started once per process.

#[path = "support/mod.rs"]
mod support;

use std::time::Duration;

use sanban_hardware::locker::{BusOptions, Frame8A, LockerSim, WireDir};
use sanban_kiosk::app::{KioskApp, Services, HOME};
use sanban_kiosk::config::{Config, LockerBoardConfig};
use sanban_kiosk::devices::DeviceKind;
use sanban_kiosk::store::pickups::PickupState;
use sanban_kiosk::ui::{AppWindow, Nav};
use sanban_wire::{pickup_code_hash, Pickup};
use slint::ComponentHandle;
use support::ui::play;

/// Board 1 has doors 1–16, board 2 doors 17–24.
const BOARDS: [(u8, u16); 2] = [(1, 16), (2, 8)];

fn page(w: &AppWindow) -> String {
    w.global::<Nav>().get_page().to_string()
}

fn waiting(id: &str, door: u32, code: &str, document: &str) -> Pickup {
    let salt = format!("{:032x}", door as u128 * 0x2545_f491_4f6c_dd1d);
    Pickup {
        pickup_id: id.into(),
        code_hash: pickup_code_hash(&salt, code).unwrap(),
        code_salt: salt,
        locker_door: door,
        document: document.into(),
        document_en: String::new(),
        citizen_ref: None,
        holder: "李*".into(),
        postable: false,
        deposited_at: "2026-11-28T09:00:00+08:00".into(),
    }
}

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

/// How many times the host sent `frame`, and how many times the adapter echoed it.
fn sent_and_echoed(sim: &LockerSim, frame: &[u8]) -> (usize, usize) {
    let log = sim.wire_log();
    let count = |dir: WireDir| {
        log.iter()
            .filter(|r| r.dir == dir && r.bytes == frame)
            .count()
    };
    (count(WireDir::FromHost), count(WireDir::Echo))
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

async fn slint_sleep(d: Duration) {
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    slint::Timer::single_shot(d, move || {
        let _ = tx.send(());
    });
    let _ = rx.await;
}

async fn scenario(app: &KioskApp, sim: &LockerSim) -> anyhow::Result<()> {
    let w = &app.window;
    app.services.store().apply_pickup_list(
        &[
            waiting("P-RIGHT", 20, "482913", "营业执照"),
            waiting("P-LEFT", 3, "246802", "结婚证"),
            waiting("P-JAM", 23, "135791", "不动产权证书"),
        ],
        app.services.devices.locker.doors(),
    )?;
    assert_eq!(app.services.devices.locker.doors(), 24);
    assert_eq!(page(w), HOME);

    // The line works through the echo: the locker is healthy and knows its adapter echoes.
    play(app, "see 取件柜 正常\n").await?;
    let mut health = app.services.devices.health.get(DeviceKind::Locker);
    for _ in 0..50 {
        if health.detail.contains("echo Echoing") {
            break;
        }
        slint_sleep(Duration::from_millis(100)).await;
        health = app.services.devices.health.get(DeviceKind::Locker);
    }
    assert!(
        health.detail.contains("24 doors") && health.detail.contains("echo Echoing"),
        "{health:?}"
    );

    // Door 20 is board 2's lock 4, in the second cabinet's first row, fourth column.
    play(
        app,
        "tap 取件\ntap 输入取件码\ntype 482913\ntap 确定\nsee 号柜门已打开\nsee 左侧柜 · 第 1 排第 4 列\n",
    )
    .await?;
    assert_eq!(sim.opened_log(), vec![20], "fired once");
    let fire = Frame8A::Open { board: 2, lock: 4 }.encode();
    assert_eq!(
        sent_and_echoed(sim, &fire),
        (1, 1),
        "one command, its echo dropped"
    );
    assert_eq!(state_of(app, "P-RIGHT")?, PickupState::Collected);
    let collected = events(app, "pickup.collected")?;
    assert_eq!(collected[0]["locker_door"], 20);
    assert_eq!(collected[0]["proof"], "sensor", "proven by the door sensor");
    sim.close_door(20);
    play(app, "see 取件完成\ntap 完成\ntap 跳过\nwait home.main 5\n").await?;

    // Door 3 on the first board, on the same line.
    play(
        app,
        "tap 取件\ntap 输入取件码\ntype 246802\ntap 确定\nsee 号柜门已打开\nsee 右侧柜 · 第 1 排第 3 列\n",
    )
    .await?;
    assert_eq!(sim.opened_log(), vec![20, 3]);
    let fire = Frame8A::Open { board: 1, lock: 3 }.encode();
    assert_eq!(sent_and_echoed(sim, &fire), (1, 1));
    assert_eq!(state_of(app, "P-LEFT")?, PickupState::Collected);
    sim.close_door(3);
    play(app, "see 取件完成\ntap 完成\ntap 跳过\nwait home.main 5\n").await?;

    // A jammed lock on the second board answers with the very bytes of the command: behind the echo, that answer
    // is kept, and the door is reported jammed — not a silent board.
    sim.set_jammed(23, true);
    play(
        app,
        "tap 取件\ntap 输入取件码\ntype 135791\ntap 确定\nsee 号柜门未能打开\nsee 呼叫帮助\n",
    )
    .await?;
    assert_eq!(sim.opened_log(), vec![20, 3, 23], "fired once, not retried");
    let fire = Frame8A::Open { board: 2, lock: 7 }.encode();
    let log = sim.wire_log();
    let at = log
        .iter()
        .position(|r| r.dir == WireDir::FromHost && r.bytes == fire)
        .expect("the fire command reached the line");
    let after: Vec<(WireDir, Vec<u8>)> = log[at + 1..]
        .iter()
        .take_while(|r| r.dir != WireDir::FromHost)
        .map(|r| (r.dir, r.bytes.clone()))
        .collect();
    assert_eq!(
        after,
        [
            (WireDir::Echo, fire.clone()),
            (WireDir::ToHost, fire.clone())
        ],
        "the echo, then the board's identical answer"
    );
    assert_eq!(state_of(app, "P-JAM")?, PickupState::Held);
    let held = events(app, "pickup.held")?;
    assert_eq!(held.len(), 1);
    assert_eq!(held[0]["reason"], "jammed");
    play(app, "tap 完成\ntap 跳过\nwait home.main 5\n").await?;
    sim.set_jammed(23, false);

    // A door forced open on the second board: the alert names door 22.
    sim.force_open(22);
    wait_for_event(app, "locker.alert", 1).await?;
    let alerts = events(app, "locker.alert")?;
    assert!(
        alerts
            .iter()
            .any(|a| a["locker_door"] == 22 && a["alert"] == "opened_unexpectedly"),
        "{alerts:?}"
    );
    sim.close_door(22);

    // Every host frame waited the bus's quiet gap after the last thing on the line (an answer or the echo).
    let gap = BusOptions::default().frame_gap;
    let log = sim.wire_log();
    let mut checked = 0;
    for pair in log.windows(2) {
        let (before, host) = (&pair[0], &pair[1]);
        if host.dir != WireDir::FromHost {
            continue;
        }
        let quiet = host.at.saturating_duration_since(before.at);
        assert!(
            quiet >= gap,
            "only {quiet:?} of quiet before {:02X?}",
            host.bytes
        );
        checked += 1;
    }
    assert!(
        checked > 10,
        "the kiosk talked to the boards: {checked} frames"
    );
    Ok(())
}

#[test]
fn two_boards_behind_an_echoing_adapter_through_the_ui() {
    let sim = LockerSim::spawn_bus(&BOARDS).unwrap();
    sim.set_echo(true);
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::default();
    config.data.dir = dir.path().to_owned();
    config.devices.locker = sim.path().display().to_string();
    // `[devices] locker_echo` stays "auto": the kiosk finds out by itself.
    assert_eq!(config.devices.locker_echo, "auto");
    config.devices.locker_boards = vec![
        LockerBoardConfig {
            address: 1,
            doors: 16,
            place: "右侧柜".into(),
            place_en: "right cabinet".into(),
            columns: 4,
        },
        LockerBoardConfig {
            address: 2,
            doors: 8,
            place: "左侧柜".into(),
            place_en: "left cabinet".into(),
            columns: 4,
        },
    ];
    config.devices.poll_ms = 200;
    config.session.idle_seconds = 600;
    sanban_kiosk::headless::init_headless().unwrap();
    let app = KioskApp::new(Services::start(config, None).unwrap()).unwrap();
    support::ui::run_portrait(app, move |app| async move { scenario(&app, &sim).await });
}
