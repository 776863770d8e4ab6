//! 好差评: the step after every completed errand. "完成" on an errand's last page ([`Kiosk::done`]) leads here when
//! the flow called `complete_errand`: five levels, each a large button with its word; 不满意 and 非常不满意 ask why
//! (reasons, an optional text on the on-screen pinyin keyboard, an optional number to call back). One rating per errand —
//! the store refuses a second one and the citizen is told so politely; "跳过" leaves without rating. The record
//! carries the national rating fields (see `sanban_wire::RatingSubmitted`) and goes out through the outbox.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::time::Duration;

use sanban_wire::{
    LevelNumbering, RatingLevel, RatingSubmitted, BAD_RATING_REASONS,
    CHANNEL_SELF_SERVICE_TERMINAL, RATING_TEXT_MAX,
};
use slint::{ComponentHandle, ModelRc, VecModel};

use super::{Flow, PageSpec, Preview};
use crate::app::{pinyin, CompletedErrand, Kiosk};
use crate::store::StoreError;
use crate::ui::{AppWindow, RatingAdapter, ReasonItem};

pub const LEVELS: &str = "rating.levels";
pub const REASONS: &str = "rating.reasons";
pub const TEXT: &str = "rating.text";
pub const PHONE: &str = "rating.phone";
pub const THANKS: &str = "rating.thanks";
pub const REFUSED: &str = "rating.refused";

/// How long the thanks stay before the kiosk goes home by itself.
const THANKS_FOR: Duration = Duration::from_secs(8);
/// The longest call-back number (a landline with its area code and extension digits).
const PHONE_MAX: usize = 12;

/// The rating under way (UI thread only).
#[derive(Default)]
struct State {
    errand: Option<CompletedErrand>,
    level: Option<RatingLevel>,
    reasons: BTreeSet<String>,
    text: String,
    phone: String,
    home_after_thanks: Option<slint::Timer>,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
}

pub struct Rating;

impl Flow for Rating {
    fn name(&self) -> &'static str {
        "rating"
    }

    fn pages(&self) -> &'static [PageSpec] {
        const PAGES: [PageSpec; 6] = [
            PageSpec::new(LEVELS),
            PageSpec::new(REASONS),
            // Typing pages are left by "确定", which goes back: they are not returned to.
            PageSpec::passing(TEXT),
            PageSpec::passing(PHONE),
            PageSpec::new(THANKS),
            PageSpec::passing(REFUSED),
        ];
        &PAGES
    }

    fn wire(&self, kiosk: &Kiosk) {
        let Some(w) = kiosk.window() else { return };
        let a = w.global::<RatingAdapter>();
        let k = kiosk.clone();
        a.on_rate(move |name| {
            let Some(level) = RatingLevel::from_name(&name) else {
                return;
            };
            if level.is_bad() {
                STATE.with(|s| {
                    let mut s = s.borrow_mut();
                    s.level = Some(level);
                    s.reasons.clear();
                });
                show_reasons(&k);
                k.with_window(|w| w.global::<RatingAdapter>().set_level(name));
                k.go(REASONS);
            } else {
                STATE.with(|s| s.borrow_mut().level = Some(level));
                submit(&k);
            }
        });
        let k = kiosk.clone();
        a.on_toggle_reason(move |code| {
            STATE.with(|s| {
                let mut s = s.borrow_mut();
                if !s.reasons.remove(code.as_str()) {
                    s.reasons.insert(code.to_string());
                }
            });
            show_reasons(&k);
        });
        // The text is Chinese: typed on the pinyin keyboard (wiring it again replaces the same handlers).
        pinyin::wire(kiosk);
        let k = kiosk.clone();
        a.on_edit_text(move || {
            let text = STATE.with(|s| s.borrow().text.clone());
            pinyin::begin(&k, &text, RATING_TEXT_MAX);
            k.go(TEXT);
        });
        let k = kiosk.clone();
        a.on_edit_phone(move || k.go(PHONE));
        let k = kiosk.clone();
        a.on_phone_key(move |key| {
            edit(&k, |s| {
                if s.phone.len() < PHONE_MAX && key.chars().all(|c| c.is_ascii_digit()) {
                    s.phone.push_str(&key);
                }
            })
        });
        let k = kiosk.clone();
        a.on_phone_erase(move || {
            edit(&k, |s| {
                s.phone.pop();
            })
        });
        let k = kiosk.clone();
        a.on_phone_clear(move || edit(&k, |s| s.phone.clear()));
        let k = kiosk.clone();
        a.on_entered(move || {
            if k.page() == TEXT {
                let text = pinyin::text(&k);
                edit(&k, |s| s.text = text);
            }
            let phone = STATE.with(|s| s.borrow().phone.clone());
            let bad = k.page() == PHONE && !phone.is_empty() && !is_callback_number(&phone);
            k.with_window(|w| w.global::<RatingAdapter>().set_phone_invalid(bad));
            if !bad {
                k.back();
            }
        });
        let k = kiosk.clone();
        a.on_submit(move || submit(&k));
        let k = kiosk.clone();
        a.on_skip(move || {
            k.session().completed = None;
            k.home();
        });
    }

    /// The text typed (it may name people) does not stay in the keyboard once its page is left.
    fn leave(&self, kiosk: &Kiosk, page: &str) {
        if page == TEXT {
            pinyin::clear(kiosk);
        }
    }

    fn clear(&self, kiosk: &Kiosk, window: &AppWindow) {
        STATE.with(|s| *s.borrow_mut() = State::default());
        pinyin::clear(kiosk);
        let a = window.global::<RatingAdapter>();
        a.set_errand("".into());
        a.set_errand_id("".into());
        a.set_level("".into());
        a.set_reasons(ModelRc::default());
        a.set_text("".into());
        a.set_phone("".into());
        a.set_phone_invalid(false);
        a.set_failed(false);
        a.set_call_back(false);
        a.set_can_submit(false);
    }

    fn previews(&self) -> Vec<String> {
        vec![
            LEVELS.into(),
            REASONS.into(),
            TEXT.into(),
            format!("{PHONE}#invalid"),
            THANKS.into(),
            REFUSED.into(),
        ]
    }

    fn preview<'a>(&'a self, kiosk: &'a Kiosk, preview: &'a str) -> Preview<'a> {
        Box::pin(async move {
            let sample = CompletedErrand {
                errand: "ticket",
                id: "E012".into(),
                service: None,
            };
            load(kiosk, &sample);
            STATE.with(|s| s.borrow_mut().errand = Some(sample));
            let page = preview.split('#').next().unwrap_or(preview);
            if page != LEVELS && page != REFUSED {
                STATE.with(|s| {
                    let mut s = s.borrow_mut();
                    s.level = Some(RatingLevel::Dissatisfied);
                    s.reasons.insert("long_wait".into());
                    s.text = "等了太久".into();
                    s.phone = if page == PHONE {
                        "1381234".into()
                    } else {
                        "13812345678".into()
                    };
                });
                show_reasons(kiosk);
                kiosk.with_window(|w| {
                    let a = w.global::<RatingAdapter>();
                    a.set_level("dissatisfied".into());
                    a.set_text("等了太久".into());
                    a.set_phone(STATE.with(|s| s.borrow().phone.clone()).into());
                    a.set_phone_invalid(page == PHONE);
                    a.set_call_back(page == THANKS);
                });
            }
            if page == TEXT {
                pinyin::begin(kiosk, "等了太久", RATING_TEXT_MAX);
            }
            kiosk.go(page);
            Ok(())
        })
    }
}

