//! 取号: the citizen picks a window category; the ticket is committed (with its outbox event and print job),
//! shown on screen with its QR code, then printed. A printer failure never strands the citizen: the ticket stays
//! on screen and the job stays in the database for the technician.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Instant;

use slint::{ComponentHandle, Image, ModelRc, Rgba8Pixel, SharedPixelBuffer, VecModel};

use super::{Services, Session};
use crate::devices::PrintOutcome;
use crate::receipts::ticket::{self as ticket_receipt, TicketContext};
use crate::store::{IssuedTicket, TicketRequest};
use crate::ui::{AppWindow, CategoryItem, Nav, Page, PrintState, TicketAdapter, TicketView};

pub(super) fn wire(window: &AppWindow, services: &Rc<Services>, session: &Rc<RefCell<Session>>) {
    refresh_categories(window, services);
    let adapter = window.global::<TicketAdapter>();
    let weak = window.as_weak();
    let svc = services.clone();
    let s = session.clone();
    adapter.on_take_ticket(move |code| {
        let tapped_at = Instant::now();
        if let Some(w) = weak.upgrade() {
            take_ticket(&w, &svc, &s.borrow(), &code, tapped_at);
        }
    });
}

/// Reset what the ticket flow showed (session wipe).
pub(super) fn clear(window: &AppWindow) {
    let adapter = window.global::<TicketAdapter>();
    adapter.set_ticket(TicketView::default());
    adapter.set_print_state(PrintState::Idle);
    adapter.set_priority(false);
    adapter.set_busy(false);
    adapter.set_issue_failed(false);
    adapter.set_card_holder("".into());
    adapter.set_card_age(0);
    adapter.set_card_state(crate::ui::CardState::Waiting);
}

/// Waiting counts on the category buttons.
pub(super) fn refresh_categories(window: &AppWindow, services: &Services) {
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
    window
        .global::<TicketAdapter>()
        .set_categories(ModelRc::new(VecModel::from(items)));
}

fn take_ticket(
    window: &AppWindow,
    services: &Rc<Services>,
    session: &Session,
    code: &str,
    tapped_at: Instant,
) {
    let adapter = window.global::<TicketAdapter>();
    if adapter.get_busy() {
        return; // re-entrancy guard: the buttons are disabled while a ticket is being issued
    }
    adapter.set_busy(true);
    adapter.set_issue_failed(false);
    let cfg = &services.config.kiosk;
    let ctx = TicketContext {
        hall: &cfg.hall,
        kiosk_name: &cfg.name,
        tz: services.tz,
        lang: session.lang,
        test: services.test_mode,
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
    let ticket = match issued {
        Ok(t) => t,
        Err(e) => {
            let hint = if e.is_disk_problem() {
                " (disk full or read-only: a technician must free space)"
            } else {
                ""
            };
            tracing::error!(category = code, "ticket not issued: {e}{hint}");
            adapter.set_busy(false);
            adapter.set_issue_failed(true);
            return;
        }
    };
    tracing::info!(number = %ticket.number, category = code, seq = ticket.outbox_seq, "ticket issued");
    if let Some(sync) = &services.sync {
        sync.poke();
    }
    adapter.set_ticket(view_of(&ticket, services));
    adapter.set_print_state(PrintState::Printing);
    window.global::<Nav>().set_page(Page::Ticket);
    adapter.set_busy(false);
    // The job goes to the printer first; the waiting counts are a query that can follow it.
    print(window, services, &ticket, receipt, tapped_at);
    refresh_categories(window, services);
}

/// Send the stored job to the printer; report the outcome to the screen and the database.
fn print(
    window: &AppWindow,
    services: &Rc<Services>,
    ticket: &IssuedTicket,
    bytes: Vec<u8>,
    tapped_at: Instant,
) {
    let result = services.devices.printer.print(bytes);
    let weak = window.as_weak();
    let store = services.store.clone();
    let metrics = services.metrics.clone();
    let clock = services.clock.clone();
    let job = ticket.print_job;
    let number = ticket.number.clone();
    std::thread::spawn(move || {
        let result = result
            .recv()
            .unwrap_or(crate::devices::printer::PrintResult {
                outcome: PrintOutcome::NoAnswer,
                last_byte_written_at: None,
            });
        if let Some(at) = result.last_byte_written_at {
            metrics
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .tap_to_last_byte
                .push(at.saturating_duration_since(tapped_at));
        }
        if let Some(job) = job {
            let store = store.lock().unwrap_or_else(|e| e.into_inner());
            if let Err(e) = store.finish_print_job(
                job,
                result.outcome.printed(),
                Some(&result.outcome.detail()),
                clock.now(),
            ) {
                tracing::error!("print job {job} outcome not recorded: {e}");
            }
        }
        if !result.outcome.printed() {
            tracing::warn!(number = %number, "ticket not printed: {}", result.outcome.detail());
        }
        let state = print_state(&result.outcome);
        let _ = weak.upgrade_in_event_loop(move |w| {
            let adapter = w.global::<TicketAdapter>();
            // Only if the citizen is still looking at this ticket.
            if adapter.get_ticket().number.as_str() == number {
                adapter.set_print_state(state);
            }
        });
    });
}

fn print_state(outcome: &PrintOutcome) -> PrintState {
    match outcome {
        PrintOutcome::Printed { paper_low: false } => PrintState::Printed,
        PrintOutcome::Printed { paper_low: true } => PrintState::PrintedPaperLow,
        PrintOutcome::PaperOut => PrintState::PaperOut,
        PrintOutcome::CoverOpen => PrintState::CoverOpen,
        // a partial receipt: the lead maps these to their own screens (NOTES-printer.md)
        PrintOutcome::PaperOutMidJob => PrintState::PaperOut,
        PrintOutcome::CoverOpenMidJob => PrintState::CoverOpen,
        PrintOutcome::NoAnswer => PrintState::NoAnswer,
        PrintOutcome::Failed(_) => PrintState::Failed,
    }
}

fn view_of(ticket: &IssuedTicket, services: &Services) -> TicketView {
    let (size, rgba) = crate::qr::qr_rgba(&ticket_receipt::qr_payload(ticket), 8);
    let qr = Image::from_rgba8(SharedPixelBuffer::<Rgba8Pixel>::clone_from_slice(
        &rgba, size, size,
    ));
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
        qr,
        priority: ticket.priority,
        offline: ticket.offline,
    }
}
