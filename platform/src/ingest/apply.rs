//! Business rules of each event kind. A broken rule rejects the event with a plain reason (recorded,
//! acknowledged); it is never an error of the batch. The rules read [`Facts`] and record rows in [`Writes`]: no
//! store access here, so the same rules run on SQLite and PostgreSQL.

use std::collections::BTreeSet;

use sanban_wire::{
    is_window_category, ApplicationSubmitted, AppointmentCancelled, AppointmentCheckedIn,
    AppointmentRefusalSeen, AppointmentRequested, Delivery, EventPayload, GuidePrinted,
    HelpRequested, HoldReason, LockerAlert, LockerAlertKind, LockerDeposited, PickupCodeRejected,
    PickupCollected, PickupHeld, PostalRequested, RatingSubmitted, RefusalReason, TicketIssued,
    RATED_ERRANDS, RATING_TEXT_MAX, WINDOW_CATEGORIES,
};

use super::facts::{BookedRequest, Facts, PickupState, SlotKey, StoredAppointment};
use super::maintenance_audit::audit_row;
use super::parse::ParsedEvent;
use super::writes::{
    ApplicationRow, AppointmentChange, AppointmentRow, CodeRejectionRow, DepositRow, EventRow,
    GuidePrintRow, HelpRequestRow, LockerAlertRow, Outcome, PickupCollection, PickupHoldRow,
    PostalRow, RatingRow, TicketRow, Writes,
};
use crate::appointments::{self as rules, Policy, Refusal};
use crate::privacy::DataKey;
use crate::schedule;
use crate::store::applications::{applicant_context, fields_context};
use crate::store::catalog::CatalogIndex;
use crate::store::lease_policy::MAX_NUMBER;
use crate::store::model::{new_appointment_id, new_pickup_code, salted_code};
use crate::text::plain_text;

/// `Err(reason)`: the event is rejected.
pub type Verdict = Result<(), String>;

/// The rules' working state for one batch: what the store knew, plus what earlier events of the batch did.
pub struct Ledger<'a> {
    kiosk: &'a str,
    catalog: &'a CatalogIndex,
    /// Seals personal data before it is written; without it, events carrying such data are rejected.
    data_key: Option<&'a DataKey>,
    policy: &'a Policy,
    facts: Facts,
    writes: Writes,
}

impl<'a> Ledger<'a> {
    pub fn new(
        kiosk: &'a str,
        catalog: &'a CatalogIndex,
        data_key: Option<&'a DataKey>,
        policy: &'a Policy,
        facts: Facts,
        received_at: String,
    ) -> Self {
        Ledger {
            kiosk,
            catalog,
            data_key,
            policy,
            facts,
            writes: Writes {
                kiosk: kiosk.to_string(),
                received_at,
                ..Writes::default()
            },
        }
    }

    /// Applies or rejects `ev` (the next event in sequence) and records its settlement.
    pub fn settle(&mut self, ev: &ParsedEvent) {
        let verdict = match &ev.payload {
            EventPayload::TicketIssued(p) => self.ticket(ev, p),
            EventPayload::GuidePrinted(p) => self.guide_printed(ev, p),
            EventPayload::AppointmentRequested(p) => self.appointment(ev, p),
            EventPayload::ApplicationSubmitted(p) => self.application(ev, p),
            EventPayload::PickupCollected(p) => self.pickup(ev, p),
            EventPayload::PickupHeld(p) => self.pickup_held(ev, p),
            EventPayload::PickupCodeRejected(p) => self.code_rejected(ev, p),
            EventPayload::PostalRequested(p) => self.postal_request(ev, p),
            EventPayload::LockerDeposited(p) => self.deposit(ev, p),
            EventPayload::LockerAlert(p) => self.locker_alert(ev, p),
            EventPayload::RatingSubmitted(p) => self.rating(ev, p),
            EventPayload::HelpRequested(p) => self.help_requested(ev, p),
            EventPayload::MaintenanceAccess(_) | EventPayload::MaintenanceAction(_) => {
                self.maintenance(ev)
            }
            EventPayload::AppointmentCheckedIn(p) => self.checked_in(ev, p),
            EventPayload::AppointmentCancelled(p) => self.cancelled(ev, p),
            EventPayload::AppointmentRefusalSeen(p) => self.refusal_seen(p),
        };
        let outcome = match verdict {
            Ok(()) => Outcome::Applied,
            Err(reason) => {
                self.writes.rejections.push(sanban_wire::Rejection {
                    seq: ev.seq,
                    reason,
                });
                Outcome::Rejected
            }
        };
        self.writes.events.push(EventRow {
            seq: ev.seq,
            event_id: ev.id.to_string(),
            kind: ev.payload.kind(),
            occurred_at: ev.occurred_at.clone(),
            payload_sha256: ev.payload_sha256.clone(),
            outcome,
        });
        self.writes.applied_through = ev.seq;
    }

