//! 绿色通道: the ID card proves the citizen is 60 or older. Only the masked name and the age reach the UI; the
//! reader is polled only while this page waits for a card.

use std::rc::Rc;

use slint::ComponentHandle;

use super::Services;
use crate::devices::CardOutcome;
use crate::ui::{AppWindow, CardState, Nav, Page, TicketAdapter};

/// Age from which the priority lane applies.
pub const PRIORITY_AGE: u32 = 60;

pub(super) fn wire(window: &AppWindow, services: &Rc<Services>) {
    let adapter = window.global::<TicketAdapter>();
    let weak = window.as_weak();
    let svc = services.clone();
    adapter.on_start_priority(move || {
        let Some(w) = weak.upgrade() else { return };
        let adapter = w.global::<TicketAdapter>();
        adapter.set_card_state(CardState::Waiting);
        adapter.set_priority(false);
        let weak = w.as_weak();
        svc.devices.idcard.wait_for_card(move |outcome| {
            let _ = weak.upgrade_in_event_loop(move |w| show(&w, outcome));
        });
    });
    let svc = services.clone();
    adapter.on_cancel_priority(move || svc.devices.idcard.cancel());
}

fn show(window: &AppWindow, outcome: CardOutcome) {
    let adapter = window.global::<TicketAdapter>();
    // Stale reads are already dropped by the device handle; this also covers a result racing a page change.
    if adapter.get_card_state() != CardState::Waiting
        || window.global::<Nav>().get_page() != Page::Idcard
    {
        return;
    }
    match outcome {
        CardOutcome::Read(card) => {
            let eligible = card.age >= PRIORITY_AGE && !card.expired;
            adapter.set_card_holder(card.masked_name.into());
            adapter.set_card_age(card.age as i32);
            adapter.set_priority(eligible);
            adapter.set_card_state(match (card.expired, eligible) {
                (true, _) => CardState::Expired,
                (false, true) => CardState::Eligible,
                (false, false) => CardState::NotEligible,
            });
        }
        CardOutcome::Failed(_) => adapter.set_card_state(CardState::Failed),
    }
}
