//! 取号: the citizen picks a window category; the ticket is committed (with its outbox event and print job) in one
//! errand transaction, shown on screen with its QR code, then printed. A printer failure never strands the
//! citizen: the ticket stays on screen and the job stays in the database for the technician.

use std::time::{Duration, Instant};

use slint::{ComponentHandle, Image, ModelRc, Rgba8Pixel, SharedPixelBuffer, VecModel};

use super::{Flow, PageSpec, Preview, TileSpec};
use crate::app::Kiosk;
use crate::receipts::ticket::{self as ticket_receipt, TicketContext};
use crate::store::{IssuedTicket, TicketRequest};
use crate::ui::{AppWindow, CategoryItem, PrintAdapter, PrintState, TicketAdapter, TicketView};

pub const CATEGORIES: &str = "ticket.categories";
pub const TICKET: &str = "ticket.ticket";

pub struct Ticket;

impl Flow for Ticket {
    fn name(&self) -> &'static str {
        "ticket"
    }

    fn pages(&self) -> &'static [PageSpec] {
        const PAGES: [PageSpec; 2] = [PageSpec::new(CATEGORIES), PageSpec::new(TICKET)];
        &PAGES
    }

    fn tiles(&self) -> &'static [TileSpec] {
        &[TileSpec {
            code: "ticket",
            primary: true,
        }]
    }

    fn wire(&self, kiosk: &Kiosk) {
        let k = kiosk.clone();
        kiosk.with_window(|w| {
            w.global::<TicketAdapter>().on_take_ticket(move |code| {
                take_ticket(&k, &code, Instant::now());
            })
        });
    }

    fn start(&self, kiosk: &Kiosk, _entry: &str) {
        open_categories(kiosk);
    }

    fn clear(&self, _kiosk: &Kiosk, window: &AppWindow) {
        let adapter = window.global::<TicketAdapter>();
        adapter.set_ticket(TicketView::default());
        adapter.set_priority(false);
        adapter.set_priority_holder("".into());
        adapter.set_busy(false);
        adapter.set_issue_failed(false);
        crate::app::printing::clear(window);
    }

    fn previews(&self) -> Vec<String> {
        vec![
            CATEGORIES.into(),
            format!("{CATEGORIES}#priority-failed"),
            TICKET.into(),
            format!("{TICKET}#offline-paper-out"),
        ]
    }

    fn preview<'a>(&'a self, kiosk: &'a Kiosk, preview: &'a str) -> Preview<'a> {
        Box::pin(async move {
            let window = kiosk.window().ok_or_else(|| anyhow::anyhow!("no window"))?;
            let adapter = window.global::<TicketAdapter>();
            match preview {
                CATEGORIES => open_categories(kiosk),
                "ticket.categories#priority-failed" => {
                    open_categories(kiosk);
                    adapter.set_priority(true);
                    adapter.set_priority_holder("欧阳**".into());
                    adapter.set_issue_failed(true);
                }
                TICKET => {
                    open_categories(kiosk);
                    take_ticket(kiosk, "police", Instant::now());
                    crate::headless::driver::wait_until(
                        &window,
                        "the print outcome",
                        Duration::from_secs(5),
                        |w| w.global::<PrintAdapter>().get_state() != PrintState::Printing,
                    )
                    .await?;
                }
                "ticket.ticket#offline-paper-out" => {
                    kiosk.go(TICKET);
                    let mut view = sample_view(kiosk);
                    view.offline = true;
                    view.priority = true;
                    view.number = "K01-E003".into();
                    adapter.set_ticket(view);
                    window
                        .global::<PrintAdapter>()
                        .set_state(PrintState::PaperOut);
                }
                other => anyhow::bail!("no ticket preview {other:?}"),
            }
            Ok(())
        })
    }
}

/// Show the categories with their waiting counts. The priority lane enters here too, with `priority` set.
pub fn open_categories(kiosk: &Kiosk) {
    refresh_categories(kiosk);
    kiosk.go(CATEGORIES);
}

