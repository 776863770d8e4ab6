//! 重启应用: after the confirmation, the action is committed as an audited `maintenance.action`, the page says the
//! app is restarting (or, without systemd, exiting), and a moment later the event loop ends; `main` exits with
//! `crate::restart::EXIT_STATUS`, on which the systemd unit starts the app again.

use std::time::Duration;

use sanban_wire::MaintenanceActionKind;
use slint::ComponentHandle;

use super::pages::open;
use super::{audit, RESTART};
use crate::app::Kiosk;
use crate::restart;
use crate::ui::{AppWindow, MaintenanceAdapter};

/// Long enough for the page to show that the restart is under way.
const SHOW_FOR: Duration = Duration::from_millis(800);

pub(super) fn wire(kiosk: &Kiosk, w: &AppWindow) {
    let k = kiosk.clone();
    w.global::<MaintenanceAdapter>()
        .on_restart(move || confirmed(&k));
}

pub(super) fn open_restart(kiosk: &Kiosk) {
    open(kiosk, RESTART);
    kiosk.with_window(|w| {
        let a = w.global::<MaintenanceAdapter>();
        a.set_supervised(restart::supervised());
        a.set_restarting(false);
    });
}

fn confirmed(kiosk: &Kiosk) {
    let supervised = restart::supervised();
    let result = if supervised {
        format!(
            "exiting with status {}: systemd starts it again",
            restart::EXIT_STATUS
        )
    } else {
        format!(
            "exiting with status {}: no systemd, start it again by hand",
            restart::EXIT_STATUS
        )
    };
    // Committed before the exit: the store writes it synchronously.
    audit(kiosk, MaintenanceActionKind::RestartApp, None, Some(result));
    tracing::warn!("restart requested by a technician");
    kiosk.with_window(|w| {
        let a = w.global::<MaintenanceAdapter>();
        a.set_supervised(supervised);
        a.set_restarting(true);
    });
    slint::Timer::single_shot(SHOW_FOR, restart::request);
}
