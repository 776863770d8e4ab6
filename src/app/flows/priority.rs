//! 绿色通道 (priority lane): the identity step reads the card; citizens of the configured age (60 by default) with
//! a valid card take a priority ticket. Only the masked name and the age reach the screen.

use slint::ComponentHandle;

use super::{Flow, PageSpec, Preview, TileSpec};
use crate::app::flows::identity::{self, Request};
use crate::app::Kiosk;
use crate::devices::DeviceKind;
use crate::ui::{AppWindow, PriorityAdapter, PriorityVerdict, TicketAdapter};

/// Age from which the priority lane applies.
pub const PRIORITY_AGE: u32 = 60;

pub const RESULT: &str = "priority.result";

pub struct Priority;

impl Flow for Priority {
    fn name(&self) -> &'static str {
        "priority"
    }

    fn pages(&self) -> &'static [PageSpec] {
        const PAGES: [PageSpec; 1] = [PageSpec::new(RESULT)];
        &PAGES
    }

    fn tiles(&self) -> &'static [TileSpec] {
        &[TileSpec {
            code: "priority",
            primary: true,
        }]
    }

    /// Offered only while a reader is there to serve it.
    fn tile_available(&self, kiosk: &Kiosk, _code: &str) -> bool {
        crate::app::status::usable(
            kiosk
                .services()
                .devices
                .health
                .get(DeviceKind::IdCard)
                .state,
        )
    }

    fn wire(&self, kiosk: &Kiosk) {
        let k = kiosk.clone();
        kiosk.with_window(|w| {
            w.global::<PriorityAdapter>().on_continue(move || {
                let Some(w) = k.window() else { return };
                let verdict = w.global::<PriorityAdapter>().get_verdict();
                let tickets = w.global::<TicketAdapter>();
                tickets.set_priority(verdict == PriorityVerdict::Eligible);
                tickets.set_priority_holder(w.global::<PriorityAdapter>().get_holder());
                super::ticket::open_categories(&k);
            })
        });
    }

    fn start(&self, kiosk: &Kiosk, _entry: &str) {
        identity::request(
            kiosk,
            Request {
                purpose: "priority",
                step: 1,
                step_count: 3,
                accept_expired: true,
                then: Box::new(|k| {
                    show_verdict(k);
                    k.go(RESULT);
                }),
            },
        );
    }

    fn clear(&self, _kiosk: &Kiosk, window: &AppWindow) {
        let adapter = window.global::<PriorityAdapter>();
        adapter.set_verdict(PriorityVerdict::TooYoung);
        adapter.set_holder("".into());
        adapter.set_age(0);
    }

    fn previews(&self) -> Vec<String> {
        vec![RESULT.into(), format!("{RESULT}#too-young")]
    }

    fn preview<'a>(&'a self, kiosk: &'a Kiosk, preview: &'a str) -> Preview<'a> {
        Box::pin(async move {
            kiosk.go(RESULT);
            kiosk.with_window(|w| {
                let adapter = w.global::<PriorityAdapter>();
                adapter.set_holder("欧阳**".into());
                adapter.set_min_age(PRIORITY_AGE as i32);
                if preview.ends_with("#too-young") {
                    adapter.set_verdict(PriorityVerdict::TooYoung);
                    adapter.set_age(45);
                } else {
                    adapter.set_verdict(PriorityVerdict::Eligible);
                    adapter.set_age(72);
                }
            });
            Ok(())
        })
    }
}

/// The lane's verdict on the card in the session.
fn show_verdict(kiosk: &Kiosk) {
    let (holder, age, expired) = match kiosk.session().identity.as_ref() {
        Some(id) => (id.masked_name(), id.age, id.expired),
        None => return,
    };
    kiosk.with_window(|w| {
        let adapter = w.global::<PriorityAdapter>();
        adapter.set_holder(holder.into());
        adapter.set_age(age as i32);
        adapter.set_min_age(PRIORITY_AGE as i32);
        adapter.set_verdict(if expired {
            PriorityVerdict::Expired
        } else if age >= PRIORITY_AGE {
            PriorityVerdict::Eligible
        } else {
            PriorityVerdict::TooYoung
        });
    });
}
