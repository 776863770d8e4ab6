//! Opening a door for a citizen, in the order that never loses a document nor opens a door twice (see
//! `store::pickups`): journal the opening, fire the lock, then commit the outcome with its event and receipt. The
//! outcome is committed whatever became of the citizen's session; only the screen depends on it. The locker's own
//! events (a door shut again, left open, opened with no command) arrive here on the UI thread, and at start-up an
//! opening the kiosk never finished is settled without firing the lock again.

use std::cell::RefCell;
use std::time::{Duration, Instant};

use sanban_hardware::locker::OpenOutcome;
use sanban_wire::{HoldReason, LockerAlertKind, OpeningProof};
use slint::ComponentHandle;

use super::{with_session, Method, CODE, DOOR};
use crate::app::Kiosk;
use crate::devices::{LockerEvent, OpenedDoor};
use crate::lang::Lang;
use crate::receipts::pickup::{self as slips, DocumentLine, PickupContext};
use crate::store::pickups::{LockerDocument, Opening, Settled};
use crate::store::{PrintJob, StoreError, Subject};
use crate::ui::{PickupAdapter, PickupDoorState};

/// How often the locker's events are taken on the UI thread.
const EVENTS_EVERY: Duration = Duration::from_millis(100);

#[derive(Default)]
struct Doors {
    /// The door on the citizen's screen: (session generation, door).
    shown: Option<(u64, u16)>,
    /// The pickup proof committed for that door, printed when the door is shut again or the citizen leaves.
    proof: Option<(i64, Vec<u8>)>,
    events: Option<slint::Timer>,
}

thread_local! {
    static DOORS: RefCell<Doors> = RefCell::new(Doors::default());
}

/// Start taking the locker's events, and settle any opening a previous run left unfinished.
pub(super) fn start(kiosk: &Kiosk) {
    let timer = slint::Timer::default();
    let k = kiosk.downgrade();
    timer.start(slint::TimerMode::Repeated, EVENTS_EVERY, move || {
        if let Some(k) = k.upgrade() {
            take_events(&k);
        }
    });
    DOORS.with(|d| d.borrow_mut().events = Some(timer));
    recover(kiosk);
}

/// "开柜取件" (or a code accepted for a document that cannot be posted): journal, fire, then commit the outcome.
pub(super) fn open(kiosk: &Kiosk, doc: LockerDocument) {
    let services = kiosk.services();
    let method = with_session(|s| s.method);
    let begun =
        services
            .store()
            .begin_opening(&doc.pickup_id, method.as_str(), services.clock.now());
    let opening = match begun {
        Ok(o) => o,
        Err(StoreError::AlreadyDone(why)) => {
            // Opened already (another tap, another citizen with the same code): never a second time.
            tracing::info!(pickup = %doc.pickup_id, "not opened: {why}");
            kiosk.with_window(|w| {
                w.global::<PickupAdapter>()
                    .set_code_error("collected".into())
            });
            kiosk.go(CODE);
            return;
        }
        Err(e) => {
            tracing::error!(pickup = %doc.pickup_id, "door opening not journalled, door not opened: {e}");
            show_state(kiosk, PickupDoorState::Failed);
            kiosk.go(DOOR);
            return;
        }
    };
    // The lock first: the citizen is waiting for it, the screen can follow.
    let (tx, rx) = tokio::sync::oneshot::channel();
    services.devices.locker.open(opening.door, move |r| {
        let _ = tx.send(r);
    });
    tracing::info!(door = opening.door, pickup = %opening.pickup_id, method = %opening.method, "opening locker door");
    let generation = kiosk.generation();
    DOORS.with(|d| {
        let mut d = d.borrow_mut();
        d.shown = Some((generation, opening.door));
        d.proof = None;
    });
    kiosk.with_window(|w| {
        let a = w.global::<PickupAdapter>();
        a.set_left_open(false);
        a.set_more(false);
    });
    show_state(kiosk, PickupDoorState::Opening);
    kiosk.go(DOOR);
    let k = kiosk.downgrade();
    let _ = slint::spawn_local(async move {
        let result = rx
            .await
            .unwrap_or_else(|_| Err("locker thread stopped".into()));
        // With the app gone the opening stays journalled and is settled at the next start.
        if let Some(kiosk) = k.upgrade() {
            finish(&kiosk, &opening, &doc, result, generation);
        }
    });
}

fn show_state(kiosk: &Kiosk, state: PickupDoorState) {
    kiosk.with_window(|w| w.global::<PickupAdapter>().set_door_state(state));
}

