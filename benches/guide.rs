//! The service guide at city scale: a 2,000-service catalog. Budgets: applying a catalog update on the kiosk
//! < 2 s; a search keystroke → results on screen < 10 ms (the key's callback — search and the new result model —
//! plus a full-frame software render of the page, the way the kiosk's display path draws).

#[path = "common.rs"]
mod common;

use std::rc::Rc;
use std::time::{Duration, Instant};

use sanban_kiosk::app::{KioskApp, Services};
use sanban_kiosk::config::Config;
use sanban_kiosk::store::Store;
use sanban_kiosk::ui::GuideAdapter;
use slint::platform::software_renderer::{
    MinimalSoftwareWindow, PremultipliedRgbaColor, RepaintBufferType,
};
use slint::platform::{Platform, WindowAdapter};
use slint::ComponentHandle;

const SERVICES: usize = 2_000;
const W: usize = 1080;
const H: usize = 1920;

/// The built-in catalog grown to `n` services: each seed service again under a new id, a numbered name variant and
/// its district, so names, keywords and materials stay realistic and searches hit many of them.
fn big_catalog(n: usize) -> Vec<sanban_wire::Service> {
    let seed = sanban_wire::parse_catalog_file(sanban_kiosk::store::catalog::BUILT_IN).unwrap();
    let districts = [
        "汉南",
        "江夏",
        "黄陂",
        "新洲",
        "蔡甸",
        "东西湖",
        "洪山",
        "武昌",
        "汉阳",
        "青山",
    ];
    (0..n)
        .map(|i| {
            let mut s = seed[i % seed.len()].clone();
            let round = i / seed.len();
            if round > 0 {
                s.id = format!("{}-{round}", s.id);
                s.code = format!("{}{round:03}", s.code);
                s.name_zh = format!("{}（{}）", s.name_zh, districts[round % districts.len()]);
                s.name_en = format!("{} ({round})", s.name_en);
            }
            s
        })
        .collect()
}

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
    let catalog = big_catalog(SERVICES);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kiosk.sqlite3");

    // 1. Applying a 2,000-service update (one transaction, the way the sync agent does it).
    let mut samples = Vec::new();
    {
        let mut store = Store::open(&db).unwrap();
        for v in 1..=5u64 {
            let t = Instant::now();
            store.apply_catalog(v, &catalog).unwrap();
            samples.push(t.elapsed());
        }
        assert_eq!(store.catalog_summaries().unwrap().len(), SERVICES);
    }
    println!("catalog of {SERVICES} services");
    common::report(
        "apply a catalog update (SQLite, fsync)",
        &mut samples,
        Some(Duration::from_secs(2)),
    );

    // 2. Search keystrokes on the guide's search page.
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
    let mut pixels = vec![PremultipliedRgbaColor::default(); W * H];
    let guide = sanban_kiosk::app::flows::all()
        .iter()
        .find(|f| f.name() == "guide")
        .unwrap();
    let t = Instant::now();
    guide.start(&app.kiosk, "");
    println!(
        "open the guide (index of {SERVICES} services built): {:.1} ms",
        common::ms(t.elapsed())
    );
    let a = app.window.global::<GuideAdapter>();
    let mut draw = || {
        window.request_redraw();
        window.draw_if_needed(|r| {
            r.render(&mut pixels, W);
        });
    };
    draw();
    let mut callback = Vec::new();
    let mut on_screen = Vec::new();
    let mut hits = 0;
    for query in [
        "ylbx", "yiliao", "qysl", "bdcdj", "hkqy", "shebao", "jzz", "nsr",
    ] {
        a.invoke_clear();
        draw();
        for key in query.chars() {
            let t = Instant::now();
            a.invoke_key(key.to_string().into());
            callback.push(t.elapsed());
            draw();
            on_screen.push(t.elapsed());
        }
        hits += slint::Model::row_count(&a.get_results());
    }
    assert!(hits > 0, "the queries find services");
    common::report("keystroke → results (search + model)", &mut callback, None);
    common::report(
        "keystroke → results on screen (+ full frame)",
        &mut on_screen,
        Some(Duration::from_millis(10)),
    );
}
