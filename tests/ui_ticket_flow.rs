//! The ticket flow and the priority lane through the real UI (testing backend, software renderer), played as
//! SCENARIOS.md scripts by the script runner, down to the bytes the simulated printer received over its
//! pseudo-terminal; a printer out of paper; the idle countdown and session wipe; English.
//! One #[test]: the Slint event loop can be started once per process.

#[path = "support/mod.rs"]
mod support;

use std::time::Duration;

use sanban_hardware::printer::PaperLevel;
use sanban_kiosk::app::{KioskApp, Services, HOME};
use sanban_kiosk::config::Config;
use sanban_kiosk::headless::driver::{exists, tap, wait_until};
use sanban_kiosk::ui::{AppWindow, KioskAdapter, Nav, PrintAdapter, PrintState, TicketAdapter};
use slint::ComponentHandle;
use support::ui::play;

fn page(w: &AppWindow) -> String {
    w.global::<Nav>().get_page().to_string()
}

async fn scenario(app: &KioskApp) -> anyhow::Result<()> {
    let w = &app.window;
    let sim = app
        .services
        .devices
        .printer_sim
        .clone()
        .expect("printer simulator");
    assert_eq!(page(w), HOME);

    // 1. 取号, as SCENARIOS.md writes it (the rating comes with its own flow).
    play(app, "tap 取号\ntap 公安事务类\nsee 前面还有\nsee 已打印\n").await?;
    let ticket = w.global::<TicketAdapter>().get_ticket();
    assert_eq!(ticket.number.as_str(), "E001");
    assert_eq!(ticket.category.as_str(), "police");
    let jobs = sim.wait_for_jobs(1, Duration::from_secs(5));
    assert_eq!(jobs.len(), 1);
    let job = &jobs[0];
    let (gb, _, _) = encoding_rs::GB18030.encode("公安事务类");
    assert!(
        job.windows(gb.len()).any(|w| w == &gb[..]),
        "category printed in GB18030"
    );
    assert!(job.windows(4).any(|w| w == b"E001"), "number printed");
    assert!(
        job.windows(3).any(|w| w == [0x1D, 0x56, 66]),
        "partial cut GS V 66 n"
    );
    {
        let store = app.services.store();
        assert_eq!(store.pending_events(10)?.len(), 1, "one outbox event");
        assert!(
            store.failed_print_jobs(10)?.is_empty(),
            "the job is recorded as printed"
        );
    }
    assert!(
        !exists(w, "返回"),
        "the ticket page ends with 完成, not Back (which would take another ticket)"
    );
    // 完成 leads to the rating step (tests/ui_rating_flow.rs); skipped here.
    play(app, "tap 完成\ntap 跳过\nwait home.main 2\n").await?;
    assert_eq!(
        w.global::<TicketAdapter>().get_ticket().number.as_str(),
        "",
        "session wiped"
    );

    // 2. 绿色通道: the simulated reader holds a 60+ card; only masked data reaches the screen. Its tile is offered
    //    once the reader has answered (under load that can take a few seconds after start).
    wait_until(w, "the 绿色通道 tile", Duration::from_secs(10), |w| {
        use slint::Model;
        w.global::<sanban_kiosk::ui::HomeAdapter>()
            .get_tiles()
            .iter()
            .any(|t| t.code == "priority" && t.available)
    })
    .await?;
    play(
        app,
        "tap 绿色通道取号\ncard 20\nsee 可走绿色通道\nsee 请取回身份证\ntap 继续取号\ntap 社会事务类\nsee 绿色通道\nsee 已打印\n",
    )
    .await?;
    assert!(w.global::<TicketAdapter>().get_ticket().priority);
    let holder = w.global::<TicketAdapter>().get_priority_holder();
    assert!(holder.contains('*'), "masked on screen: {holder}");
    assert!(
        app.kiosk.session().identity.is_some(),
        "the identity lives in the session"
    );
    let jobs = sim.wait_for_jobs(2, Duration::from_secs(5));
    let (lane, _, _) = encoding_rs::GB18030.encode("绿色通道");
    assert!(
        jobs[1].windows(lane.len()).any(|x| x == &lane[..]),
        "priority printed on the slip"
    );
    tap(w, "首页").await?;
    assert!(
        !w.global::<TicketAdapter>().get_priority(),
        "priority wiped with the session"
    );
    assert!(
        app.kiosk.session().identity.is_none(),
        "the identity is dropped (zeroized) with the session"
    );

    // 3. Back walks back through the errand: categories → home.
    play(app, "tap 取号\ntap 返回\nwait home.main 2\n").await?;

    // 4. Out of paper: the ticket is still issued and shown; the job is kept as failed.
    sim.set_paper(PaperLevel::Out);
    play(app, "tap 取号\ntap 公安事务类\nsee 打印机缺纸\n").await?;
    assert_eq!(w.global::<PrintAdapter>().get_state(), PrintState::PaperOut);
    assert_eq!(
        w.global::<TicketAdapter>().get_ticket().number.as_str(),
        "E002"
    );
    assert_eq!(
        sim.jobs().len(),
        2,
        "nothing sent to a printer without paper"
    );
    {
        let store = app.services.store();
        let failed = store.failed_print_jobs(10)?;
        assert_eq!(failed.len(), 1);
        assert_eq!(failed[0].detail.as_deref(), Some("paper out"));
        assert_eq!(failed[0].subject, "ticket");
        assert_eq!(
            store.pending_events(10)?.len(),
            3,
            "the ticket reached the outbox anyway"
        );
    }
    sim.set_paper(PaperLevel::Ok);

    // 5. Idle: the countdown shows, "继续办理" keeps the session, then the timeout wipes it.
    wait_until(w, "countdown", Duration::from_secs(5), |w| {
        w.global::<KioskAdapter>().get_countdown() > 0
    })
    .await?;
    tap(w, "继续办理").await?;
    assert_eq!(w.global::<KioskAdapter>().get_countdown(), -1);
    assert_eq!(
        page(w),
        "ticket.ticket",
        "continue keeps the citizen where they were"
    );
    wait_until(w, "session wipe", Duration::from_secs(10), |w| {
        w.global::<Nav>().get_page() == HOME
    })
    .await?;
    assert_eq!(w.global::<TicketAdapter>().get_ticket().number.as_str(), "");
    assert_eq!(w.global::<KioskAdapter>().get_countdown(), -1);

    // 6. Help on every page: the call is recorded for the hall's staff.
    play(app, "tap 取号\ntap 呼叫帮助\nsee 需要帮助\ntap 关闭\n").await?;
    {
        let events = app.services.store().pending_events(10)?;
        assert_eq!(events.last().unwrap().kind, "help.requested");
    }
    tap(w, "首页").await?;

    // 7. English: every label switches, and the flow works by the English labels.
    tap(w, "English").await?;
    assert!(exists(w, "Take a ticket") && !exists(w, "取号"));
    play(
        app,
        "tap Take a ticket\ntap Enterprise tax\nsee ahead of you\n",
    )
    .await?;
    assert_eq!(
        w.global::<TicketAdapter>().get_ticket().number.as_str(),
        "G001"
    );
    Ok(())
}

#[test]
fn ticket_flow_through_the_ui() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::default();
    config.data.dir = dir.path().to_owned();
    config.devices.locker = "none".into();
    config.devices.poll_ms = 200;
    config.session.idle_seconds = 3;
    config.session.countdown_seconds = 3;
    sanban_kiosk::headless::init_headless().unwrap();
    let app = KioskApp::new(Services::start(config, None).unwrap()).unwrap();
    support::ui::run_portrait(app, move |app| async move { scenario(&app).await });
}
