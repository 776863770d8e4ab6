//! 预约's slot list on screen after the citizen taps a day. Budgets: < 100 ms with the platform on loopback (the
//! live list: the gateway's request, the platform's slot count, the kiosk caching the list, the model, a frame);
//! < 16 ms from the kiosk's cache when it knows it is offline (its last contact with the platform failed).
//!
//! The real app and its event loop, the reference platform in this process over a SQLite file. "In the model" is
//! the tap's callback to the list set on the page; "on screen" adds a full-frame software render into a
//! framebuffer-sized buffer, every pixel repainted, as the kiosk's display path draws (`display.rs`).
//!
//!     cargo bench --bench appointment_slots

#[path = "common.rs"]
mod common;
#[path = "display.rs"]
mod display;
#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use display::Frame;
use sanban_kiosk::app::{KioskApp, Services};
use sanban_kiosk::config::Config;
use sanban_kiosk::headless::driver::{sleep, wait_until};
use sanban_kiosk::ui::{AppointmentAdapter, Nav};
use slint::platform::software_renderer::MinimalSoftwareWindow;
use slint::{ComponentHandle, Model};
use support::platform::Platform;
use support::ui::play;

const ROUNDS: usize = 40;
const W: usize = 1080;
const H: usize = 1920;
const SERVICE: &str = "城乡居民基本医疗保险参保登记";

/// Tap each offered day in turn; returns (in the model, on screen) per tap.
async fn taps(
    app: &KioskApp,
    screen_window: &MinimalSoftwareWindow,
    frame: &mut Frame,
    offline: bool,
) -> (Vec<Duration>, Vec<Duration>) {
    let w = &app.window;
    let a = w.global::<AppointmentAdapter>();
    let days: Vec<String> = a.get_days().iter().map(|d| d.date.to_string()).collect();
    assert!(!days.is_empty(), "working days offered");
    let (mut model, mut screen) = (Vec::new(), Vec::new());
    for i in 0..ROUNDS {
        let t = Instant::now();
        a.invoke_pick_day(days[i % days.len()].clone().into());
        while a.get_loading() {
            sleep(Duration::from_micros(100)).await;
        }
        model.push(t.elapsed());
        assert_eq!(frame.draw(screen_window), W * H, "the whole frame drawn");
        screen.push(t.elapsed());
        assert!(a.get_slots().row_count() > 0, "slots shown");
        assert_eq!(a.get_offline(), offline, "round {i}");
        w.global::<Nav>().invoke_back();
        wait_until(w, "the days", Duration::from_secs(5), |w| {
            w.global::<Nav>().get_page() == "appointment.days"
        })
        .await
        .unwrap();
    }
    (model, screen)
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let port = support::free_port();
    let mut platform = Platform::new(dir.path(), port);
    let token = platform.add_kiosk("K01");
    platform.start_in_process();
    let mut config = Config::default();
    config.kiosk.id = "K01".into();
    config.platform.url = Some(platform.url());
    config.platform.token = Some(token);
    config.data.dir = dir.path().join("kiosk");
    config.devices.idcard = "none".into();
    config.devices.locker = "none".into();
    config.session.idle_seconds = 600;
    let screen_window = display::install();
    let app = KioskApp::new(Services::start(config, None).unwrap()).unwrap();
    sanban_kiosk::headless::set_size(&app.window, W as u32, H as u32);
    let mut frame = Frame::new(W, H);
    slint::spawn_local(async move {
        play(
            &app,
            &format!("tap 预约\ntype ylbx\ntap {SERVICE}\nwait appointment.days\n"),
        )
        .await
        .unwrap();
        let (mut model, mut screen) = taps(&app, &screen_window, &mut frame, false).await;
        common::report(
            "tap a day → slots in the model (loopback)",
            &mut model,
            None,
        );
        common::report(
            "tap a day → slots on screen (loopback)",
            &mut screen,
            Some(Duration::from_millis(100)),
        );

        // The platform goes away; once the kiosk has noticed, the list comes from its cache.
        platform.stop();
        for _ in 0..200 {
            let noticed = app
                .services
                .sync_status
                .lock()
                .map(|s| !s.online && s.last_error.is_some())
                .unwrap();
            if noticed {
                break;
            }
            app.services.poke_sync();
            sleep(Duration::from_millis(50)).await;
        }
        let (mut model, mut screen) = taps(&app, &screen_window, &mut frame, true).await;
        common::report("tap a day → slots in the model (offline)", &mut model, None);
        common::report(
            "tap a day → slots on screen (offline, cache)",
            &mut screen,
            Some(Duration::from_millis(16)),
        );
        slint::quit_event_loop().unwrap();
    })
    .unwrap();
    slint::run_event_loop().unwrap();
}
