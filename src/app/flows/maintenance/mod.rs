//! 维护模式: the technician's flow. A 3-second press on the kiosk's name in the header ("维护入口") opens the PIN pad
//! (or the platform's one-time code); the menu leads to device health and self-tests, network and sync, and the
//! receipts that did not print, the recent log lines, the settings a technician may change, and restarting the
//! app. The reports come from `crate::technician`, the functions the technician command
//! line prints. Every action is an audited `maintenance.action` event; leaving, or the idle timeout, ends the
//! technician's session like a citizen's.

mod log_page;
mod pad;
mod pages;
mod restart_page;
mod settings_page;

use std::cell::RefCell;

use sanban_wire::{MaintenanceAction, MaintenanceActionKind};
use slint::ComponentHandle;

use super::{Flow, PageSpec, Preview};
use crate::app::Kiosk;
use crate::lang::Lang;
use crate::ui::{AppWindow, KioskAdapter, MaintenanceAdapter};

pub const PAD: &str = "maintenance.pad";
pub const MENU: &str = "maintenance.menu";
pub const DEVICES: &str = "maintenance.devices";
pub const SYNC: &str = "maintenance.sync";
pub const JOBS: &str = "maintenance.jobs";
pub const LOG: &str = "maintenance.log";
pub const SETTINGS: &str = "maintenance.settings";
pub const RESTART: &str = "maintenance.restart";

