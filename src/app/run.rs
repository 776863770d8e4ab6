//! `sanban-kiosk run`: the kiosk on a display (winit + software renderer), or headless.

use std::time::Duration;

use slint::ComponentHandle;

use super::{KioskApp, Services};
use crate::config::Config;

/// How `run` drives the kiosk besides a citizen's fingers.
#[derive(Debug, Default)]
pub struct Drive {
    /// Issue N tickets through the real UI (soak and crash tests).
    pub burst: Option<usize>,
    /// Play a script of citizen actions, then exit (non-zero at the first failing step).
    pub script: Option<std::path::PathBuf>,
    /// Where the script's `shot` steps write.
    pub shots: Option<std::path::PathBuf>,
}

pub fn run(config: Config, headless: bool, size: &str, drive: Drive) -> anyhow::Result<()> {
    let (width, height) = crate::headless::parse_size(size)?;
    if headless {
        crate::headless::init_headless()?;
    } else {
        if !has_display() {
            anyhow::bail!(
                "no display (DISPLAY and WAYLAND_DISPLAY are unset): for pictures run `sanban-kiosk screenshot --page home --out home.png` or `sanban-kiosk tour --out tour/`"
            );
        }
        // SLINT_BACKEND wins (the systemd unit sets it); otherwise DRM/KMS on a kms build, winit elsewhere,
        // always with the software renderer.
        let backend = std::env::var("SLINT_BACKEND")
            .ok()
            .filter(|b| !b.is_empty())
            .unwrap_or_else(|| {
                if cfg!(feature = "kms") {
                    "linuxkms-software".into()
                } else {
                    "winit-software".into()
                }
            });
        crate::lockdown::prepare_display()
            .backend_name(backend.clone())
            .select()
            .map_err(|e| anyhow::anyhow!("cannot open a window with backend {backend}: {e}"))?;
    }
    tracing::info!(data_dir = %config.data.dir.display(), "starting kiosk {}", config.kiosk.id);
    let app = KioskApp::new(Services::start(config, None)?)?;
    crate::headless::set_size(&app.window, width, height);
    let _systemd =
        crate::systemd::ServiceNotifier::start(&format!("kiosk {}", app.services.config.kiosk.id));
    if headless {
        // Render a frame now and then, as a display would, so memory and timing reflect a live kiosk.
        let timer = slint::Timer::default();
        let weak = app.window.as_weak();
        timer.start(
            slint::TimerMode::Repeated,
            Duration::from_millis(500),
            move || {
                if let Some(w) = weak.upgrade() {
                    let _ = w.window().take_snapshot();
                }
            },
        );
        app.window.show()?;
        app.window
            .window()
            .take_snapshot()
            .map_err(|e| anyhow::anyhow!("first frame: {e}"))?;
        println!("first frame rendered");
        if let Some(path) = &drive.script {
            let steps = crate::headless::script::load(path)?;
            let shots = drive.shots.clone();
            let weak = app.window.as_weak();
            let failed = std::rc::Rc::new(std::cell::Cell::new(false));
            let f = failed.clone();
            let app = std::rc::Rc::new(app);
            let a = app.clone();
            slint::spawn_local(async move {
                let options = crate::headless::script::Options { shots, print: true };
                let reports = crate::headless::script::run(&a, &steps, &options).await;
                f.set(crate::headless::script::failed(&reports));
                drop(weak);
                let _ = slint::quit_event_loop();
            })?;
            slint::run_event_loop_until_quit()?;
            drop(timer);
            anyhow::ensure!(!failed.get(), "the script stopped at a failing step");
            return Ok(());
        }
        if let Some(n) = drive.burst {
            let weak = app.window.as_weak();
            slint::spawn_local(async move {
                if let Some(w) = weak.upgrade() {
                    if let Err(e) = burst_tickets(&w, n).await {
                        tracing::error!("burst stopped: {e:#}");
                    }
                }
            })?;
        }
        slint::run_event_loop_until_quit()?;
        drop(timer);
    } else {
        app.window.run()?;
    }
    Ok(())
}

fn has_display() -> bool {
    cfg!(feature = "kms")
        || std::env::var_os("DISPLAY").is_some_and(|v| !v.is_empty())
        || std::env::var_os("WAYLAND_DISPLAY").is_some_and(|v| !v.is_empty())
}

/// Issue `n` tickets through the real UI, cycling the window categories; prints each number as it is shown.
async fn burst_tickets(window: &crate::ui::AppWindow, n: usize) -> anyhow::Result<()> {
    use crate::headless::driver::{tap, wait_until};
    use crate::ui::{Nav, PrintAdapter, PrintState, TicketAdapter};
    use std::io::Write;
    let names: Vec<&str> = sanban_wire::WINDOW_CATEGORIES.iter().map(|c| c.2).collect();
    for i in 0..n {
        window.global::<Nav>().invoke_home();
        tap(window, "取号").await?;
        tap(window, names[i % names.len()]).await?;
        wait_until(window, "the print outcome", Duration::from_secs(10), |w| {
            w.global::<Nav>().get_page() == crate::app::flows::ticket::TICKET
                && w.global::<PrintAdapter>().get_state() != PrintState::Printing
        })
        .await?;
        let number = window.global::<TicketAdapter>().get_ticket().number;
        let state = window.global::<PrintAdapter>().get_state();
        println!("ticket {number} {state:?}");
        let _ = std::io::stdout().flush();
    }
    println!("burst done");
    Ok(())
}
