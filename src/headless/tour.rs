//! `sanban-kiosk tour --out DIR`: the acceptance walk. It plays the built-in citizen scripts (`tour.script`) through
//! the real UI with the script runner, writing each screen as DIR/<name>.png, each print job the simulated printer
//! received as DIR/job-NN.escpos with a PNG preview, and DIR/tour.json. A technician can run it on a kiosk: it drives
//! the configured devices, uses a scratch database under DIR, never syncs, and marks its slips as tests.

use std::path::Path;

use serde::Serialize;

use super::script::{self, Options, StepReport};
use crate::app::{KioskApp, Services};
use crate::config::Config;

/// The walk: every citizen flow, in Chinese, then in English with large type.
pub const SCRIPT: &str = include_str!("tour.script");

#[derive(Debug, Default, Serialize)]
pub struct TourReport {
    pub steps: Vec<StepReport>,
    pub jobs: Vec<String>,
}

impl TourReport {
    pub fn screens(&self) -> usize {
        self.steps
            .iter()
            .filter(|s| s.step.starts_with("shot "))
            .count()
    }
}

/// Run the tour. The kiosk's devices come from `config`; the database is a fresh one under DIR, so the kiosk's
/// own numbering is untouched.
pub fn run(mut config: Config, out: &Path, size: (u32, u32)) -> anyhow::Result<TourReport> {
    std::fs::create_dir_all(out)?;
    config.platform = Default::default(); // tours never sync to the platform
    config.data.dir = out.join("tour-data");
    let _ = std::fs::remove_dir_all(&config.data.dir);
    let steps = script::parse(SCRIPT)?;
    super::init_headless()?;
    let mut services = Services::start(config, None)?;
    services.test_mode = true;
    let app = KioskApp::new(services)?;
    super::set_size(&app.window, size.0, size.1);
    let result = std::rc::Rc::new(std::cell::RefCell::new(None));
    let r = result.clone();
    let dir = out.to_owned();
    slint::spawn_local(async move {
        let options = Options {
            shots: Some(dir.clone()),
            print: true,
        };
        let steps = script::run(&app, &steps, &options).await;
        let jobs = save_jobs(&app, &dir);
        *r.borrow_mut() = Some(jobs.map(|jobs| TourReport { steps, jobs }));
        let _ = slint::quit_event_loop();
    })
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    slint::run_event_loop()?;
    let report = result
        .borrow_mut()
        .take()
        .unwrap_or_else(|| Err(anyhow::anyhow!("event loop ended early")))?;
    std::fs::write(out.join("tour.json"), serde_json::to_vec_pretty(&report)?)?;
    if let Some(failed) = report.steps.iter().find(|s| !s.ok) {
        anyhow::bail!(
            "tour stopped at line {} ({}): {}",
            failed.line,
            failed.step,
            failed.error.as_deref().unwrap_or("?")
        );
    }
    Ok(report)
}

/// Every job the simulated printer received, as bytes and as the receipt it would print.
fn save_jobs(app: &KioskApp, out: &Path) -> anyhow::Result<Vec<String>> {
    let Some(sim) = &app.services.devices.printer_sim else {
        return Ok(Vec::new());
    };
    let mut names = Vec::new();
    for (i, job) in sim.jobs().iter().enumerate() {
        let name = format!("job-{:02}.escpos", i + 1);
        std::fs::write(out.join(&name), job)?;
        let preview =
            sanban_hardware::printer::render(job, crate::technician::render::RECEIPT_FONT)?;
        preview.write_png(out.join(&name).with_extension("png"))?;
        names.push(name);
    }
    Ok(names)
}
