//! Wire types of the Sanban sync API, version 1 (kiosk ↔ central platform).
//!
//! Shared by the kiosk's sync agent and the reference platform so both sides agree on every field.
//! JSON field names are the API contract: change them only with a new API version.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The eight comprehensive window categories (综合窗口) of the service hall, with the letter that prefixes their
/// queue numbers.
pub const WINDOW_CATEGORIES: [(&str, char, &str, &str); 8] = [
    ("economy", 'A', "经济发展类", "Economic development"),
    ("social", 'B', "社会事务类", "Social affairs"),
    ("construction", 'C', "建设项目类", "Construction projects"),
    ("land", 'D', "土地规划类", "Land and planning"),
    ("police", 'E', "公安事务类", "Public security"),
    (
        "realestate",
        'F',
        "不动产登记类",
        "Real estate registration",
    ),
    ("tax", 'G', "企业纳税类", "Enterprise tax"),
    ("assist", 'H', "帮办服务类", "Assisted services"),
];

/// Is `code` one of [`WINDOW_CATEGORIES`]?
pub fn is_window_category(code: &str) -> bool {
    WINDOW_CATEGORIES.iter().any(|(c, ..)| *c == code)
}

/// Event kinds a kiosk sends. Unknown kinds are rejected by the platform with a 400.
pub mod kinds {
    pub const TICKET_ISSUED: &str = "ticket.issued";
    pub const APPOINTMENT_REQUESTED: &str = "appointment.requested";
    pub const APPLICATION_SUBMITTED: &str = "application.submitted";
    pub const PICKUP_COLLECTED: &str = "pickup.collected";
    pub const RATING_SUBMITTED: &str = "rating.submitted";
    pub const ALL: [&str; 5] = [
        TICKET_ISSUED,
        APPOINTMENT_REQUESTED,
        APPLICATION_SUBMITTED,
        PICKUP_COLLECTED,
        RATING_SUBMITTED,
    ];
}

/// One outbox event. `seq` is the kiosk's own gapless sequence (from 1); `id` a UUIDv7.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    pub seq: u64,
    pub id: Uuid,
    pub kind: String,
    /// RFC 3339 with offset.
    pub occurred_at: String,
    pub payload: serde_json::Value,
}

/// `POST /v1/kiosks/{id}/events` request body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventBatch {
    pub events: Vec<Event>,
}

/// An event the platform acknowledged but did not apply (e.g. invalid payload, slot taken meanwhile).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rejection {
    pub seq: u64,
    pub reason: String,
}

/// `POST /v1/kiosks/{id}/events` reply (200). Every event up to `applied_through` is settled: applied, skipped as
/// a duplicate, or listed in `rejected`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchReply {
    pub applied_through: u64,
    #[serde(default)]
    pub rejected: Vec<Rejection>,
}

/// 409 reply when the batch does not start at the next expected sequence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SequenceGap {
    pub error: String,
    pub expected_seq: u64,
}

/// Any 4xx/5xx reply body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiError {
    pub error: String,
}

/// Payload of [`kinds::TICKET_ISSUED`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TicketIssued {
    pub ticket_id: Uuid,
    /// One of [`WINDOW_CATEGORIES`] codes.
    pub category: String,
    /// As printed, e.g. "A012" or, offline past the lease, "K07-A003".
    pub number: String,
    /// Business day in the kiosk's time zone, `YYYY-MM-DD`.
    pub business_day: String,
    /// 绿色通道 (60+ or appointment check-in).
    #[serde(default)]
    pub priority: bool,
    /// Issued from the kiosk's own offline range, not from a platform lease.
    #[serde(default)]
    pub offline: bool,
}

/// Payload of [`kinds::APPOINTMENT_REQUESTED`]: a booking the kiosk took while the platform was unreachable (the
/// slip says "awaiting confirmation"), or a copy of one confirmed online. The platform books it on arrival if the slot
/// still has room, else rejects the event with a reason. Idempotent with `POST /v1/appointments` by `request_id`:
/// a request already booked online is acknowledged without a second booking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppointmentRequested {
    pub request_id: Uuid,
    /// Service code from the catalog.
    pub service: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    /// A `slot_id` from `GET /v1/slots`, e.g. "0930".
    pub slot_id: String,
    /// Salted hash of the ID number (never the number itself).
    pub citizen_ref: String,
}

/// How a finished document reaches the citizen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    /// Collected from a kiosk locker or a window.
    #[default]
    Pickup,
    /// 免费包邮: sent by free post (the address stays with the department's postal system, not in this event).
    Post,
}

/// Payload of [`kinds::APPLICATION_SUBMITTED`] (申办). The ID card pre-fills the applicant (减证便民), so only the
/// salted `citizen_ref` travels; `fields` holds the service's extra form fields by `FormField::key`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicationSubmitted {
    pub application_id: Uuid,
    /// As printed on the receipt, e.g. "K07-20261126-0003".
    pub application_no: String,
    pub service: String,
    pub citizen_ref: String,
    #[serde(default)]
    pub fields: std::collections::BTreeMap<String, String>,
    /// `Material::name`s the citizen has in hand. Every core material must be here (else the event is rejected); a
    /// non-core one left out is recorded as owed (容缺受理, 先办后补, or simply not applicable to this citizen).
    pub materials_provided: Vec<String>,
    #[serde(default)]
    pub delivery: Delivery,
}

/// Payload of [`kinds::PICKUP_COLLECTED`]: a locker door was opened for a waiting document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PickupCollected {
    /// `Pickup::pickup_id` from `GET /v1/kiosks/{id}/pickups`.
    pub pickup_id: String,
    pub locker_door: u32,
    /// "code" (pickup code typed) or "idcard" (ID card read).
    pub method: String,
}

