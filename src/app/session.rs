//! The idle timer: a one-second tick feeds the IdleTracker; touches reset it.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use slint::ComponentHandle;

use super::{wipe_session, Services, Session};
use crate::session::{IdleState, IdleTracker};
use crate::ui::{AppWindow, KioskAdapter, Nav, Page};

pub(super) fn start_idle_timer(
    window: &AppWindow,
    services: &Rc<Services>,
    session: &Rc<RefCell<Session>>,
) -> slint::Timer {
    let cfg = &services.config.session;
    let tracker = Rc::new(RefCell::new(IdleTracker::new(
        cfg.idle_seconds,
        cfg.countdown_seconds,
    )));

    let kiosk = window.global::<KioskAdapter>();
    let t = tracker.clone();
    kiosk.on_touched(move || t.borrow_mut().touch());
    let t = tracker.clone();
    let weak = window.as_weak();
    kiosk.on_keep_session(move || {
        t.borrow_mut().touch();
        if let Some(w) = weak.upgrade() {
            w.global::<KioskAdapter>().set_countdown(-1);
        }
    });

    let timer = slint::Timer::default();
    let weak = window.as_weak();
    let session = session.clone();
    let services = services.clone();
    timer.start(
        slint::TimerMode::Repeated,
        Duration::from_secs(1),
        move || {
            let Some(w) = weak.upgrade() else { return };
            let kiosk = w.global::<KioskAdapter>();
            // Home with nothing chosen is already a clean slate: no countdown there.
            if w.global::<Nav>().get_page() == Page::Home
                && !kiosk.get_large_type()
                && kiosk.get_language() == "zh"
            {
                tracker.borrow_mut().touch();
                return;
            }
            match tracker.borrow_mut().tick() {
                IdleState::Active => kiosk.set_countdown(-1),
                IdleState::Countdown(left) => kiosk.set_countdown(left as i32),
                IdleState::Expired => {
                    tracing::info!("idle timeout: session wiped");
                    wipe_session(&w, &services, &session);
                }
            }
        },
    );
    timer
}