/// Waiting counts on the category buttons.
fn refresh_categories(kiosk: &Kiosk) {
    let services = kiosk.services();
    let waiting = services
        .store()
        .waiting_by_category(services.clock.now(), services.tz, services.waiting_window())
        .unwrap_or_default();
    let items: Vec<CategoryItem> = sanban_wire::WINDOW_CATEGORIES
        .iter()
        .map(|(code, letter, ..)| CategoryItem {
            code: (*code).into(),
            letter: letter.to_string().into(),
            waiting: waiting
                .iter()
                .find(|(c, _)| c == code)
                .map(|(_, n)| *n as i32)
                .unwrap_or(0),
        })
        .collect();
    kiosk.with_window(|w| {
        w.global::<TicketAdapter>()
            .set_categories(ModelRc::new(VecModel::from(items)))
    });
}

pub(crate) fn take_ticket(kiosk: &Kiosk, code: &str, tapped_at: Instant) {
    let Some(window) = kiosk.window() else { return };
    let adapter = window.global::<TicketAdapter>();
    if adapter.get_busy() {
        return; // re-entrancy guard: the buttons are disabled while a ticket is being issued
    }
    adapter.set_busy(true);
    adapter.set_issue_failed(false);
    let services = kiosk.services();
    let cfg = &services.config.kiosk;
    let lang = kiosk.session().lang;
    let ctx = TicketContext {
        hall: cfg.hall_in(lang),
        kiosk_name: cfg.name_in(lang),
        tz: services.tz,
        lang,
        test: services.test_mode,
        rating_url: &services.config.guide.rating_url,
    };
    let request = TicketRequest {
        category: code.to_string(),
        priority: adapter.get_priority(),
    };
    let mut receipt = Vec::new();
    let issued = services.store().issue_ticket(
        &request,
        services.clock.now(),
        services.tz,
        &services.number_source(),
        services.waiting_window(),
        |t| {
            receipt = ticket_receipt::render(t, &ctx);
            Some(receipt.clone())
        },
    );
    adapter.set_busy(false);
    let ticket = match issued {
        Ok(t) => t,
        Err(e) => {
            let hint = if e.is_disk_problem() {
                " (disk full or read-only: a technician must free space)"
            } else {
                ""
            };
            tracing::error!(category = code, "ticket not issued: {e}{hint}");
            adapter.set_issue_failed(true);
            return;
        }
    };
    tracing::info!(number = %ticket.number, category = code, seq = ticket.outbox_seq, "ticket issued");
    services.poke_sync();
    kiosk.complete_errand(crate::app::CompletedErrand {
        errand: "ticket",
        id: ticket.number.clone(),
        service: None,
    });
    adapter.set_ticket(view_of(&ticket, kiosk));
    kiosk.go(TICKET);
    // The job goes to the printer first; the waiting counts are a query that can follow it.
    if let Some(job) = ticket.print_job {
        crate::app::printing::print(kiosk, job, receipt, tapped_at);
    }
    refresh_categories(kiosk);
}

fn qr_image(payload: &str) -> Image {
    let (size, rgba) = crate::qr::qr_rgba(payload, 8);
    Image::from_rgba8(SharedPixelBuffer::<Rgba8Pixel>::clone_from_slice(
        &rgba, size, size,
    ))
}

fn view_of(ticket: &IssuedTicket, kiosk: &Kiosk) -> TicketView {
    let services = kiosk.services();
    TicketView {
        number: ticket.number.clone().into(),
        category: ticket.category.clone().into(),
        ahead: ticket.ahead as i32,
        issued_at: ticket
            .issued_at
            .with_timezone(&services.tz)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
            .into(),
        hall: services.config.kiosk.hall.clone().into(),
        qr: qr_image(&ticket_receipt::qr_payload(ticket)),
        priority: ticket.priority,
        offline: ticket.offline,
    }
}

fn sample_view(kiosk: &Kiosk) -> TicketView {
    TicketView {
        number: "E012".into(),
        category: "police".into(),
        ahead: 4,
        issued_at: "2026-11-30 09:41:07".into(),
        hall: kiosk.services().config.kiosk.hall.clone().into(),
        qr: qr_image("SANBAN:T:preview"),
        priority: false,
        offline: false,
    }
}
