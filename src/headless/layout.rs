//! The layout check: every button and text of the page on screen lies inside the window (or inside a scroll area
//! that lets the citizen reach it), inside its card or button, buttons keep their touch size and do not overlap,
//! and the header and the status bar are fully on screen. The layout test walks every registered page in every
//! mode with it; the pictures are for people, this is for the suite.

use i_slint_backend_testing::ElementHandle;
use slint::ComponentHandle;

use super::driver::{scroll_areas_holding, Rect};
use crate::ui::AppWindow;

/// Elements that hold text and must not let it spill.
const CONTAINERS: [&str; 4] = ["Card", "BigButton", "Notice", "Key"];
/// The touch target floor of DESIGN.md.
const MIN_TOUCH: f32 = 119.5;

fn describe(e: &ElementHandle) -> String {
    let r = Rect::of(e);
    format!(
        "{} {:?} at ({:.0},{:.0}) {:.0}×{:.0}",
        e.type_name().unwrap_or_default(),
        e.accessible_label()
            .unwrap_or_default()
            .chars()
            .take(40)
            .collect::<String>(),
        r.x,
        r.y,
        r.w,
        r.h
    )
}

fn visible(e: &ElementHandle) -> bool {
    let s = e.size();
    s.width > 0.5 && s.height > 0.5
}

/// What is wrong with the screen as it is now (empty: it fits).
pub fn problems(window: &AppWindow) -> Vec<String> {
    let size = window.window().size();
    let scale = window.window().scale_factor();
    let screen = Rect {
        x: 0.0,
        y: 0.0,
        w: size.width as f32 / scale,
        h: size.height as f32 / scale,
    };
    let mut out = Vec::new();

    for chrome in ["Header", "StatusBar"] {
        match ElementHandle::find_by_element_type_name(window, chrome).next() {
            Some(e) if screen.contains(&Rect::of(&e), 0.5) => {}
            Some(e) => out.push(format!("{chrome} is not fully on screen: {}", describe(&e))),
            None => out.push(format!("no {chrome} on screen")),
        }
    }

    let texts: Vec<ElementHandle> = ElementHandle::find_by_element_type_name(window, "Text")
        .filter(visible)
        .collect();
    let buttons: Vec<ElementHandle> = ElementHandle::find_by_element_type_name(window, "BigButton")
        .chain(ElementHandle::find_by_element_type_name(window, "Key"))
        .chain(
            i_slint_backend_testing::ElementQuery::from_root(window)
                .match_descendants()
                .match_inherits("BigButton")
                .find_all(),
        )
        .filter(visible)
        .collect();

    // Inside the window, or inside (horizontally) a scroll area that is itself on screen.
    for e in texts.iter().chain(&buttons) {
        let r = Rect::of(e);
        let areas = scroll_areas_holding(window, e);
        if areas.is_empty() {
            if !screen.contains(&r, 0.5) {
                out.push(format!("outside the window: {}", describe(e)));
            }
        } else {
            for area in &areas {
                let a = Rect::of(area);
                if !screen.contains(&a, 0.5) {
                    out.push(format!("scroll area off screen: {}", describe(area)));
                }
                if r.x < a.x - 0.5 || r.x + r.w > a.x + a.w + 0.5 {
                    out.push(format!("wider than its scroll area: {}", describe(e)));
                }
            }
        }
    }

    // Texts stay inside the card, notice, button or key that holds them.
    for name in CONTAINERS {
        let holders: Vec<ElementHandle> = i_slint_backend_testing::ElementQuery::from_root(window)
            .match_descendants()
            .match_inherits(name)
            .find_all()
            .into_iter()
            .chain(ElementHandle::find_by_element_type_name(window, name))
            .filter(visible)
            .collect();
        for holder in holders {
            let h = Rect::of(&holder);
            for t in holder
                .query_descendants()
                .match_type_name("Text")
                .find_all()
                .into_iter()
                .filter(visible)
            {
                if !h.contains(&Rect::of(&t), 1.0) {
                    out.push(format!(
                        "text spills out of its {name}: {} in {}",
                        describe(&t),
                        describe(&holder)
                    ));
                }
            }
        }
    }

    // Touch targets keep their size and never cover each other.
    for (i, b) in buttons.iter().enumerate() {
        let r = Rect::of(b);
        if r.h < MIN_TOUCH {
            out.push(format!("button shorter than 120 px: {}", describe(b)));
        }
        for other in &buttons[i + 1..] {
            let o = Rect::of(other);
            let dx = (r.x + r.w).min(o.x + o.w) - r.x.max(o.x);
            let dy = (r.y + r.h).min(o.y + o.h) - r.y.max(o.y);
            let same = (r.x - o.x).abs() < 0.5
                && (r.y - o.y).abs() < 0.5
                && (r.w - o.w).abs() < 0.5
                && (r.h - o.h).abs() < 0.5;
            if dx > 1.0 && dy > 1.0 && !same {
                out.push(format!(
                    "buttons overlap: {} and {}",
                    describe(b),
                    describe(other)
                ));
            }
        }
    }
    out.sort();
    out.dedup();
    out
}
