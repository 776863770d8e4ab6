//! The idle timer: a one-second tick feeds the IdleTracker, touches reset it, and when the countdown runs out the
//! citizen's session is wiped (Home).

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use slint::ComponentHandle;

use super::kiosk::{Kiosk, HOME};
use crate::session::{IdleState, IdleTracker};
use crate::ui::KioskAdapter;

pub(super) fn start_idle_timer(kiosk: &Kiosk) -> slint::Timer {
    let settings = kiosk.services().settings();
    let tracker = Rc::new(RefCell::new(IdleTracker::new(
        settings.idle_seconds,
        settings.countdown_seconds,
    )));
    let Some(window) = kiosk.window() else {
        return slint::Timer::default();
    };
    let adapter = window.global::<KioskAdapter>();
    let t = tracker.clone();
    adapter.on_touched(move || t.borrow_mut().touch());
    let t = tracker.clone();
    let k = kiosk.downgrade();
    adapter.on_keep_session(move || {
        t.borrow_mut().touch();
        if let Some(k) = k.upgrade() {
            k.with_window(|w| w.global::<KioskAdapter>().set_countdown(-1));
        }
    });

    let timer = slint::Timer::default();
    let k = kiosk.downgrade();
    timer.start(
        slint::TimerMode::Repeated,
        Duration::from_secs(1),
        move || {
            let Some(kiosk) = k.upgrade() else { return };
            let Some(w) = kiosk.window() else { return };
            let adapter = w.global::<KioskAdapter>();
            // A technician's change of the idle times applies from the next tick.
            let settings = kiosk.services().settings();
            tracker
                .borrow_mut()
                .set_limits(settings.idle_seconds, settings.countdown_seconds);
            // Home with nothing chosen is already a clean slate: no countdown there.
            if kiosk.page() == HOME
                && adapter.get_large_type() == settings.large_type
                && adapter.get_language() == settings.default_language.code()
                && !adapter.get_help_open()
            {
                tracker.borrow_mut().touch();
                return;
            }
            match tracker.borrow_mut().tick() {
                IdleState::Active => adapter.set_countdown(-1),
                IdleState::Countdown(left) => adapter.set_countdown(left as i32),
                IdleState::Expired => {
                    tracing::info!("idle timeout: session wiped");
                    kiosk.home();
                }
            }
        },
    );
    timer
}
