//! Maintenance mode on the wire: the audit events a kiosk sends for every technician access and action, the
//! state of its PIN pad in the heartbeat, and the offline one-time maintenance code that the platform issues and
//! the kiosk checks with nothing but a shared per-kiosk secret and its clock.

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// Length of a one-time code's window: a code is bound to one kiosk and one such window.
pub const CODE_WINDOW_SECS: u64 = 15 * 60;

/// Digits of a one-time maintenance code.
pub const CODE_DIGITS: usize = 8;

/// The window of `unix_secs` (seconds since 1970-01-01 UTC).
pub fn code_window(unix_secs: u64) -> u64 {
    unix_secs / CODE_WINDOW_SECS
}

/// The one-time maintenance code of `kiosk_id` for `window`: HMAC-SHA256 over the kiosk id and the window, keyed
/// with the kiosk's own secret, the first 8 bytes read as a number, its last 8 decimal digits. The platform and the
/// kiosk compute it alike; no network is needed to check it.
pub fn one_time_code(secret: &[u8], kiosk_id: &str, window: u64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes a key of any length");
    // Domain-separated and length-unambiguous: the id cannot contain a newline (kiosk ids are [A-Za-z0-9_-]).
    mac.update(format!("sanban-maintenance-code/v1\n{kiosk_id}\n{window}").as_bytes());
    let digest = mac.finalize().into_bytes();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    let n = u64::from_be_bytes(first) % 10u64.pow(CODE_DIGITS as u32);
    format!("{n:0width$}", width = CODE_DIGITS)
}

/// How a technician tried to get in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AccessMethod {
    /// A technician's PIN (verified against its Argon2id hash on the kiosk).
    Pin,
    /// A one-time maintenance code issued by the platform's operator command.
    OneTimeCode,
}

/// What came of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AccessOutcome {
    Granted,
    /// Wrong PIN or code; the pad stays open.
    Refused,
    /// Wrong, and the pad is now locked until `locked_until`.
    LockedOut,
}

/// Payload of `maintenance.access`: one try at the maintenance pad. Never carries what was typed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MaintenanceAccess {
    pub method: AccessMethod,
    pub outcome: AccessOutcome,
    /// Who got in (the technician's name in the kiosk's credentials, or "one-time code"); absent when refused.
    #[serde(default)]
    pub technician: Option<String>,
    /// Wrong tries in a row so far (0 after a success).
    pub failures: u32,
    /// RFC 3339: until when the pad refuses every try.
    #[serde(default)]
    pub locked_until: Option<String>,
}

/// What a technician did in maintenance mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MaintenanceActionKind {
    PrinterStatus,
    PrintTestPage,
    ReadCard,
    OpenDoor,
    SyncNow,
    Reprint,
    ChangeSetting,
    StaffDeposit,
    RestartApp,
    /// The technician left maintenance mode ("退出维护").
    Leave,
    /// Maintenance mode ended by the idle timeout.
    TimedOut,
}

impl MaintenanceActionKind {
    /// The wire name (also the fleet page's key).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PrinterStatus => "printer_status",
            Self::PrintTestPage => "print_test_page",
            Self::ReadCard => "read_card",
            Self::OpenDoor => "open_door",
            Self::SyncNow => "sync_now",
            Self::Reprint => "reprint",
            Self::ChangeSetting => "change_setting",
            Self::StaffDeposit => "staff_deposit",
            Self::RestartApp => "restart_app",
            Self::Leave => "leave",
            Self::TimedOut => "timed_out",
        }
    }
}

/// Payload of `maintenance.action`: the audit record of one action (who, what, on what, with what result); the
/// time is the event's `occurred_at`. Never carries personal data (a test card read records only that it was read).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MaintenanceAction {
    pub technician: String,
    pub action: MaintenanceActionKind,
    /// What it acted on: a door number, a print job id, `setting=value`.
    #[serde(default)]
    pub target: Option<String>,
    /// How it ended, in plain words ("printed", "paper out", "door open").
    #[serde(default)]
    pub result: Option<String>,
}

/// The maintenance pad's state in the heartbeat: the fleet page raises wrong-PIN lock-outs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MaintenancePadState {
    /// Wrong tries in a row.
    pub failures: u32,
    /// RFC 3339, while the pad is locked.
    #[serde(default)]
    pub locked_until: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_eight_digits_bound_to_its_kiosk_and_window() {
        let secret = [7u8; 32];
        let code = one_time_code(&secret, "K01", 1000);
        assert_eq!(code.len(), CODE_DIGITS);
        assert!(code.bytes().all(|b| b.is_ascii_digit()));
        assert_eq!(code, one_time_code(&secret, "K01", 1000), "deterministic");
        assert_ne!(code, one_time_code(&secret, "K02", 1000), "another kiosk");
        assert_ne!(code, one_time_code(&secret, "K01", 1001), "another window");
        assert_ne!(
            code,
            one_time_code(&[8u8; 32], "K01", 1000),
            "another secret"
        );
    }

    #[test]
    fn windows_are_fifteen_minutes() {
        assert_eq!(code_window(0), 0);
        assert_eq!(code_window(899), 0);
        assert_eq!(code_window(900), 1);
    }

    #[test]
    fn the_code_matches_its_published_construction() {
        // Computed independently (Python's hmac): HMAC-SHA256(key = 32 × 0x00, "sanban-maintenance-code/v1\nK01\n0"),
        // first 8 bytes big-endian mod 10^8. Pinned so that the kiosk and the platform cannot drift apart unnoticed.
        assert_eq!(one_time_code(&[0u8; 32], "K01", 0), "41701064");
        assert_eq!(one_time_code(&[7u8; 32], "K01", 1_966_320), "22705568");
    }

    #[test]
    fn access_events_never_carry_what_was_typed() {
        let e = MaintenanceAccess {
            method: AccessMethod::Pin,
            outcome: AccessOutcome::LockedOut,
            technician: None,
            failures: 5,
            locked_until: Some("2026-11-30T10:00:00Z".into()),
        };
        let v = serde_json::to_value(&e).unwrap();
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "failures",
                "locked_until",
                "method",
                "outcome",
                "technician"
            ]
        );
        assert_eq!(v["outcome"], "locked_out");
    }
}
