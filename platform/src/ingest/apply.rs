//! Business rules of each event kind, applied inside the batch transaction. A broken rule rejects the event with a
//! plain reason (recorded, acknowledged); it is never an error of the batch.

use crate::store::CachedExt;
use std::collections::BTreeSet;

use rusqlite::{params, Connection, OptionalExtension};
use sanban_wire::{
    is_window_category, ApplicationSubmitted, AppointmentRequested, Delivery, EventPayload,
    GuidePrinted, HelpRequested, PickupCollected, RatingSubmitted, TicketIssued, RATED_ERRANDS,
};

use super::parse::ParsedEvent;
use crate::schedule;
use crate::store::{book, BookOutcome, Booking, CatalogIndex, StoreError};

/// `Err(reason)`: the event is rejected.
pub type Verdict = Result<(), String>;

/// What every rule may need besides the event.
pub struct Context<'a> {
    pub conn: &'a Connection,
    pub kiosk: &'a str,
    pub catalog: &'a CatalogIndex,
}

pub fn apply_event(cx: &Context, ev: &ParsedEvent) -> Result<Verdict, StoreError> {
    match &ev.payload {
        EventPayload::TicketIssued(p) => ticket(cx, ev, p),
        EventPayload::GuidePrinted(p) => guide_printed(cx, ev, p),
        EventPayload::AppointmentRequested(p) => appointment(cx, ev, p),
        EventPayload::ApplicationSubmitted(p) => application(cx, ev, p),
        EventPayload::PickupCollected(p) => pickup(cx, ev, p),
        EventPayload::RatingSubmitted(p) => rating(cx, ev, p),
        EventPayload::HelpRequested(p) => help_requested(cx, ev, p),
        // Until the appointment tables grow: the check-in's ticket is recorded like any ticket.
        EventPayload::AppointmentCheckedIn(p) => ticket(cx, ev, &p.ticket),
        EventPayload::AppointmentCancelled(_) | EventPayload::AppointmentRefusalSeen(_) => Ok(Err(
            "appointment cancellations and refusal notices are not stored by this platform version"
                .into(),
        )),
    }
}

/// Early return of a rejection.
macro_rules! reject {
    ($($arg:tt)*) => { return Ok(Err(format!($($arg)*))) };
}

fn exists(conn: &Connection, sql: &str, key: &str) -> Result<bool, StoreError> {
    Ok(conn
        .query_row_cached(sql, [key], |_| Ok(()))
        .optional()?
        .is_some())
}

fn plain_text(s: &str, max_chars: usize) -> bool {
    !s.trim().is_empty() && s.chars().count() <= max_chars && !s.chars().any(char::is_control)
}

fn ticket(cx: &Context, ev: &ParsedEvent, p: &TicketIssued) -> Result<Verdict, StoreError> {
    if !is_window_category(&p.category) {
        reject!("unknown window category {:?}", p.category);
    }
    if !plain_text(&p.number, 16) {
        reject!("ticket number must be 1 to 16 printable characters");
    }
    if schedule::parse_date(&p.business_day).is_none() {
        reject!("business_day {:?} is not a YYYY-MM-DD date", p.business_day);
    }
    let ticket_id = p.ticket_id.to_string();
    if exists(
        cx.conn,
        "SELECT 1 FROM tickets WHERE ticket_id = ?1",
        &ticket_id,
    )? {
        reject!("duplicate ticket_id {ticket_id}");
    }
    let holder: Option<String> = cx
        .conn
        .query_row_cached(
            "SELECT kiosk_id FROM tickets WHERE business_day = ?1 AND category = ?2 AND number = ?3",
            params![p.business_day, p.category, p.number],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(holder) = holder {
        reject!(
            "number {} of {} on {} was already issued by kiosk {holder}",
            p.number,
            p.category,
            p.business_day
        );
    }
    cx.conn.execute_cached(
        "INSERT INTO tickets (ticket_id, kiosk_id, seq, category, number, business_day, priority, offline, occurred_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![ticket_id, cx.kiosk, ev.seq, p.category, p.number, p.business_day, p.priority, p.offline, ev.occurred_at],
    )?;
    Ok(Ok(()))
}

fn guide_printed(cx: &Context, ev: &ParsedEvent, p: &GuidePrinted) -> Result<Verdict, StoreError> {
    if cx.catalog.service(&p.service).is_none() {
        reject!("unknown service {:?}", p.service);
    }
    if !matches!(p.language.as_str(), "zh" | "en") {
        reject!("language must be zh or en");
    }
    cx.conn.execute_cached(
        "INSERT INTO guide_prints (kiosk_id, seq, service, catalog_version, language, occurred_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            cx.kiosk,
            ev.seq,
            p.service,
            p.catalog_version,
            p.language,
            ev.occurred_at
        ],
    )?;
    Ok(Ok(()))
}

