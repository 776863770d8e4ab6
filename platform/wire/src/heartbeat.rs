//! `POST /v1/kiosks/{id}/heartbeat`: device health and backlog.

use serde::{Deserialize, Serialize};

/// Health of one device as the kiosk's device manager sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceHealth {
    /// "idcard", "printer" or "locker".
    pub device: String,
    pub state: DeviceState,
    /// Plain cause for a technician, e.g. "paper near end", "no answer for 30 s".
    pub detail: String,
}

/// `POST /v1/kiosks/{id}/heartbeat`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Heartbeat {
    pub app_version: String,
    pub devices: Vec<DeviceHealth>,
    pub outbox_backlog: u64,
    /// Age in seconds of the oldest event not yet acknowledged, if any.
    pub oldest_pending_secs: Option<u64>,
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub sent_at: String,
    /// The catalog version the kiosk holds (the fleet page flags a kiosk behind the platform's current one).
    #[serde(default)]
    pub catalog_version: Option<u64>,
    /// The maintenance pad: wrong PINs in a row and a lock-out (the fleet page raises lock-outs).
    #[serde(default)]
    pub maintenance: Option<crate::MaintenancePadState>,
}
