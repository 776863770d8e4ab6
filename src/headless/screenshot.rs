//! `sanban-kiosk screenshot --page NAME --size WxH --out FILE.png`: one page of the real UI, rendered headless.

use std::path::PathBuf;
use std::time::Duration;

use slint::ComponentHandle;

use super::driver::{sleep, wait_until};
use crate::app::{KioskApp, Services};
use crate::config::Config;
use crate::ui::{CardState, KioskAdapter, Nav, Page, PrintState, TicketAdapter};

/// Every page the screenshot command can render.
pub const PAGES: [&str; 6] = [
    "home",
    "categories",
    "ticket",
    "idcard",
    "idcard-eligible",
    "countdown",
];

pub struct ScreenshotOptions {
    pub page: String,
    pub size: (u32, u32),
    pub out: PathBuf,
    pub lang: String,
    pub large: bool,
}

/// Render one page. Runs the real app against a throw-away database so the kiosk's own data is untouched.
pub fn run(mut config: Config, opts: ScreenshotOptions) -> anyhow::Result<()> {
    anyhow::ensure!(
        PAGES.contains(&opts.page.as_str()),
        "unknown page {:?}; pages: {}",
        opts.page,
        PAGES.join(", ")
    );
    let scratch = tempfile_dir()?;
    config.platform = Default::default(); // pictures never sync to the platform…
                                          // …and never touch real devices (a "ticket" page would print a real slip).
    config.devices.idcard = "sim".into();
    config.devices.printer = "sim".into();
    config.devices.locker = "sim".into();
    config.data.dir = scratch.clone();
    super::init_headless()?;
    let app = KioskApp::new(Services::start(config, None)?)?;
    super::set_size(&app.window, opts.size.0, opts.size.1);
    let result = std::rc::Rc::new(std::cell::RefCell::new(None));
    let r = result.clone();
    slint::spawn_local(async move {
        let outcome = prepare_and_snap(&app, &opts).await;
        *r.borrow_mut() = Some(outcome);
        let _ = slint::quit_event_loop();
    })
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    slint::run_event_loop()?;
    let _ = std::fs::remove_dir_all(&scratch);
    let outcome = result
        .borrow_mut()
        .take()
        .unwrap_or_else(|| Err(anyhow::anyhow!("event loop ended early")));
    outcome
}

async fn prepare_and_snap(app: &KioskApp, opts: &ScreenshotOptions) -> anyhow::Result<()> {
    let w = &app.window;
    let kiosk = w.global::<KioskAdapter>();
    kiosk.invoke_set_language(opts.lang.clone().into());
    kiosk.set_large_type(opts.large);
    let nav = w.global::<Nav>();
    let tickets = w.global::<TicketAdapter>();
    match opts.page.as_str() {
        "home" => {}
        "categories" => nav.set_page(Page::Categories),
        "idcard" => {
            nav.set_page(Page::Idcard);
            tickets.set_card_state(CardState::Waiting);
        }
        "idcard-eligible" => {
            nav.set_page(Page::Idcard);
            tickets.set_card_state(CardState::Eligible);
            tickets.set_card_holder("张*".into());
            tickets.set_card_age(72);
        }
        "ticket" => {
            nav.set_page(Page::Categories);
            tickets.invoke_take_ticket("police".into());
            wait_until(w, "the print outcome", Duration::from_secs(5), |w| {
                w.global::<TicketAdapter>().get_print_state() != PrintState::Printing
            })
            .await?;
        }
        "countdown" => nav.set_page(Page::Categories),
        _ => unreachable!("checked above"),
    }
    // Let the devices' first status reach the status bar (refreshed every second).
    sleep(Duration::from_millis(1100)).await;
    if opts.page == "countdown" {
        kiosk.set_countdown(8); // after the idle timer's tick, which would reset it
    }
    super::snapshot_png(w, &opts.out)
}

/// A private scratch directory under the system temp dir.
pub(crate) fn tempfile_dir() -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!(
        "sanban-shot-{}-{}",
        std::process::id(),
        uuid::Uuid::now_v7()
    ));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
