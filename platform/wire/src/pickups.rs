//! Documents waiting in a kiosk's lockers.

use serde::{Deserialize, Serialize};

/// `GET /v1/kiosks/{id}/pickups`: documents waiting in this kiosk's lockers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Pickup {
    pub pickup_id: String,
    /// SHA-256 (hex) of the pickup code; the code itself never leaves the platform.
    pub code_sha256: String,
    pub locker_door: u32,
    pub document: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PickupList {
    pub pickups: Vec<Pickup>,
}