    /// The rows to write; `applied_through` is `last` when no event was settled.
    pub fn into_writes(mut self, last: u64) -> Writes {
        self.writes.applied_through = self.writes.applied_through.max(last);
        self.writes
    }

    fn ticket(&mut self, ev: &ParsedEvent, p: &TicketIssued) -> Verdict {
        if !is_window_category(&p.category) {
            return Err(format!("unknown window category {:?}", p.category));
        }
        if !plain_text(&p.number, 16) {
            return Err("ticket number must be 1 to 16 printable characters".into());
        }
        if schedule::parse_date(&p.business_day).is_none() {
            return Err(format!(
                "business_day {:?} is not a YYYY-MM-DD date",
                p.business_day
            ));
        }
        let ticket_id = p.ticket_id.to_string();
        if self.facts.ticket_ids.contains(&ticket_id) {
            return Err(format!("duplicate ticket_id {ticket_id}"));
        }
        let key = (p.business_day.clone(), p.category.clone(), p.number.clone());
        if let Some(holder) = self.facts.number_holders.get(&key) {
            return Err(format!(
                "number {} of {} on {} was already issued by kiosk {holder}",
                p.number, p.category, p.business_day
            ));
        }
        self.check_number_source(p)?;
        self.facts.ticket_ids.insert(ticket_id.clone());
        self.facts
            .number_holders
            .insert(key, self.kiosk.to_string());
        self.writes.tickets.push(TicketRow {
            ticket_id,
            seq: ev.seq,
            category: p.category.clone(),
            number: p.number.clone(),
            business_day: p.business_day.clone(),
            priority: p.priority,
            offline: p.offline,
            occurred_at: ev.occurred_at.clone(),
        });
        Ok(())
    }

    /// A number is either from a block the platform leased to this kiosk ("E012") or from the kiosk's own offline
    /// range, which carries its id as a prefix ("K07-E003"). Anything else could collide with another kiosk's.
    fn check_number_source(&self, p: &TicketIssued) -> Verdict {
        let letter = WINDOW_CATEGORIES
            .iter()
            .find(|(code, ..)| *code == p.category)
            .map(|(_, letter, ..)| *letter)
            .unwrap_or('?');
        if let Some((prefix, rest)) = p.number.rsplit_once('-') {
            if prefix != self.kiosk {
                return Err(format!(
                    "offline number {} does not carry this kiosk's prefix {}-",
                    p.number, self.kiosk
                ));
            }
            if !p.offline {
                return Err(format!(
                    "number {} is from the kiosk's offline range but the ticket is not marked offline",
                    p.number
                ));
            }
            return match serial_of(rest, letter) {
                Some(_) => Ok(()),
                None => Err(format!(
                    "offline number {} is not {}-{letter} followed by 001 to {MAX_NUMBER}",
                    p.number, self.kiosk
                )),
            };
        }
        if p.offline {
            return Err(format!(
                "offline ticket {} lacks this kiosk's prefix {}-",
                p.number, self.kiosk
            ));
        }
        let Some(serial) = serial_of(&p.number, letter) else {
            return Err(format!(
                "number {} is not {letter} followed by 001 to {MAX_NUMBER}",
                p.number
            ));
        };
        let leased = self.facts.leases.iter().any(|b| {
            b.business_day == p.business_day
                && b.category == p.category
                && (b.first..=b.last).contains(&serial)
        });
        if !leased {
            return Err(format!(
                "number {} of {} on {} is outside every block leased to kiosk {}",
                p.number, p.category, p.business_day, self.kiosk
            ));
        }
        Ok(())
    }

    fn guide_printed(&mut self, ev: &ParsedEvent, p: &GuidePrinted) -> Verdict {
        if self.catalog.service(&p.service).is_none() {
            return Err(format!("unknown service {:?}", p.service));
        }
        if !matches!(p.language.as_str(), "zh" | "en") {
            return Err("language must be zh or en".into());
        }
        if p.catalog_version > i64::MAX as u64 {
            return Err("catalog_version is out of range".into());
        }
        self.writes.guide_prints.push(GuidePrintRow {
            seq: ev.seq,
            service: p.service.clone(),
            catalog_version: p.catalog_version,
            language: p.language.clone(),
            occurred_at: ev.occurred_at.clone(),
        });
        Ok(())
    }

