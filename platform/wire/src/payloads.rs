//! What kiosk events say: one typed enum, [`EventPayload`], used by the kiosk's outbox and by the platform's
//! ingest alike. The kind strings of the wire appear once, in the [`event_payloads!`] table below; everything else
//! matches on the enum.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Declares [`EventPayload`] with one variant per event kind, its wire name and its payload type, so the kind
/// string and the type cannot drift apart.
macro_rules! event_payloads {
    ($( $(#[$doc:meta])* $variant:ident($payload:ty) = $kind:tt, )*) => {
        /// Every event a kiosk sends, typed. Serialized adjacently tagged: `{"kind": "...", "payload": {...}}`.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(tag = "kind", content = "payload")]
        pub enum EventPayload {
            $( $(#[$doc])* #[serde(rename = $kind)] $variant($payload), )*
        }

        impl EventPayload {
            /// Every kind on the wire, in declaration order.
            pub const KINDS: &'static [&'static str] = &[$($kind),*];

            /// The wire name of this event's kind.
            pub fn kind(&self) -> &'static str {
                match self {
                    $( EventPayload::$variant(_) => $kind, )*
                }
            }
        }
    };
}

event_payloads! {
    /// 取号: a queue ticket was issued.
    TicketIssued(TicketIssued) = "ticket.issued",
    /// 一次性告知书: a service's one-time notice was printed.
    GuidePrinted(GuidePrinted) = "guide.printed",
    /// 预约: a booking taken at the kiosk (offline, or a copy of an online one).
    AppointmentRequested(AppointmentRequested) = "appointment.requested",
    /// 申办: an application submitted.
    ApplicationSubmitted(ApplicationSubmitted) = "application.submitted",
    /// 取件: a locker door opened for a waiting document.
    PickupCollected(PickupCollected) = "pickup.collected",
    /// 好差评: a rating of an errand.
    RatingSubmitted(RatingSubmitted) = "rating.submitted",
    /// 呼叫帮助: a citizen asked for the hall's staff at this kiosk.
    HelpRequested(HelpRequested) = "help.requested",
}

/// Why an event's payload does not fit its kind. The text never echoes payload values (they may be personal).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PayloadError {
    UnknownKind,
    /// The payload does not have the kind's shape; the reason names the field, not its value.
    Shape(String),
}

impl std::fmt::Display for PayloadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PayloadError::UnknownKind => write!(f, "unknown event kind"),
            PayloadError::Shape(why) => write!(f, "payload does not fit its kind: {why}"),
        }
    }
}

impl std::error::Error for PayloadError {}

impl EventPayload {
    /// The payload's top-level fields that hold personal data (names, ID numbers, addresses, phones): a kiosk
    /// keeps them encrypted at rest and erases them once the platform has acknowledged the event. A kind with
    /// personal data lists its fields here.
    pub fn personal_keys(&self) -> &'static [&'static str] {
        match self {
            EventPayload::ApplicationSubmitted(_) => &["applicant", "fields"],
            _ => &[],
        }
    }

    /// Split into the wire's `kind` and `payload`.
    pub fn to_parts(&self) -> (&'static str, serde_json::Value) {
        let kind = self.kind();
        let mut tagged = serde_json::to_value(self).expect("payloads serialize");
        let payload = tagged
            .get_mut("payload")
            .map(serde_json::Value::take)
            .unwrap_or(serde_json::Value::Null);
        (kind, payload)
    }

    /// Join a wire `kind` and `payload` back into the typed event.
    pub fn from_parts(
        kind: &str,
        payload: serde_json::Value,
    ) -> Result<EventPayload, PayloadError> {
        if !Self::KINDS.contains(&kind) {
            return Err(PayloadError::UnknownKind);
        }
        let tagged = serde_json::json!({ "kind": kind, "payload": payload });
        serde_json::from_value(tagged)
            .map_err(|e| PayloadError::Shape(crate::describe_json_error(&e)))
    }
}

/// A call for help from the kiosk's screen (no personal data: only where the citizen was).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct HelpRequested {
    /// The page the citizen was on, e.g. "guide.detail".
    pub page: String,
}

/// 一次性告知书 printed for a service (counts toward the guide's use; no personal data).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct GuidePrinted {
    /// The service's [`crate::Service::id`] in the catalog.
    pub service: String,
    /// The catalog version the notice was printed from.
    pub catalog_version: u64,
    /// "zh" or "en".
    pub language: String,
}