/// The receipts' context for a document of this kiosk.
pub(super) fn context<'a>(kiosk: &'a Kiosk, lang: Lang, errand: &str) -> PickupContext<'a> {
    let services = kiosk.services();
    let cfg = &services.config;
    PickupContext {
        hall: cfg.kiosk.hall_in(lang),
        kiosk_name: cfg.kiosk.name_in(lang),
        tz: services.tz,
        lang,
        test: services.test_mode,
        rating_url: cfg.guide.rating_url.replace("{id}", errand),
        help_phone: &cfg.kiosk.help_phone,
        at: services.clock.now(),
    }
}

/// Commit how the opening went (whoever is at the kiosk now), then show it if the same citizen is still there.
fn finish(
    kiosk: &Kiosk,
    opening: &Opening,
    doc: &LockerDocument,
    result: Result<OpenedDoor, String>,
    generation: u64,
) {
    let here = kiosk.generation() == generation;
    let lang = if here { kiosk.session().lang } else { Lang::Zh };
    let holder = if doc.holder.is_empty() && here {
        kiosk
            .session()
            .identity
            .as_ref()
            .map(|i| i.masked_name())
            .unwrap_or_default()
    } else {
        doc.holder.clone()
    };
    let name = if lang == Lang::En && !doc.document_en.is_empty() {
        &doc.document_en
    } else {
        &doc.document
    };
    let place = super::place_of(&kiosk.services().config.devices, opening.door, lang);
    let line = DocumentLine {
        document: name,
        door: opening.door,
        place: &place,
        holder: &holder,
    };
    let ctx = context(kiosk, lang, &opening.pickup_id);
    let services = kiosk.services();
    let (now, tz) = (services.clock.now(), services.tz);
    let job = |subject: Subject, bytes: &Vec<u8>| {
        Some(PrintJob {
            subject,
            subject_id: opening.pickup_id.clone(),
            bytes: bytes.clone(),
        })
    };
    let (state, committed, print_now) = match result {
        Ok(d) if d.outcome != OpenOutcome::Jammed => {
            let (proof, state) = if d.outcome == OpenOutcome::Opened {
                (OpeningProof::Sensor, PickupDoorState::Opened)
            } else {
                (OpeningProof::SensorStuck, PickupDoorState::Unproven)
            };
            if let (Some(at), true) = (d.confirmed_at, proof == OpeningProof::Sensor) {
                tracing::info!(
                    door = d.door,
                    "door read open {:.1} ms after the pulse",
                    at.saturating_duration_since(d.pulse_sent_at).as_secs_f64() * 1000.0
                );
            }
            let bytes = slips::proof(&line, &ctx);
            let c = services.store().collect_pickup(
                opening,
                proof,
                now,
                tz,
                job(Subject::PickupProof, &bytes),
            );
            // The proof waits for the door to be shut (or the citizen to leave) when someone is there to take it.
            (state, c.map(|c| c.print_job.map(|j| (j, bytes))), !here)
        }
        other => {
            let (reason, state) = match &other {
                Ok(_) => (HoldReason::Jammed, PickupDoorState::Jammed),
                Err(e) => {
                    tracing::error!(door = opening.door, "locker did not open the door: {e}");
                    (HoldReason::Interrupted, PickupDoorState::Failed)
                }
            };
            let bytes = slips::door_note(&line, &ctx);
            let c =
                services
                    .store()
                    .hold_pickup(opening, reason, now, tz, job(Subject::Note, &bytes));
            (state, c.map(|c| c.print_job.map(|j| (j, bytes))), true)
        }
    };
    let job = match committed {
        Ok(job) => {
            services.poke_sync();
            job
        }
        Err(e) => {
            // The journal keeps the opening pending: the next start settles it from the door's sensor.
            tracing::error!(
                door = opening.door,
                "outcome of the door opening not committed (settled at the next start): {e}"
            );
            None
        }
    };
    if print_now {
        if let Some((j, bytes)) = job {
            crate::app::printing::print(kiosk, j, bytes, Instant::now());
        }
    } else {
        DOORS.with(|d| d.borrow_mut().proof = job);
    }
    if !here {
        return;
    }
    kiosk.complete_errand(crate::app::CompletedErrand {
        errand: "pickup",
        id: opening.pickup_id.clone(),
        service: None,
    });
    let more = with_session(|s| s.method) == Method::IdCard
        && kiosk
            .session()
            .identity
            .as_ref()
            .map(|i| i.citizen_ref.clone())
            .and_then(|r| services.store().pickups_for_citizen(&r).ok())
            .is_some_and(|docs| !docs.is_empty());
    kiosk.with_window(|w| w.global::<PickupAdapter>().set_more(more));
    show_state(kiosk, state);
}