/// "完成" after errand `errand`: its rating, or the polite refusal when it was rated already.
pub fn start(kiosk: &Kiosk, errand: CompletedErrand) {
    let rated = kiosk
        .services()
        .store()
        .is_rated(errand.errand, &errand.id)
        .unwrap_or(false);
    load(kiosk, &errand);
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        *s = State {
            errand: Some(errand),
            ..State::default()
        };
    });
    kiosk.go(if rated { REFUSED } else { LEVELS });
}

/// Show `errand` on the rating pages, with nothing chosen yet.
fn load(kiosk: &Kiosk, errand: &CompletedErrand) {
    kiosk.with_window(|w| {
        let a = w.global::<RatingAdapter>();
        a.set_errand(errand.errand.into());
        a.set_errand_id(errand.id.clone().into());
        a.set_text("".into());
        a.set_phone("".into());
        a.set_phone_invalid(false);
        a.set_failed(false);
        a.set_call_back(false);
    });
}

fn show_reasons(kiosk: &Kiosk) {
    let chosen = STATE.with(|s| s.borrow().reasons.clone());
    let items: Vec<ReasonItem> = BAD_RATING_REASONS
        .iter()
        .map(|(code, ..)| ReasonItem {
            code: (*code).into(),
            chosen: chosen.contains(*code),
        })
        .collect();
    kiosk.with_window(|w| {
        let a = w.global::<RatingAdapter>();
        a.set_reasons(ModelRc::new(VecModel::from(items)));
        a.set_can_submit(!chosen.is_empty());
    });
}

/// Change the text or the number being typed, and show it.
fn edit(kiosk: &Kiosk, f: impl FnOnce(&mut State)) {
    let (text, phone) = STATE.with(|s| {
        let mut s = s.borrow_mut();
        f(&mut s);
        (s.text.clone(), s.phone.clone())
    });
    kiosk.with_window(|w| {
        let a = w.global::<RatingAdapter>();
        a.set_text(text.into());
        a.set_phone(phone.into());
        a.set_phone_invalid(false);
    });
}

/// A number the hall can call back: a mobile (11 digits from 1) or a landline with its area code (from 0).
pub fn is_callback_number(n: &str) -> bool {
    n.bytes().all(|b| b.is_ascii_digit())
        && ((n.len() == 11
            && n.starts_with('1')
            && !n.starts_with("10")
            && !n.starts_with("11")
            && !n.starts_with("12"))
            || (n.starts_with('0') && (10..=12).contains(&n.len())))
}