/// Payload of [`EventPayload::TicketIssued`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TicketIssued {
    pub ticket_id: Uuid,
    /// One of [`crate::WINDOW_CATEGORIES`] codes.
    pub category: String,
    /// As printed, e.g. "A012" or, offline past the lease, "K07-A003".
    pub number: String,
    /// Business day in the kiosk's time zone, `YYYY-MM-DD`.
    #[cfg_attr(feature = "openapi", schema(format = Date))]
    pub business_day: String,
    /// 绿色通道 (60+ or appointment check-in).
    #[serde(default)]
    pub priority: bool,
    /// Issued from the kiosk's own offline range, not from a platform lease.
    #[serde(default)]
    pub offline: bool,
}

/// Payload of [`EventPayload::AppointmentRequested`]: a booking the kiosk took while the platform was unreachable (the
/// slip says "awaiting confirmation"), or a copy of one confirmed online. The platform books it on arrival if the slot
/// still has room, else rejects the event with a reason. Idempotent with `POST /v1/appointments` by `request_id`:
/// a request already booked online is acknowledged without a second booking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AppointmentRequested {
    pub request_id: Uuid,
    /// The service's [`crate::Service::id`]; the service must be bookable.
    pub service: String,
    /// `YYYY-MM-DD`.
    #[cfg_attr(feature = "openapi", schema(format = Date))]
    pub date: String,
    /// A `slot_id` from `GET /v1/slots`, e.g. "0930".
    pub slot_id: String,
    /// Salted hash of the ID number (never the number itself).
    pub citizen_ref: String,
}

/// How a finished document reaches the citizen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    /// Collected from a kiosk locker or a window.
    #[default]
    Pickup,
    /// 免费包邮: sent by free post (the address stays with the department's postal system, not in this event).
    Post,
}

/// Payload of [`EventPayload::ApplicationSubmitted`] (申办). The ID card pre-fills the applicant (减证便民): the
/// citizen confirms it, never types it; `citizen_ref` matches the citizen's applications without the number.
/// `fields` holds the service's extra form fields by `FormField::key`. `applicant` and `fields` are personal data
/// (see [`EventPayload::personal_keys`]): `Debug` shows the applicant masked and the fields' keys only.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ApplicationSubmitted {
    pub application_id: Uuid,
    /// As printed on the receipt, e.g. "K07-20261126-0003".
    pub application_no: String,
    /// The service's [`crate::Service::id`]; it must be `kiosk_submittable`, and each of `fields` must meet its
    /// [`crate::FormField::check_value`].
    pub service: String,
    pub citizen_ref: String,
    #[serde(default)]
    pub fields: std::collections::BTreeMap<String, String>,
    /// `Material::name`s the citizen has in hand. Every core material must be here (else the event is rejected); a
    /// non-core one left out is recorded as owed (容缺受理, 先办后补, or simply not applicable to this citizen).
    pub materials_provided: Vec<String>,
    #[serde(default)]
    pub delivery: Delivery,
    /// The applicant as read from the card. `None` only when a kiosk sends the event again after it purged the
    /// personal data (the platform lost it, e.g. restored from a backup): the platform records the application
    /// without them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applicant: Option<Box<crate::Applicant>>,
    /// The non-core materials accepted as owed (容缺受理), each with the date the citizen committed to bring it by.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub materials_deferred: Vec<crate::DeferredMaterial>,
}

impl std::fmt::Debug for ApplicationSubmitted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApplicationSubmitted")
            .field("application_id", &self.application_id)
            .field("application_no", &self.application_no)
            .field("service", &self.service)
            .field("fields", &self.fields.keys().collect::<Vec<_>>())
            .field("materials_provided", &self.materials_provided)
            .field("materials_deferred", &self.materials_deferred)
            .field("delivery", &self.delivery)
            .field("applicant", &self.applicant)
            .finish_non_exhaustive()
    }
}

/// Payload of [`EventPayload::PickupCollected`]: a locker door was opened for a waiting document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PickupCollected {
    /// `Pickup::pickup_id` from `GET /v1/kiosks/{id}/pickups`.
    pub pickup_id: String,
    pub locker_door: u32,
    /// "code" (pickup code typed) or "idcard" (ID card read).
    pub method: String,
}

/// Payload of [`EventPayload::RatingSubmitted`] (好差评).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RatingSubmitted {
    pub rating_id: Uuid,
    /// The errand rated: one of [`RATED_ERRANDS`].
    pub errand: String,
    /// The service's [`crate::Service::id`], when the errand concerned one.
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
