//! Full-frame software render of each page at 1080×1920 (budget < 16 ms).

#[path = "common.rs"]
mod common;

use std::time::{Duration, Instant};

use sanban_kiosk::app::{KioskApp, Services};
use sanban_kiosk::config::Config;
use sanban_kiosk::ui::{KioskAdapter, Nav, Page};
use slint::ComponentHandle;

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::default();
    config.data.dir = dir.path().to_owned();
    config.devices.idcard = "none".into();
    config.devices.locker = "none".into();
    sanban_kiosk::headless::init_headless().unwrap();
    let app = KioskApp::new(Services::start(config, None).unwrap()).unwrap();
    let w = &app.window;
    println!("full-frame software render, 1080x1920 (budget 16 ms)");
    for (name, page, large) in [
        ("home", Page::Home, false),
        ("categories", Page::Categories, false),
        ("idcard", Page::Idcard, false),
        ("categories, large type", Page::Categories, true),
    ] {
        sanban_kiosk::headless::set_size(w, 1080, 1920);
        w.global::<Nav>().set_page(page);
        w.global::<KioskAdapter>().set_large_type(large);
        let _ = w.window().take_snapshot(); // warm-up: font loading, layout
        let mut samples: Vec<Duration> = (0..30)
            .map(|_| {
                let t = Instant::now();
                let _ = w.window().take_snapshot().unwrap();
                t.elapsed()
            })
            .collect();
        common::report(
            &format!("render {name}"),
            &mut samples,
            Some(Duration::from_millis(16)),
        );
    }
}
