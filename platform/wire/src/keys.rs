//! `GET /v1/kiosks/{id}/citizen-key`: the hall's key of `citizen_ref`.

use serde::{Deserialize, Serialize};

/// The key every kiosk of the hall uses to compute `citizen_ref` = HMAC-SHA256(key, ID number), so that the same
/// citizen has the same reference at every kiosk while the ID number itself is never stored or sent.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CitizenKeyReply {
    /// 32 bytes, hex.
    pub key: String,
}

impl std::fmt::Debug for CitizenKeyReply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CitizenKeyReply(<hidden>)")
    }
}
