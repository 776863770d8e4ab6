//! Drive the real UI as a citizen would: find a widget by its accessible label and tap it (scrolling it into view
//! first when it lies in a scrolled part of the page); read what is on screen; wait for the screen to change. Runs
//! inside the Slint event loop (`slint::spawn_local`).

use std::time::{Duration, Instant};

use i_slint_backend_testing::{AccessibleRole, ElementHandle};
use slint::platform::{PointerEventButton, WindowEvent};
use slint::{ComponentHandle, LogicalPosition};

use crate::ui::AppWindow;

/// Sleep without blocking the event loop.
pub async fn sleep(d: Duration) {
    let (tx, rx) = tokio::sync::oneshot::channel();
    slint::Timer::single_shot(d, move || {
        let _ = tx.send(());
    });
    let _ = rx.await;
}

/// An element's rectangle in window coordinates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
}

impl Rect {
    pub fn of(e: &ElementHandle) -> Rect {
        let p = e.absolute_position();
        let s = e.size();
        Rect {
            x: p.x,
            y: p.y,
            w: s.width,
            h: s.height,
        }
    }

    pub fn contains(&self, other: &Rect, slack: f32) -> bool {
        other.x >= self.x - slack
            && other.y >= self.y - slack
            && other.x + other.w <= self.x + self.w + slack
            && other.y + other.h <= self.y + self.h + slack
    }

    pub fn center(&self) -> (f32, f32) {
        (self.x + self.w / 2.0, self.y + self.h / 2.0)
    }

    pub fn contains_point(&self, (x, y): (f32, f32)) -> bool {
        x >= self.x && y >= self.y && x <= self.x + self.w && y <= self.y + self.h
    }
}

/// What identifies an element well enough to find it again in another query.
fn key(e: &ElementHandle) -> (String, String, i64, i64, i64, i64) {
    let r = Rect::of(e);
    (
        e.type_name().map(|s| s.to_string()).unwrap_or_default(),
        e.accessible_label()
            .map(|s| s.to_string())
            .unwrap_or_default(),
        r.x as i64,
        r.y as i64,
        r.w as i64,
        r.h as i64,
    )
}

/// The scroll areas (the kiosk's `ScrollArea` component) that hold `e`, innermost last.
pub fn scroll_areas_holding(window: &AppWindow, e: &ElementHandle) -> Vec<ElementHandle> {
    let wanted = key(e);
    ElementHandle::find_by_element_type_name(window, "ScrollArea")
        .filter(|area| {
            let wanted = wanted.clone();
            area.query_descendants()
                .match_predicate(move |d| key(d) == wanted)
                .find_first()
                .is_some()
        })
        .collect()
}

/// The one visible, enabled widget labelled `label`, or why not.
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

/// Scroll the page until `e` lies inside every scroll area that holds it (a citizen would swipe).
pub async fn scroll_into_view(window: &AppWindow, label: &str) -> anyhow::Result<ElementHandle> {
    for _ in 0..40 {
        let e = find(window, label)?;
        let areas = scroll_areas_holding(window, &e);
        let target = Rect::of(&e);
        let Some(area) = areas.iter().find(|a| !Rect::of(a).contains(&target, 1.0)) else {
            return Ok(e);
        };
        let view = Rect::of(area);
        let (cx, cy) = view.center();
        // Move the element's centre to the area's centre, at most most of a screen at a time.
        let dy = (cy - target.center().1).clamp(-view.h * 0.8, view.h * 0.8);
        window
            .window()
            .dispatch_event(WindowEvent::PointerScrolled {
                position: LogicalPosition::new(cx, cy),
                delta_x: 0.0,
                delta_y: dy,
            });
        sleep(Duration::from_millis(30)).await;
    }
    anyhow::bail!("{label:?} could not be scrolled into view")
}

/// Find the one visible, enabled widget labelled `label`, scroll it into view, and tap its centre.
pub async fn tap(window: &AppWindow, label: &str) -> anyhow::Result<()> {
    let element = scroll_into_view(window, label).await?;
    element.single_click(PointerEventButton::Left).await;
    Ok(())
}

/// Press `label` and keep the finger there for `hold` (a long press).
pub async fn hold(window: &AppWindow, label: &str, hold: Duration) -> anyhow::Result<()> {
    let element = scroll_into_view(window, label).await?;
    let (x, y) = Rect::of(&element).center();
    let position = LogicalPosition::new(x, y);
    let w = window.window();
    w.dispatch_event(WindowEvent::PointerMoved { position });
    w.dispatch_event(WindowEvent::PointerPressed {
        position,
        button: PointerEventButton::Left,
    });
    sleep(hold).await;
    w.dispatch_event(WindowEvent::PointerReleased {
        position,
        button: PointerEventButton::Left,
    });
    Ok(())
}

/// Is a widget labelled `label` on screen?
pub fn exists(window: &AppWindow, label: &str) -> bool {
    ElementHandle::find_by_accessible_label(window, label)
        .next()
        .is_some()
}

/// Every text on the page, in tree order (texts of the current page, the header, the status bar, overlays).
pub fn visible_texts(window: &AppWindow) -> Vec<String> {
    ElementHandle::find_by_element_type_name(window, "Text")
        .filter(|e| e.size().width > 0.0 && e.size().height > 0.0)
        .filter_map(|e| e.accessible_label().map(|s| s.to_string()))
        .filter(|t| !t.trim().is_empty())
        .collect()
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
