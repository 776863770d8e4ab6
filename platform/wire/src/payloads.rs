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
    /// 预约: a booking cancelled by the citizen.
    AppointmentCancelled(crate::AppointmentCancelled) = "appointment.cancelled",
    /// 预约签到: the citizen checked in and took a priority ticket (the ticket travels inside).
    AppointmentCheckedIn(crate::AppointmentCheckedIn) = "appointment.checked_in",
    /// 预约: a kiosk showed the citizen that an offline booking was refused.
    AppointmentRefusalSeen(crate::AppointmentRefusalSeen) = "appointment.refusal_seen",
    /// 申办: an application submitted.
    ApplicationSubmitted(ApplicationSubmitted) = "application.submitted",
    /// 取件: a locker door opened for a waiting document.
    PickupCollected(PickupCollected) = "pickup.collected",
    /// 取件: a waiting document could not be handed over (jammed door, an opening cut off by a restart); it stays
    /// in its door for the staff.
    PickupHeld(PickupHeld) = "pickup.held",
    /// 取件: a wrong pickup code was typed (the keypad locks after too many).
    PickupCodeRejected(PickupCodeRejected) = "pickup.code_rejected",
    /// 免费邮寄: the citizen asked for a waiting document to be posted; it stays in its door for the staff.
    PostalRequested(PostalRequested) = "pickup.post_requested",
    /// 存件: the staff put a document in a door; the platform issues its code to the citizen.
    LockerDeposited(LockerDeposited) = "locker.deposited",
    /// A locker door alert for the technicians (door left open, opened with no command, jammed).
    LockerAlert(LockerAlert) = "locker.alert",
    /// 好差评: a rating of an errand.
    RatingSubmitted(RatingSubmitted) = "rating.submitted",
    /// 呼叫帮助: a citizen asked for the hall's staff at this kiosk.
    HelpRequested(HelpRequested) = "help.requested",
    /// 维护: a try at the maintenance pad (granted, refused, locked out).
    MaintenanceAccess(crate::MaintenanceAccess) = "maintenance.access",
    /// 维护: the audit record of a technician's action in maintenance mode.
    MaintenanceAction(crate::MaintenanceAction) = "maintenance.action",
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
            // 免费邮寄: the recipient's name, mobile number and address.
            EventPayload::PostalRequested(_) => &["recipient"],
            // 好差评: the number the citizen left for a call-back.
            EventPayload::RatingSubmitted(_) => &["callback_phone"],
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
/// still has room and the rules allow it (judged at `occurred_at`), else rejects the event with a reason that starts
/// with a [`crate::RefusalReason`] code. Idempotent with `POST /v1/appointments` by (kiosk, `request_id`): a request
/// already booked online is acknowledged without a second booking.
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
    /// Keyed hash of the ID number (never the number itself).
    pub citizen_ref: String,
    /// The booking code printed on the slip ([`crate::booking_code`]).
    pub code: String,
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

/// How a door opening was proven.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OpeningProof {
    /// The door sensor read shut before the pulse and open after it.
    #[default]
    Sensor,
    /// The lock was fired but the sensor already read open (a broken wire reads the same): not proven.
    SensorStuck,
    /// The kiosk restarted during the opening and then found the door open.
    FoundOpen,
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
    #[serde(default)]
    pub proof: OpeningProof,
}

/// Why a waiting document could not be handed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum HoldReason {
    /// The lock was fired but the door never read open.
    Jammed,
    /// The kiosk stopped between deciding to open the door and knowing how it went, and found the door shut: the
    /// lock may or may not have been fired, so it is not fired again; the staff check the door.
    Interrupted,
}

/// Payload of [`EventPayload::PickupHeld`]: the document stays assigned to its door, waiting for the staff.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PickupHeld {
    pub pickup_id: String,
    pub locker_door: u32,
    pub reason: HoldReason,
}

/// Payload of [`EventPayload::PickupCodeRejected`]. Neither the code typed nor its hash travels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PickupCodeRejected {
    /// Wrong codes at this kiosk within the counting window, this one included.
    pub failures_in_window: u32,
    /// Set when this failure locked the keypad: until when (RFC 3339).
    #[serde(default)]
    pub locked_until: Option<String>,
}

