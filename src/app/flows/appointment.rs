//! 预约: pick a service (the guide's search and browse pages, in picking mode) → a working day of the hall's
//! calendar → a slot with free places (the platform's live list; offline, the last list heard or the catalog's
//! hours) → the identity step → confirm → one errand transaction (booking, event, slip) → the printed slip.
//! Online the platform confirms at once; offline the booking awaits confirmation and its event decides it.
//!
//! 预约签到: the identity step → the citizen's bookings for today → within the check-in window a priority ticket
//! (绿色通道) for the service's window category; too early: when to come back; too late: a normal ticket instead.

use std::time::{Duration, Instant};

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};
use slint::{ComponentHandle, Image, Model, ModelRc, Rgba8Pixel, SharedPixelBuffer, VecModel};
use uuid::Uuid;

use super::{Flow, PageSpec, Preview, TileSpec};
use crate::app::flows::identity::{self, Request};
use crate::app::Kiosk;
use crate::lang::Lang;
use crate::receipts::appointment::{self as slip, date_label, shifted, Slip, SlipContext};
use crate::receipts::ticket::{self as ticket_receipt, TicketContext};
use crate::store::appointments::{from_platform, merge, Booking, BookingStatus, NewBooking};
use crate::sync::gateway::Answer;
use crate::ui::{AppWindow, AppointmentAdapter, BookingItem, DayItem, SlotItem};
use sanban_wire::{AppointmentRequest, ClockTime, Slot};

pub const DAYS: &str = "appointment.days";
pub const SLOTS: &str = "appointment.slots";
pub const CONFIRM: &str = "appointment.confirm";
pub const DONE: &str = "appointment.done";
pub const CHECKIN: &str = "appointment.checkin";
pub const MINE: &str = "appointment.mine";

/// The booking steps: service, day, slot, ID card, confirm.
const STEPS: i32 = 5;

pub struct Appointment;

