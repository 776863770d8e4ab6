//! The identity step every flow that needs the citizen uses ("请将身份证放在读卡区"). A flow asks for it with its
//! purpose, its place in the flow's steps and what happens next; the step reads the card, keeps the
//! [`CitizenIdentity`](crate::devices::CitizenIdentity) in the session, shows only masked data, says "请取回身份证",
//! and moves on by itself. Leaving the page stops the reader.

use std::cell::RefCell;
use std::time::Duration;

use slint::ComponentHandle;

use super::{Flow, PageSpec, Preview};
use crate::app::Kiosk;
use crate::devices::CardOutcome;
use crate::ui::{AppWindow, IdentityAdapter, IdentityState};

pub const PAGE: &str = "identity.read";

/// How long the "已读取 · 请取回身份证" state stays before the step moves on.
const SHOW_READ: Duration = Duration::from_millis(1200);

/// What a flow asks of the identity step.
pub struct Request {
    /// A code `IdentityStrings` (ui/components/identity-step.slint) translates: the page title and why.
    pub purpose: &'static str,
    /// The identity step's place among the flow's steps.
    pub step: i32,
    pub step_count: i32,
    /// Whether an expired card may continue (the flow then explains); otherwise the step stops there.
    pub accept_expired: bool,
    /// Called once the card was read (the identity is in the session).
    pub then: Box<dyn FnOnce(&Kiosk)>,
}

thread_local! {
    /// The request waiting for a card (UI thread only).
    static PENDING: RefCell<Option<Request>> = const { RefCell::new(None) };
}

/// Show the identity step for `request` and start the reader.
pub fn request(kiosk: &Kiosk, request: Request) {
    kiosk.with_window(|w| {
        let adapter = w.global::<IdentityAdapter>();
        adapter.set_purpose(request.purpose.into());
        adapter.set_step(request.step);
        adapter.set_step_count(request.step_count);
        adapter.set_holder("".into());
        adapter.set_id_masked("".into());
    });
    PENDING.with(|p| *p.borrow_mut() = Some(request));
    kiosk.go(PAGE);
    start_reading(kiosk);
}

fn start_reading(kiosk: &Kiosk) {
    let services = kiosk.services();
    let usable = crate::app::status::usable(
        services
            .devices
            .health
            .get(crate::devices::DeviceKind::IdCard)
            .state,
    );
    kiosk.with_window(|w| {
        w.global::<IdentityAdapter>()
            .set_state(if services.devices.idcard.available() {
                IdentityState::Waiting
            } else {
                IdentityState::Unavailable
            })
    });
    if !services.devices.idcard.available() {
        return;
    }
    if !usable {
        tracing::warn!("identity step started while the reader reports a fault");
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    services
        .devices
        .idcard
        .wait_for_card(services.citizen_key(), move |outcome| {
            let _ = tx.send(outcome);
        });
    let k = kiosk.downgrade();
    let generation = kiosk.generation();
    let _ = slint::spawn_local(async move {
        // A cancelled wait drops the sender: nothing to do.
        let Ok(outcome) = rx.await else { return };
        let Some(kiosk) = k.upgrade() else { return };
        if kiosk.generation() == generation && kiosk.page() == PAGE {
            card_read(&kiosk, outcome);
        }
    });
}

fn card_read(kiosk: &Kiosk, outcome: CardOutcome) {
    let Some(w) = kiosk.window() else { return };
    let adapter = w.global::<IdentityAdapter>();
    let identity = match outcome {
        CardOutcome::Failed(why) => {
            tracing::info!("identity step: card not read ({why})");
            adapter.set_state(IdentityState::Failed);
            return;
        }
        CardOutcome::Read(identity) => identity,
    };
    adapter.set_holder(identity.masked_name().into());
    adapter.set_id_masked(identity.masked_id().into());
    let accept_expired = PENDING.with(|p| p.borrow().as_ref().is_some_and(|r| r.accept_expired));
    if identity.expired && !accept_expired {
        adapter.set_state(IdentityState::Expired);
        return;
    }
    adapter.set_state(IdentityState::Read);
    kiosk.session().identity = Some(*identity);
    let k = kiosk.downgrade();
    let generation = kiosk.generation();
    slint::Timer::single_shot(SHOW_READ, move || {
        let Some(kiosk) = k.upgrade() else { return };
        if kiosk.generation() != generation || kiosk.page() != PAGE {
            return;
        }
        if let Some(request) = PENDING.with(|p| p.borrow_mut().take()) {
            (request.then)(&kiosk);
        }
    });
}

/// The identity step as a registered unit (its page, its wipe, its preview).
pub struct IdentityStep;

impl Flow for IdentityStep {
    fn name(&self) -> &'static str {
        "identity"
    }

    fn pages(&self) -> &'static [PageSpec] {
        const PAGES: [PageSpec; 1] = [PageSpec::passing(PAGE)];
        &PAGES
    }

    fn wire(&self, kiosk: &Kiosk) {
        let k = kiosk.clone();
        kiosk.with_window(|w| {
            w.global::<IdentityAdapter>()
                .on_retry(move || start_reading(&k))
        });
    }

    fn start(&self, _kiosk: &Kiosk, _entry: &str) {}

    fn leave(&self, kiosk: &Kiosk, _page: &str) {
        kiosk.services().devices.idcard.cancel();
    }

    fn clear(&self, _kiosk: &Kiosk, window: &AppWindow) {
        PENDING.with(|p| *p.borrow_mut() = None);
        let adapter = window.global::<IdentityAdapter>();
        adapter.set_state(IdentityState::Waiting);
        adapter.set_holder("".into());
        adapter.set_id_masked("".into());
    }

    fn previews(&self) -> Vec<String> {
        ["", "#read", "#failed", "#expired"]
            .iter()
            .map(|v| format!("{PAGE}{v}"))
            .collect()
    }

    fn preview<'a>(&'a self, kiosk: &'a Kiosk, preview: &'a str) -> Preview<'a> {
        Box::pin(async move {
            kiosk.go(PAGE);
            kiosk.services().devices.idcard.cancel();
            let state = match preview.split_once('#').map(|(_, v)| v) {
                None => IdentityState::Waiting,
                Some("read") => IdentityState::Read,
                Some("failed") => IdentityState::Failed,
                Some("expired") => IdentityState::Expired,
                Some(other) => anyhow::bail!("no identity preview {other:?}"),
            };
            kiosk.with_window(|w| {
                let adapter = w.global::<IdentityAdapter>();
                adapter.set_purpose("priority".into());
                adapter.set_step(1);
                adapter.set_step_count(3);
                adapter.set_holder("张*".into());
                adapter.set_id_masked("4201**********1234".into());
                adapter.set_state(state);
            });
            Ok(())
        })
    }
}
