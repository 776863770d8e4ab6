//! Rows and outcomes the interface speaks in, the same for every store.

use sanban_wire::RefusalReason;
use serde::Serialize;

use super::error::StoreError;
use crate::appointments::{check_capacity, check_citizen, CitizenRecord, Policy, Refusal};
use crate::text::plain_text;

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
            appointment_id: new_appointment_id(&b.date),
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

/// A document to put behind a locker door (`pickup add`), its code already salted and hashed: the code itself
/// never reaches a store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPickup {
    pub kiosk: String,
    pub door: u32,
    /// What the document is, e.g. 营业执照.
    pub document: String,
    pub document_en: String,
    /// The holder's `citizen_ref` (the kiosks' keyed hash of the ID number): the ID card then finds it.
    pub citizen_ref: Option<String>,
    /// The holder's name, masked (张*).
    pub holder: String,
    /// May be sent by free post instead.
    pub postable: bool,
    pub code_salt: String,
    pub code_hash: String,
}

impl NewPickup {
    /// A document collectable with `code` (salted here with a fresh salt); no holder, not postable.
    pub fn new(kiosk: &str, door: u32, document: &str, code: &str) -> NewPickup {
        let (code_salt, code_hash) = salted_code(code);
        NewPickup {
            kiosk: kiosk.to_string(),
            door,
            document: document.to_string(),
            document_en: String::new(),
            citizen_ref: None,
            holder: String::new(),
            postable: false,
            code_salt,
            code_hash,
        }
    }

    /// Checks it before it is stored.
    pub fn check(&self) -> Result<(), StoreError> {
        let invalid = |why: &str| Err(StoreError::Invalid(why.into()));
        if self.door == 0 {
            return invalid("locker doors are numbered from 1");
        }
        if !plain_text(&self.document, 64) {
            return invalid("the document must be 1 to 64 printable characters");
        }
        if self.document_en.chars().count() > 64 || self.document_en.chars().any(char::is_control) {
            return invalid("the English document name must be at most 64 printable characters");
        }
        if self.holder.chars().count() > 16 || self.holder.chars().any(char::is_control) {
            return invalid("the masked holder name must be at most 16 printable characters");
        }
        if self
            .citizen_ref
            .as_deref()
            .is_some_and(|r| r.len() != 64 || !r.bytes().all(|b| b.is_ascii_hexdigit()))
        {
            return invalid("citizen_ref must be 64 hex digits (the kiosks' keyed hash)");
        }
        if self.code_salt.len() != 2 * PICKUP_SALT_BYTES || self.code_hash.len() != 64 {
            return invalid("the pickup code must be salted and hashed");
        }
        Ok(())
    }
}

/// Bytes of a pickup code's salt.
pub const PICKUP_SALT_BYTES: usize = 16;

/// A new appointment id: the date and a UUIDv7 (sortable, unguessable).
pub fn new_appointment_id(date: &str) -> String {
    format!(
        "AP{}-{}",
        date.replace('-', ""),
        uuid::Uuid::now_v7().simple()
    )
}

/// A new random pickup code: [`sanban_wire::PICKUP_CODE_DIGITS`] digits, each code equally likely.
pub fn new_pickup_code() -> zeroize::Zeroizing<String> {
    zeroize::Zeroizing::new(format!("{:06}", rand::random_range(0..1_000_000u32)))
}

/// A fresh random salt (hex) and the salted hash of `code` ([`sanban_wire::pickup_code_hash`], the kiosks' check).
pub fn salted_code(code: &str) -> (String, String) {
    let salt = hex::encode(rand::random::<[u8; PICKUP_SALT_BYTES]>());
    let hash = sanban_wire::pickup_code_hash(&salt, code).expect("a hex salt");
    (salt, hash)
}