/// The national record of this rating (only a bad rating carries reasons, text and a call-back number).
fn record(state: &State, errand: &CompletedErrand, level: RatingLevel) -> RatingSubmitted {
    let bad = level.is_bad();
    let text = state.text.trim();
    RatingSubmitted {
        rating_id: uuid::Uuid::now_v7(),
        errand: errand.errand.into(),
        errand_id: errand.id.clone(),
        service: errand.service.clone(),
        channel: CHANNEL_SELF_SERVICE_TERMINAL.into(),
        level,
        level_code: level.code_in(LevelNumbering::FiveIsBest),
        reasons: if bad {
            // In the list's order, whatever order they were ticked in.
            BAD_RATING_REASONS
                .iter()
                .filter(|(c, ..)| state.reasons.contains(*c))
                .map(|(c, ..)| c.to_string())
                .collect()
        } else {
            Vec::new()
        },
        text: (bad && !text.is_empty()).then(|| text.to_string()),
        callback_phone: (bad && is_callback_number(&state.phone)).then(|| state.phone.clone()),
        times_rated: 1,
    }
}

fn submit(kiosk: &Kiosk) {
    let Some((rating, call_back)) = STATE.with(|s| {
        let s = s.borrow();
        let errand = s.errand.clone()?;
        let level = s.level?;
        let r = record(&s, &errand, level);
        let call_back = r.callback_phone.is_some();
        Some((r, call_back))
    }) else {
        kiosk.home();
        return;
    };
    let errand = (rating.errand.clone(), rating.errand_id.clone());
    let services = kiosk.services();
    let stored = services
        .store()
        .rate(rating, services.clock.now(), services.tz);
    match stored {
        Ok(seq) => {
            tracing::info!(errand = %errand.0, seq, "rating recorded");
            services.poke_sync();
            {
                let mut session = kiosk.session();
                if session
                    .completed
                    .as_ref()
                    .is_some_and(|c| c.errand == errand.0 && c.id == errand.1)
                {
                    session.completed = None;
                }
            }
            kiosk.with_window(|w| {
                let a = w.global::<RatingAdapter>();
                a.set_failed(false);
                a.set_call_back(call_back);
            });
            kiosk.go(THANKS);
            go_home_later(kiosk);
        }
        Err(StoreError::AlreadyDone(_)) => {
            kiosk.session().completed = None;
            kiosk.go(REFUSED);
        }
        Err(e) => {
            tracing::error!(errand = %errand.0, "rating not recorded: {e}");
            kiosk.with_window(|w| w.global::<RatingAdapter>().set_failed(true));
        }
    }
}

/// The thanks stay a few seconds, then the kiosk is ready for the next citizen.
fn go_home_later(kiosk: &Kiosk) {
    let k = kiosk.downgrade();
    let generation = kiosk.generation();
    let timer = slint::Timer::default();
    timer.start(slint::TimerMode::SingleShot, THANKS_FOR, move || {
        let Some(kiosk) = k.upgrade() else { return };
        if kiosk.generation() == generation && kiosk.page() == THANKS {
            kiosk.home();
        }
    });
    STATE.with(|s| s.borrow_mut().home_after_thanks = Some(timer));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_back_numbers_are_mobiles_or_landlines_with_area_code() {
        assert!(is_callback_number("13812345678"));
        assert!(is_callback_number("02784851234"));
        assert!(!is_callback_number("1381234567"), "10 digits");
        assert!(
            !is_callback_number("12345678901"),
            "no mobile starts with 12"
        );
        assert!(!is_callback_number("84851234"), "no area code");
        assert!(!is_callback_number("1381234567x"));
    }

    #[test]
    fn only_a_bad_rating_carries_reasons_text_and_a_number() {
        let errand = CompletedErrand {
            errand: "ticket",
            id: "E001".into(),
            service: None,
        };
        let mut state = State::default();
        state.reasons.insert("device_fault".into());
        state.reasons.insert("long_wait".into());
        state.text = " tai man ".into();
        state.phone = "13812345678".into();
        let bad = record(&state, &errand, RatingLevel::VeryDissatisfied);
        assert_eq!(
            bad.reasons,
            vec!["long_wait", "device_fault"],
            "in the list's order"
        );
        assert_eq!(bad.text.as_deref(), Some("tai man"));
        assert_eq!(bad.callback_phone.as_deref(), Some("13812345678"));
        assert_eq!(bad.level_code, 1);
        assert_eq!(bad.channel, "self_service_terminal");
        assert_eq!(bad.times_rated, 1);
        let good = record(&state, &errand, RatingLevel::Satisfied);
        assert!(good.reasons.is_empty() && good.text.is_none() && good.callback_phone.is_none());
        assert_eq!(good.level_code, 4);
        assert!(
            !format!("{bad:?}").contains("13812345678"),
            "Debug hides the number"
        );
    }
}
