//! The citizen's session: what the kiosk knows about the person in front of it, wiped when they leave (Home, or
//! the idle countdown of `idle.rs` running out).

use crate::devices::CitizenIdentity;
use crate::lang::Lang;

/// Per-citizen state on the Rust side. What the screen shows lives in the adapters and is wiped with them.
#[derive(Debug, Default)]
pub struct Session {
    pub lang: Lang,
    /// The card read in this session (zeroized when the session drops it).
    pub identity: Option<CitizenIdentity>,
    /// Pages "返回" walks back through.
    pub history: Vec<&'static str>,
    /// Bumped by every wipe.
    pub generation: u64,
    /// The errand this citizen completed last (what a rating rates).
    pub completed: Option<CompletedErrand>,
    /// The citizen's bookings as the platform listed them after the card read (those taken at other kiosks of the
    /// hall, and how offline requests fared); empty when it did not answer in time.
    pub platform_bookings: Vec<crate::store::appointments::Booking>,
}

/// A completed errand: what "完成" leads on from, and what a rating refers to (办件编号).
#[derive(Debug, Clone, PartialEq)]
pub struct CompletedErrand {
    /// "ticket", "guide", "appointment", "application", "pickup" (sanban_wire::RATED_ERRANDS).
    pub errand: &'static str,
    /// The errand's own number: a ticket number, an application number, a booking code…
    pub id: String,
    /// The catalog service concerned, if any.
    pub service: Option<String>,
}