    fn help_requested(&mut self, ev: &ParsedEvent, p: &HelpRequested) -> Verdict {
        if !plain_text(&p.page, 64) {
            return Err("page must be 1 to 64 printable characters".into());
        }
        self.writes.help_requests.push(HelpRequestRow {
            seq: ev.seq,
            page: p.page.clone(),
            occurred_at: ev.occurred_at.clone(),
        });
        Ok(())
    }

    fn maintenance(&mut self, ev: &ParsedEvent) -> Verdict {
        let row = audit_row(ev)?;
        self.writes.maintenance.push(row);
        Ok(())
    }

    fn appointment(&mut self, ev: &ParsedEvent, p: &AppointmentRequested) -> Verdict {
        if !plain_text(&p.citizen_ref, 128) {
            return Err(RefusalReason::Invalid
                .rejection("citizen_ref must be 1 to 128 printable characters"));
        }
        if !sanban_wire::is_booking_code(&p.code) {
            return Err(RefusalReason::Invalid.rejection("code is not a booking code"));
        }
        let request_id = p.request_id.to_string();
        let slot = (p.service.clone(), p.date.clone(), p.slot_id.clone());
        if let Some(booked) = self.facts.bookings.get(&request_id) {
            // Booked online before (or earlier in this batch): acknowledged, not booked twice.
            return if booked.slot == slot {
                Ok(())
            } else {
                Err(RefusalReason::Invalid.rejection(&format!(
                    "request_id {request_id} already books another service, date or slot"
                )))
            };
        }
        if self.facts.by_code.contains_key(&p.code) {
            // Not stored as a refusal: the code is another booking's.
            return Err(RefusalReason::CodeTaken.rejection("the booking code is in use"));
        }
        let (status, reason) = match self.decide(p, &slot) {
            Ok(()) => ("booked", None),
            Err(refusal) => ("refused", Some(refusal.text())),
        };
        let appointment_id = new_appointment_id(&p.date);
        self.facts.bookings.insert(
            request_id.clone(),
            BookedRequest {
                appointment_id: appointment_id.clone(),
                slot: slot.clone(),
            },
        );
        self.facts.by_code.insert(
            p.code.clone(),
            StoredAppointment {
                request_id: request_id.clone(),
                citizen_ref: p.citizen_ref.clone(),
                service: p.service.clone(),
                date: p.date.clone(),
                slot_id: p.slot_id.clone(),
                status: status.to_string(),
            },
        );
        self.writes.appointments.push(AppointmentRow {
            appointment_id,
            request_id,
            service: p.service.clone(),
            date: p.date.clone(),
            slot_id: p.slot_id.clone(),
            citizen_ref: p.citizen_ref.clone(),
            seq: ev.seq,
            code: p.code.clone(),
            status,
            reason: reason.clone(),
        });
        // A refusal is kept (shown at the citizen's next card read) and the event is rejected with its reason.
        match reason {
            None => Ok(()),
            Some(text) => Err(text),
        }
    }

    /// The booking rules for an offline request; on success the place is taken in the batch's facts.
    fn decide(&mut self, p: &AppointmentRequested, slot: &SlotKey) -> Result<(), Refusal> {
        let capacity =
            rules::check_slot(self.catalog, self.policy, &p.service, &p.date, &p.slot_id)?;
        let citizen = self
            .facts
            .citizens
            .entry(p.citizen_ref.clone())
            .or_default();
        rules::check_citizen(self.policy, citizen, &p.service, &p.date)?;
        let count = self.facts.slot_counts.entry(slot.clone()).or_insert(0);
        rules::check_capacity(*count, capacity, &p.slot_id, &p.date)?;
        *count += 1;
        citizen.active.push((p.service.clone(), p.date.clone()));
        Ok(())
    }

    /// The booking `code` names, if it is this citizen's.
    fn own_booking(&self, code: &str, citizen_ref: &str) -> Result<&StoredAppointment, String> {
        match self.facts.by_code.get(code) {
            None => Err(format!("no booking with code {code:?}")),
            Some(b) if b.citizen_ref != citizen_ref => {
                Err(format!("booking {code} is another citizen's"))
            }
            Some(b) => Ok(b),
        }
    }