impl Flow for Appointment {
    fn name(&self) -> &'static str {
        "appointment"
    }

    fn pages(&self) -> &'static [PageSpec] {
        const PAGES: [PageSpec; 6] = [
            PageSpec::new(DAYS),
            PageSpec::new(SLOTS),
            PageSpec::passing(CONFIRM),
            PageSpec::new(DONE),
            PageSpec::new(CHECKIN),
            PageSpec::new(MINE),
        ];
        &PAGES
    }

    fn tiles(&self) -> &'static [TileSpec] {
        &[
            TileSpec {
                code: "appointment",
                primary: false,
            },
            TileSpec {
                code: "appointment:checkin",
                primary: false,
            },
            TileSpec {
                code: "appointment:mine",
                primary: false,
            },
        ]
    }

    fn wire(&self, kiosk: &Kiosk) {
        let Some(w) = kiosk.window() else { return };
        let a = w.global::<AppointmentAdapter>();
        let k = kiosk.clone();
        a.on_pick_day(move |date| {
            if let Ok(day) = date.parse() {
                pick_day(&k, day, Instant::now());
            }
        });
        let k = kiosk.clone();
        a.on_pick_slot(move |id| pick_slot(&k, &id));
        let k = kiosk.clone();
        a.on_confirm(move || confirm(&k, Instant::now()));
        let k = kiosk.clone();
        a.on_check_in(move |code| check_in(&k, &code, Instant::now()));
        let k = kiosk.clone();
        a.on_normal_ticket(move || super::ticket::open_categories(&k));
        let k = kiosk.clone();
        a.on_cancel(move |code| {
            k.with_window(|w| {
                let a = w.global::<AppointmentAdapter>();
                a.set_cancelling(code);
                a.set_cancelled("".into());
            })
        });
        let k = kiosk.clone();
        a.on_keep(move || {
            k.with_window(|w| w.global::<AppointmentAdapter>().set_cancelling("".into()))
        });
        let k = kiosk.clone();
        a.on_confirm_cancel(move || confirm_cancel(&k));
    }

    fn start(&self, kiosk: &Kiosk, entry: &str) {
        match entry {
            "checkin" => start_check_in(kiosk),
            "mine" => identity::request(
                kiosk,
                Request {
                    purpose: "mine",
                    step: 1,
                    step_count: 2,
                    accept_expired: true,
                    then: Box::new(|k| {
                        with_platform_bookings(k, |k| {
                            show_refusals(k);
                            show_mine(k);
                            k.go(MINE);
                        })
                    }),
                },
            ),
            _ => super::guide::pick_service(kiosk, self.name()),
        }
    }

    fn offer_for_service(&self, service: &sanban_wire::Service) -> Option<&'static str> {
        service.bookable.then_some("appointment")
    }

    fn start_for_service(&self, kiosk: &Kiosk, service_id: &str) {
        open_days(kiosk, service_id);
    }

    fn clear(&self, _kiosk: &Kiosk, window: &AppWindow) {
        let a = window.global::<AppointmentAdapter>();
        a.set_service_id("".into());
        a.set_service_name("".into());
        a.set_days(ModelRc::default());
        a.set_slots(ModelRc::default());
        a.set_slot_id("".into());
        a.set_holder("".into());
        a.set_busy(false);
        a.set_refused("".into());
        a.set_outcome("".into());
        a.set_code("".into());
        a.set_bookings(ModelRc::default());
        a.set_ticket_number("".into());
        a.set_refusals(ModelRc::default());
        a.set_cancelling("".into());
        a.set_cancelled("".into());
        crate::app::printing::clear(window);
    }

    fn previews(&self) -> Vec<String> {
        vec![
            DAYS.into(),
            SLOTS.into(),
            format!("{SLOTS}#offline"),
            CONFIRM.into(),
            DONE.into(),
            format!("{DONE}#pending"),
            CHECKIN.into(),
            format!("{CHECKIN}#early"),
            format!("{CHECKIN}#late"),
            format!("{CHECKIN}#choose"),
            MINE.into(),
        ]
    }

    fn preview<'a>(&'a self, kiosk: &'a Kiosk, preview: &'a str) -> Preview<'a> {
        Box::pin(async move {
            let window = kiosk.window().ok_or_else(|| anyhow::anyhow!("no window"))?;
            let a = window.global::<AppointmentAdapter>();
            let id = {
                let store = kiosk.services().store();
                store
                    .catalog_summaries()?
                    .into_iter()
                    .find(|s| s.bookable)
                    .map(|s| s.id)
                    .ok_or_else(|| anyhow::anyhow!("no bookable service in the catalog"))?
            };
            open_days(kiosk, &id);
            let sample_slots = || {
                vec![
                    slot_item("0900", "09:00", "09:30", 3),
                    slot_item("0930", "09:30", "10:00", 0),
                    slot_item("1000", "10:00", "10:30", 5),
                    slot_item("1430", "14:30", "15:00", 1),
                ]
            };
            match preview {
                DAYS => {}
                "appointment.slots" | "appointment.slots#offline" => {
                    kiosk.go(SLOTS);
                    a.set_day_label(date_label(sample_day(), kiosk.session().lang).into());
                    a.set_loading(false);
                    a.set_offline(preview.ends_with("#offline"));
                    a.set_slots(ModelRc::new(VecModel::from(sample_slots())));
                }
                CONFIRM => {
                    a.set_day_label(date_label(sample_day(), kiosk.session().lang).into());
                    a.set_time("09:30–10:00".into());
                    a.set_holder("欧阳**".into());
                    kiosk.go(CONFIRM);
                }
                "appointment.done" | "appointment.done#pending" => {
                    a.set_day_label(date_label(sample_day(), kiosk.session().lang).into());
                    a.set_time("09:30–10:00".into());
                    a.set_holder("欧阳**".into());
                    a.set_outcome(
                        if preview.ends_with("#pending") {
                            "pending"
                        } else {
                            "confirmed"
                        }
                        .into(),
                    );
                    a.set_code("7KQ2-M9XC".into());
                    a.set_qr(qr_image(&slip::qr_payload("7KQ2M9XC")));
                    a.set_checkin_from("09:00".into());
                    a.set_checkin_until("09:45".into());
                    kiosk.go(DONE);
                    window
                        .global::<crate::ui::PrintAdapter>()
                        .set_state(crate::ui::PrintState::Printed);
                }
                MINE => {
                    let lang = kiosk.session().lang;
                    let item = BookingItem {
                        code: "7KQ2M9XC".into(),
                        service: a.get_service_name(),
                        category: "economy".into(),
                        day: date_label(sample_day(), lang).into(),
                        time: "09:30–10:00".into(),
                        reason: "".into(),
                        cancellable: true,
                    };
                    let soon = BookingItem {
                        code: "4HT8R2WD".into(),
                        day: date_label(sample_day().pred_opt().unwrap_or_default(), lang).into(),
                        time: "08:30–09:00".into(),
                        cancellable: false,
                        ..item.clone()
                    };
                    a.set_bookings(ModelRc::new(VecModel::from(vec![soon, item])));
                    a.set_cancelling("7KQ2M9XC".into());
                    kiosk.go(MINE);
                }
                _ => {
                    let variant = preview.split('#').nth(1).unwrap_or("ok");
                    let item = BookingItem {
                        code: "7KQ2M9XC".into(),
                        service: a.get_service_name(),
                        category: "economy".into(),
                        day: date_label(sample_day(), kiosk.session().lang).into(),
                        time: "09:30–10:00".into(),
                        reason: "".into(),
                        cancellable: false,
                    };
                    if variant == "late" {
                        let refused = BookingItem {
                            reason: "slot_full".into(),
                            ..item.clone()
                        };
                        a.set_refusals(ModelRc::new(VecModel::from(vec![refused])));
                    }
                    a.set_outcome(variant.into());
                    a.set_checkin_from("09:00".into());
                    a.set_checkin_until("09:45".into());
                    a.set_ticket_number("B012".into());
                    let items = if variant == "choose" {
                        vec![
                            item.clone(),
                            BookingItem {
                                code: "4HT8R2WD".into(),
                                time: "14:30–15:00".into(),
                                ..item
                            },
                        ]
                    } else {
                        vec![item]
                    };
                    a.set_bookings(ModelRc::new(VecModel::from(items)));
                    kiosk.go(CHECKIN);
                    window
                        .global::<crate::ui::PrintAdapter>()
                        .set_state(crate::ui::PrintState::Printed);
                }
            }
            Ok(())
        })
    }
}

