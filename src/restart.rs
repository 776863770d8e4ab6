//! 重启应用: a technician restarts the kiosk app from the maintenance menu. The action is committed (an audited
//! outbox event) first; then the event loop ends, the services shut down as on any exit (the outbox and the sync
//! position are in the database, so the sync goes on after the restart), and the process exits with
//! [`EXIT_STATUS`]. The systemd unit starts the app again on that status (`RestartForceExitStatus=`), and counts it
//! as a clean exit (`SuccessExitStatus=`), so a technician's restart is not logged as a failure. Without systemd
//! (a desk) the app just exits and must be started again.

use std::sync::atomic::{AtomicBool, Ordering};

/// The exit status of a restart a technician asked for (EX_TEMPFAIL: "try again").
pub const EXIT_STATUS: u8 = 75;

static REQUESTED: AtomicBool = AtomicBool::new(false);

/// Ask the app to exit for a restart: the UI event loop ends, and `main` exits with [`EXIT_STATUS`].
pub fn request() {
    REQUESTED.store(true, Ordering::SeqCst);
    if let Err(e) = slint::quit_event_loop() {
        tracing::error!("cannot end the event loop for a restart: {e}");
    }
}

/// Whether a restart was asked for.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::SeqCst)
}

/// Whether a service manager runs the app (and so starts it again): systemd gives every service an
/// `INVOCATION_ID`, and a `Type=notify` one a `NOTIFY_SOCKET`.
pub fn supervised() -> bool {
    ["INVOCATION_ID", "NOTIFY_SOCKET"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|v| !v.is_empty()))
}
