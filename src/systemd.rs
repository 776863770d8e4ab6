//! The kiosk as a systemd `Type=notify` service: `READY=1` once the first frame is on screen, `WATCHDOG=1` from the
//! UI event loop, `STATUS=` lines, `STOPPING=1` on the way out. Without `NOTIFY_SOCKET` (a desk, a test, the CLI)
//! nothing is sent and no timer runs.
//!
//! The watchdog is a `slint::Timer`, so it fires on the UI thread: a UI that hangs (a deadlock, a callback that never
//! returns) stops the pings while the sync and device threads keep running, and systemd restarts the kiosk once
//! `WatchdogSec=` has passed without one.
//!
//! First frame: Slint 1.18's software renderer has no rendering notifier (`Window::set_rendering_notifier` answers
//! `Unsupported`), so readiness waits for the event loop instead. The linuxkms backend renders a shown window on each
//! loop turn before it waits for events, and the headless runner renders its first frame before the loop starts;
//! a zero-delay timer (first turn) that hands `READY=1` to `invoke_from_event_loop` (next turn) therefore speaks only
//! after that first frame has been rendered.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use sd_notify::NotifyState;

/// Keeps the watchdog running; sends `STOPPING=1` when dropped (the event loop has ended).
pub struct ServiceNotifier {
    _watchdog: Option<slint::Timer>,
    _ready: Option<slint::Timer>,
    active: bool,
}

impl ServiceNotifier {
    /// Start on the UI thread, after the window is shown and before (or while) the event loop runs. `what` names the
    /// service in the status line, e.g. the kiosk id.
    pub fn start(what: &str) -> ServiceNotifier {
        if std::env::var_os("NOTIFY_SOCKET").is_none() {
            return ServiceNotifier {
                _watchdog: None,
                _ready: None,
                active: false,
            };
        }
        send(&[NotifyState::Status(&format!("{what}: starting"))]);
        let ready_status = format!("{what}: ready");
        let ready = slint::Timer::default();
        ready.start(slint::TimerMode::SingleShot, Duration::ZERO, move || {
            let status = ready_status.clone();
            // The next loop turn: the frame this turn renders is on screen by then.
            let _ = slint::invoke_from_event_loop(move || {
                send(&[NotifyState::Ready, NotifyState::Status(&status)]);
            });
        });
        let watchdog = ping_interval(sd_notify::watchdog_enabled()).map(|every| {
            let timer = slint::Timer::default();
            let failed_once = Rc::new(Cell::new(false));
            timer.start(slint::TimerMode::Repeated, every, move || {
                if let Err(e) = sd_notify::notify(&[NotifyState::Watchdog]) {
                    // Once: a vanished socket must not flood the journal twice a second.
                    if !failed_once.replace(true) {
                        tracing::warn!("systemd watchdog ping failed: {e}");
                    }
                }
            });
            timer
        });
        ServiceNotifier {
            _watchdog: watchdog,
            _ready: Some(ready),
            active: true,
        }
    }

    /// Whether a service manager is listening (`NOTIFY_SOCKET` was set).
    pub fn is_active(&self) -> bool {
        self.active
    }
}

impl Drop for ServiceNotifier {
    fn drop(&mut self) {
        if self.active {
            send(&[NotifyState::Stopping, NotifyState::Status("stopping")]);
        }
    }
}

/// A `STATUS=` line for `systemctl status` (no personal data: it lands in the journal's metadata).
pub fn status(text: &str) {
    send(&[NotifyState::Status(text)]);
}

/// Ping at half the watchdog timeout, as sd_watchdog_enabled(3) advises; no watchdog for a zero timeout.
pub fn ping_interval(timeout: Option<Duration>) -> Option<Duration> {
    timeout.filter(|t| !t.is_zero()).map(|t| t / 2)
}

fn send(states: &[NotifyState]) {
    if let Err(e) = sd_notify::notify(states) {
        tracing::warn!("systemd notification failed: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_watchdog_is_fed_at_half_its_timeout() {
        assert_eq!(
            ping_interval(Some(Duration::from_secs(30))),
            Some(Duration::from_secs(15))
        );
        assert_eq!(
            ping_interval(Some(Duration::from_micros(1_000_001))),
            Some(Duration::from_nanos(500_000_500))
        );
    }

    #[test]
    fn no_watchdog_without_a_timeout() {
        assert_eq!(ping_interval(None), None);
        assert_eq!(ping_interval(Some(Duration::ZERO)), None);
    }
}
