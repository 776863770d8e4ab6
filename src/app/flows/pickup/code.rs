//! The pickup code: six digits on a keypad, checked against the waiting documents' salted hashes in the kiosk's
//! store (no network). A wrong code is counted and reported to the platform; too many within the window lock the
//! keypad for a while (the ID card still works), so guessing a 6-digit code is not practical.

use chrono::{DateTime, Utc};
use slint::ComponentHandle;

use super::{with_session, Method, CODE};
use crate::app::Kiosk;
use crate::store::pickups::{CodeMatch, LockoutPolicy, PickupState};
use crate::ui::PickupAdapter;

pub(super) fn wire(kiosk: &Kiosk, a: &PickupAdapter) {
    let k = kiosk.clone();
    a.on_key(move |key| {
        if locked(&k).is_some() {
            return;
        }
        let code = with_session(|s| {
            if s.code.len() < sanban_wire::PICKUP_CODE_DIGITS
                && key.chars().all(|c| c.is_ascii_digit())
            {
                s.code.push_str(&key);
            }
            s.code.clone()
        });
        show(&k, &code, "");
    });
    let k = kiosk.clone();
    a.on_erase(move || {
        let code = with_session(|s| {
            s.code.pop();
            s.code.clone()
        });
        show(&k, &code, "");
    });
    let k = kiosk.clone();
    a.on_clear(move || {
        with_session(|s| s.code.clear());
        show(&k, "", "");
    });
    let k = kiosk.clone();
    a.on_submit_code(move || submit(&k));
}

/// "输入取件码".
pub(super) fn start(kiosk: &Kiosk) {
    with_session(|s| {
        s.code.clear();
        s.method = Method::Code;
    });
    refresh_lock(kiosk);
    show(
        kiosk,
        "",
        if locked(kiosk).is_some() {
            "locked"
        } else {
            ""
        },
    );
    kiosk.go(CODE);
}

fn show(kiosk: &Kiosk, code: &str, error: &str) {
    kiosk.with_window(|w| {
        let a = w.global::<PickupAdapter>();
        a.set_code(code.into());
        a.set_code_error(error.into());
    });
}

fn policy(kiosk: &Kiosk) -> LockoutPolicy {
    let p = &kiosk.services().config.pickup;
    LockoutPolicy {
        limit: p.wrong_code_limit,
        window: chrono::Duration::minutes(p.wrong_code_window_minutes.into()),
        lockout: chrono::Duration::minutes(p.lockout_minutes.into()),
    }
}

/// Until when the keypad is locked, if it is.
fn locked(kiosk: &Kiosk) -> Option<DateTime<Utc>> {
    let services = kiosk.services();
    let now = services.clock.now();
    services.store().code_lockout(now).ok().flatten()
}

/// Show whether the keypad is locked (the start page and the code page say so).
pub(super) fn refresh_lock(kiosk: &Kiosk) {
    let until = locked(kiosk);
    let tz = kiosk.services().tz;
    kiosk.with_window(|w| {
        let a = w.global::<PickupAdapter>();
        a.set_locked(until.is_some());
        a.set_locked_until(
            until
                .map(|u| u.with_timezone(&tz).format("%H:%M").to_string())
                .unwrap_or_default()
                .into(),
        );
    });
}

fn submit(kiosk: &Kiosk) {
    refresh_lock(kiosk);
    if locked(kiosk).is_some() {
        show(kiosk, "", "locked");
        return;
    }
    let code = with_session(|s| s.code.clone());
    if !sanban_wire::is_pickup_code(&code) {
        show(kiosk, &code, "short");
        return;
    }
    let found = kiosk.services().store().pickup_by_code(&code);
    match found {
        Ok(CodeMatch::Waiting(doc)) => {
            with_session(|s| s.code.clear());
            show(kiosk, "", "");
            kiosk.with_window(|w| w.global::<PickupAdapter>().set_method("code".into()));
            // A document that may be posted offers the choice; any other opens at once (SCENARIOS.md: 确定 → door).
            if doc.postable {
                super::show_document(kiosk, doc);
            } else {
                with_session(|s| s.chosen = Some(doc.clone()));
                kiosk.with_window(|w| {
                    w.global::<PickupAdapter>()
                        .set_document(super::item_of(kiosk, &doc))
                });
                super::door::open(kiosk, doc);
            }
        }
        Ok(CodeMatch::Settled(doc)) => {
            // A right code for a document no longer here: not a guess, not counted.
            with_session(|s| s.code.clear());
            let why = match doc.state {
                PickupState::Collected => "collected",
                PickupState::Posted => "posted",
                _ => "held",
            };
            show(kiosk, "", why);
        }
        Ok(CodeMatch::Unknown) => wrong(kiosk),
        Err(e) => {
            tracing::error!("pickup codes unreadable: {e}");
            show(kiosk, "", "failed");
        }
    }
}

/// A wrong code: counted with its event; the keypad locks when it is one too many.
fn wrong(kiosk: &Kiosk) {
    with_session(|s| s.code.clear());
    let services = kiosk.services();
    let policy = policy(kiosk);
    let counted = services
        .store()
        .reject_pickup_code(policy, services.clock.now(), services.tz);
    services.poke_sync();
    match counted {
        Ok(f) if f.locked_until.is_some() => {
            tracing::warn!(
                failures = f.in_window,
                "pickup keypad locked after wrong codes"
            );
            refresh_lock(kiosk);
            show(kiosk, "", "locked");
        }
        Ok(f) => {
            tracing::info!(failures = f.in_window, "wrong pickup code");
            kiosk.with_window(|w| {
                w.global::<PickupAdapter>()
                    .set_tries_left(policy.limit.saturating_sub(f.in_window) as i32)
            });
            show(kiosk, "", "wrong");
        }
        Err(e) => {
            tracing::error!("wrong pickup code not recorded: {e}");
            show(kiosk, "", "failed");
        }
    }
}