fn sample_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 2).unwrap_or_default()
}

fn slot_item(id: &str, start: &str, end: &str, free: i32) -> SlotItem {
    SlotItem {
        id: id.into(),
        start: start.into(),
        end: end.into(),
        free,
    }
}

fn qr_image(payload: &str) -> Image {
    let (size, rgba) = crate::qr::qr_rgba(payload, 8);
    Image::from_rgba8(SharedPixelBuffer::<Rgba8Pixel>::clone_from_slice(
        &rgba, size, size,
    ))
}

/// Today in the hall's time zone.
fn today(kiosk: &Kiosk) -> NaiveDate {
    let s = kiosk.services();
    s.clock.now().with_timezone(&s.tz).date_naive()
}

fn online_timeout(kiosk: &Kiosk) -> Duration {
    Duration::from_millis(kiosk.services().config.appointments.online_timeout_ms)
}

/// The chosen service's days: the hall's working days in the bookable window.
fn open_days(kiosk: &Kiosk, service_id: &str) {
    let lang = kiosk.session().lang;
    let (service, calendar) = {
        let store = kiosk.services().store();
        (store.catalog_service(service_id), store.hall_calendar())
    };
    let Ok(Some(service)) = service else {
        tracing::warn!(
            service = service_id,
            "service to book is not in the catalog"
        );
        return;
    };
    let calendar = calendar.unwrap_or_else(|_| sanban_wire::HallCalendar::seed());
    let days: Vec<DayItem> = if service.bookable {
        calendar
            .bookable_dates(today(kiosk))
            .into_iter()
            .filter(|d| !service.slots_on(weekday(*d)).0.is_empty())
            .map(|d| DayItem {
                date: d.to_string().into(),
                label: date_label(d, lang).into(),
                note: calendar
                    .name_of(d)
                    .map(|n| n.to_string())
                    .unwrap_or_default()
                    .into(),
            })
            .collect()
    } else {
        Vec::new()
    };
    kiosk.with_window(|w| {
        let a = w.global::<AppointmentAdapter>();
        a.set_service_id(service.id.clone().into());
        a.set_service_name(lang.pick(&service.name_zh, &service.name_en).into());
        a.set_category(service.category.clone().into());
        a.set_bookable(service.bookable);
        a.set_bookable_days(calendar.bookable_days as i32);
        a.set_days(ModelRc::new(VecModel::from(days)));
        a.set_refused("".into());
    });
    kiosk.go(DAYS);
}

fn weekday(d: NaiveDate) -> sanban_wire::Weekday {
    sanban_wire::Weekday::ALL[d.weekday().num_days_from_monday() as usize]
}

/// Slots of `day`: the platform's live list, or (unreachable) the last one heard, else the catalog's hours; the
/// places this kiosk took offline and has not sent yet are taken off. When the kiosk already knows it is offline
/// (its last contact failed), the cached list is on screen at once and the platform's answer, if one comes within
/// the timeout, replaces it: a silent network costs the citizen no wait.
fn pick_day(kiosk: &Kiosk, day: NaiveDate, tapped_at: Instant) {
    let Some(w) = kiosk.window() else { return };
    let a = w.global::<AppointmentAdapter>();
    let service = a.get_service_id().to_string();
    a.set_day(day.to_string().into());
    a.set_day_label(date_label(day, kiosk.session().lang).into());
    a.set_slots(ModelRc::default());
    a.set_loading(true);
    a.set_offline(false);
    kiosk.go(SLOTS);
    let known_offline = kiosk
        .services()
        .sync_status
        .lock()
        .map(|s| !s.online && s.last_error.is_some())
        .unwrap_or(false);
    if known_offline {
        show_slots(
            kiosk,
            &service,
            day,
            offline_slots(kiosk, &service, day),
            true,
        );
        tracing::debug!(
            ms = tapped_at.elapsed().as_millis() as u64,
            "slot list shown from the cache"
        );
    }
    let generation = kiosk.generation();
    let k = kiosk.downgrade();
    let (svc, date) = (service.clone(), day.to_string());
    let answer = kiosk
        .services()
        .gateway
        .request(online_timeout(kiosk), move |client| async move {
            client.slots(&svc, &date).await
        });
    let _ = slint::spawn_local(async move {
        let answer = answer.await;
        let Some(kiosk) = k.upgrade() else { return };
        if kiosk.generation() != generation || kiosk.page() != SLOTS {
            return;
        }
        let services = kiosk.services().clone();
        let now = services.clock.now();
        match answer {
            Answer::Online(list) => {
                let store = services.store();
                if let Err(e) = store.cache_slots(&service, day, &list.slots, now, today(&kiosk)) {
                    tracing::warn!("slot list not cached: {e}");
                }
                drop(store);
                show_slots(&kiosk, &service, day, list.slots, false);
            }
            Answer::Offline(why) => {
                tracing::info!("slots offline: {why}");
                if !known_offline {
                    show_slots(
                        &kiosk,
                        &service,
                        day,
                        offline_slots(&kiosk, &service, day),
                        true,
                    );
                }
            }
            Answer::Refused { status, reason } => {
                tracing::warn!(status, "slots refused: {reason}");
                show_slots(&kiosk, &service, day, Vec::new(), false);
            }
        }
        tracing::debug!(
            ms = tapped_at.elapsed().as_millis() as u64,
            "slot list answered"
        );
    });
}