thread_local! {
    /// Who is in maintenance mode (UI thread only); `None` on the pad and for citizens.
    static TECHNICIAN: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// The technician in maintenance mode, if any.
pub fn technician() -> Option<String> {
    TECHNICIAN.with(|t| t.borrow().clone())
}

fn set_technician(name: Option<String>) {
    TECHNICIAN.with(|t| *t.borrow_mut() = name);
}

pub struct Maintenance;

impl Flow for Maintenance {
    fn name(&self) -> &'static str {
        "maintenance"
    }

    fn pages(&self) -> &'static [PageSpec] {
        const PAGES: [PageSpec; 8] = [
            PageSpec::passing(PAD),
            PageSpec::new(MENU),
            PageSpec::new(DEVICES),
            PageSpec::new(SYNC),
            PageSpec::new(JOBS),
            PageSpec::new(LOG),
            PageSpec::new(SETTINGS),
            PageSpec::new(RESTART),
        ];
        &PAGES
    }

    fn wire(&self, kiosk: &Kiosk) {
        let Some(w) = kiosk.window() else { return };
        let k = kiosk.clone();
        w.global::<KioskAdapter>()
            .on_maintenance_entry(move || pad::open(&k));
        pad::wire(kiosk, &w);
        pages::wire(kiosk, &w);
        log_page::wire(kiosk, &w);
        settings_page::wire(kiosk, &w);
        restart_page::wire(kiosk, &w);
        let adapter = w.global::<MaintenanceAdapter>();
        let k = kiosk.clone();
        adapter.on_open(move |page| match page.as_str() {
            "devices" => pages::open_devices(&k),
            "sync" => pages::open_sync(&k),
            "jobs" => pages::open_jobs(&k),
            "log" => log_page::open_log(&k),
            "settings" => settings_page::open_settings(&k),
            "restart" => restart_page::open_restart(&k),
            // The staff's locker pages belong to the pickup flow; maintenance only leads there.
            "deposit" => {
                audit(&k, MaintenanceActionKind::StaffDeposit, None, None);
                crate::app::flows::pickup::start_staff_deposit(&k);
            }
            other => tracing::error!("no maintenance page {other:?}"),
        });
        let k = kiosk.clone();
        adapter.on_leave(move || {
            audit(&k, MaintenanceActionKind::Leave, None, None);
            set_technician(None);
            k.home();
        });
    }

    fn start(&self, kiosk: &Kiosk, _entry: &str) {
        pad::open(kiosk);
    }

    fn leave(&self, kiosk: &Kiosk, page: &str) {
        if page == PAD {
            pad::forget_typed(kiosk);
        }
    }

    fn clear(&self, kiosk: &Kiosk, window: &AppWindow) {
        // The session was wiped while a technician was in: the idle timeout (a "退出维护" clears the technician
        // before it goes home).
        if technician().is_some() {
            audit(kiosk, MaintenanceActionKind::TimedOut, None, None);
            set_technician(None);
        }
        pad::forget_typed(kiosk);
        let adapter = window.global::<MaintenanceAdapter>();
        adapter.set_code_mode(false);
        adapter.set_typed(0);
        adapter.set_pad_message("".into());
        adapter.set_pad_open(true);
        adapter.set_busy(false);
        adapter.set_technician("".into());
        adapter.set_rows(Default::default());
        adapter.set_jobs(Default::default());
        adapter.set_result("".into());
        adapter.set_door(1);
        adapter.set_log_lines(Default::default());
        adapter.set_log_level("all".into());
        adapter.set_restarting(false);
    }

    fn previews(&self) -> Vec<String> {
        vec![
            PAD.into(),
            format!("{PAD}#locked"),
            format!("{PAD}#unprovisioned"),
            MENU.into(),
            DEVICES.into(),
            SYNC.into(),
            JOBS.into(),
            LOG.into(),
            SETTINGS.into(),
            RESTART.into(),
        ]
    }

    fn preview<'a>(&'a self, kiosk: &'a Kiosk, preview: &'a str) -> Preview<'a> {
        Box::pin(async move {
            let window = kiosk.window().ok_or_else(|| anyhow::anyhow!("no window"))?;
            let adapter = window.global::<MaintenanceAdapter>();
            match preview {
                PAD => {
                    pad::open(kiosk);
                    adapter.set_typed(4);
                    adapter.set_pad_open(true);
                    adapter.set_pad_message(
                        t(
                            kiosk,
                            "密码错误，还可以再试 3 次",
                            "Wrong PIN: 3 tries left",
                        )
                        .into(),
                    );
                    adapter.set_pad_tone("warn".into());
                }
                "maintenance.pad#locked" => {
                    pad::open(kiosk);
                    adapter.set_pad_open(false);
                    adapter.set_pad_message(pad::locked_message(kiosk, "21:47"));
                    adapter.set_pad_tone("fault".into());
                }
                "maintenance.pad#unprovisioned" => {
                    pad::open(kiosk);
                    adapter.set_pad_open(false);
                    adapter.set_pad_message(pad::unprovisioned_message(kiosk, false));
                    adapter.set_pad_tone("warn".into());
                }
                MENU | DEVICES | SYNC | JOBS | LOG | SETTINGS | RESTART => {
                    enter_as(kiosk, "T01");
                    match preview {
                        DEVICES => pages::open_devices(kiosk),
                        SYNC => pages::open_sync(kiosk),
                        JOBS => pages::open_jobs(kiosk),
                        LOG => log_page::open_log(kiosk),
                        SETTINGS => settings_page::open_settings(kiosk),
                        RESTART => restart_page::open_restart(kiosk),
                        _ => {}
                    }
                }
                other => anyhow::bail!("no maintenance preview {other:?}"),
            }
            Ok(())
        })
    }
}

/// A technician was let in: the menu.
fn enter_as(kiosk: &Kiosk, technician: &str) {
    set_technician(Some(technician.to_string()));
    kiosk.with_window(|w| {
        w.global::<MaintenanceAdapter>()
            .set_technician(technician.into())
    });
    kiosk.go(MENU);
}

/// Chinese or English by the session's language.
fn t(kiosk: &Kiosk, zh: &'static str, en: &'static str) -> &'static str {
    match kiosk.session().lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

/// Record one maintenance action (who, what, on what, how it ended) as an outbox event. An action that cannot be
/// recorded is logged; the technician's work goes on (the device action already happened).
fn audit(
    kiosk: &Kiosk,
    action: MaintenanceActionKind,
    target: Option<String>,
    result: Option<String>,
) {
    let Some(technician) = technician() else {
        return;
    };
    let services = kiosk.services();
    let recorded = services.store().record_maintenance_action(
        services.clock.now(),
        services.tz,
        MaintenanceAction {
            technician,
            action,
            target,
            result,
        },
    );
    match recorded {
        Ok(seq) => {
            tracing::info!(action = action.as_str(), seq, "maintenance action recorded");
            services.poke_sync();
        }
        Err(e) => tracing::error!(
            action = action.as_str(),
            "maintenance action not recorded: {e}"
        ),
    }
}
