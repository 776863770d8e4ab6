//! Drive the real UI as a citizen would: find a widget by its accessible label and tap it; wait for the screen
//! to change. Runs inside the Slint event loop (`slint::spawn_local`).

use std::time::{Duration, Instant};

use crate::ui::AppWindow;
use i_slint_backend_testing::{AccessibleRole, ElementHandle};
use slint::platform::PointerEventButton;

/// Sleep without blocking the event loop.
pub async fn sleep(d: Duration) {
    let (tx, rx) = tokio::sync::oneshot::channel();
    slint::Timer::single_shot(d, move || {
        let _ = tx.send(());
    });
    let _ = rx.await;
}

/// Find the one visible, enabled widget labelled `label` and tap its centre.
pub async fn tap(window: &AppWindow, label: &str) -> anyhow::Result<()> {
    let element = find(window, label)?;
    element.single_click(PointerEventButton::Left).await;
    Ok(())
}

/// The widget labelled `label` (exact match).
pub fn find(window: &AppWindow, label: &str) -> anyhow::Result<ElementHandle> {
    let mut found: Vec<ElementHandle> = ElementHandle::find_by_accessible_label(window, label)
        .filter(|e| e.accessible_enabled().unwrap_or(true) && e.size().width > 0.0)
        .collect();
    // A button's own caption is a Text with the same label: the widget to tap is the button.
    if found.len() > 1 {
        found.retain(|e| e.accessible_role() != Some(AccessibleRole::Text));
    }
    match found.len() {
        0 => anyhow::bail!("no enabled widget labelled {label:?} on screen"),
        1 => Ok(found.remove(0)),
        n => anyhow::bail!("{n} widgets labelled {label:?}: the label must be unique on a page"),
    }
}

/// Is a widget labelled `label` on screen?
pub fn exists(window: &AppWindow, label: &str) -> bool {
    ElementHandle::find_by_accessible_label(window, label)
        .next()
        .is_some()
}

/// Wait until `condition` holds, checking every 20 ms; an error after `timeout`.
pub async fn wait_until(
    window: &AppWindow,
    what: &str,
    timeout: Duration,
    condition: impl Fn(&AppWindow) -> bool,
) -> anyhow::Result<Duration> {
    let start = Instant::now();
    loop {
        if condition(window) {
            return Ok(start.elapsed());
        }
        if start.elapsed() > timeout {
            anyhow::bail!("timed out after {timeout:?} waiting for {what}");
        }
        sleep(Duration::from_millis(20)).await;
    }
}
