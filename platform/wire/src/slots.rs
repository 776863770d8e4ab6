//! Appointment slots and online bookings.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// `GET /v1/slots?service=…&date=…`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Slot {
    pub slot_id: String,
    /// `HH:MM` local time.
    pub start: String,
    pub end: String,
    pub capacity: u32,
    pub booked: u32,
}

impl Slot {
    /// Places still free.
    pub fn free(&self) -> u32 {
        self.capacity.saturating_sub(self.booked)
    }
}

/// `GET /v1/slots` reply. A day outside the bookable window, or one the service is closed, has no slots.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SlotList {
    pub service: String,
    #[cfg_attr(feature = "openapi", schema(format = Date))]
    pub date: String,
    pub slots: Vec<Slot>,
}

/// `POST /v1/appointments`. The ID number travels only as a keyed hash; the platform never needs it in clear.
/// Idempotent by (`kiosk_id`, `request_id`): a retry gets the first answer, never a second booking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AppointmentRequest {
    pub request_id: Uuid,
    pub kiosk_id: String,
    pub service: String,
    #[cfg_attr(feature = "openapi", schema(format = Date))]
    pub date: String,
    pub slot_id: String,
    pub citizen_ref: String,
    /// The booking code the kiosk prints ([`crate::booking_code`]).
    pub code: String,
}

/// `POST /v1/appointments` reply (200): the booking is confirmed. A refusal is a 409 with
/// [`crate::AppointmentRefused`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AppointmentReply {
    pub appointment_id: String,
    pub code: String,
    pub confirmed: bool,
}
