//! The screen side of the printing service: a flow hands over its committed job; the outcome shows in
//! `PrintAdapter` while the same citizen is still there, and "try again" resends the session's last failed job.

use std::cell::Cell;
use std::time::Instant;

use slint::ComponentHandle;

use super::Kiosk;
use crate::devices::PrintOutcome;
use crate::ui::{AppWindow, PrintAdapter, PrintState};

thread_local! {
    /// The job the screen is showing the outcome of (UI thread only).
    static CURRENT: Cell<Option<i64>> = const { Cell::new(None) };
}

pub(super) fn wire(window: &AppWindow, kiosk: &Kiosk) {
    let k = kiosk.clone();
    window.global::<PrintAdapter>().on_retry(move || {
        if let Some(job) = CURRENT.get() {
            show(&k, job, None);
        }
    });
}

/// Print stored job `job` (its `bytes` as stored) and show the outcome. `tapped_at`: when the citizen tapped.
pub fn print(kiosk: &Kiosk, job: i64, bytes: Vec<u8>, tapped_at: Instant) {
    show(kiosk, job, Some((bytes, tapped_at)));
}

/// Forget the job on screen (session wipe).
pub fn clear(window: &AppWindow) {
    CURRENT.set(None);
    window.global::<PrintAdapter>().set_state(PrintState::Idle);
}

fn show(kiosk: &Kiosk, job: i64, fresh: Option<(Vec<u8>, Instant)>) {
    CURRENT.set(Some(job));
    kiosk.with_window(|w| w.global::<PrintAdapter>().set_state(PrintState::Printing));
    let (tx, rx) = tokio::sync::oneshot::channel();
    let done = move |outcome| {
        let _ = tx.send(outcome);
    };
    match fresh {
        Some((bytes, tapped_at)) => kiosk.services().printing.print(job, bytes, tapped_at, done),
        None => kiosk.services().printing.reprint(job, done),
    }
    let k = kiosk.downgrade();
    let generation = kiosk.generation();
    let _ = slint::spawn_local(async move {
        let Ok(outcome) = rx.await else { return };
        let Some(k) = k.upgrade() else { return };
        // Only if the same citizen is still looking at this job.
        if k.generation() == generation && CURRENT.get() == Some(job) {
            k.with_window(|w| w.global::<PrintAdapter>().set_state(state_of(&outcome)));
        }
    });
}

pub fn state_of(outcome: &PrintOutcome) -> PrintState {
    match outcome {
        PrintOutcome::Printed { paper_low: false } => PrintState::Printed,
        PrintOutcome::Printed { paper_low: true } => PrintState::PrintedPaperLow,
        PrintOutcome::PaperOut => PrintState::PaperOut,
        PrintOutcome::CoverOpen => PrintState::CoverOpen,
        // a partial receipt: the lead maps these to their own screens (NOTES-printer.md)
        PrintOutcome::PaperOutMidJob => PrintState::PaperOut,
        PrintOutcome::CoverOpenMidJob => PrintState::CoverOpen,
        PrintOutcome::NoAnswer => PrintState::NoAnswer,
        PrintOutcome::Failed(_) => PrintState::Failed,
    }
}