/// Put `slots` on the page (offline: less the places this kiosk booked and has not sent yet).
fn show_slots(kiosk: &Kiosk, service: &str, day: NaiveDate, slots: Vec<Slot>, offline: bool) {
    let unsent = if offline {
        kiosk
            .services()
            .store()
            .unsent_bookings(service, day)
            .unwrap_or_default()
    } else {
        Default::default()
    };
    let items: Vec<SlotItem> = slots
        .iter()
        .map(|s| SlotItem {
            id: s.slot_id.clone().into(),
            start: s.start.clone().into(),
            end: s.end.clone().into(),
            free: s
                .free()
                .saturating_sub(unsent.get(&s.slot_id).copied().unwrap_or(0))
                as i32,
        })
        .collect();
    kiosk.with_window(|w| {
        let a = w.global::<AppointmentAdapter>();
        a.set_slots(ModelRc::new(VecModel::from(items)));
        a.set_offline(offline);
        a.set_loading(false);
    });
}

/// The last list heard from the platform, else the catalog's hours with nothing booked.
fn offline_slots(kiosk: &Kiosk, service: &str, day: NaiveDate) -> Vec<Slot> {
    let store = kiosk.services().store();
    if let Ok(Some((slots, _))) = store.cached_slots(service, day) {
        return slots;
    }
    let Ok(Some(svc)) = store.catalog_service(service) else {
        return Vec::new();
    };
    let (times, capacity) = svc.slots_on(weekday(day));
    times
        .into_iter()
        .map(|t| Slot {
            slot_id: t.slot_id,
            start: t.start.to_string(),
            end: t.end.to_string(),
            capacity,
            booked: 0,
        })
        .collect()
}

fn pick_slot(kiosk: &Kiosk, id: &str) {
    let Some(w) = kiosk.window() else { return };
    let a = w.global::<AppointmentAdapter>();
    let Some(slot) = a.get_slots().iter().find(|s| s.id.as_str() == id) else {
        return;
    };
    a.set_slot_id(slot.id.clone());
    a.set_time(format!("{}–{}", slot.start, slot.end).into());
    a.set_refused("".into());
    identity::request(
        kiosk,
        Request {
            purpose: "appointment",
            step: 4,
            step_count: STEPS,
            accept_expired: false,
            then: Box::new(|k| {
                let holder = k
                    .session()
                    .identity
                    .as_ref()
                    .map(|i| i.masked_name())
                    .unwrap_or_default();
                k.with_window(|w| w.global::<AppointmentAdapter>().set_holder(holder.into()));
                with_platform_bookings(k, |k| {
                    show_refusals(k);
                    k.go(CONFIRM);
                });
            }),
        },
    );
}

/// What the confirm tap books, read from the adapter and the session.
struct Chosen {
    service: String,
    category: String,
    date: NaiveDate,
    slot_id: String,
    start: ClockTime,
    end: ClockTime,
    citizen_ref: String,
}

fn chosen(kiosk: &Kiosk, a: &AppointmentAdapter) -> Option<Chosen> {
    let citizen_ref = kiosk.session().identity.as_ref()?.citizen_ref.clone();
    let slot_id = a.get_slot_id().to_string();
    let slot = a.get_slots().iter().find(|s| s.id.as_str() == slot_id)?;
    Some(Chosen {
        service: a.get_service_id().to_string(),
        category: a.get_category().to_string(),
        date: a.get_day().parse().ok()?,
        slot_id,
        start: ClockTime::parse(&slot.start)?,
        end: ClockTime::parse(&slot.end)?,
        citizen_ref,
    })
}

