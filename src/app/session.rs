//! The citizen's session: what the kiosk knows about the person in front of it, wiped when they leave (Home, or
//! the idle countdown running out). The idle timer lives here too: a one-second tick feeds the IdleTracker;
//! touches reset it.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use slint::ComponentHandle;

use super::Kiosk;
use crate::devices::CitizenIdentity;
use crate::lang::Lang;
use crate::session::{IdleState, IdleTracker};
use crate::ui::KioskAdapter;

/// Per-citizen state on the Rust side. What the screen shows lives in the adapters and is wiped with them.
#[derive(Debug, Default)]
pub struct Session {
    pub lang: Lang,
    /// The card read in this session (zeroized when the session drops it).
    pub identity: Option<CitizenIdentity>,
    /// Pages "返回" walks back through.
    pub history: Vec<&'static str>,
    /// Bumped by every wipe.
    pub generation: u64,
    /// The errand this citizen completed last (what a rating rates).
    pub completed: Option<CompletedErrand>,
    /// The citizen's bookings as the platform listed them after the card read (those taken at other kiosks of the
    /// hall, and how offline requests fared); empty when it did not answer in time.
    pub platform_bookings: Vec<crate::store::appointments::Booking>,
}

/// A completed errand: what "完成" leads on from, and what a rating refers to (办件编号).
#[derive(Debug, Clone, PartialEq)]
pub struct CompletedErrand {
    /// "ticket", "guide", "appointment", "application", "pickup" (sanban_wire::RATED_ERRANDS).
    pub errand: &'static str,
    /// The errand's own number: a ticket number, an application number, a booking code…
    pub id: String,
    /// The catalog service concerned, if any.
    pub service: Option<String>,
}

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
            if kiosk.page() == super::kiosk::HOME
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
