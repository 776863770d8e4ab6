//! Every page fits, in every mode: each registered page (and each of its preview states) in Chinese and English,
//! normal and large type, portrait 1080×1920 and landscape 1920×1080, rendered with the real UI and checked by the
//! layout checker — buttons and texts inside the window (or inside a scroll area that lets the citizen reach them),
//! texts inside their cards and buttons, touch targets at least 120 px and not overlapping, header and status bar
//! fully on screen. One #[test]: the Slint event loop can be started once per process.

use std::time::Duration;

use sanban_kiosk::app::{flows, KioskApp, Services};
use sanban_kiosk::config::Config;
use sanban_kiosk::headless::driver::sleep;
use sanban_kiosk::headless::{layout, screenshot};

async fn walk(app: &KioskApp) -> Vec<String> {
    let mut failures = Vec::new();
    let mut pages = flows::all_previews();
    pages.extend(screenshot::OVERLAYS.iter().map(|s| s.to_string()));
    for page in &pages {
        for (lang, large, (w, h)) in screenshot::MODES {
            let lang = lang.code();
            sanban_kiosk::headless::set_size(&app.window, w, h);
            if let Err(e) = screenshot::prepare(app, page, lang, large).await {
                failures.push(format!(
                    "{page} [{lang} large={large} {w}x{h}]: cannot show it: {e:#}"
                ));
                continue;
            }
            if page == "countdown" {
                use slint::ComponentHandle;
                app.window
                    .global::<sanban_kiosk::ui::KioskAdapter>()
                    .set_countdown(8);
            }
            sleep(Duration::from_millis(20)).await;
            // Render once, as a display would: layouts settle on the first frame.
            let _ = slint::ComponentHandle::window(&app.window).take_snapshot();
            for problem in layout::problems(&app.window) {
                failures.push(format!("{page} [{lang} large={large} {w}x{h}]: {problem}"));
            }
        }
    }
    failures
}

#[test]
fn every_page_fits_in_every_mode() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = screenshot::scratch_config(Config::default()).unwrap();
    config.data.dir = dir.path().to_owned();
    config.session.idle_seconds = 3600;
    sanban_kiosk::headless::init_headless().unwrap();
    let app = KioskApp::new(Services::start(config, None).unwrap()).unwrap();
    let result = std::rc::Rc::new(std::cell::RefCell::new(None));
    let r = result.clone();
    slint::spawn_local(async move {
        *r.borrow_mut() = Some(walk(&app).await);
        slint::quit_event_loop().unwrap();
    })
    .unwrap();
    slint::run_event_loop().unwrap();
    let failures = result.borrow_mut().take().expect("walk finished");
    assert!(
        failures.is_empty(),
        "{} layout problems:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