    fn change(&mut self, code: &str, status: Option<&'static str>, refusal_seen: bool) {
        if let (Some(b), Some(s)) = (self.facts.by_code.get_mut(code), status) {
            b.status = s.to_string();
        }
        self.writes.appointment_changes.push(AppointmentChange {
            code: code.to_string(),
            status,
            refusal_seen,
        });
    }

    /// A cancellation frees the place; allowed until the slot starts (by the kiosk's clock when it happened).
    fn cancelled(&mut self, ev: &ParsedEvent, p: &AppointmentCancelled) -> Verdict {
        let b = self.own_booking(&p.code, &p.citizen_ref)?.clone();
        match b.status.as_str() {
            "cancelled" => return Ok(()),
            "booked" => {}
            other => {
                return Err(format!(
                    "booking {} is {other}: it cannot be cancelled",
                    p.code
                ))
            }
        }
        let at = self
            .policy
            .local_time_of(&ev.occurred_at)
            .unwrap_or(self.policy.now);
        if rules::slot_start(self.catalog, &b.service, &b.date, &b.slot_id)
            .is_some_and(|start| at >= start)
        {
            return Err(format!(
                "booking {} was cancelled after its slot began",
                p.code
            ));
        }
        if let Some(n) =
            self.facts
                .slot_counts
                .get_mut(&(b.service.clone(), b.date.clone(), b.slot_id.clone()))
        {
            *n = n.saturating_sub(1);
        }
        if let Some(c) = self.facts.citizens.get_mut(&b.citizen_ref) {
            c.active.retain(|(s, d)| !(s == &b.service && d == &b.date));
        }
        self.change(&p.code, Some("cancelled"), false);
        Ok(())
    }

    /// The priority ticket was printed, so it is recorded whatever the booking; the booking is marked when it
    /// is found and the citizen's.
    fn checked_in(&mut self, ev: &ParsedEvent, p: &AppointmentCheckedIn) -> Verdict {
        self.ticket(ev, &p.ticket)?;
        match self.own_booking(&p.code, &p.citizen_ref) {
            Ok(b) if matches!(b.status.as_str(), "booked" | "no_show") => {
                self.change(&p.code, Some("checked_in"), false);
            }
            Ok(_) => {}
            Err(why) => tracing::info!(
                kiosk = self.kiosk,
                seq = ev.seq,
                "unmatched check-in: {why}"
            ),
        }
        Ok(())
    }

    fn refusal_seen(&mut self, p: &AppointmentRefusalSeen) -> Verdict {
        self.own_booking(&p.code, &p.citizen_ref)?;
        self.change(&p.code, None, true);
        Ok(())
    }

