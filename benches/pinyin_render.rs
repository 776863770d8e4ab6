//! A pinyin keystroke → candidates on screen (< 16 ms, one frame at 60 Hz): the key's callback (the `sanban-ime`
//! engine's look-up and the new candidate model) plus a full-frame software render of the 申办 field page with the
//! pinyin keyboard, the way the kiosk's display path draws. `cargo bench -p sanban-ime` has the engine's CPU time
//! alone.

#[path = "common.rs"]
mod common;

use std::rc::Rc;
use std::time::{Duration, Instant};

use sanban_kiosk::app::{KioskApp, Services};
use sanban_kiosk::config::Config;
use sanban_kiosk::ui::PinyinAdapter;
use slint::platform::software_renderer::{
    MinimalSoftwareWindow, PremultipliedRgbaColor, RepaintBufferType,
};
use slint::platform::{Platform, WindowAdapter};
use slint::{ComponentHandle, Model};

const W: usize = 1080;
const H: usize = 1920;
/// Company names and business scopes as citizens type them, syllable by syllable.
const WORDS: [&str; 10] = [
    "hannan",
    "reganmian",
    "youxiangongsi",
    "canyinfuwu",
    "shipinxiaoshou",
    "jianzhugongcheng",
    "kejifazhan",
    "wuliu",
    "zhongguo",
    "shangmao",
];
const ROUNDS: usize = 5;

struct BenchPlatform {
    window: Rc<MinimalSoftwareWindow>,
    start: Instant,
}

impl Platform for BenchPlatform {
    fn create_window_adapter(&self) -> Result<Rc<dyn WindowAdapter>, slint::PlatformError> {
        Ok(self.window.clone())
    }
    fn duration_since_start(&self) -> Duration {
        self.start.elapsed()
    }
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let window = MinimalSoftwareWindow::new(RepaintBufferType::NewBuffer);
    slint::platform::set_platform(Box::new(BenchPlatform {
        window: window.clone(),
        start: Instant::now(),
    }))
    .unwrap();
    let mut config = Config::default();
    config.data.dir = dir.path().to_owned();
    config.devices.idcard = "none".into();
    config.devices.locker = "none".into();
    config.devices.printer = "none".into();
    let app = KioskApp::new(Services::start(config, None).unwrap()).unwrap();
    window.set_size(slint::PhysicalSize::new(W as u32, H as u32));
    // The field page of a Chinese text field, its pinyin keyboard open (the flow's own preview state).
    let preview = sanban_kiosk::app::flows::preview(&app.kiosk, "apply.field#pinyin");
    ready(preview).unwrap();
    let mut pixels = vec![PremultipliedRgbaColor::default(); W * H];
    let mut draw = || {
        window.request_redraw();
        window.draw_if_needed(|r| {
            r.render(&mut pixels, W);
        });
    };
    let p = app.window.global::<PinyinAdapter>();
    draw();
    let mut callback = Vec::new();
    let mut on_screen = Vec::new();
    let mut shown = 0;
    for _ in 0..ROUNDS {
        for word in WORDS {
            p.invoke_clear();
            draw();
            for key in word.chars() {
                let t = Instant::now();
                p.invoke_key(key.to_string().into());
                callback.push(t.elapsed());
                draw();
                on_screen.push(t.elapsed());
                shown += p.get_candidates().row_count();
            }
        }
    }
    assert!(shown > 0, "the keystrokes bring candidates");
    common::report(
        "pinyin key → candidates (engine + model)",
        &mut callback,
        None,
    );
    common::report(
        "pinyin key → candidates on screen (+ full frame)",
        &mut on_screen,
        Some(Duration::from_millis(16)),
    );
}

/// The preview's future: this state needs nothing but the UI thread, so it is ready at the first poll.
fn ready<F: std::future::Future>(f: F) -> F::Output {
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match std::pin::pin!(f).poll(&mut cx) {
        std::task::Poll::Ready(v) => v,
        std::task::Poll::Pending => panic!("the preview waited on something"),
    }
}
