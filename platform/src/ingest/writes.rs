//! What settling a batch writes: plain rows, decided before anything is written, so each store writes a whole
//! batch with one statement per table.

use sanban_wire::Rejection;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Applied,
    Rejected,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Applied => "applied",
            Outcome::Rejected => "rejected",
        }
    }
}

/// Every settled event: proves exactly-once and lets a resent event be compared with what was settled.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRow {
    pub seq: u64,
    pub event_id: String,
    pub kind: &'static str,
    pub occurred_at: String,
    pub payload_sha256: String,
    pub outcome: Outcome,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TicketRow {
    pub ticket_id: String,
    pub seq: u64,
    pub category: String,
    pub number: String,
    pub business_day: String,
    pub priority: bool,
    pub offline: bool,
    pub occurred_at: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GuidePrintRow {
    pub seq: u64,
    pub service: String,
    pub catalog_version: u64,
    pub language: String,
    pub occurred_at: String,
}

/// A call for help (`help.requested`).
#[derive(Debug, Clone, PartialEq)]
pub struct HelpRequestRow {
    pub seq: u64,
    pub page: String,
    pub occurred_at: String,
}

/// A technician's access or action (`maintenance.access`, `maintenance.action`), for the audit trail.
#[derive(Debug, Clone, PartialEq)]
pub struct MaintenanceRow {
    pub seq: u64,
    pub kind: &'static str,
    pub technician: Option<String>,
    pub what: String,
    pub target: Option<String>,
    pub result: Option<String>,
    pub occurred_at: String,
}

/// A booking made by an `appointment.requested` event (source "event"), or the refusal of one (status
/// "refused" with its reason: the citizen is told at the next card read, at any kiosk).
#[derive(Debug, Clone, PartialEq)]
pub struct AppointmentRow {
    pub appointment_id: String,
    pub request_id: String,
    pub service: String,
    pub date: String,
    pub slot_id: String,
    pub citizen_ref: String,
    pub seq: u64,
    pub code: String,
    pub status: &'static str,
    /// With "refused": `"<code>: <detail>"`.
    pub reason: Option<String>,
}

/// A later event's change to a booking found by its code.
#[derive(Debug, Clone, PartialEq)]
pub struct AppointmentChange {
    pub code: String,
    /// The new status, if it changes.
    pub status: Option<&'static str>,
    /// The citizen was told of the refusal.
    pub refusal_seen: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ApplicationRow {
    pub application_id: String,
    pub application_no: String,
    pub seq: u64,
    pub service: String,
    pub citizen_ref: String,
    /// The form's answers: sealed JSON, or `{}` when there are none.
    pub fields: String,
    /// JSON array.
    pub materials_provided: String,
    /// JSON array (容缺受理: to be delivered later).
    pub materials_owed: String,
    /// JSON array of `DeferredMaterial` (the 容缺 commitments with their due dates).
    pub materials_deferred: String,
    /// Sealed JSON of the applicant; `None` when the event carried none.
    pub applicant_sealed: Option<String>,
    pub delivery: &'static str,
    pub occurred_at: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PickupCollection {
    pub pickup_id: String,
    pub collected_at: String,
    pub seq: u64,
    pub method: String,
}

/// A rating with every GB/T 39046 field the kiosk sends. `level` is the code in the FiveIsBest numbering.
#[derive(Debug, Clone, PartialEq)]
pub struct RatingRow {
    pub rating_id: String,
    pub seq: u64,
    pub errand: String,
    pub errand_id: String,
    pub service: Option<String>,
    pub channel: String,
    pub level: u8,
    pub level_name: &'static str,
    /// Reason codes joined with commas (the column kept from the first schema).
    pub reason: Option<String>,
    /// JSON array of the reason codes.
    pub reasons: String,
    pub text: Option<String>,
    /// Sealed under the data key (context `rating:<rating_id>`).
    pub callback_phone_sealed: Option<String>,
    pub times_rated: u32,
    pub occurred_at: String,
}

/// A document held for the staff (`pickup.held`).
#[derive(Debug, Clone, PartialEq)]
pub struct PickupHoldRow {
    pub pickup_id: String,
    pub seq: u64,
    pub reason: &'static str,
    pub held_at: String,
}

/// A postal request (`pickup.post_requested`); the document is then "posted".
#[derive(Debug, Clone, PartialEq)]
pub struct PostalRow {
    pub request_id: String,
    pub pickup_id: String,
    pub seq: u64,
    pub citizen_ref: String,
    /// The recipient (name, phone, address) as JSON, sealed under the data key (context `postal:<request_id>`).
    pub recipient_sealed: String,
    pub requested_at: String,
}

/// A staff deposit (`locker.deposited`): a new waiting document with a fresh salted code, the code sealed for the
/// SMS step, and the documents the staff took out of that door to make room.
#[derive(Debug, Clone, PartialEq)]
pub struct DepositRow {
    pub pickup_id: String,
    pub seq: u64,
    pub locker_door: u32,
    pub document_no: String,
    pub code_salt: String,
    pub code_hash: String,
    /// The code sealed under the data key (context `notice:<pickup_id>`).
    pub code_sealed: String,
    pub deposited_at: String,
    pub cleared: Vec<String>,
}

/// A wrong pickup code typed at a kiosk (`pickup.code_rejected`): never the code.
#[derive(Debug, Clone, PartialEq)]
pub struct CodeRejectionRow {
    pub seq: u64,
    pub failures_in_window: u32,
    pub locked_until: Option<String>,
    pub occurred_at: String,
}

/// A locker door alert (`locker.alert`).
#[derive(Debug, Clone, PartialEq)]
pub struct LockerAlertRow {
    pub seq: u64,
    pub locker_door: u32,
    pub alert: &'static str,
    pub open_seconds: Option<u32>,
    pub occurred_at: String,
}

/// Everything one batch writes, in one transaction, with `kiosks.last_applied_seq` moved to `applied_through`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Writes {
    pub kiosk: String,
    pub received_at: String,
    pub applied_through: u64,
    pub events: Vec<EventRow>,
    pub rejections: Vec<Rejection>,
    pub tickets: Vec<TicketRow>,
    pub guide_prints: Vec<GuidePrintRow>,
    pub help_requests: Vec<HelpRequestRow>,
    pub maintenance: Vec<MaintenanceRow>,
    pub appointments: Vec<AppointmentRow>,
    pub appointment_changes: Vec<AppointmentChange>,
    pub applications: Vec<ApplicationRow>,
    pub pickups_collected: Vec<PickupCollection>,
    pub ratings: Vec<RatingRow>,
    pub pickups_held: Vec<PickupHoldRow>,
    pub postal_requests: Vec<PostalRow>,
    pub deposits: Vec<DepositRow>,
    pub code_rejections: Vec<CodeRejectionRow>,
    pub locker_alerts: Vec<LockerAlertRow>,
}