    fn application(&mut self, ev: &ParsedEvent, p: &ApplicationSubmitted) -> Verdict {
        let Some(service) = self.catalog.service(&p.service) else {
            return Err(format!("unknown service {:?}", p.service));
        };
        if !plain_text(&p.application_no, 64) {
            return Err("application_no must be 1 to 64 printable characters".into());
        }
        if !plain_text(&p.citizen_ref, 128) {
            return Err("citizen_ref must be 1 to 128 printable characters".into());
        }
        let application_id = p.application_id.to_string();
        if self.facts.application_ids.contains(&application_id) {
            return Err(format!("duplicate application_id {application_id}"));
        }
        if self.facts.application_nos.contains(&p.application_no) {
            return Err(format!("duplicate application_no {}", p.application_no));
        }
        if !service.kiosk_submittable {
            return Err(format!(
                "service {} cannot be applied for at a kiosk",
                service.id
            ));
        }
        // Form: only the service's fields (the platform keeps no data it did not ask for), each by its rules,
        // required ones filled. Reasons name the field, never the value.
        for (key, value) in &p.fields {
            let Some(field) = service.form_field(key) else {
                return Err(format!(
                    "form field {key:?} is not a field of service {}",
                    service.id
                ));
            };
            if let Err(why) = field.check_value(value) {
                return Err(format!("form field {key:?} ({}) {why}", field.label_zh));
            }
        }
        // A kiosk that purged the personal data sends the application again without the applicant and the
        // answers (the platform lost it, e.g. restored from a backup): it is recorded without them.
        let purged = p.applicant.is_none() && p.fields.is_empty();
        for field in service.form.iter().filter(|f| f.required && !purged) {
            if p.fields.get(&field.key).is_none_or(|v| v.trim().is_empty()) {
                return Err(format!(
                    "required form field {:?} ({}) is missing",
                    field.key, field.label_zh
                ));
            }
        }
        // Materials: core ones can never be deferred (核心材料不可容缺).
        let provided: BTreeSet<&str> = p.materials_provided.iter().map(String::as_str).collect();
        if let Some(unknown) = provided
            .iter()
            .find(|m| !service.materials.iter().any(|sm| sm.name == **m))
        {
            return Err(format!(
                "material {unknown:?} is not listed for service {}",
                service.id
            ));
        }
        if let Some(core) = service
            .materials
            .iter()
            .find(|m| m.core && !provided.contains(m.name.as_str()))
        {
            return Err(format!(
                "core material {:?} is missing (核心材料不可容缺)",
                core.name
            ));
        }
        // Non-core materials left out are recorded as owed. They are not refused for a service without 容缺受理:
        // many are conditional ("如有", "投靠类提供"), which only the window clerk can judge.
        let owed: Vec<&str> = service
            .materials
            .iter()
            .map(|m| m.name.as_str())
            .filter(|m| !provided.contains(m))
            .collect();
        check_commitments(service, &owed, &p.materials_deferred, &ev.occurred_at)?;
        let delivery = match p.delivery {
            Delivery::Pickup => "pickup",
            Delivery::Post => "post",
        };
        // Personal data (the applicant, the form's answers: phones, owners' names) is kept only sealed.
        let needs_key = p.applicant.is_some() || !p.fields.is_empty();
        let key = match (self.data_key, needs_key) {
            (Some(key), _) => Some(key),
            (None, false) => None,
            (None, true) => return Err(no_data_key("the applicant and the form's answers")),
        };
        if let Some(a) = &p.applicant {
            if !plain_text(&a.name, 128) || !plain_text(&a.id_number, 32) {
                return Err("the applicant's name and ID number must be printable text".into());
            }
        }
        let seal = |context: String, plain: &str| key.map(|k| k.seal(&context, plain));
        let applicant_sealed = p.applicant.as_ref().and_then(|a| {
            let json = zeroize::Zeroizing::new(to_json(a));
            seal(applicant_context(&application_id), &json)
        });
        let fields = if p.fields.is_empty() {
            "{}".to_string()
        } else {
            let json = zeroize::Zeroizing::new(to_json(&p.fields));
            seal(fields_context(&application_id), &json).unwrap_or_else(|| "{}".into())
        };
        let row = ApplicationRow {
            application_id: application_id.clone(),
            application_no: p.application_no.clone(),
            seq: ev.seq,
            service: p.service.clone(),
            citizen_ref: p.citizen_ref.clone(),
            fields,
            materials_provided: to_json(&provided),
            materials_owed: to_json(&owed),
            materials_deferred: to_json(&p.materials_deferred),
            applicant_sealed,
            delivery,
            occurred_at: ev.occurred_at.clone(),
        };
        self.facts.application_ids.insert(application_id);
        self.facts.application_nos.insert(p.application_no.clone());
        self.writes.applications.push(row);
        Ok(())
    }

    fn pickup(&mut self, ev: &ParsedEvent, p: &PickupCollected) -> Verdict {
        if !matches!(p.method.as_str(), "code" | "idcard") {
            return Err("pickup method must be \"code\" or \"idcard\"".into());
        }
        let Some(state) = self.facts.pickups.get_mut(&p.pickup_id) else {
            return Err(format!("unknown pickup {:?}", p.pickup_id));
        };
        if state.kiosk_id != self.kiosk {
            return Err(format!("pickup {} waits at another kiosk", p.pickup_id));
        }
        if state.locker_door != p.locker_door {
            return Err(format!(
                "pickup {} is behind door {}, not door {}",
                p.pickup_id, state.locker_door, p.locker_door
            ));
        }
        if let Some(at) = &state.collected_at {
            return Err(format!(
                "pickup {} was already collected at {at}",
                p.pickup_id
            ));
        }
        if let Some(at) = &state.cleared_at {
            return Err(format!(
                "pickup {} was taken out of its door by the staff at {at}",
                p.pickup_id
            ));
        }
        state.collected_at = Some(ev.occurred_at.clone());
        self.writes.pickups_collected.push(PickupCollection {
            pickup_id: p.pickup_id.clone(),
            collected_at: ev.occurred_at.clone(),
            seq: ev.seq,
            method: p.method.clone(),
        });
        Ok(())
    }

