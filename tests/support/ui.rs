//! Driving the real UI from a test: the scenario on the app's event loop, a script of SCENARIOS.md's steps, the
//! rating step after an errand, and the text of a printed receipt.

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;
use std::time::Duration;

use sanban_kiosk::app::KioskApp;
use sanban_kiosk::headless::driver::wait_until;
use sanban_kiosk::headless::script::{self, Options};
use sanban_kiosk::ui::Nav;
use slint::ComponentHandle;

/// Size the kiosk's window as a portrait screen, run `scenario` on the app's event loop (which can be started once
/// per process), and fail the test with the scenario's error.
pub fn run_portrait<Fut>(app: KioskApp, scenario: impl FnOnce(KioskApp) -> Fut + 'static)
where
    Fut: Future<Output = anyhow::Result<()>> + 'static,
{
    sanban_kiosk::headless::set_size(&app.window, 1080, 1920);
    let result = Rc::new(RefCell::new(None));
    let r = result.clone();
    slint::spawn_local(async move {
        *r.borrow_mut() = Some(scenario(app).await);
        slint::quit_event_loop().unwrap();
    })
    .unwrap();
    slint::run_event_loop().unwrap();
    let outcome = result.borrow_mut().take().expect("scenario finished");
    outcome.unwrap();
}

/// Play `text` (script steps, one per line); the first failing step fails the test with its report.
pub async fn play(app: &KioskApp, text: &str) -> anyhow::Result<()> {
    let steps = script::parse(text)?;
    let reports = script::run(
        app,
        &steps,
        &Options {
            shots: None,
            print: false,
        },
    )
    .await;
    if let Some(bad) = reports.iter().find(|r| !r.ok) {
        anyhow::bail!("script failed: {}", serde_json::to_string_pretty(bad)?);
    }
    Ok(())
}

/// "完成", then "跳过" when the errand leads to the rating step rather than home.
pub async fn finish(app: &KioskApp) -> anyhow::Result<()> {
    play(app, "tap 完成\n").await?;
    let rated = wait_until(
        &app.window,
        "the rating step or home",
        Duration::from_secs(5),
        |w| {
            let page = w.global::<Nav>().get_page();
            page == "rating.levels" || page == "home.main"
        },
    )
    .await
    .is_ok()
        && app.window.global::<Nav>().get_page() == "rating.levels";
    if rated {
        play(app, "tap 跳过\nwait home.main\n").await?;
    }
    Ok(())
}

/// A print job's text (GB18030), control codes dropped, each line trimmed and the lines joined.
pub fn job_text(job: &[u8]) -> String {
    let (text, _, _) = encoding_rs::GB18030.decode(job);
    text.chars()
        .filter(|c| !c.is_control() || *c == '\n')
        .collect::<String>()
        .split('\n')
        .map(str::trim)
        .collect()
}
