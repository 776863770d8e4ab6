//! The service catalog (事项清单) with each service's guide (办事指南).

use serde::{Deserialize, Serialize};

/// One service (事项) of the catalog with its guide (办事指南) and one-time notification (一次性告知).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Material {
    pub name: String,
    /// Core materials (核心材料) can never be deferred.
    pub core: bool,
    pub copies: u32,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FormField {
    pub key: String,
    pub label_zh: String,
    pub label_en: String,
    pub required: bool,
}

/// `GET /v1/catalog?since=V`: `services` is empty and `changed` false when the kiosk already has version `V`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Catalog {
    pub version: u64,
    pub changed: bool,
    pub services: Vec<Service>,
}
