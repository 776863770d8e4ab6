//! What the bus tells the app: how an opening went, door changes, and the line's health.

use std::time::{Duration, Instant};

use super::doors::DoorAddr;
use super::echo::EchoState;
use super::options::EchoMode;

/// How an opening ended. The lock was fired in every case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenOutcome {
    /// The door sensor read shut before the pulse (or was unknown) and read open after it.
    Opened,
    /// The board answered but the door never read open within the confirm timeout: the citizen cannot take the
    /// document; it stays assigned to the door.
    Jammed,
    /// The sensor read open before the pulse and still reads open: a broken sensor wire (or a door left open)
    /// reads the same, so the opening is not proven. The lock was fired anyway.
    SensorStuckOpen,
}

/// The result of [`super::LockerBus::open`], with its timings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenReport {
    /// Door number on the bus.
    pub door: u16,
    /// Where that door is on the wire.
    pub addr: DoorAddr,
    /// How it went.
    pub outcome: OpenOutcome,
    /// The door's reading before the pulse (`None` if the board could not be read).
    pub was_open: Option<bool>,
    /// When `open` was called.
    pub requested_at: Instant,
    /// When the fire command's last byte was handed to the port (the attempt the board answered).
    pub pulse_sent_at: Instant,
    /// When the board's answer to the fire command arrived.
    pub answered_at: Instant,
    /// When the door was first read open after the pulse (only for [`OpenOutcome::Opened`]).
    pub confirmed_at: Option<Instant>,
}

impl OpenReport {
    /// From the call to the pulse on the wire (the part of the pickup budget the bus spends).
    pub fn pulse_latency(&self) -> Duration {
        self.pulse_sent_at
            .saturating_duration_since(self.requested_at)
    }

    /// From the pulse to the door reading open, if it did.
    pub fn confirm_latency(&self) -> Option<Duration> {
        self.confirmed_at
            .map(|at| at.saturating_duration_since(self.pulse_sent_at))
    }
}

/// The result of [`super::LockerBus::wait_closed`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseOutcome {
    /// The door reads shut; `at` is when that reading arrived.
    Closed {
        /// When the bus read the door shut.
        at: Instant,
    },
    /// The door still read open when the wait ended.
    StillOpen,
}

/// A change of a door's reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DoorChange {
    /// The door opened after the bus fired its lock.
    Opened,
    /// The door opened with no command behind it (forced, or a sensor wire that just broke): a security alert.
    OpenedUnexpectedly,
    /// The door was shut.
    Closed,
}

/// A door change the bus saw: pushed by a board, or found by a read that differs from the last one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BusEvent {
    /// Door number on the bus.
    pub door: u16,
    /// Where that door is (its board is `addr.board`).
    pub addr: DoorAddr,
    /// What changed.
    pub change: DoorChange,
    /// When the bus heard of it.
    pub at: Instant,
}

/// The line's health, for the technician.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineStatus {
    /// Echo handling as configured.
    pub echo_mode: EchoMode,
    /// What the bus knows about the adapter's echo.
    pub echo: EchoState,
    /// Echo bytes dropped.
    pub echo_bytes: u64,
    /// Bytes discarded as noise or broken frames.
    pub noise_bytes: u64,
    /// Frames about boards or locks not on the bus (a misconfigured address).
    pub stray_frames: u64,
    /// Events dropped because the app did not take them (the queue keeps the newest 256).
    pub events_dropped: u64,
}
