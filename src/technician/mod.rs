//! Technician commands: diagnosis from a shell on the kiosk. Each prints plain text (or JSON with --json) and
//! exits non-zero with the exact cause when something is wrong.

pub mod device;
pub mod outbox;