fn confirm(kiosk: &Kiosk, tapped_at: Instant) {
    let Some(w) = kiosk.window() else { return };
    let a = w.global::<AppointmentAdapter>();
    if a.get_busy() {
        return;
    }
    let Some(c) = chosen(kiosk, &a) else { return };
    // One booking per citizen, service and day: said here before the platform is asked.
    let held = known_bookings(kiosk, &c.citizen_ref, c.date)
        .into_iter()
        .any(|b| b.service == c.service && b.date == c.date && b.status.is_active());
    if held {
        a.set_refused("daily_limit".into());
        return;
    }
    a.set_busy(true);
    let services = kiosk.services().clone();
    let request_id = Uuid::now_v7();
    let code = sanban_wire::booking_code(rand::random());
    let req = AppointmentRequest {
        request_id,
        kiosk_id: services.config.kiosk.id.clone(),
        service: c.service.clone(),
        date: c.date.to_string(),
        slot_id: c.slot_id.clone(),
        citizen_ref: c.citizen_ref.clone(),
        code: code.clone(),
    };
    let answer = services
        .gateway
        .request(online_timeout(kiosk), move |client| async move {
            client.book(&req).await
        });
    kiosk.when_ready(answer, move |kiosk, answer| {
        let confirmed = match answer {
            Answer::Online(_) => true,
            Answer::Offline(why) => {
                tracing::info!("booking taken offline: {why}");
                false
            }
            Answer::Refused { status, reason } => {
                tracing::info!(status, "booking refused: {reason}");
                kiosk.with_window(|w| {
                    let a = w.global::<AppointmentAdapter>();
                    a.set_busy(false);
                    a.set_refused(refusal_code(&reason).into());
                });
                return;
            }
        };
        commit(kiosk, c, request_id, code, confirmed, tapped_at);
    });
}

/// The platform's words reduced to what the page explains.
fn refusal_code(reason: &str) -> &'static str {
    // An online refusal's 409 body, or an event rejection's text.
    if let Ok(body) = serde_json::from_str::<sanban_wire::AppointmentRefused>(reason) {
        return body.reason.code();
    }
    if let Some((r, _)) = sanban_wire::RefusalReason::of_rejection(reason) {
        return r.code();
    }
    if reason.contains("full") {
        "slot_full"
    } else {
        "other"
    }
}

fn commit(
    kiosk: &Kiosk,
    c: Chosen,
    request_id: Uuid,
    code: String,
    confirmed: bool,
    tapped_at: Instant,
) {
    let Some(w) = kiosk.window() else { return };
    let a = w.global::<AppointmentAdapter>();
    let services = kiosk.services().clone();
    let lang = kiosk.session().lang;
    let holder = a.get_holder().to_string();
    let (service_name, location) = match services.store().catalog_service(&c.service) {
        Ok(Some(s)) => (
            lang.pick(&s.name_zh, &s.name_en).to_string(),
            s.location.clone(),
        ),
        _ => (c.service.clone(), services.config.kiosk.hall.clone()),
    };
    let cfg = &services.config;
    let ctx = SlipContext {
        hall: cfg.kiosk.hall_in(lang),
        kiosk_name: cfg.kiosk.name_in(lang),
        tz: services.tz,
        lang,
        test: services.test_mode,
        rating_url: cfg.guide.rating_url.replace("{id}", &code),
        checkin_before: cfg.appointments.checkin_before_minutes,
        checkin_after: cfg.appointments.checkin_after_minutes,
        cancel_hours: cfg.appointments.cancel_before_hours,
        printed_at: services.clock.now(),
    };
    let new = NewBooking {
        request_id,
        code: code.clone(),
        service: c.service.clone(),
        category: c.category,
        date: c.date,
        slot_id: c.slot_id,
        start: c.start,
        end: c.end,
        citizen_ref: c.citizen_ref,
        confirmed,
    };
    let mut receipt = Vec::new();
    let result = services
        .store()
        .book_appointment(&new, services.clock.now(), services.tz, |b| {
            receipt = slip::render(
                &Slip {
                    booking: b,
                    service_name: &service_name,
                    location: &location,
                    masked_name: &holder,
                },
                &ctx,
            );
            receipt.clone()
        });
    a.set_busy(false);
    let committed = match result {
        Ok(Ok(committed)) => committed,
        Ok(Err(_already)) => {
            a.set_refused("daily_limit".into());
            return;
        }
        Err(e) => {
            tracing::error!("booking not committed: {e}");
            a.set_refused("failed".into());
            return;
        }
    };
    tracing::info!(confirmed, seq = committed.outbox_seq, "appointment booked");
    services.poke_sync();
    kiosk.complete_errand(crate::app::CompletedErrand {
        errand: "appointment",
        id: code.clone(),
        service: Some(c.service),
    });
    a.set_outcome(if confirmed { "confirmed" } else { "pending" }.into());
    a.set_code(sanban_wire::spaced_code(&code).into());
    a.set_qr(qr_image(&slip::qr_payload(&code)));
    let b = &committed.value;
    a.set_checkin_from(
        shifted(b.start, -(cfg.appointments.checkin_before_minutes as i64))
            .to_string()
            .into(),
    );
    a.set_checkin_until(
        shifted(b.start, cfg.appointments.checkin_after_minutes as i64)
            .to_string()
            .into(),
    );
    kiosk.go(DONE);
    if let Some(job) = committed.print_job {
        crate::app::printing::print(kiosk, job, receipt, tapped_at);
    }
}

