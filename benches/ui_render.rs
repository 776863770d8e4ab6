//! Full-frame software render of each page at 1080×1920 (budget < 16 ms), the way the kiosk's own display path
//! draws: Slint's software renderer into a framebuffer-like pixel buffer (32-bit and 16-bit), every pixel
//! repainted each frame (`RepaintBufferType::NewBuffer`, i.e. no partial-update savings). A headless snapshot
//! (what `screenshot` does: render + copy into a fresh RGBA image) is reported beside it for reference.

#[path = "common.rs"]
mod common;

use std::rc::Rc;
use std::time::{Duration, Instant};

use sanban_kiosk::app::{KioskApp, Services};
use sanban_kiosk::config::Config;
use sanban_kiosk::ui::KioskAdapter;
use slint::platform::software_renderer::{
    MinimalSoftwareWindow, PremultipliedRgbaColor, RepaintBufferType, Rgb565Pixel,
};
use slint::platform::{Platform, WindowAdapter};
use slint::ComponentHandle;

const W: usize = 1080;
const H: usize = 1920;

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
    let window = MinimalSoftwareWindow::new(RepaintBufferType::NewBuffer);
    slint::platform::set_platform(Box::new(BenchPlatform {
        window: window.clone(),
        start: Instant::now(),
    }))
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::default();
    config.data.dir = dir.path().to_owned();
    config.devices.idcard = "none".into();
    config.devices.locker = "none".into();
    let app = KioskApp::new(Services::start(config, None).unwrap()).unwrap();
    let w = &app.window;
    window.set_size(slint::PhysicalSize::new(W as u32, H as u32));
    let mut rgba = vec![PremultipliedRgbaColor::default(); W * H];
    let mut rgb565 = vec![Rgb565Pixel::default(); W * H];
    println!("full-frame software render, {W}x{H} (budget 16 ms)");
    for (name, page, large) in [
        ("home", "home.main", false),
        ("categories", "ticket.categories", false),
        ("identity step", "identity.read", false),
        ("guide search", "guide.search", false),
        ("guide detail", "guide.detail", false),
        ("categories, large type", "ticket.categories", true),
    ] {
        app.kiosk.go(page);
        w.global::<KioskAdapter>().set_large_type(large);
        let frame =
            |buffer: &mut dyn FnMut(&slint::platform::software_renderer::SoftwareRenderer)| {
                window.request_redraw();
                let t = Instant::now();
                window.draw_if_needed(|r| buffer(r));
                t.elapsed()
            };
        // Warm-up (glyph cache, layout), and proof that the whole frame is painted, not a dirty corner.
        frame(&mut |r| {
            let region = r.render(&mut rgba, W);
            let size = region.bounding_box_size();
            assert_eq!(
                (size.width as usize, size.height as usize),
                (W, H),
                "full frame repainted"
            );
        });
        let inked = rgba.iter().filter(|p| p.red < 128 && p.green < 128).count();
        assert!(
            inked > 10_000,
            "the page has text and buttons ({inked} dark pixels)"
        );
        let mut samples: Vec<Duration> = (0..40)
            .map(|_| {
                frame(&mut |r| {
                    r.render(&mut rgba, W);
                })
            })
            .collect();
        common::report(
            &format!("render {name} (32-bit)"),
            &mut samples,
            Some(Duration::from_millis(16)),
        );
        let mut samples: Vec<Duration> = (0..40)
            .map(|_| {
                frame(&mut |r| {
                    r.render(&mut rgb565, W);
                })
            })
            .collect();
        common::report(
            &format!("render {name} (RGB565)"),
            &mut samples,
            Some(Duration::from_millis(16)),
        );
    }
    let _ = w.window().take_snapshot(); // snapshot path warm-up
    let mut samples: Vec<Duration> = (0..20)
        .map(|_| {
            let t = Instant::now();
            let _ = w.window().take_snapshot().unwrap();
            t.elapsed()
        })
        .collect();
    common::report(
        "snapshot to a new RGBA image (screenshot)",
        &mut samples,
        None,
    );
}