    fn rating(&mut self, ev: &ParsedEvent, p: &RatingSubmitted) -> Verdict {
        if p.level_code != p.level.code_in(sanban_wire::LevelNumbering::FiveIsBest) {
            return Err(format!(
                "rating level_code {} does not match level {}",
                p.level_code,
                p.level.name()
            ));
        }
        if !RATED_ERRANDS.contains(&p.errand.as_str()) {
            return Err(format!(
                "unknown errand {:?} (expected one of {})",
                p.errand,
                RATED_ERRANDS.join(", ")
            ));
        }
        if !plain_text(&p.errand_id, 64) {
            return Err("errand_id (办件编号) must be 1 to 64 printable characters".into());
        }
        if !plain_text(&p.channel, 32) {
            return Err("channel must be 1 to 32 printable characters".into());
        }
        if let Some(service) = &p.service {
            if self.catalog.service(service).is_none() {
                return Err(format!("unknown service {service:?}"));
            }
        }
        if p.text
            .as_deref()
            .is_some_and(|r| r.chars().count() > RATING_TEXT_MAX)
        {
            return Err(format!(
                "rating text is longer than {RATING_TEXT_MAX} characters"
            ));
        }
        if p.reasons.iter().any(|r| !plain_text(r, 32)) {
            return Err("a rating reason must be 1 to 32 printable characters".into());
        }
        if p.times_rated == 0 {
            return Err("times_rated counts this rating: at least 1".into());
        }
        // The number is personal: checked for shape only, never quoted.
        let callback_phone_sealed = match p.callback_phone.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(phone) => {
                if phone.len() > 20 || !phone.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
                    return Err("callback_phone must be digits (a mobile, or a landline with its area code)".into());
                }
                let Some(key) = self.data_key else {
                    return Err(no_data_key("a call-back number"));
                };
                Some(key.seal(&format!("rating:{}", p.rating_id), phone))
            }
        };
        let rating_id = p.rating_id.to_string();
        if !self.facts.rating_ids.insert(rating_id.clone()) {
            return Err(format!("duplicate rating_id {rating_id}"));
        }
        self.writes.ratings.push(RatingRow {
            rating_id,
            seq: ev.seq,
            errand: p.errand.clone(),
            errand_id: p.errand_id.clone(),
            service: p.service.clone(),
            channel: p.channel.clone(),
            level: p.level_code,
            level_name: p.level.name(),
            reason: (!p.reasons.is_empty()).then(|| p.reasons.join(",")),
            reasons: to_json(&p.reasons),
            text: p.text.clone().filter(|t| !t.trim().is_empty()),
            callback_phone_sealed,
            times_rated: p.times_rated,
            occurred_at: ev.occurred_at.clone(),
        });
        Ok(())
    }

    /// The document at `pickup_id`, checked to be this kiosk's and behind `door`.
    fn own_pickup(&mut self, pickup_id: &str, door: u32) -> Result<&mut PickupState, String> {
        let kiosk = self.kiosk;
        let Some(state) = self.facts.pickups.get_mut(pickup_id) else {
            return Err(format!("unknown pickup {pickup_id:?}"));
        };
        if state.kiosk_id != kiosk {
            return Err(format!("pickup {pickup_id} waits at another kiosk"));
        }
        if state.locker_door != door {
            return Err(format!(
                "pickup {pickup_id} is behind door {}, not door {door}",
                state.locker_door
            ));
        }
        Ok(state)
    }

    fn pickup_held(&mut self, ev: &ParsedEvent, p: &PickupHeld) -> Verdict {
        let state = self.own_pickup(&p.pickup_id, p.locker_door)?;
        if let Some(at) = &state.collected_at {
            return Err(format!(
                "pickup {} was already collected at {at}",
                p.pickup_id
            ));
        }
        if state.held_at.is_some() {
            // Held already (a second jam of the same door): the first hold stands.
            return Ok(());
        }
        state.held_at = Some(ev.occurred_at.clone());
        self.writes.pickups_held.push(PickupHoldRow {
            pickup_id: p.pickup_id.clone(),
            seq: ev.seq,
            reason: match p.reason {
                HoldReason::Jammed => "jammed",
                HoldReason::Interrupted => "interrupted",
            },
            held_at: ev.occurred_at.clone(),
        });
        Ok(())
    }

    fn code_rejected(&mut self, ev: &ParsedEvent, p: &PickupCodeRejected) -> Verdict {
        if p.failures_in_window == 0 {
            return Err("failures_in_window counts this wrong code: at least 1".into());
        }
        if p.locked_until
            .as_deref()
            .is_some_and(|t| chrono::DateTime::parse_from_rfc3339(t).is_err())
        {
            return Err("locked_until is not an RFC 3339 time".into());
        }
        self.writes.code_rejections.push(CodeRejectionRow {
            seq: ev.seq,
            failures_in_window: p.failures_in_window,
            locked_until: p.locked_until.clone(),
            occurred_at: ev.occurred_at.clone(),
        });
        Ok(())
    }

    fn postal_request(&mut self, ev: &ParsedEvent, p: &PostalRequested) -> Verdict {
        let request_id = p.request_id.to_string();
        if let Some(pickup) = self.facts.postal_requests.get(&request_id) {
            // The same request again (resent under a new seq): acknowledged, not stored twice.
            return if *pickup == p.pickup_id {
                Ok(())
            } else {
                Err(format!(
                    "request_id {request_id} already asks for another document to be posted"
                ))
            };
        }
        if !plain_text(&p.citizen_ref, 128) {
            return Err("citizen_ref must be 1 to 128 printable characters".into());
        }
        // Personal: checked for shape, never quoted.
        let r = &p.recipient;
        if !plain_text(&r.name, 32) {
            return Err("the recipient's name must be 1 to 32 printable characters".into());
        }
        if !(r.phone.len() == 11
            && r.phone.starts_with('1')
            && r.phone.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err("the recipient's phone must be an 11-digit mobile number".into());
        }
        if !plain_text(&r.address, 200) {
            return Err("the recipient's address must be 1 to 200 printable characters".into());
        }
        let Some(key) = self.data_key else {
            return Err(no_data_key("a postal address"));
        };
        let state = self.own_pickup(&p.pickup_id, p.locker_door)?;
        if !state.postable {
            return Err(format!("pickup {} may not be posted", p.pickup_id));
        }
        if !state.in_door() {
            return Err(format!("pickup {} is no longer in its door", p.pickup_id));
        }
        if let Some(at) = &state.posted_at {
            return Err(format!(
                "pickup {} was already asked to be posted at {at}",
                p.pickup_id
            ));
        }
        state.posted_at = Some(ev.occurred_at.clone());
        let recipient = zeroize::Zeroizing::new(to_json(r));
        let recipient_sealed = key.seal(&format!("postal:{request_id}"), &recipient);
        self.facts
            .postal_requests
            .insert(request_id.clone(), p.pickup_id.clone());
        self.writes.postal_requests.push(PostalRow {
            request_id,
            pickup_id: p.pickup_id.clone(),
            seq: ev.seq,
            citizen_ref: p.citizen_ref.clone(),
            recipient_sealed,
            requested_at: ev.occurred_at.clone(),
        });
        Ok(())
    }

    fn deposit(&mut self, ev: &ParsedEvent, p: &LockerDeposited) -> Verdict {
        if !plain_text(&p.pickup_id, 64) {
            return Err("pickup_id must be 1 to 64 printable characters".into());
        }
        if !plain_text(&p.document_no, 64) {
            return Err("document_no must be 1 to 64 printable characters".into());
        }
        if p.locker_door == 0 {
            return Err("locker doors are numbered from 1".into());
        }
        if self.facts.pickups.contains_key(&p.pickup_id) {
            return Err(format!("pickup id {} is already in use", p.pickup_id));
        }
        let Some(key) = self.data_key else {
            return Err(no_data_key("the deposit's pickup code (for its SMS)"));
        };
        // Documents still in that door: one waiting for its citizen means the kiosk's view is wrong (refused);
        // held or posted ones were taken out by the staff to make room.
        let in_door: Vec<(&String, &PickupState)> = self
            .facts
            .pickups
            .iter()
            .filter(|(_, s)| {
                s.kiosk_id == self.kiosk && s.locker_door == p.locker_door && s.in_door()
            })
            .collect();
        if let Some((id, _)) = in_door
            .iter()
            .find(|(_, s)| s.held_at.is_none() && s.posted_at.is_none())
        {
            return Err(format!(
                "door {} still holds pickup {id}, waiting for its citizen",
                p.locker_door
            ));
        }
        let mut cleared: Vec<String> = in_door.iter().map(|(id, _)| (*id).clone()).collect();
        cleared.sort();
        for id in &cleared {
            if let Some(s) = self.facts.pickups.get_mut(id) {
                s.cleared_at = Some(ev.occurred_at.clone());
            }
        }
        let code = new_pickup_code();
        let (code_salt, code_hash) = salted_code(&code);
        let code_sealed = key.seal(&format!("notice:{}", p.pickup_id), &code);
        self.facts.pickups.insert(
            p.pickup_id.clone(),
            PickupState {
                kiosk_id: self.kiosk.to_string(),
                locker_door: p.locker_door,
                collected_at: None,
                held_at: None,
                posted_at: None,
                cleared_at: None,
                postable: false,
            },
        );
        self.writes.deposits.push(DepositRow {
            pickup_id: p.pickup_id.clone(),
            seq: ev.seq,
            locker_door: p.locker_door,
            document_no: p.document_no.clone(),
            code_salt,
            code_hash,
            code_sealed,
            deposited_at: ev.occurred_at.clone(),
            cleared,
        });
        Ok(())
    }

    fn locker_alert(&mut self, ev: &ParsedEvent, p: &LockerAlert) -> Verdict {
        if p.locker_door == 0 {
            return Err("locker doors are numbered from 1".into());
        }
        self.writes.locker_alerts.push(LockerAlertRow {
            seq: ev.seq,
            locker_door: p.locker_door,
            alert: alert_name(p.alert),
            open_seconds: p.open_seconds,
            occurred_at: ev.occurred_at.clone(),
        });
        Ok(())
    }
}

