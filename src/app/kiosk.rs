//! The context every controller shares: the window (weakly), the services, the citizen's session and the
//! registered flows. Navigation lives here: pages are named "flow.page"; the session keeps the history that "返回"
//! walks back, and leaving a page tells its flow (e.g. to stop waiting for a card).

use std::cell::{RefCell, RefMut};
use std::rc::{Rc, Weak};

use slint::ComponentHandle;

use super::flows::{self, Flow, PageSpec};
use super::session::Session;
use super::Services;
use crate::ui::{AppWindow, KioskAdapter, Nav};

/// The first page of a session.
pub const HOME: &str = "home.main";

#[derive(Clone)]
pub struct Kiosk(Rc<Inner>);

/// A handle that does not keep the kiosk alive (for timers and background tasks).
#[derive(Clone)]
pub struct WeakKiosk(Weak<Inner>);

struct Inner {
    window: slint::Weak<AppWindow>,
    services: Rc<Services>,
    session: RefCell<Session>,
}

impl WeakKiosk {
    pub fn upgrade(&self) -> Option<Kiosk> {
        self.0.upgrade().map(Kiosk)
    }
}

impl Kiosk {
    pub fn new(window: &AppWindow, services: Rc<Services>) -> Kiosk {
        Kiosk(Rc::new(Inner {
            window: window.as_weak(),
            services,
            session: RefCell::new(Session::default()),
        }))
    }

    pub fn downgrade(&self) -> WeakKiosk {
        WeakKiosk(Rc::downgrade(&self.0))
    }

    /// The window; `None` once it is gone (the app is shutting down).
    pub fn window(&self) -> Option<AppWindow> {
        self.0.window.upgrade()
    }

    pub fn services(&self) -> &Rc<Services> {
        &self.0.services
    }

    pub fn session(&self) -> RefMut<'_, Session> {
        self.0.session.borrow_mut()
    }

    /// Which session this is: a result that arrives for an earlier session (a card read, a platform answer after
    /// the citizen left) is dropped by comparing this.
    pub fn generation(&self) -> u64 {
        self.0.session.borrow().generation
    }

    /// Await `work` (a platform answer, a device's result) off the UI's path, then hand its output to `then` on the
    /// event loop — unless the citizen has left meanwhile (the session changed), when it is dropped.
    pub fn when_ready<T: 'static>(
        &self,
        work: impl std::future::Future<Output = T> + 'static,
        then: impl FnOnce(&Kiosk, T) + 'static,
    ) {
        let generation = self.generation();
        let k = self.downgrade();
        let spawned = slint::spawn_local(async move {
            let output = work.await;
            let Some(kiosk) = k.upgrade() else { return };
            if kiosk.generation() == generation {
                then(&kiosk, output);
            }
        });
        if let Err(e) = spawned {
            tracing::error!("event loop gone: {e}");
        }
    }

    /// The page on screen.
    pub fn page(&self) -> String {
        self.window()
            .map(|w| w.global::<Nav>().get_page().to_string())
            .unwrap_or_default()
    }

    /// Show `page`, remembering the page we leave so that "返回" comes back to it.
    pub fn go(&self, page: &str) {
        let from = self.page();
        if from == page {
            return;
        }
        let Some(target) = flows::page(page) else {
            tracing::error!("no page {page:?} is registered");
            return;
        };
        self.leave(&from);
        {
            let mut session = self.session();
            if let Some(spec) = flows::page(&from).filter(|p| p.in_history) {
                session.history.push(spec.name);
            }
        }
        self.show(target);
    }

    /// "返回": the previous page of this errand, or home.
    pub fn back(&self) {
        let previous = self.session().history.pop();
        match previous {
            Some(page) => {
                let from = self.page();
                self.leave(&from);
                if let Some(spec) = flows::page(page) {
                    self.show(spec);
                }
            }
            None => self.home(),
        }
    }

    /// Back to `page`, an earlier page of this session, as "返回" would reach it: the pages after it leave the
    /// history. Goes to `page` as a new step when it is not in the history.
    pub fn return_to(&self, page: &str) {
        let found = self.session().history.iter().rposition(|p| *p == page);
        match found {
            Some(i) => {
                self.session().history.truncate(i + 1);
                self.back();
            }
            None => self.go(page),
        }
    }

    /// "首页", or the idle timeout: forget everything about the citizen and show the home page.
    pub fn home(&self) {
        let from = self.page();
        self.leave(&from);
        self.wipe();
        if let Some(spec) = flows::page(HOME) {
            self.show(spec);
        }
    }

    /// A flow completed an errand (its receipt is committed): "完成" will lead on from it.
    pub fn complete_errand(&self, errand: super::CompletedErrand) {
        self.session().completed = Some(errand);
    }

    /// "完成": the errand is complete. A completed errand leads to its rating (好差评), which the citizen may
    /// skip; otherwise home.
    pub fn done(&self) {
        let page = self.page();
        if flows::flow_of(&page).is_some_and(|f| f.done(self, &page)) {
            return;
        }
        let completed = self.session().completed.clone();
        match completed {
            Some(errand) => flows::rating::start(self, errand),
            None => self.home(),
        }
    }

    fn show(&self, spec: &'static PageSpec) {
        let Some(w) = self.window() else { return };
        let nav = w.global::<Nav>();
        nav.set_flow(spec.flow().into());
        nav.set_page(spec.name.into());
        nav.set_can_back(spec.name != HOME);
    }

    fn leave(&self, page: &str) {
        if let Some(flow) = flows::flow_of(page) {
            flow.leave(self, page);
        }
    }

    /// Forget the citizen: the session (its identity is zeroized as it drops), every flow's screen state, the
    /// language and large type (back to the settings' defaults), the overlays.
    fn wipe(&self) {
        {
            let mut session = self.session();
            let generation = session.generation + 1;
            *session = Session {
                generation,
                ..Session::default()
            };
        }
        self.services().devices.idcard.cancel();
        let Some(w) = self.window() else { return };
        for flow in flows::all() {
            flow.clear(self, &w);
        }
        // The next citizen starts in the language and type size the settings give (a technician may change them).
        let settings = self.services().settings();
        super::switch_language(self, settings.default_language);
        let kiosk = w.global::<KioskAdapter>();
        kiosk.set_large_type(settings.large_type);
        kiosk.set_countdown(-1);
        kiosk.set_help_open(false);
        kiosk.set_help_sent(false);
    }

    /// Run `f` with the window if it still exists.
    pub fn with_window(&self, f: impl FnOnce(&AppWindow)) {
        if let Some(w) = self.window() {
            f(&w);
        }
    }

    pub fn flows(&self) -> &'static [&'static dyn Flow] {
        flows::all()
    }
}
