//! Controllers between the Slint UI and the kiosk's services. Each controller wires one Adapter global.

mod priority;
pub mod run;
pub mod services;
mod session;
mod status;
mod ticket_flow;

use std::cell::RefCell;
use std::rc::Rc;

use slint::ComponentHandle;

pub use services::{Metrics, Services};

use crate::lang::Lang;
use crate::ui::{AppWindow, KioskAdapter, Nav, Page, TicketAdapter};

/// Per-citizen state kept on the Rust side, wiped when the citizen leaves (Home, or the idle countdown runs
/// out). What the screen shows (ticket, priority lane) lives in the adapters and is wiped with them.
#[derive(Debug, Default)]
pub struct Session {
    pub lang: Lang,
}

/// The running kiosk UI.
pub struct KioskApp {
    pub window: AppWindow,
    pub services: Rc<Services>,
    _timers: Vec<slint::Timer>,
}

impl KioskApp {
    /// Create the window and wire every adapter. The Slint platform must be set up before.
    pub fn new(services: Services) -> anyhow::Result<KioskApp> {
        let window = AppWindow::new()?;
        // Chinese is the source language; select it explicitly so a machine locale never decides.
        let _ = slint::select_bundled_translation("");
        let services = Rc::new(services);
        let session = Rc::new(RefCell::new(Session::default()));

        let kiosk = window.global::<KioskAdapter>();
        kiosk.set_kiosk_name(services.config.kiosk.name.clone().into());
        kiosk.set_hall(services.config.kiosk.hall.clone().into());

        wire_navigation(&window, &services, &session);
        wire_language(&window, &session);
        ticket_flow::wire(&window, &services, &session);
        priority::wire(&window, &services);
        let mut timers = status::start(&window, &services);
        timers.push(session::start_idle_timer(&window, &services, &session));
        Ok(KioskApp {
            window,
            services,
            _timers: timers,
        })
    }
}

/// Forget everything about the citizen and show the home page.
pub(crate) fn wipe_session(window: &AppWindow, services: &Services, session: &RefCell<Session>) {
    *session.borrow_mut() = Session::default();
    services.devices.idcard.cancel();
    let _ = slint::select_bundled_translation("");
    let kiosk = window.global::<KioskAdapter>();
    kiosk.set_language("zh".into());
    kiosk.set_large_type(false);
    kiosk.set_countdown(-1);
    ticket_flow::clear(window);
    window.global::<Nav>().set_page(Page::Home);
}

fn wire_navigation(window: &AppWindow, services: &Rc<Services>, session: &Rc<RefCell<Session>>) {
    let nav = window.global::<Nav>();
    let weak = window.as_weak();
    let s = session.clone();
    let svc = services.clone();
    nav.on_home(move || {
        if let Some(w) = weak.upgrade() {
            wipe_session(&w, &svc, &s);
        }
    });
    let weak = window.as_weak();
    let svc = services.clone();
    nav.on_back(move || {
        let Some(w) = weak.upgrade() else { return };
        let nav = w.global::<Nav>();
        let tickets = w.global::<TicketAdapter>();
        match nav.get_page() {
            Page::Ticket => nav.set_page(Page::Categories),
            Page::Idcard => {
                svc.devices.idcard.cancel();
                tickets.set_priority(false);
                nav.set_page(Page::Home)
            }
            Page::Categories => {
                // Leaving the flow drops the priority lane too: it was granted for this errand.
                tickets.set_priority(false);
                nav.set_page(Page::Home)
            }
            Page::Home => {}
        }
    });
}

fn wire_language(window: &AppWindow, session: &Rc<RefCell<Session>>) {
    let kiosk = window.global::<KioskAdapter>();
    let weak = window.as_weak();
    let s = session.clone();
    kiosk.on_set_language(move |code| {
        let Some(lang) = Lang::from_code(&code) else {
            return;
        };
        // Chinese is the source text: the empty bundle name selects it.
        let bundle = if lang == Lang::Zh { "" } else { lang.code() };
        if let Err(e) = slint::select_bundled_translation(bundle) {
            tracing::error!("cannot switch language to {code}: {e}");
            return;
        }
        s.borrow_mut().lang = lang;
        if let Some(w) = weak.upgrade() {
            w.global::<KioskAdapter>().set_language(code);
        }
    });
    let weak = window.as_weak();
    kiosk.on_set_large_type(move |on| {
        if let Some(w) = weak.upgrade() {
            w.global::<KioskAdapter>().set_large_type(on);
        }
    });
}
