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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SlotList {
    pub service: String,
    #[cfg_attr(feature = "openapi", schema(format = Date))]
    pub date: String,
    pub slots: Vec<Slot>,
}

/// `POST /v1/appointments`. The ID number travels only as a salted hash; the platform never needs it in clear.
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
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AppointmentReply {
    pub appointment_id: String,
    pub confirmed: bool,
}
