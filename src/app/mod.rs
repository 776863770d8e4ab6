//! Controllers between the Slint UI and the kiosk's services. The shell (navigation, language, help, the idle
//! session, the status bar) is here; each citizen flow is a unit in [`flows`], registered in one place.

pub mod flows;
mod idle;
mod kiosk;
pub mod pinyin;
pub mod printing;
pub mod run;
pub mod services;
mod session;
pub(crate) mod status;

use std::rc::Rc;

use sanban_wire::{EventPayload, HelpRequested};
use slint::ComponentHandle;

pub use kiosk::{Kiosk, WeakKiosk, HOME};
pub use services::{Metrics, Services};
pub use session::{CompletedErrand, Session};

use crate::lang::Lang;
use crate::store::Errand;
use crate::ui::{AppWindow, KioskAdapter, Nav};

/// The running kiosk UI.
pub struct KioskApp {
    pub window: AppWindow,
    pub services: Rc<Services>,
    pub kiosk: Kiosk,
    _timers: Vec<slint::Timer>,
}

impl KioskApp {
    /// Create the window and wire every adapter. The Slint platform must be set up before.
    pub fn new(services: Services) -> anyhow::Result<KioskApp> {
        let window = AppWindow::new()?;
        // Chinese is the source language; select it explicitly so a machine locale never decides.
        let _ = slint::select_bundled_translation("");
        let services = Rc::new(services);
        let kiosk = Kiosk::new(&window, services.clone());

        let cfg = &services.config.kiosk;
        let adapter = window.global::<KioskAdapter>();
        adapter.set_kiosk_name(cfg.name.clone().into());
        adapter.set_kiosk_name_en(cfg.name_en.clone().into());
        adapter.set_hall(cfg.hall.clone().into());
        adapter.set_hall_en(cfg.hall_en.clone().into());
        adapter.set_help_phone(cfg.help_phone.clone().into());

        wire_navigation(&window, &kiosk);
        wire_language(&window, &kiosk);
        wire_help(&window, &kiosk);
        printing::wire(&window, &kiosk);
        for flow in flows::all() {
            flow.wire(&kiosk);
        }
        kiosk.home();
        let timers = vec![status::start(&kiosk), idle::start_idle_timer(&kiosk)];
        Ok(KioskApp {
            window,
            services,
            kiosk,
            _timers: timers,
        })
    }
}

fn wire_navigation(window: &AppWindow, kiosk: &Kiosk) {
    let nav = window.global::<Nav>();
    let k = kiosk.clone();
    nav.on_go(move |page| k.go(&page));
    let k = kiosk.clone();
    nav.on_back(move || k.back());
    let k = kiosk.clone();
    nav.on_home(move || k.home());
    let k = kiosk.clone();
    nav.on_done(move || k.done());
}

fn wire_language(window: &AppWindow, kiosk: &Kiosk) {
    let adapter = window.global::<KioskAdapter>();
    let k = kiosk.clone();
    adapter.on_set_language(move |code| {
        if let Some(lang) = Lang::from_code(&code) {
            switch_language(&k, lang);
        }
    });
    let k = kiosk.clone();
    adapter.on_set_large_type(move |on| {
        k.with_window(|w| w.global::<KioskAdapter>().set_large_type(on));
    });
}

/// Show the UI in `lang` for this session.
pub(crate) fn switch_language(kiosk: &Kiosk, lang: Lang) {
    // Chinese is the source text: the empty bundle name selects it.
    let bundle = if lang == Lang::Zh { "" } else { lang.code() };
    if let Err(e) = slint::select_bundled_translation(bundle) {
        tracing::error!("cannot switch language to {}: {e}", lang.code());
        return;
    }
    kiosk.session().lang = lang;
    kiosk.with_window(|w| w.global::<KioskAdapter>().set_language(lang.code().into()));
}

/// "呼叫帮助": the dialog opens at once; the call reaches the hall's staff through the platform (an outbox event,
/// so it is not lost when the network is down).
fn wire_help(window: &AppWindow, kiosk: &Kiosk) {
    let adapter = window.global::<KioskAdapter>();
    let k = kiosk.clone();
    adapter.on_call_help(move || {
        let page = k.page();
        let services = k.services();
        let sent = services
            .store()
            .commit_errand(services.clock.now(), services.tz, |_| {
                Ok(Errand {
                    value: (),
                    event: EventPayload::HelpRequested(HelpRequested { page: page.clone() }),
                    print: None,
                })
            });
        match &sent {
            Ok(_) => services.poke_sync(),
            Err(e) => tracing::error!("call for help not recorded: {e}"),
        }
        let online = services.gateway.configured() && sent.is_ok();
        k.with_window(|w| {
            let adapter = w.global::<KioskAdapter>();
            adapter.set_help_sent(online);
            adapter.set_help_open(true);
        });
    });
    let k = kiosk.clone();
    adapter.on_close_help(move || {
        k.with_window(|w| w.global::<KioskAdapter>().set_help_open(false));
    });
}