fn start_check_in(kiosk: &Kiosk) {
    identity::request(
        kiosk,
        Request {
            purpose: "checkin",
            step: 1,
            step_count: 2,
            accept_expired: true,
            then: Box::new(|k| with_platform_bookings(k, show_check_in)),
        },
    );
}

/// Where a booking stands against the check-in window at `now`.
#[derive(Debug, PartialEq, Eq)]
pub enum Window {
    Early { opens: ClockTime },
    Open,
    Late { closed: ClockTime },
}

pub fn window(
    b: &Booking,
    now: DateTime<Utc>,
    tz: chrono_tz::Tz,
    before_minutes: u32,
    after_minutes: u32,
) -> Window {
    let local = now.with_timezone(&tz);
    let opens = shifted(b.start, -(before_minutes as i64));
    let closes = shifted(b.start, after_minutes as i64);
    let minute =
        ClockTime::from_minutes(local.time().num_seconds_from_midnight() / 60).unwrap_or(b.start);
    if b.date > local.date_naive() || (b.date == local.date_naive() && minute < opens) {
        Window::Early { opens }
    } else if b.date < local.date_naive() || minute > closes {
        Window::Late { closed: closes }
    } else {
        Window::Open
    }
}

/// After the card read: asks the platform for the citizen's bookings (within `online_timeout_ms`), keeps them in
/// the session, then goes on with `then` whatever the answer (offline: what this kiosk knows itself).
fn with_platform_bookings(kiosk: &Kiosk, then: impl FnOnce(&Kiosk) + 'static) {
    let Some(citizen_ref) = kiosk
        .session()
        .identity
        .as_ref()
        .map(|i| i.citizen_ref.clone())
    else {
        return then(kiosk);
    };
    let answer = kiosk
        .services()
        .gateway
        .request(online_timeout(kiosk), move |client| async move {
            client.citizen_appointments(&citizen_ref).await
        });
    kiosk.when_ready(answer, move |kiosk, answer| {
        match answer {
            Answer::Online(list) => {
                let bookings: Vec<Booking> = {
                    let store = kiosk.services().store();
                    list.appointments
                        .iter()
                        .filter_map(|v| {
                            let service = store.catalog_service(&v.service).ok().flatten()?;
                            from_platform(v, &service.category)
                        })
                        .collect()
                };
                kiosk.session().platform_bookings = bookings;
            }
            Answer::Offline(why) => {
                tracing::info!("bookings looked up without the platform: {why}")
            }
            Answer::Refused { status, .. } => tracing::warn!(status, "booking look-up refused"),
        }
        then(kiosk);
    });
}

/// What this kiosk knows of the citizen's bookings from `from` on (refusals whatever their day), with what the
/// platform listed after the card read merged in.
fn known_bookings(kiosk: &Kiosk, citizen_ref: &str, from: NaiveDate) -> Vec<Booking> {
    let local = kiosk
        .services()
        .store()
        .citizen_bookings(citizen_ref, from)
        .unwrap_or_default();
    let platform: Vec<Booking> = kiosk
        .session()
        .platform_bookings
        .iter()
        .filter(|b| b.date >= from || b.status == BookingStatus::Refused)
        .cloned()
        .collect();
    merge(local, platform)
}

/// The citizen's bookings for today that can still be checked in (or were too early / too late).
fn todays_bookings(kiosk: &Kiosk) -> Vec<Booking> {
    let Some(citizen_ref) = kiosk
        .session()
        .identity
        .as_ref()
        .map(|i| i.citizen_ref.clone())
    else {
        return Vec::new();
    };
    let today = today(kiosk);
    known_bookings(kiosk, &citizen_ref, today)
        .into_iter()
        .filter(|b| b.date == today && b.status.is_active())
        .collect()
}

fn item(kiosk: &Kiosk, b: &Booking) -> BookingItem {
    let lang = kiosk.session().lang;
    let name = match kiosk.services().store().catalog_service(&b.service) {
        Ok(Some(s)) => lang.pick(&s.name_zh, &s.name_en).to_string(),
        _ => b.service.clone(),
    };
    BookingItem {
        code: b.code.clone().into(),
        service: name.into(),
        category: b.category.clone().into(),
        day: date_label(b.date, lang).into(),
        time: format!("{}–{}", b.start, b.end).into(),
        reason: "".into(),
        cancellable: false,
    }
}

