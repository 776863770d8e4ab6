//! The pinyin keyboard's controller (ui/components/pinyin-keyboard.slint): letters go to a `sanban_ime::Composer`,
//! the candidate bar shows one page of its candidates, a pick inserts the text into the field being edited
//! (`PinyinAdapter.text`). A page that edits Chinese text calls [`begin`] with the field's text and reads the
//! result with [`text`]; [`clear`] forgets it. The composing letters and the text can spell personal data: they are
//! never logged, and the session wipe clears them.

use std::cell::RefCell;

use sanban_ime::{Composer, Dictionary};
use slint::{ComponentHandle, ModelRc, VecModel};

use super::Kiosk;
use crate::ui::PinyinAdapter;

/// Candidates on one page of the bar (they fit a portrait screen's width in large type too).
pub const PER_PAGE: usize = 6;

struct State {
    composer: Composer<'static>,
    page: usize,
    max_chars: usize,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State {
        composer: Composer::new(Dictionary::embedded()),
        page: 0,
        max_chars: 0,
    });
}

/// Connect the keyboard's callbacks (once, by the first flow that uses it; wiring again replaces the same handlers).
pub fn wire(kiosk: &Kiosk) {
    let Some(w) = kiosk.window() else { return };
    let a = w.global::<PinyinAdapter>();
    let k = kiosk.clone();
    a.on_key(move |key| {
        let Some(c) = key.chars().next() else { return };
        let composed = STATE.with(|s| {
            let mut s = s.borrow_mut();
            if c.is_ascii_lowercase() || (c == '\'' && s.composer.is_composing()) {
                s.page = 0;
                return s.composer.push(c).then_some(None);
            }
            // A digit or punctuation: the first candidate first, then the key itself.
            let first = if s.composer.is_composing() {
                s.composer.pick(0).map(str::to_string)
            } else {
                None
            };
            s.page = 0;
            Some(Some(format!("{}{}", first.unwrap_or_default(), key)))
        });
        if let Some(Some(text)) = composed {
            insert(&k, &text);
        }
        refresh(&k);
    });
    let k = kiosk.clone();
    a.on_erase(move || {
        let deleted_letter = STATE.with(|s| {
            let mut s = s.borrow_mut();
            s.page = 0;
            s.composer.backspace()
        });
        if !deleted_letter {
            k.with_window(|w| {
                let a = w.global::<PinyinAdapter>();
                let mut text = a.get_text().to_string();
                text.pop();
                a.set_text(text.into());
            });
        }
        refresh(&k);
    });
    let k = kiosk.clone();
    a.on_space(move || {
        let picked = STATE.with(|s| {
            let mut s = s.borrow_mut();
            s.page = 0;
            if s.composer.is_composing() {
                s.composer.pick(0).map(str::to_string)
            } else {
                Some(" ".to_string())
            }
        });
        if let Some(text) = picked {
            insert(&k, &text);
        }
        refresh(&k);
    });
    let k = kiosk.clone();
    a.on_pick(move |i| {
        let picked = STATE.with(|s| {
            let mut s = s.borrow_mut();
            let page = s.page;
            let index = s
                .composer
                .candidates(page, PER_PAGE)
                .candidates
                .get(i.max(0) as usize)
                .map(|c| c.index)?;
            s.page = 0;
            s.composer.pick(index).map(str::to_string)
        });
        if let Some(text) = picked {
            insert(&k, &text);
        }
        refresh(&k);
    });
    let k = kiosk.clone();
    a.on_next_page(move || {
        STATE.with(|s| {
            let mut s = s.borrow_mut();
            if s.composer.candidates(s.page, PER_PAGE).has_more {
                s.page += 1;
            }
        });
        refresh(&k);
    });
    let k = kiosk.clone();
    a.on_previous_page(move || {
        STATE.with(|s| {
            let mut s = s.borrow_mut();
            s.page = s.page.saturating_sub(1);
        });
        refresh(&k);
    });
    let k = kiosk.clone();
    a.on_clear(move || {
        STATE.with(|s| s.borrow_mut().composer.clear());
        k.with_window(|w| w.global::<PinyinAdapter>().set_text("".into()));
        refresh(&k);
    });
}

/// Start editing a field holding `text` (at most `max_chars` characters; 0: no limit).
pub fn begin(kiosk: &Kiosk, text: &str, max_chars: usize) {
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        s.composer.clear();
        s.page = 0;
        s.max_chars = max_chars;
    });
    kiosk.with_window(|w| {
        let a = w.global::<PinyinAdapter>();
        a.set_text(text.into());
        a.set_max_chars(max_chars as i32);
    });
    refresh(kiosk);
}

/// The field's text now (letters still composing are not part of it).
pub fn text(kiosk: &Kiosk) -> String {
    kiosk
        .window()
        .map(|w| w.global::<PinyinAdapter>().get_text().to_string())
        .unwrap_or_default()
}

/// Forget the field and the composing letters (leaving the field, the session wipe).
pub fn clear(kiosk: &Kiosk) {
    begin(kiosk, "", 0);
}

fn insert(kiosk: &Kiosk, piece: &str) {
    let max = STATE.with(|s| s.borrow().max_chars);
    kiosk.with_window(|w| {
        let a = w.global::<PinyinAdapter>();
        let mut text = a.get_text().to_string();
        for c in piece.chars() {
            if max > 0 && text.chars().count() >= max {
                break;
            }
            text.push(c);
        }
        a.set_text(text.into());
    });
}

/// Show the composing letters and the current page of candidates.
fn refresh(kiosk: &Kiosk) {
    let (preedit, candidates, has_more, has_previous) = STATE.with(|s| {
        let s = s.borrow();
        let page = s.composer.candidates(s.page, PER_PAGE);
        let texts: Vec<slint::SharedString> =
            page.candidates.iter().map(|c| c.text.into()).collect();
        (
            s.composer.preedit().to_string(),
            texts,
            page.has_more,
            page.has_previous,
        )
    });
    kiosk.with_window(|w| {
        let a = w.global::<PinyinAdapter>();
        a.set_preedit(preedit.into());
        a.set_candidates(ModelRc::new(VecModel::from(candidates)));
        a.set_has_more(has_more);
        a.set_has_previous(has_previous);
    });
}