/// Payload of [`kinds::RATING_SUBMITTED`] (好差评).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RatingSubmitted {
    pub rating_id: Uuid,
    /// The errand rated: one of [`RATED_ERRANDS`].
    pub errand: String,
    /// Service code, when the errand concerned one.
    #[serde(default)]
    pub service: Option<String>,
    /// 1 (非常不满意) ..= 5 (非常满意).
    pub level: u8,
    /// Why, for a bad rating (level 1 or 2); free text or a reason code, no personal data.
    #[serde(default)]
    pub reason: Option<String>,
}

/// Errands a citizen can rate.
pub const RATED_ERRANDS: [&str; 6] = [
    "guide",
    "ticket",
    "appointment",
    "application",
    "pickup",
    "other",
];

/// 400 reply of `POST /v1/kiosks/{id}/events` when one event makes the whole batch malformed (unknown kind, payload
/// of the wrong shape, sequence out of order): nothing of the batch was stored; `seq` names the culprit when known.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BadBatch {
    pub error: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
}

/// One service (事项) of the catalog with its guide (办事指南) and one-time notification (一次性告知).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Service {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// Window category code.
    pub category: String,
    pub department: String,
    pub legal_basis: String,
    pub steps: Vec<String>,
    pub materials: Vec<Material>,
    pub fee: String,
    /// Statutory / promised time limit in working days (0 = on the spot).
    pub time_limit_days: u32,
    pub phone: String,
    pub supervision_phone: String,
    /// 即办: done on the spot.
    pub instant: bool,
    /// 网办: can be done fully online.
    pub online: bool,
    /// 一次办: done in one trip.
    pub one_trip: bool,
    /// 容缺受理: non-core materials may be delivered later.
    pub deferrable: bool,
    /// Extra form fields beyond what the ID card pre-fills.
    #[serde(default)]
    pub form_fields: Vec<FormField>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Material {
    pub name: String,
    /// Core materials (核心材料) can never be deferred.
    pub core: bool,
    pub copies: u32,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FormField {
    pub key: String,
    pub label_zh: String,
    pub label_en: String,
    pub required: bool,
}

/// `GET /v1/catalog?since=V`: `services` is empty and `changed` false when the kiosk already has version `V`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Catalog {
    pub version: u64,
    pub changed: bool,
    pub services: Vec<Service>,
}

/// `POST /v1/kiosks/{id}/ticket-leases` request: top up the blocks for these categories for `business_day`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeaseRequest {
    pub business_day: String,
    pub categories: Vec<String>,
    /// Numbers wanted per category (the platform may grant fewer).
    pub block_size: u32,
}

/// A block of queue numbers `first..=last` of one category on one day, for this kiosk alone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lease {
    pub category: String,
    pub business_day: String,
    pub first: u32,
    pub last: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeaseReply {
    pub leases: Vec<Lease>,
}

/// `GET /v1/slots?service=…&date=…`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Slot {
    pub slot_id: String,
    /// `HH:MM` local time.
    pub start: String,
    pub end: String,
    pub capacity: u32,
    pub booked: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlotList {
    pub service: String,
    pub date: String,
    pub slots: Vec<Slot>,
}

/// `POST /v1/appointments`. The ID number travels only as a salted hash; the platform never needs it in clear.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppointmentRequest {
    pub request_id: Uuid,
    pub kiosk_id: String,
    pub service: String,
    pub date: String,
    pub slot_id: String,
    pub citizen_ref: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppointmentReply {
    pub appointment_id: String,
    pub confirmed: bool,
}

/// `GET /v1/kiosks/{id}/pickups`: documents waiting in this kiosk's lockers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pickup {
    pub pickup_id: String,
    /// SHA-256 (hex) of the pickup code; the code itself never leaves the platform.
    pub code_sha256: String,
    pub locker_door: u32,
    pub document: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PickupList {
    pub pickups: Vec<Pickup>,
}

/// Health of one device as the kiosk's device manager sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceState {
    Ok,
    /// Working, but a technician should come soon (paper near end).
    Warning,
    /// Not usable (paper out, cover open, silent, unplugged).
    Fault,
    /// Not configured on this kiosk.
    Absent,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceHealth {
    /// "idcard", "printer" or "locker".
    pub device: String,
    pub state: DeviceState,
    /// Plain cause for a technician, e.g. "paper near end", "no answer for 30 s".
    pub detail: String,
}

/// `POST /v1/kiosks/{id}/heartbeat`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Heartbeat {
    pub app_version: String,
    pub devices: Vec<DeviceHealth>,
    pub outbox_backlog: u64,
    /// Age in seconds of the oldest event not yet acknowledged, if any.
    pub oldest_pending_secs: Option<u64>,
    pub sent_at: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_round_trips_and_rejects_unknown_fields() {
        let batch = EventBatch {
            events: vec![Event {
                seq: 1,
                id: Uuid::now_v7(),
                kind: kinds::TICKET_ISSUED.into(),
                occurred_at: "2026-11-26T08:00:00+08:00".into(),
                payload: serde_json::json!({"x": 1}),
            }],
        };
        let text = serde_json::to_string(&batch).unwrap();
        assert_eq!(serde_json::from_str::<EventBatch>(&text).unwrap(), batch);
        assert!(serde_json::from_str::<EventBatch>(r#"{"events":[],"extra":1}"#).is_err());
    }

    #[test]
    fn categories_have_distinct_letters() {
        let mut letters: Vec<char> = WINDOW_CATEGORIES.iter().map(|c| c.1).collect();
        letters.sort();
        letters.dedup();
        assert_eq!(letters.len(), 8);
        assert!(is_window_category("police") && !is_window_category("nope"));
    }
}