/// Where a posted document goes. Personal data: the platform keeps it encrypted and it is never logged.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PostalAddress {
    /// The recipient's name as on the ID card.
    pub name: String,
    /// Mobile number, 11 digits.
    pub phone: String,
    /// The full address.
    pub address: String,
}

impl std::fmt::Debug for PostalAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PostalAddress(<personal>)")
    }
}

/// Payload of [`EventPayload::PostalRequested`] (免费邮寄). Idempotent by `request_id`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PostalRequested {
    pub request_id: uuid::Uuid,
    pub pickup_id: String,
    pub locker_door: u32,
    /// `citizen_ref` of the card read for the request.
    pub citizen_ref: String,
    pub recipient: PostalAddress,
}

/// Payload of [`EventPayload::LockerDeposited`] (存件 by the staff).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LockerDeposited {
    /// Chosen by the kiosk (a UUID): the pickup the platform creates for the document has this id.
    pub pickup_id: String,
    pub locker_door: u32,
    /// The document's number in the department's system (scanned or typed), which names its citizen.
    pub document_no: String,
}

/// What a door alert is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LockerAlertKind {
    /// Still open this long after it was opened.
    LeftOpen,
    /// Opened with no command behind it (forced, or a sensor wire that broke): a security alert.
    OpenedUnexpectedly,
    /// Fired, but never read open.
    Jammed,
    /// Fired while its sensor already read open: the sensor may be broken.
    SensorStuck,
    /// The kiosk restarted during an opening of this door.
    Interrupted,
}

/// Payload of [`EventPayload::LockerAlert`], shown on the fleet page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LockerAlert {
    pub locker_door: u32,
    pub alert: LockerAlertKind,
    /// For `left_open`: how long it had been open.
    #[serde(default)]
    pub open_seconds: Option<u32>,
}

/// Payload of [`EventPayload::RatingSubmitted`] (好差评), with the national rating record's fields: 评价编号
/// (`rating_id`), 办件编号 (`errand_id`), 事项 (`service`), 评价渠道 (`channel`), 评价时间 (the event's
/// `occurred_at`), 评价等级 and its code (`level`, `level_code`), 差评原因 (`reasons`), 文字评价 (`text`), 评价次数
/// (`times_rated`), and an optional number to call back (回访). `Debug` leaves out the text and the number.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RatingSubmitted {
    pub rating_id: Uuid,
    /// The errand rated: one of [`RATED_ERRANDS`].
    pub errand: String,
    /// 办件编号: the errand's own number (a ticket number, an application number…).
    pub errand_id: String,
    /// The service's [`crate::Service::id`], when the errand concerned one.
    #[serde(default)]
    pub service: Option<String>,
    /// 评价渠道: [`crate::CHANNEL_SELF_SERVICE_TERMINAL`] for a kiosk.
    pub channel: String,
    pub level: crate::RatingLevel,
    /// The level's code in [`crate::LevelNumbering::FiveIsBest`] (5 = 非常满意); must agree with `level`.
    pub level_code: u8,
    /// 差评原因: codes of [`crate::BAD_RATING_REASONS`] (bad ratings only).
    #[serde(default)]
    pub reasons: Vec<String>,
    /// 文字评价, at most [`crate::RATING_TEXT_MAX`] characters.
    #[serde(default)]
    pub text: Option<String>,
    /// 回访 number the citizen chose to leave (personal data: never logged).
    #[serde(default)]
    pub callback_phone: Option<String>,
    /// 评价次数 of this errand, this rating included: one rating per errand, so 1.
    pub times_rated: u32,
}

impl std::fmt::Debug for RatingSubmitted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RatingSubmitted")
            .field("rating_id", &self.rating_id)
            .field("errand", &self.errand)
            .field("errand_id", &self.errand_id)
            .field("service", &self.service)
            .field("channel", &self.channel)
            .field("level", &self.level)
            .field("level_code", &self.level_code)
            .field("reasons", &self.reasons)
            .field("text", &self.text.as_ref().map(|_| "<text>"))
            .field(
                "callback_phone",
                &self.callback_phone.as_ref().map(|_| "<personal>"),
            )
            .field("times_rated", &self.times_rated)
            .finish()
    }
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
