//! `POST /v1/kiosks/{id}/ticket-leases`: blocks of queue numbers leased to a kiosk.

use serde::{Deserialize, Serialize};

/// `POST /v1/kiosks/{id}/ticket-leases` request: top up the blocks for these categories for `business_day`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LeaseRequest {
    #[cfg_attr(feature = "openapi", schema(format = Date))]
    pub business_day: String,
    pub categories: Vec<String>,
    /// Numbers wanted per category (the platform may grant fewer).
    pub block_size: u32,
    /// The kiosk's id for this request (a UUID). A retry with the same id (after a lost reply) gets the same
    /// blocks, not new ones; the same id with a different request is refused (409).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<uuid::Uuid>,
}

/// A block of queue numbers `first..=last` of one category on one day, for this kiosk alone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Lease {
    pub category: String,
    #[cfg_attr(feature = "openapi", schema(format = Date))]
    pub business_day: String,
    pub first: u32,
    pub last: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeaseReply {
    pub leases: Vec<Lease>,
}
