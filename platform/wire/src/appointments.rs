//! Appointments (预约) beyond the slot list: why a booking is refused, a citizen's bookings as the platform holds
//! them, booking codes, and the payloads of the appointment events a kiosk sends after the booking (cancelled,
//! checked in, refusal seen).

use serde::{Deserialize, Serialize};

use crate::payloads::TicketIssued;

/// Why the platform refused a booking, online (`POST /v1/appointments`, 409) or as an offline request's event
/// (the rejection's reason starts with the code: `"slot_full: slot 0930 on 2026-12-02 is full"`). A kiosk explains
/// each in the citizen's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RefusalReason {
    /// Every place of the slot is taken.
    SlotFull,
    /// The citizen already holds a booking for this service on this day (one per citizen, service and day).
    DailyLimit,
    /// Too many missed appointments lately: no booking until `until`.
    Banned,
    /// The day is not within the bookable window (from the next working day, N working days ahead).
    OutsideWindow,
    /// The service takes no appointments at that day and time (closed, a holiday, no such slot).
    NoSuchSlot,
    /// The service is unknown or takes no appointments at all.
    NotBookable,
    /// The booking code is already used by another booking (the kiosk makes a new one and asks again).
    CodeTaken,
    /// The request itself is malformed.
    Invalid,
}

impl RefusalReason {
    pub const ALL: [RefusalReason; 8] = [
        RefusalReason::SlotFull,
        RefusalReason::DailyLimit,
        RefusalReason::Banned,
        RefusalReason::OutsideWindow,
        RefusalReason::NoSuchSlot,
        RefusalReason::NotBookable,
        RefusalReason::CodeTaken,
        RefusalReason::Invalid,
    ];

    /// The wire code, e.g. `"slot_full"`.
    pub fn code(self) -> &'static str {
        match self {
            RefusalReason::SlotFull => "slot_full",
            RefusalReason::DailyLimit => "daily_limit",
            RefusalReason::Banned => "banned",
            RefusalReason::OutsideWindow => "outside_window",
            RefusalReason::NoSuchSlot => "no_such_slot",
            RefusalReason::NotBookable => "not_bookable",
            RefusalReason::CodeTaken => "code_taken",
            RefusalReason::Invalid => "invalid",
        }
    }

    pub fn from_code(code: &str) -> Option<RefusalReason> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }

    /// An event rejection's text for this reason: `"<code>: <detail>"`.
    pub fn rejection(self, detail: &str) -> String {
        format!("{}: {detail}", self.code())
    }

    /// The reason at the head of an event rejection's text, and the detail after it.
    pub fn of_rejection(text: &str) -> Option<(RefusalReason, &str)> {
        let (code, detail) = text.split_once(':')?;
        Some((Self::from_code(code.trim())?, detail.trim()))
    }
}

/// The 409 body of `POST /v1/appointments`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AppointmentRefused {
    /// Plain words for a technician.
    pub error: String,
    pub reason: RefusalReason,
    /// With [`RefusalReason::Banned`]: the first day the citizen may book again, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
}

/// Where a booking stands on the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AppointmentStatus {
    /// Confirmed: a place is held.
    Booked,
    /// An offline request the platform could not confirm (see its reason).
    Refused,
    Cancelled,
    CheckedIn,
    /// The day passed without a check-in (the nightly pass).
    NoShow,
}

impl AppointmentStatus {
    pub fn code(self) -> &'static str {
        match self {
            AppointmentStatus::Booked => "booked",
            AppointmentStatus::Refused => "refused",
            AppointmentStatus::Cancelled => "cancelled",
            AppointmentStatus::CheckedIn => "checked_in",
            AppointmentStatus::NoShow => "no_show",
        }
    }

    pub fn from_code(code: &str) -> Option<AppointmentStatus> {
        [
            AppointmentStatus::Booked,
            AppointmentStatus::Refused,
            AppointmentStatus::Cancelled,
            AppointmentStatus::CheckedIn,
            AppointmentStatus::NoShow,
        ]
        .into_iter()
        .find(|s| s.code() == code)
    }
}

/// `POST /v1/appointments/lookup` body: a citizen's bookings, asked for by `citizen_ref` in the body (never in a
/// URL, where access logs would keep it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AppointmentLookup {
    pub citizen_ref: String,
}

/// One booking of a citizen as the platform holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AppointmentView {
    /// The booking code printed on the slip.
    pub code: String,
    /// The kiosk that took the booking.
    pub kiosk_id: String,
    pub service: String,
    /// `YYYY-MM-DD`, the hall's time zone.
    pub date: String,
    pub slot_id: String,
    /// `HH:MM`.
    pub start: String,
    pub end: String,
    pub status: AppointmentStatus,
    /// With [`AppointmentStatus::Refused`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<RefusalReason>,
    /// Whether a kiosk has shown the refusal to the citizen already.
    #[serde(default)]
    pub refusal_seen: bool,
}