fn help_requested(
    cx: &Context,
    ev: &ParsedEvent,
    p: &HelpRequested,
) -> Result<Verdict, StoreError> {
    if !plain_text(&p.page, 64) {
        reject!("page must be 1 to 64 printable characters");
    }
    cx.conn.execute_cached(
        "INSERT INTO help_requests (kiosk_id, seq, page, occurred_at) VALUES (?1, ?2, ?3, ?4)",
        params![cx.kiosk, ev.seq, p.page, ev.occurred_at],
    )?;
    Ok(Ok(()))
}

/// Checks service, date and slot of a booking against the service's appointment hours in the catalog; shared with
/// `POST /v1/appointments`. `Ok` carries the slot's capacity.
pub fn check_booking(
    catalog: &CatalogIndex,
    service: &str,
    date: &str,
    slot_id: &str,
) -> Result<u32, String> {
    let Some(svc) = catalog.service(service) else {
        return Err(format!("unknown service {service:?}"));
    };
    if !svc.bookable {
        return Err(format!("service {service} takes no appointments"));
    }
    let Some(day) = schedule::parse_date(date) else {
        return Err(format!("date {date:?} is not a YYYY-MM-DD date"));
    };
    if day < schedule::hall_today() {
        return Err(format!("date {date} has passed"));
    }
    let (slots, capacity) = svc.slots_on(schedule::weekday(day));
    if slots.is_empty() {
        return Err(format!("service {service} takes no appointments on {date}"));
    }
    if !slots.iter().any(|s| s.slot_id == slot_id) {
        return Err(format!("no slot {slot_id:?} on {date}"));
    }
    Ok(capacity)
}

fn appointment(
    cx: &Context,
    ev: &ParsedEvent,
    p: &AppointmentRequested,
) -> Result<Verdict, StoreError> {
    let slot_capacity = match check_booking(cx.catalog, &p.service, &p.date, &p.slot_id) {
        Ok(capacity) => capacity,
        Err(reason) => return Ok(Err(reason)),
    };
    if !plain_text(&p.citizen_ref, 128) {
        reject!("citizen_ref must be 1 to 128 printable characters");
    }
    let booking = Booking {
        request_id: p.request_id.to_string(),
        kiosk: cx.kiosk.into(),
        service: p.service.clone(),
        date: p.date.clone(),
        slot_id: p.slot_id.clone(),
        citizen_ref: p.citizen_ref.clone(),
        seq: Some(ev.seq),
        slot_capacity,
    };
    Ok(match book(cx.conn, &booking)? {
        BookOutcome::Booked { .. } | BookOutcome::AlreadyBooked { .. } => Ok(()),
        BookOutcome::Full => Err(format!("slot {} on {} is full", p.slot_id, p.date)),
        BookOutcome::RequestIdReused => Err(format!(
            "request_id {} already books another service, date or slot",
            p.request_id
        )),
    })
}