/// 我的预约: the citizen's bookings from today on that still hold a place, each cancellable until
/// `cancel_before_hours` before its slot.
fn show_mine(kiosk: &Kiosk) {
    let Some(citizen_ref) = kiosk
        .session()
        .identity
        .as_ref()
        .map(|i| i.citizen_ref.clone())
    else {
        return;
    };
    let services = kiosk.services().clone();
    let limit = chrono::Duration::hours(services.config.appointments.cancel_before_hours as i64);
    let now = services.clock.now();
    let bookings: Vec<Booking> = known_bookings(kiosk, &citizen_ref, today(kiosk))
        .into_iter()
        .filter(|b| b.status.is_active())
        .collect();
    let items: Vec<BookingItem> = bookings
        .iter()
        .map(|b| BookingItem {
            cancellable: slot_start(b, services.tz).is_some_and(|start| now + limit <= start),
            ..item(kiosk, b)
        })
        .collect();
    kiosk.with_window(|w| {
        let a = w.global::<AppointmentAdapter>();
        a.set_bookings(ModelRc::new(VecModel::from(items)));
        a.set_cancel_hours(services.config.appointments.cancel_before_hours as i32);
        a.set_cancelling("".into());
    });
}

/// When `b`'s slot starts.
fn slot_start(b: &Booking, tz: chrono_tz::Tz) -> Option<DateTime<Utc>> {
    use chrono::TimeZone;
    let t = chrono::NaiveTime::from_hms_opt(b.start.minutes() / 60, b.start.minutes() % 60, 0)?;
    tz.from_local_datetime(&b.date.and_time(t))
        .earliest()
        .map(|t| t.to_utc())
}

fn confirm_cancel(kiosk: &Kiosk) {
    let Some(w) = kiosk.window() else { return };
    let a = w.global::<AppointmentAdapter>();
    let code = a.get_cancelling().to_string();
    let Some(citizen_ref) = kiosk
        .session()
        .identity
        .as_ref()
        .map(|i| i.citizen_ref.clone())
    else {
        return;
    };
    let services = kiosk.services().clone();
    let now = services.clock.now();
    let limit = chrono::Duration::hours(services.config.appointments.cancel_before_hours as i64);
    let booking = known_bookings(kiosk, &citizen_ref, today(kiosk))
        .into_iter()
        .find(|b| b.code == code);
    let Some(b) = booking.filter(|b| {
        b.status.is_active() && slot_start(b, services.tz).is_some_and(|s| now + limit <= s)
    }) else {
        show_mine(kiosk);
        return;
    };
    let result = services
        .store()
        .cancel_appointment(&b, &citizen_ref, now, services.tz);
    match result {
        Ok(seq) => {
            tracing::info!(seq, "appointment cancelled");
            services.poke_sync();
            let it = item(kiosk, &b);
            show_mine(kiosk);
            a.set_cancelled(format!("{} {}", it.day, it.time).into());
        }
        Err(e) => {
            tracing::error!("cancellation not committed: {e}");
            a.set_cancelling("".into());
        }
    }
}

/// The citizen's offline bookings the platform refused and nobody has shown them yet: on the page after the card
/// read, then marked seen (an `appointment.refusal_seen` event tells the platform).
fn show_refusals(kiosk: &Kiosk) {
    let Some(citizen_ref) = kiosk
        .session()
        .identity
        .as_ref()
        .map(|i| i.citizen_ref.clone())
    else {
        return;
    };
    let services = kiosk.services().clone();
    let since = today(kiosk) - chrono::Duration::days(30);
    let refused: Vec<Booking> = known_bookings(kiosk, &citizen_ref, since)
        .into_iter()
        .filter(|b| b.status == BookingStatus::Refused && !b.refusal_seen)
        .collect();
    let items: Vec<BookingItem> = refused
        .iter()
        .map(|b| BookingItem {
            reason: match (b.reason, &b.detail) {
                (Some(r), _) => r.code().into(),
                (None, Some(d)) => refusal_code(d).into(),
                (None, None) => "other".into(),
            },
            ..item(kiosk, b)
        })
        .collect();
    kiosk.with_window(|w| {
        w.global::<AppointmentAdapter>()
            .set_refusals(ModelRc::new(VecModel::from(items)))
    });
    for b in &refused {
        let now = services.clock.now();
        if let Err(e) = services
            .store()
            .refusal_seen(b, &citizen_ref, now, services.tz)
        {
            tracing::warn!("refusal not marked seen: {e}");
        }
    }
    if !refused.is_empty() {
        services.poke_sync();
    }
}

fn show_check_in(kiosk: &Kiosk) {
    show_refusals(kiosk);
    let bookings = todays_bookings(kiosk);
    let items: Vec<BookingItem> = bookings.iter().map(|b| item(kiosk, b)).collect();
    kiosk.with_window(|w| {
        let a = w.global::<AppointmentAdapter>();
        a.set_bookings(ModelRc::new(VecModel::from(items)));
        a.set_outcome(
            match bookings.len() {
                0 => "none",
                1 => "",
                _ => "choose",
            }
            .into(),
        );
    });
    if let [only] = bookings.as_slice() {
        check_in(kiosk, &only.code, Instant::now());
    } else {
        kiosk.go(CHECKIN);
    }
}