/// The wire name of a door alert.
pub fn alert_name(kind: LockerAlertKind) -> &'static str {
    match kind {
        LockerAlertKind::LeftOpen => "left_open",
        LockerAlertKind::OpenedUnexpectedly => "opened_unexpectedly",
        LockerAlertKind::Jammed => "jammed",
        LockerAlertKind::SensorStuck => "sensor_stuck",
        LockerAlertKind::Interrupted => "interrupted",
    }
}

/// 容缺 commitments: each names a deferrable material of the service that is not in hand, once, with a due date
/// (`YYYY-MM-DD`) on or after the day of submission.
fn check_commitments(
    service: &sanban_wire::Service,
    owed: &[&str],
    deferred: &[sanban_wire::DeferredMaterial],
    occurred_at: &str,
) -> Verdict {
    let mut seen = BTreeSet::new();
    let submitted = occurred_at.get(..10).unwrap_or_default();
    for d in deferred {
        let Some(material) = service.materials.iter().find(|m| m.name == d.name) else {
            return Err(format!(
                "deferred material {:?} is not listed for service {}",
                d.name, service.id
            ));
        };
        if material.core || !material.deferrable {
            return Err(format!(
                "material {:?} cannot be deferred (容缺) for service {}",
                d.name, service.id
            ));
        }
        if !owed.contains(&d.name.as_str()) {
            return Err(format!(
                "material {:?} is both in hand and deferred",
                d.name
            ));
        }
        if !seen.insert(d.name.as_str()) {
            return Err(format!("material {:?} is deferred twice", d.name));
        }
        if schedule::parse_date(&d.due).is_none() || d.due.as_str() < submitted {
            return Err(format!(
                "the due date of deferred material {:?} must be a YYYY-MM-DD date from the day of submission on",
                d.name
            ));
        }
    }
    Ok(())
}

