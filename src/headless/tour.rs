//! `sanban-kiosk tour --out DIR`: walk the real UI through the ticket flow as a citizen would (taps by accessible
//! label), writing each screen as DIR/NN-<page>.png, each print job the simulated printer received as
//! DIR/NN-<name>.escpos, and DIR/tour.json. A technician can run it on a kiosk as an acceptance check.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Serialize;
use slint::ComponentHandle;

use super::driver::{sleep, tap, wait_until};
use crate::app::{KioskApp, Services};
use crate::config::Config;
use crate::ui::{AppWindow, CardState, Nav, Page, PrintState, TicketAdapter};

#[derive(Debug, Default, Serialize)]
pub struct TourReport {
    pub pages: Vec<String>,
    pub tickets: Vec<TourTicket>,
    pub steps: Vec<TourStep>,
    pub files: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct TourTicket {
    pub number: String,
    pub category: String,
    pub print_state: String,
}

#[derive(Debug, Serialize)]
pub struct TourStep {
    pub step: String,
    pub millis: f64,
}

struct Tour<'a> {
    app: &'a KioskApp,
    out: PathBuf,
    report: TourReport,
    jobs_saved: usize,
}

impl Tour<'_> {
    fn window(&self) -> &AppWindow {
        &self.app.window
    }

    fn next_name(&self, stem: &str, ext: &str) -> String {
        format!("{:02}-{stem}.{ext}", self.report.files.len() + 1)
    }

    fn step(&mut self, name: &str, started: Instant) {
        self.report.steps.push(TourStep {
            step: name.into(),
            millis: started.elapsed().as_secs_f64() * 1000.0,
        });
    }

    async fn screen(&mut self, page: &str) -> anyhow::Result<()> {
        sleep(Duration::from_millis(30)).await; // let the frame settle
        let name = self.next_name(page, "png");
        super::snapshot_png(self.window(), &self.out.join(&name))?;
        self.report.pages.push(page.into());
        self.report.files.push(name);
        Ok(())
    }

    async fn tap(&mut self, label: &str) -> anyhow::Result<()> {
        let started = Instant::now();
        tap(self.window(), label).await?;
        self.step(&format!("tap {label}"), started);
        Ok(())
    }

    /// Take a ticket for the category labelled `category_label`, wait for the print outcome, save screen + job.
    async fn ticket(&mut self, category_label: &str) -> anyhow::Result<()> {
        let started = Instant::now();
        tap(self.window(), category_label).await?;
        wait_until(
            self.window(),
            "the ticket page",
            Duration::from_secs(5),
            |w| w.global::<Nav>().get_page() == Page::Ticket,
        )
        .await?;
        self.step(&format!("tap {category_label} → ticket on screen"), started);
        wait_until(
            self.window(),
            "the print outcome",
            Duration::from_secs(10),
            |w| w.global::<TicketAdapter>().get_print_state() != PrintState::Printing,
        )
        .await?;
        self.step(&format!("tap {category_label} → print outcome"), started);
        let t = self.window().global::<TicketAdapter>();
        let ticket = TourTicket {
            number: t.get_ticket().number.to_string(),
            category: t.get_ticket().category.to_string(),
            print_state: format!("{:?}", t.get_print_state()),
        };
        self.screen("ticket").await?;
        self.save_new_jobs(&ticket.number)?;
        self.report.tickets.push(ticket);
        Ok(())
    }

    /// Write each job the simulated printer received since the last call.
    fn save_new_jobs(&mut self, name: &str) -> anyhow::Result<()> {
        let Some(sim) = &self.app.services.devices.printer_sim else {
            return Ok(());
        };
        let jobs = sim.wait_for_jobs(self.jobs_saved + 1, Duration::from_secs(5));
        for job in jobs.iter().skip(self.jobs_saved) {
            let file = self.next_name(&format!("ticket-{name}"), "escpos");
            std::fs::write(self.out.join(&file), job)?;
            // The receipt as it would come out of the printer, next to its bytes.
            let preview =
                sanban_hardware::printer::render(job, crate::technician::device::RECEIPT_FONT)?;
            preview.write_png(self.out.join(&file).with_extension("png"))?;
            self.report.files.push(file);
        }
        self.jobs_saved = jobs.len();
        Ok(())
    }
}

/// Run the tour. The kiosk's devices come from `config`; the database is a fresh one under DIR, so the kiosk's
/// own numbering is untouched.
pub fn run(mut config: Config, out: &Path, size: (u32, u32)) -> anyhow::Result<TourReport> {
    std::fs::create_dir_all(out)?;
    config.platform = Default::default(); // pictures and tours never sync to the platform
    config.data.dir = out.join("tour-data");
    let _ = std::fs::remove_dir_all(&config.data.dir);
    super::init_headless()?;
    let mut services = Services::start(config, None)?;
    services.test_mode = true;
    let app = KioskApp::new(services)?;
    super::set_size(&app.window, size.0, size.1);
    let result = std::rc::Rc::new(std::cell::RefCell::new(None));
    let r = result.clone();
    let dir = out.to_owned();
    slint::spawn_local(async move {
        let mut tour = Tour {
            app: &app,
            out: dir,
            report: TourReport::default(),
            jobs_saved: 0,
        };
        let outcome = walk(&mut tour).await.map(|_| tour.report);
        *r.borrow_mut() = Some(outcome);
        let _ = slint::quit_event_loop();
    })
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    slint::run_event_loop()?;
    let report = result
        .borrow_mut()
        .take()
        .unwrap_or_else(|| Err(anyhow::anyhow!("event loop ended early")))?;
    std::fs::write(out.join("tour.json"), serde_json::to_vec_pretty(&report)?)?;
    Ok(report)
}

async fn walk(tour: &mut Tour<'_>) -> anyhow::Result<()> {
    // Round 1, in Chinese: home → 取号 → 公安事务类 → ticket → home.
    tour.screen("home").await?;
    tour.tap("取号").await?;
    tour.screen("categories").await?;
    tour.ticket("公安事务类").await?;
    tour.tap("首页").await?;
    // Priority lane (绿色通道): the ID card proves 60+, then a priority ticket.
    // Offered once the reader has answered its first status query.
    let reader_ready = wait_until(
        tour.window(),
        "the ID card reader",
        Duration::from_secs(3),
        |w| w.global::<TicketAdapter>().get_priority_available(),
    )
    .await
    .is_ok();
    if reader_ready {
        tour.tap("绿色通道取号").await?;
        let started = Instant::now();
        wait_until(
            tour.window(),
            "the card read",
            Duration::from_secs(10),
            |w| w.global::<TicketAdapter>().get_card_state() != CardState::Waiting,
        )
        .await?;
        tour.step("ID card read", started);
        tour.screen("idcard").await?;
        if tour.window().global::<TicketAdapter>().get_card_state() == CardState::Eligible {
            tour.tap("继续取号").await?;
            tour.screen("categories-priority").await?;
            tour.ticket("经济发展类").await?;
        }
        tour.tap("首页").await?;
    }
    // Round 2, in English with large type: the same flow for another window.
    tour.tap("English").await?;
    tour.tap("Large type").await?;
    tour.screen("home-en-large").await?;
    tour.tap("Take a ticket").await?;
    tour.screen("categories-en-large").await?;
    tour.ticket("Social affairs").await?;
    tour.tap("Home").await?;
    tour.screen("home").await?;
    Ok(())
}