/// `POST /v1/appointments/lookup` reply: the citizen's bookings from today on, and refusals not yet shown; and
/// whether the no-show rule bars them from booking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CitizenAppointments {
    pub appointments: Vec<AppointmentView>,
    /// Missed appointments within the rule's look-back period.
    pub no_shows: u32,
    /// The first day the citizen may book again, when barred.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub banned_until: Option<String>,
}

/// Payload of [`crate::EventPayload::AppointmentCancelled`]: the citizen cancelled a booking at a kiosk (possibly
/// another kiosk than the one that took it). Refused when `citizen_ref` is not the booking's or its slot has begun.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AppointmentCancelled {
    pub code: String,
    pub citizen_ref: String,
}

/// Payload of [`crate::EventPayload::AppointmentCheckedIn`]: the citizen checked in on the day and took the priority
/// ticket `ticket` (绿色通道). The ticket and the check-in are one fact, committed and sent together: the platform
/// records the ticket like any other and marks the booking checked in (a booking it cannot match does not refuse
/// the ticket, which was printed; it is recorded as an unmatched check-in).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AppointmentCheckedIn {
    pub code: String,
    pub citizen_ref: String,
    pub ticket: TicketIssued,
}

/// Payload of [`crate::EventPayload::AppointmentRefusalSeen`]: a kiosk told the citizen that their offline booking
/// was refused, so no other kiosk tells them again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AppointmentRefusalSeen {
    pub code: String,
    pub citizen_ref: String,
}

/// The letters of booking codes: digits and capitals without 0/O, 1/I/L, which a citizen reading a slip aloud
/// would confuse (31 symbols).
pub const CODE_ALPHABET: &[u8; 31] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// Length of a booking code.
pub const CODE_LEN: usize = 8;

/// A booking code from random bits: 8 letters of [`CODE_ALPHABET`] (31^8 ≈ 8.5e11 codes). Made by the kiosk, so
/// that an offline booking has its code on the slip at once; the platform refuses a code already in use
/// ([`RefusalReason::CodeTaken`]).
pub fn booking_code(random: u64) -> String {
    let mut v = random;
    let mut out = String::with_capacity(CODE_LEN);
    for _ in 0..CODE_LEN {
        out.push(CODE_ALPHABET[(v % 31) as usize] as char);
        v /= 31;
    }
    out
}

/// Whether `code` has the shape of a booking code.
pub fn is_booking_code(code: &str) -> bool {
    code.len() == CODE_LEN && code.bytes().all(|b| CODE_ALPHABET.contains(&b))
}

/// `ABCD-EFGH`: a booking code as printed and shown (the dash is not part of it).
pub fn spaced_code(code: &str) -> String {
    if code.len() == CODE_LEN && code.is_ascii() {
        format!("{}-{}", &code[..4], &code[4..])
    } else {
        code.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusal_reasons_travel_as_codes_and_head_a_rejection() {
        for r in RefusalReason::ALL {
            assert_eq!(RefusalReason::from_code(r.code()), Some(r));
            assert_eq!(
                serde_json::to_value(r).unwrap(),
                serde_json::Value::String(r.code().into())
            );
            let text = r.rejection("because");
            assert_eq!(RefusalReason::of_rejection(&text), Some((r, "because")));
        }
        assert_eq!(RefusalReason::of_rejection("duplicate ticket_id x"), None);
        assert_eq!(RefusalReason::of_rejection("nope: x"), None);
    }

    #[test]
    fn booking_codes_are_eight_unambiguous_letters() {
        for seed in [0u64, 1, 30, 31, u64::MAX, 0x1234_5678_9abc] {
            let code = booking_code(seed);
            assert!(is_booking_code(&code), "{code}");
            assert!(!code.contains(['0', 'O', '1', 'I', 'L']), "{code}");
        }
        assert_ne!(booking_code(1), booking_code(2));
        assert_eq!(spaced_code("ABCDEFGH"), "ABCD-EFGH");
        assert!(!is_booking_code("ABCD-EFG"));
        assert!(!is_booking_code("abcdefgh"));
    }

    #[test]
    fn statuses_round_trip() {
        for s in ["booked", "refused", "cancelled", "checked_in", "no_show"] {
            let status = AppointmentStatus::from_code(s).unwrap();
            assert_eq!(status.code(), s);
            assert_eq!(serde_json::to_value(status).unwrap(), s);
        }
    }
}
