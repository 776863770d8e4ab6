//! The ticket flow through the real UI (testing backend, software renderer), down to the bytes the simulated
//! printer received over its pseudo-terminal; a printer out of paper; the idle countdown and session wipe.
//! One #[test]: the Slint event loop can be started once per process.

use std::time::Duration;

use sanban_hardware::printer::PaperLevel;
use sanban_kiosk::app::{KioskApp, Services};
use sanban_kiosk::config::Config;
use sanban_kiosk::headless::driver::{exists, sleep, tap, wait_until};
use sanban_kiosk::ui::{AppWindow, CardState, KioskAdapter, Nav, Page, PrintState, TicketAdapter};
use slint::ComponentHandle;

fn page(w: &AppWindow) -> Page {
    w.global::<Nav>().get_page()
}

async fn take_ticket(w: &AppWindow, category: &str) -> anyhow::Result<PrintState> {
    tap(w, "取号").await?;
    wait_until(w, "categories", Duration::from_secs(2), |w| {
        page(w) == Page::Categories
    })
    .await?;
    tap(w, category).await?;
    wait_until(w, "ticket page", Duration::from_secs(5), |w| {
        page(w) == Page::Ticket
    })
    .await?;
    wait_until(w, "print outcome", Duration::from_secs(10), |w| {
        w.global::<TicketAdapter>().get_print_state() != PrintState::Printing
    })
    .await?;
    Ok(w.global::<TicketAdapter>().get_print_state())
}

async fn scenario(app: &KioskApp) -> anyhow::Result<()> {
    let w = &app.window;
    let sim = app
        .services
        .devices
        .printer_sim
        .clone()
        .expect("printer simulator");
    assert_eq!(page(w), Page::Home);
    assert!(exists(w, "取号"), "home offers the ticket service");

    // 1. A ticket from tap to paper.
    let state = take_ticket(w, "公安事务类").await?;
    assert_eq!(state, PrintState::Printed);
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
        let events = store.pending_events(10)?;
        assert_eq!(events.len(), 1, "one outbox event");
        assert!(
            store.failed_print_jobs(10)?.is_empty(),
            "the job is recorded as printed"
        );
    }
    tap(w, "首页").await?;
    assert_eq!(page(w), Page::Home);
    assert_eq!(
        w.global::<TicketAdapter>().get_ticket().number.as_str(),
        "",
        "session wiped"
    );

    // 1b. Priority lane: the simulated reader holds a 60+ card; only masked data reaches the screen.
    wait_until(w, "the reader", Duration::from_secs(5), |w| {
        w.global::<TicketAdapter>().get_priority_available()
    })
    .await?;
    tap(w, "绿色通道取号").await?;
    assert_eq!(page(w), Page::Idcard);
    wait_until(w, "the card read", Duration::from_secs(5), |w| {
        w.global::<TicketAdapter>().get_card_state() == CardState::Eligible
    })
    .await?;
    let holder = w.global::<TicketAdapter>().get_card_holder();
    assert!(holder.contains('*'), "masked on screen: {holder}");
    assert!(w.global::<TicketAdapter>().get_card_age() >= 60);
    tap(w, "继续取号").await?;
    assert_eq!(page(w), Page::Categories);
    tap(w, "经济发展类").await?;
    wait_until(w, "priority ticket printed", Duration::from_secs(10), |w| {
        page(w) == Page::Ticket
            && w.global::<TicketAdapter>().get_print_state() == PrintState::Printed
    })
    .await?;
    assert!(w.global::<TicketAdapter>().get_ticket().priority);
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
    assert_eq!(w.global::<TicketAdapter>().get_card_holder().as_str(), "");

    // 2. Out of paper: the ticket is still issued and shown; the job is kept as failed.
    sim.set_paper(PaperLevel::Out);
    let state = take_ticket(w, "公安事务类").await?;
    assert_eq!(state, PrintState::PaperOut);
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
        assert_eq!(
            store.pending_events(10)?.len(),
            3,
            "the ticket reached the outbox anyway"
        );
    }
    sim.set_paper(PaperLevel::Ok);

    // 3. Idle: the countdown shows, "继续办理" keeps the session, then the timeout wipes it.
    wait_until(w, "countdown", Duration::from_secs(5), |w| {
        w.global::<KioskAdapter>().get_countdown() > 0
    })
    .await?;
    tap(w, "继续办理").await?;
    assert_eq!(w.global::<KioskAdapter>().get_countdown(), -1);
    assert_eq!(
        page(w),
        Page::Ticket,
        "continue keeps the citizen where they were"
    );
    wait_until(w, "session wipe", Duration::from_secs(10), |w| {
        page(w) == Page::Home
    })
    .await?;
    assert_eq!(w.global::<TicketAdapter>().get_ticket().number.as_str(), "");
    assert_eq!(w.global::<KioskAdapter>().get_countdown(), -1);

    // 4. English: every label switches, and the flow works by the English labels.
    tap(w, "English").await?;
    assert!(exists(w, "Take a ticket") && !exists(w, "取号"));
    let state = take_ticket_en(w).await?;
    assert_eq!(state, PrintState::Printed);
    sleep(Duration::from_millis(10)).await;
    Ok(())
}

async fn take_ticket_en(w: &AppWindow) -> anyhow::Result<PrintState> {
    tap(w, "Take a ticket").await?;
    tap(w, "Enterprise tax").await?;
    wait_until(w, "print outcome", Duration::from_secs(10), |w| {
        page(w) == Page::Ticket
            && w.global::<TicketAdapter>().get_print_state() != PrintState::Printing
    })
    .await?;
    assert_eq!(
        w.global::<TicketAdapter>().get_ticket().number.as_str(),
        "G001"
    );
    Ok(w.global::<TicketAdapter>().get_print_state())
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
    sanban_kiosk::headless::set_size(&app.window, 1080, 1920);
    let result = std::rc::Rc::new(std::cell::RefCell::new(None));
    let r = result.clone();
    slint::spawn_local(async move {
        *r.borrow_mut() = Some(scenario(&app).await);
        slint::quit_event_loop().unwrap();
    })
    .unwrap();
    slint::run_event_loop().unwrap();
    let outcome = result.borrow_mut().take().expect("scenario finished");
    outcome.unwrap();
}