/// Why an event carrying personal data is refused by a platform started without a data key.
fn no_data_key(what: &str) -> String {
    format!(
        "this platform has no data key (--data-key), so it cannot keep {what} encrypted; the event is not stored"
    )
}

/// JSON text of the application's lists and maps (of strings: serializing them cannot fail).
fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".into())
}

/// The serial of a canonical queue number: `letter` then at least three digits without extra leading zeros
/// ("E001", "E1234"), 1 to [`MAX_NUMBER`]. "E01" or "E0001" would print differently from the leased "E001".
pub fn serial_of(number: &str, letter: char) -> Option<u32> {
    let digits = number.strip_prefix(letter)?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) || digits.is_empty() {
        return None;
    }
    let serial: u32 = digits.parse().ok()?;
    ((1..=MAX_NUMBER).contains(&serial) && format!("{serial:03}") == digits).then_some(serial)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_canonical_numbers_have_a_serial() {
        assert_eq!(serial_of("E001", 'E'), Some(1));
        assert_eq!(serial_of("E012", 'E'), Some(12));
        assert_eq!(serial_of("E1234", 'E'), Some(1234));
        assert_eq!(serial_of("E9999", 'E'), Some(9999));
        for bad in [
            "E01", "E0001", "E000", "F001", "E", "E10000", "E-01", "E١٢٣",
        ] {
            assert_eq!(serial_of(bad, 'E'), None, "{bad}");
        }
    }
}
