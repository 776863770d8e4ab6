//! Rows and outcomes the interface speaks in, the same for every store.

use serde::Serialize;

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
    /// What the hall calls it ("一楼东侧 2 号机") and which hall it stands in, for the fleet page.
    pub name: Option<String>,
    pub hall: Option<String>,
}

/// One maintenance audit event of a kiosk, as the fleet page's kiosk detail lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MaintenanceRow {
    pub seq: u64,
    pub kind: String,
    pub technician: Option<String>,
    pub what: String,
    pub target: Option<String>,
    pub result: Option<String>,
    pub occurred_at: String,
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
/// in the current catalog, and found the slot's capacity there.
#[derive(Debug, Clone)]
pub struct Booking {
    pub request_id: String,
    pub kiosk: String,
    pub service: String,
    pub date: String,
    pub slot_id: String,
    pub citizen_ref: String,
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
    Full,
    /// The request id is already used by a booking for a different service, date or slot.
    RequestIdReused,
}

/// What an online booking comes to, given what the store holds: the booking already made under the same request
/// id (its id and slot) and the slot's bookings. The store calls this with the slot locked.
pub fn decide_booking(
    b: &Booking,
    existing: Option<(String, (String, String, String))>,
    booked: u32,
) -> BookOutcome {
    if let Some((appointment_id, slot)) = existing {
        return if slot == (b.service.clone(), b.date.clone(), b.slot_id.clone()) {
            BookOutcome::AlreadyBooked { appointment_id }
        } else {
            BookOutcome::RequestIdReused
        };
    }
    if booked >= b.slot_capacity {
        return BookOutcome::Full;
    }
    BookOutcome::Booked {
        appointment_id: crate::ingest::apply::new_appointment_id(&b.date),
    }
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
