//! Rows and outcomes the interface speaks in, the same for every store.

use sanban_wire::RefusalReason;
use serde::Serialize;

use crate::appointments::{check_capacity, check_citizen, CitizenRecord, Policy, Refusal};

/// A kiosk as the registry holds it.
#[derive(Debug, Clone, Serialize)]
pub struct KioskRow {
    pub id: String,
    pub registered_at: String,
    pub last_seen: Option<String>,
    pub app_version: Option<String>,
    pub last_applied_seq: u64,
    /// Raw JSON of the last heartbeat.
    pub last_heartbeat: Option<String>,
}

/// A queue ticket as the platform holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredTicket {
    pub kiosk_id: String,
    pub seq: u64,
    pub ticket_id: String,
    pub category: String,
    pub number: String,
    pub business_day: String,
    pub priority: bool,
    pub offline: bool,
    pub occurred_at: String,
}

/// An online booking (`POST /v1/appointments`) to make; the caller has checked that service, date and slot exist
/// in the current catalog and are bookable ([`crate::appointments::check_slot`]), and found the slot's capacity.
#[derive(Debug, Clone)]
pub struct Booking {
    pub request_id: String,
    pub kiosk: String,
    pub service: String,
    pub date: String,
    pub slot_id: String,
    pub citizen_ref: String,
    /// The booking code the kiosk printed.
    pub code: String,
    /// Appointments the slot takes ([`sanban_wire::Service::slot_capacity`]).
    pub slot_capacity: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum BookOutcome {
    Booked {
        appointment_id: String,
    },
    /// The same request was booked before (a retry): same answer, no second booking.
    AlreadyBooked {
        appointment_id: String,
    },
    /// A rule refused it (slot full, one per citizen and day, no-show ban, code in use); nothing stored.
    Refused(Refusal),
    /// The request id is already used by a booking for a different service, date or slot.
    RequestIdReused,
}

/// What the store found for an online booking, with the slot and the citizen locked.
#[derive(Debug, Clone, Default)]
pub struct BookingFacts {
    /// The booking already made under the same request id: its id, (service, date, slot) and status.
    pub existing: Option<(String, (String, String, String), String)>,
    /// Whether another booking holds the code.
    pub code_taken: bool,
    pub citizen: CitizenRecord,
    /// Places of the slot taken.
    pub booked: u32,
}

/// What an online booking comes to, given what the store holds.
pub fn decide_booking(b: &Booking, f: BookingFacts, policy: &Policy) -> BookOutcome {
    if let Some((appointment_id, slot, status)) = f.existing {
        return if slot == (b.service.clone(), b.date.clone(), b.slot_id.clone())
            && status != "refused"
        {
            BookOutcome::AlreadyBooked { appointment_id }
        } else {
            BookOutcome::RequestIdReused
        };
    }
    if f.code_taken {
        return BookOutcome::Refused(Refusal::new(
            RefusalReason::CodeTaken,
            "the booking code is in use",
        ));
    }
    let checked = check_citizen(policy, &f.citizen, &b.service, &b.date)
        .and_then(|()| check_capacity(f.booked, b.slot_capacity, &b.slot_id, &b.date));
    match checked {
        Err(refusal) => BookOutcome::Refused(refusal),
        Ok(()) => BookOutcome::Booked {
            appointment_id: crate::ingest::apply::new_appointment_id(&b.date),
        },
    }
}

/// A booking as the platform holds it (the hall staff's list, a citizen's look-up).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppointmentRecord {
    pub appointment_id: String,
    /// `None` for bookings stored before codes were kept.
    pub code: Option<String>,
    pub kiosk_id: String,
    pub service: String,
    pub date: String,
    pub slot_id: String,
    #[serde(skip)]
    pub citizen_ref: String,
    pub status: String,
    /// With "refused": `"<code>: <detail>"`.
    pub reason: Option<String>,
    pub refusal_seen: bool,
    /// "online" or "event".
    pub source: String,
    pub created_at: String,
}
/// A new key of `citizen_ref` for the hall: 32 random bytes, hex. It never appears in logs.
pub fn new_citizen_key() -> String {
    new_secret()
}

/// 32 random bytes, hex.
pub fn new_secret() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

/// Where a kiosk's maintenance code secret is kept among the platform's secrets.
pub fn maintenance_secret_name(kiosk: &str) -> String {
    format!("maintenance_code_secret:{kiosk}")
}

/// Checks a document to put in a locker (the CLI's `pickup add`).
pub fn check_new_pickup(code: &str, document: &str) -> Result<(), super::StoreError> {
    if code.trim().is_empty() || document.trim().is_empty() {
        return Err(super::StoreError::Invalid(
            "pickup code and document must not be empty".into(),
        ));
    }
    Ok(())
}

/// Only this hash of a pickup code is stored and sent to kiosks.
pub fn pickup_code_sha256(code: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(code.as_bytes()))
}

pub fn unknown_kiosk(kiosk: &str) -> super::StoreError {
    super::StoreError::Invalid(format!("unknown kiosk {kiosk}"))
}

pub fn door_busy(kiosk: &str, door: u32) -> super::StoreError {
    super::StoreError::Invalid(format!(
        "door {door} of kiosk {kiosk} already holds a waiting document"
    ))
}

pub fn already_registered(id: &str) -> super::StoreError {
    super::StoreError::Invalid(format!(
        "kiosk {id} is already registered (use --rotate to issue it a new token)"
    ))
}