fn check_in(kiosk: &Kiosk, code: &str, tapped_at: Instant) {
    let Some(w) = kiosk.window() else { return };
    let a = w.global::<AppointmentAdapter>();
    let Some(citizen_ref) = kiosk
        .session()
        .identity
        .as_ref()
        .map(|i| i.citizen_ref.clone())
    else {
        return;
    };
    let Some(b) = todays_bookings(kiosk).into_iter().find(|b| b.code == code) else {
        return;
    };
    let services = kiosk.services().clone();
    let cfg = &services.config;
    let now = services.clock.now();
    a.set_bookings(ModelRc::new(VecModel::from(vec![item(kiosk, &b)])));
    a.set_checkin_from(
        shifted(b.start, -(cfg.appointments.checkin_before_minutes as i64))
            .to_string()
            .into(),
    );
    a.set_checkin_until(
        shifted(b.start, cfg.appointments.checkin_after_minutes as i64)
            .to_string()
            .into(),
    );
    match window(
        &b,
        now,
        services.tz,
        cfg.appointments.checkin_before_minutes,
        cfg.appointments.checkin_after_minutes,
    ) {
        Window::Early { .. } => {
            a.set_outcome("early".into());
            kiosk.go(CHECKIN);
            return;
        }
        Window::Late { .. } => {
            a.set_outcome("late".into());
            kiosk.go(CHECKIN);
            return;
        }
        Window::Open => {}
    }
    let lang: Lang = kiosk.session().lang;
    let ctx = TicketContext {
        hall: cfg.kiosk.hall_in(lang),
        kiosk_name: cfg.kiosk.name_in(lang),
        tz: services.tz,
        lang,
        test: services.test_mode,
        rating_url: &cfg.guide.rating_url,
    };
    let mut receipt = Vec::new();
    let issued = services.store().check_in(
        &b,
        &citizen_ref,
        now,
        services.tz,
        &services.number_source(),
        services.waiting_window(),
        |t| {
            receipt = ticket_receipt::render(t, &ctx);
            receipt.clone()
        },
    );
    let ticket = match issued {
        Ok(t) => t,
        Err(e) => {
            tracing::error!("check-in not committed: {e}");
            a.set_outcome("failed".into());
            kiosk.go(CHECKIN);
            return;
        }
    };
    tracing::info!(number = %ticket.number, seq = ticket.outbox_seq, "appointment checked in");
    services.poke_sync();
    kiosk.complete_errand(crate::app::CompletedErrand {
        errand: "appointment",
        id: b.code.clone(),
        service: Some(b.service.clone()),
    });
    a.set_ticket_number(ticket.number.clone().into());
    a.set_outcome("ok".into());
    kiosk.go(CHECKIN);
    if let Some(job) = ticket.print_job {
        crate::app::printing::print(kiosk, job, receipt, tapped_at);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::appointments::{BookingStatus, Origin};
    use chrono::TimeZone;

    fn booking(date: &str, start: &str) -> Booking {
        let start = ClockTime::parse(start).unwrap();
        Booking {
            code: "AAAAAAAA".into(),
            service: "S".into(),
            category: "social".into(),
            date: date.parse().unwrap(),
            slot_id: "0930".into(),
            start,
            end: shifted(start, 30),
            status: BookingStatus::Confirmed,
            reason: None,
            detail: None,
            refusal_seen: false,
            origin: Origin::Here,
        }
    }

    #[test]
    fn the_check_in_window_is_in_the_halls_time_zone() {
        let b = booking("2026-12-02", "09:30");
        let shanghai: chrono_tz::Tz = "Asia/Shanghai".parse().unwrap();
        let at = |h, m| Utc.with_ymd_and_hms(2026, 12, 2, h, m, 0).unwrap();
        // 09:30 Shanghai is 01:30 UTC.
        assert_eq!(
            window(&b, at(0, 59), shanghai, 30, 15),
            Window::Early {
                opens: ClockTime::parse("09:00").unwrap()
            }
        );
        assert_eq!(window(&b, at(1, 0), shanghai, 30, 15), Window::Open);
        assert_eq!(window(&b, at(1, 45), shanghai, 30, 15), Window::Open);
        assert_eq!(
            window(&b, at(1, 46), shanghai, 30, 15),
            Window::Late {
                closed: ClockTime::parse("09:45").unwrap()
            }
        );
        // The same instant in a hall at UTC-5 (New York) is the evening before: too early, not too late.
        let new_york: chrono_tz::Tz = "America/New_York".parse().unwrap();
        assert!(matches!(
            window(&b, at(1, 0), new_york, 30, 15),
            Window::Early { .. }
        ));
        // A booking of yesterday has lapsed whatever the hour.
        let old = booking("2026-12-01", "16:00");
        assert!(matches!(
            window(&old, at(1, 0), shanghai, 30, 15),
            Window::Late { .. }
        ));
    }
}