fn application(
    cx: &Context,
    ev: &ParsedEvent,
    p: &ApplicationSubmitted,
) -> Result<Verdict, StoreError> {
    let Some(service) = cx.catalog.service(&p.service) else {
        reject!("unknown service {:?}", p.service);
    };
    if !plain_text(&p.application_no, 64) {
        reject!("application_no must be 1 to 64 printable characters");
    }
    if !plain_text(&p.citizen_ref, 128) {
        reject!("citizen_ref must be 1 to 128 printable characters");
    }
    let application_id = p.application_id.to_string();
    if exists(
        cx.conn,
        "SELECT 1 FROM applications WHERE application_id = ?1",
        &application_id,
    )? {
        reject!("duplicate application_id {application_id}");
    }
    if exists(
        cx.conn,
        "SELECT 1 FROM applications WHERE application_no = ?1",
        &p.application_no,
    )? {
        reject!("duplicate application_no {}", p.application_no);
    }
    if !service.kiosk_submittable {
        reject!("service {} cannot be applied for at a kiosk", service.id);
    }
    // Form: only the service's fields (the platform keeps no data it did not ask for), each by its rules, required
    // ones filled. Reasons name the field, never the value.
    for (key, value) in &p.fields {
        let Some(field) = service.form_field(key) else {
            reject!(
                "form field {key:?} is not a field of service {}",
                service.id
            );
        };
        if let Err(why) = field.check_value(value) {
            reject!("form field {key:?} ({}) {why}", field.label_zh);
        }
    }
    for field in service.form.iter().filter(|f| f.required) {
        if p.fields.get(&field.key).is_none_or(|v| v.trim().is_empty()) {
            reject!(
                "required form field {:?} ({}) is missing",
                field.key,
                field.label_zh
            );
        }
    }
    // Materials: core ones can never be deferred (核心材料不可容缺).
    let provided: BTreeSet<&str> = p.materials_provided.iter().map(String::as_str).collect();
    if let Some(unknown) = provided
        .iter()
        .find(|m| !service.materials.iter().any(|sm| sm.name == **m))
    {
        reject!(
            "material {unknown:?} is not listed for service {}",
            service.id
        );
    }
    if let Some(core) = service
        .materials
        .iter()
        .find(|m| m.core && !provided.contains(m.name.as_str()))
    {
        reject!(
            "core material {:?} is missing (核心材料不可容缺)",
            core.name
        );
    }
    // Non-core materials left out are recorded as owed. They are not refused for a service without 容缺受理: many
    // are conditional ("如有", "投靠类提供"), which only the window clerk can judge.
    let owed: Vec<&str> = service
        .materials
        .iter()
        .map(|m| m.name.as_str())
        .filter(|m| !provided.contains(m))
        .collect();
    let delivery = match p.delivery {
        Delivery::Pickup => "pickup",
        Delivery::Post => "post",
    };
    cx.conn.execute_cached(
        "INSERT INTO applications (application_id, application_no, kiosk_id, seq, service, citizen_ref, fields,
                                   materials_provided, materials_owed, delivery, occurred_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            application_id,
            p.application_no,
            cx.kiosk,
            ev.seq,
            p.service,
            p.citizen_ref,
            serde_json::to_string(&p.fields)?,
            serde_json::to_string(&provided)?,
            serde_json::to_string(&owed)?,
            delivery,
            ev.occurred_at
        ],
    )?;
    Ok(Ok(()))
}

fn pickup(cx: &Context, ev: &ParsedEvent, p: &PickupCollected) -> Result<Verdict, StoreError> {
    if !matches!(p.method.as_str(), "code" | "idcard") {
        reject!("pickup method must be \"code\" or \"idcard\"");
    }
    let row: Option<(String, u32, Option<String>)> = cx
        .conn
        .query_row_cached(
            "SELECT kiosk_id, locker_door, collected_at FROM pickups WHERE pickup_id = ?1",
            [&p.pickup_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((kiosk, door, collected_at)) = row else {
        reject!("unknown pickup {:?}", p.pickup_id);
    };
    if kiosk != cx.kiosk {
        reject!("pickup {} waits at another kiosk", p.pickup_id);
    }
    if door != p.locker_door {
        reject!(
            "pickup {} is behind door {door}, not door {}",
            p.pickup_id,
            p.locker_door
        );
    }
    if let Some(at) = collected_at {
        reject!("pickup {} was already collected at {at}", p.pickup_id);
    }
    cx.conn.execute_cached(
        "UPDATE pickups SET collected_at = ?2, collected_seq = ?3, collected_method = ?4 WHERE pickup_id = ?1",
        params![p.pickup_id, ev.occurred_at, ev.seq, p.method],
    )?;
    Ok(Ok(()))
}

fn rating(cx: &Context, ev: &ParsedEvent, p: &RatingSubmitted) -> Result<Verdict, StoreError> {
    if !(1..=5).contains(&p.level) {
        reject!("rating level {} is not between 1 and 5", p.level);
    }
    if !RATED_ERRANDS.contains(&p.errand.as_str()) {
        reject!(
            "unknown errand {:?} (expected one of {})",
            p.errand,
            RATED_ERRANDS.join(", ")
        );
    }
    if let Some(service) = &p.service {
        if cx.catalog.service(service).is_none() {
            reject!("unknown service {service:?}");
        }
    }
    if p.reason.as_deref().is_some_and(|r| r.chars().count() > 200) {
        reject!("rating reason is longer than 200 characters");
    }
    let rating_id = p.rating_id.to_string();
    if exists(
        cx.conn,
        "SELECT 1 FROM ratings WHERE rating_id = ?1",
        &rating_id,
    )? {
        reject!("duplicate rating_id {rating_id}");
    }
    cx.conn.execute_cached(
        "INSERT INTO ratings (rating_id, kiosk_id, seq, errand, service, level, reason, occurred_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![rating_id, cx.kiosk, ev.seq, p.errand, p.service, p.level, p.reason, ev.occurred_at],
    )?;
    Ok(Ok(()))
}
