//! `sanban-kiosk screenshot --page NAME --size WxH --out FILE.png`: one page of the real UI in one of its
//! registered preview states (see `Flow::previews`), rendered headless.

use std::path::PathBuf;
use std::time::Duration;

use slint::ComponentHandle;

use super::driver::sleep;
use crate::app::{flows, KioskApp, Services};
use crate::config::Config;
use crate::lang::Lang;
use crate::ui::KioskAdapter;

/// Extra states the shell itself can show over any page.
pub const OVERLAYS: [&str; 2] = ["countdown", "help"];

pub struct ScreenshotOptions {
    pub page: String,
    pub size: (u32, u32),
    pub out: PathBuf,
    pub lang: Lang,
    pub large: bool,
}

/// Every mode a page is looked at in: language, large type, window size.
pub const MODES: [(Lang, bool, (u32, u32)); 8] = [
    (Lang::Zh, false, (1080, 1920)),
    (Lang::Zh, true, (1080, 1920)),
    (Lang::En, false, (1080, 1920)),
    (Lang::En, true, (1080, 1920)),
    (Lang::Zh, false, (1920, 1080)),
    (Lang::Zh, true, (1920, 1080)),
    (Lang::En, false, (1920, 1080)),
    (Lang::En, true, (1920, 1080)),
];

/// Every name `--page` takes.
pub fn pages() -> Vec<String> {
    let mut all = flows::all_previews();
    all.extend(OVERLAYS.iter().map(|o| o.to_string()));
    all
}

/// A configuration that never touches the kiosk's data, its devices or its platform: pictures and layout checks
/// run against simulators and a throw-away database.
pub fn scratch_config(mut config: Config) -> anyhow::Result<Config> {
    config.platform = Default::default();
    config.devices.idcard = "sim".into();
    config.devices.printer = "sim".into();
    config.devices.locker = "sim".into();
    config.data.dir = tempfile_dir()?;
    Ok(config)
}

/// Render one page. Runs the real app against a throw-away database so the kiosk's own data is untouched.
pub fn run(config: Config, mut opts: ScreenshotOptions) -> anyhow::Result<()> {
    // A flow's name alone means its first page ("home" → "home.main").
    if let Some(first) = flows::all()
        .iter()
        .find(|f| f.name() == opts.page)
        .and_then(|f| f.pages().first())
    {
        opts.page = first.name.to_string();
    }
    let names = pages();
    anyhow::ensure!(
        opts.page == "all" || names.contains(&opts.page),
        "unknown page {:?}; pages: {}",
        opts.page,
        names.join(", ")
    );
    let config = scratch_config(config)?;
    let scratch = config.data.dir.clone();
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

/// Put the app in `lang`, large type or not, and preview state `page`.
pub async fn prepare(app: &KioskApp, page: &str, lang: &str, large: bool) -> anyhow::Result<()> {
    let w = &app.window;
    app.kiosk.home();
    let adapter = w.global::<KioskAdapter>();
    // As a tap would: the idle timer starts over, so a long walk over every page is not wiped to home midway.
    adapter.invoke_touched();
    adapter.invoke_set_language(lang.into());
    adapter.set_large_type(large);
    match page {
        "countdown" => {
            flows::preview(&app.kiosk, "ticket.categories").await?;
        }
        "help" => {
            flows::preview(&app.kiosk, "guide.detail").await?;
            adapter.set_help_open(true);
            adapter.set_help_sent(true);
        }
        other => flows::preview(&app.kiosk, other).await?,
    }
    Ok(())
}

async fn prepare_and_snap(app: &KioskApp, opts: &ScreenshotOptions) -> anyhow::Result<()> {
    if opts.page == "all" {
        return gallery(app, &opts.out).await;
    }
    prepare(app, &opts.page, opts.lang.code(), opts.large).await?;
    // Let the devices' first status reach the status bar (refreshed every second).
    sleep(Duration::from_millis(1100)).await;
    if opts.page == "countdown" {
        // After the idle timer's tick, which would reset it.
        app.window.global::<KioskAdapter>().set_countdown(8);
    }
    super::snapshot_png(&app.window, &opts.out)
}

/// Every page in every mode, as DIR/<page>--<lang>[-large]--<W>x<H>.png.
async fn gallery(app: &KioskApp, dir: &std::path::Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    sleep(Duration::from_millis(1100)).await; // the devices' first status
    for page in pages() {
        for (lang, large, (w, h)) in MODES {
            super::set_size(&app.window, w, h);
            prepare(app, &page, lang.code(), large).await?;
            if page == "countdown" {
                app.window.global::<KioskAdapter>().set_countdown(8);
            }
            sleep(Duration::from_millis(20)).await;
            let name = format!(
                "{}--{}{}--{w}x{h}.png",
                page.replace('#', "@"),
                lang.code(),
                if large { "-large" } else { "" }
            );
            super::snapshot_png(&app.window, &dir.join(name))?;
        }
    }
    Ok(())
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