/// `citizen_ref` of an ID number under the hall's key (hex), as the kiosks compute it: HMAC-SHA256 of the
/// number, trimmed and upper-cased, hex. `None` if the key is not hex.
pub fn citizen_ref(key_hex: &str, id_number: &str) -> Option<String> {
    use hmac::{Hmac, Mac};
    let key = zeroize::Zeroizing::new(hex::decode(key_hex.trim()).ok()?);
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&key).ok()?;
    mac.update(id_number.trim().to_ascii_uppercase().as_bytes());
    Some(hex::encode(mac.finalize().into_bytes()))
}

/// A name masked for a pickup proof: its first character, then one `*` per further character (张三 → 张*).
pub fn mask_name(name: &str) -> String {
    let mut chars = name.trim().chars();
    match chars.next() {
        None => String::new(),
        Some(first) => std::iter::once(first).chain(chars.map(|_| '*')).collect(),
    }
}

pub fn unknown_kiosk(kiosk: &str) -> StoreError {
    StoreError::Invalid(format!("unknown kiosk {kiosk}"))
}

pub fn door_busy(kiosk: &str, door: u32) -> StoreError {
    StoreError::Invalid(format!(
        "door {door} of kiosk {kiosk} already holds a waiting document"
    ))
}

pub fn already_registered(id: &str) -> StoreError {
    StoreError::Invalid(format!(
        "kiosk {id} is already registered (use --rotate to issue it a new token)"
    ))
}

/// A rating as the platform holds it (for the 好差评 report). Rows from before every field was kept have `None`
/// for the fields they lack. No `Debug`: the text may say anything.
#[derive(Clone, Serialize)]
pub struct StoredRating {
    pub kiosk_id: String,
    pub seq: u64,
    pub rating_id: String,
    pub errand: String,
    pub errand_id: Option<String>,
    pub service: Option<String>,
    pub channel: Option<String>,
    /// In the FiveIsBest numbering (5 = 非常满意).
    pub level_code: u8,
    pub reasons: Vec<String>,
    pub text: Option<String>,
    /// Sealed under the data key (context `rating:<rating_id>`).
    #[serde(skip)]
    pub callback_phone_sealed: Option<String>,
    pub times_rated: Option<u32>,
    pub occurred_at: String,
}

/// A document in a locker with everything that happened to it (for the pickups report).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredPickup {
    pub pickup_id: String,
    pub kiosk_id: String,
    pub locker_door: u32,
    pub document: String,
    pub document_no: Option<String>,
    /// When it was put in its door.
    pub created_at: String,
    pub collected_at: Option<String>,
    pub collected_method: Option<String>,
    pub held_at: Option<String>,
    pub held_reason: Option<String>,
    pub posted_at: Option<String>,
    pub cleared_at: Option<String>,
    pub postable: bool,
    /// The postal request (its id, and the recipient sealed under context `postal:<id>`), when posted.
    #[serde(skip)]
    pub postal: Option<(String, String)>,
}

/// Wrong pickup codes typed at one kiosk.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CodeRejectionCount {
    pub kiosk_id: String,
    pub wrong_codes: u64,
    /// Wrong codes that locked the keypad.
    pub lockouts: u64,
    pub last_at: Option<String>,
}

/// A locker door alert from a kiosk.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredLockerAlert {
    pub kiosk_id: String,
    pub seq: u64,
    pub locker_door: u32,
    pub alert: String,
    pub open_seconds: Option<u32>,
    pub occurred_at: String,
}

/// The code of a staff deposit waiting for its SMS.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingNotice {
    pub pickup_id: String,
    pub kiosk_id: String,
    pub locker_door: u32,
    pub document_no: Option<String>,
    /// Sealed under the data key (context `notice:<pickup_id>`).
    pub code_sealed: String,
}

/// Reason codes of a stored rating: the JSON list, or (rows from before it) the comma-joined column.
pub fn rating_reasons(list: Option<&str>, joined: Option<&str>) -> Vec<String> {
    if let Some(list) = list.and_then(|l| serde_json::from_str::<Vec<String>>(l).ok()) {
        return list;
    }
    joined
        .map(|j| {
            j.split(',')
                .filter(|r| !r.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}