/// Print the pickup proof waiting for its door to be shut (the citizen leaves the door page first).
pub(super) fn print_pending_proof(kiosk: &Kiosk) {
    if let Some((job, bytes)) = DOORS.with(|d| d.borrow_mut().proof.take()) {
        crate::app::printing::print(kiosk, job, bytes, Instant::now());
    }
}

fn shown_here(kiosk: &Kiosk, door: u16) -> bool {
    DOORS.with(|d| d.borrow().shown) == Some((kiosk.generation(), door)) && kiosk.page() == DOOR
}

/// The locker's news, on the UI thread: doors shut again, left open, opened with no command.
fn take_events(kiosk: &Kiosk) {
    let events = kiosk.services().devices.locker.take_events();
    for event in events {
        match event {
            LockerEvent::Closed { door, open_for } => {
                tracing::info!(door, "locker door shut after {} s", open_for.as_secs());
                if shown_here(kiosk, door) {
                    let state = kiosk
                        .window()
                        .map(|w| w.global::<PickupAdapter>().get_door_state());
                    if state == Some(PickupDoorState::Opened) {
                        show_state(kiosk, PickupDoorState::Closed);
                        kiosk.with_window(|w| w.global::<PickupAdapter>().set_left_open(false));
                        print_pending_proof(kiosk);
                    }
                }
                super::deposit::door_closed(kiosk, door);
            }
            LockerEvent::LeftOpen { door, open_for } => {
                alert(
                    kiosk,
                    door,
                    LockerAlertKind::LeftOpen,
                    Some(open_for.as_secs().min(u32::MAX.into()) as u32),
                );
                if shown_here(kiosk, door) {
                    kiosk.with_window(|w| w.global::<PickupAdapter>().set_left_open(true));
                }
            }
            LockerEvent::OpenedUnexpectedly { door } => {
                alert(kiosk, door, LockerAlertKind::OpenedUnexpectedly, None);
            }
        }
    }
}

/// A door alert for the technicians, through the outbox.
pub(super) fn alert(kiosk: &Kiosk, door: u16, kind: LockerAlertKind, open_seconds: Option<u32>) {
    let services = kiosk.services();
    let stored =
        services
            .store()
            .locker_alert(door, kind, open_seconds, services.clock.now(), services.tz);
    match stored {
        Ok(seq) => {
            tracing::warn!(door, alert = ?kind, seq, "locker door alert");
            services.poke_sync();
        }
        Err(e) => tracing::error!(door, alert = ?kind, "locker door alert not recorded: {e}"),
    }
}

/// Openings journalled by a run that stopped before their outcome was committed: read the doors (never fire them)
/// and settle each — found open, collected; found shut or unreadable, held for the staff — with an alert.
fn recover(kiosk: &Kiosk) {
    let pending = kiosk
        .services()
        .store()
        .pending_openings()
        .unwrap_or_else(|e| {
            tracing::error!("door openings unreadable: {e}");
            Vec::new()
        });
    if pending.is_empty() {
        return;
    }
    tracing::warn!(
        openings = pending.len(),
        "the kiosk stopped during door openings: reading the doors to settle them"
    );
    let locker = kiosk.services().devices.locker.clone();
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let _ = tx.send(locker.query(Duration::from_secs(5)));
    });
    let k = kiosk.downgrade();
    let _ = slint::spawn_local(async move {
        let states = rx
            .await
            .unwrap_or_else(|_| Err("locker thread stopped".into()));
        let Some(kiosk) = k.upgrade() else { return };
        if let Err(e) = &states {
            tracing::error!(
                "doors not readable ({e}): interrupted openings are held for the staff"
            );
        }
        for opening in pending {
            let open = states
                .as_ref()
                .ok()
                .and_then(|s| s.iter().find(|d| d.door == opening.door))
                .is_some_and(|d| d.is_open);
            let services = kiosk.services();
            let settled = services.store().resolve_interrupted_opening(
                &opening,
                open,
                services.clock.now(),
                services.tz,
            );
            match settled {
                Ok(Settled::FoundOpen(o)) => {
                    tracing::warn!(door = o.door, pickup = %o.pickup_id, "interrupted opening: door found open, document collected");
                }
                Ok(Settled::Held(o)) => {
                    tracing::warn!(door = o.door, pickup = %o.pickup_id, "interrupted opening: door found shut, document held for the staff");
                }
                Err(e) => {
                    tracing::error!(door = opening.door, "interrupted opening not settled: {e}");
                    continue;
                }
            }
            if opening.purpose == "pickup" {
                alert(&kiosk, opening.door, LockerAlertKind::Interrupted, None);
            }
            services.poke_sync();
        }
    });
}
