//! Documents waiting in a kiosk's lockers (取件), and how a pickup code is checked without being stored.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// `GET /v1/kiosks/{id}/pickups`: one document waiting behind a door of this kiosk's locker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Pickup {
    pub pickup_id: String,
    /// This document's own random salt, hex (16 bytes). The code itself never leaves the platform.
    pub code_salt: String,
    /// [`pickup_code_hash`] of the code with `code_salt`.
    pub code_hash: String,
    pub locker_door: u32,
    /// What the document is, e.g. 营业执照.
    pub document: String,
    #[serde(default)]
    pub document_en: String,
    /// The `citizen_ref` of the person it is for, when known: the ID card then finds it.
    #[serde(default)]
    pub citizen_ref: Option<String>,
    /// The person's name masked (张*), for the pickup proof; empty when unknown.
    #[serde(default)]
    pub holder: String,
    /// May be sent by free post (免费邮寄) instead of collected.
    #[serde(default)]
    pub postable: bool,
    /// When it was put in the locker (RFC 3339): documents waiting too long are overdue.
    pub deposited_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PickupList {
    pub pickups: Vec<Pickup>,
}

/// Digits in a pickup code.
pub const PICKUP_CODE_DIGITS: usize = 6;

/// SHA-256 (hex) of the salt's bytes followed by the code's digits. A salt per document means two documents with
/// the same code have unrelated hashes, and a list of hashes cannot be matched against one precomputed table.
/// `None` if the salt is not hex.
pub fn pickup_code_hash(salt_hex: &str, code: &str) -> Option<String> {
    let salt = hex::decode(salt_hex.trim()).ok()?;
    let mut h = Sha256::new();
    h.update(&salt);
    h.update(code.trim().as_bytes());
    Some(hex::encode(h.finalize()))
}

/// Whether `code` is the code of `pickup` (constant-time in the hash comparison).
pub fn pickup_code_matches(pickup: &Pickup, code: &str) -> bool {
    let Some(hash) = pickup_code_hash(&pickup.code_salt, code) else {
        return false;
    };
    let (a, b) = (hash.as_bytes(), pickup.code_hash.trim().as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A well-formed pickup code: exactly [`PICKUP_CODE_DIGITS`] ASCII digits.
pub fn is_pickup_code(code: &str) -> bool {
    code.len() == PICKUP_CODE_DIGITS && code.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pickup(salt: &str, code: &str) -> Pickup {
        Pickup {
            pickup_id: "P1".into(),
            code_salt: salt.into(),
            code_hash: pickup_code_hash(salt, code).unwrap(),
            locker_door: 3,
            document: "营业执照".into(),
            document_en: String::new(),
            citizen_ref: None,
            holder: String::new(),
            postable: false,
            deposited_at: "2026-11-30T09:00:00+08:00".into(),
        }
    }

    #[test]
    fn the_same_code_under_two_salts_gives_unrelated_hashes_and_only_the_code_matches() {
        let a = pickup("00112233445566778899aabbccddeeff", "482913");
        let b = pickup("ffeeddccbbaa99887766554433221100", "482913");
        assert_ne!(a.code_hash, b.code_hash);
        assert!(pickup_code_matches(&a, "482913") && pickup_code_matches(&b, "482913"));
        assert!(!pickup_code_matches(&a, "482914"));
        assert!(!a.code_hash.contains("482913"));
        let mut bad = a.clone();
        bad.code_salt = "not hex".into();
        assert!(!pickup_code_matches(&bad, "482913"));
    }

    #[test]
    fn a_code_is_six_digits() {
        assert!(is_pickup_code("012345"));
        assert!(
            !is_pickup_code("12345") && !is_pickup_code("1234567") && !is_pickup_code("12345a")
        );
    }
}
