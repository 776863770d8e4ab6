//! 设置: idle time, countdown, the language and large type a session starts in, each within the bounds of
//! `crate::maintenance::settings`, beside the config file's default. A change is stored with its audited
//! `maintenance.action` (target: the setting's name, result: the new value) in one transaction, and the kiosk
//! uses it from the next citizen session (the idle times from the next second); 恢复默认 forgets the change.

use sanban_wire::{MaintenanceAction, MaintenanceActionKind};
use slint::ComponentHandle;

use super::pages::{open, set_result};
use super::{t, technician, SETTINGS};
use crate::app::Kiosk;
use crate::maintenance::settings::{Key, Settings, COUNTDOWN_RANGE, IDLE_RANGE};
use crate::ui::{AppWindow, MaintenanceAdapter};

/// Seconds one − / + moves.
const IDLE_STEP: u32 = 10;
const COUNTDOWN_STEP: u32 = 5;

pub(super) fn wire(kiosk: &Kiosk, w: &AppWindow) {
    let adapter = w.global::<MaintenanceAdapter>();
    let k = kiosk.clone();
    adapter.on_step_setting(move |key, direction| {
        if let Some(key) = Key::parse(&key) {
            step(&k, key, direction);
        }
    });
    let k = kiosk.clone();
    adapter.on_set_setting(move |key, value| {
        if let Some(key) = Key::parse(&key) {
            change(&k, key, value.to_string());
        }
    });
    let k = kiosk.clone();
    adapter.on_reset_setting(move |key| {
        if let Some(key) = Key::parse(&key) {
            reset(&k, key);
        }
    });
}

pub(super) fn open_settings(kiosk: &Kiosk) {
    open(kiosk, SETTINGS);
    show(kiosk);
}

/// The settings in effect and the config file's defaults.
fn show(kiosk: &Kiosk) {
    let services = kiosk.services();
    let now = services.settings();
    let default = Settings::from_config(&services.config);
    kiosk.with_window(|w| {
        let a = w.global::<MaintenanceAdapter>();
        a.set_idle_seconds(now.idle_seconds as i32);
        a.set_idle_default(default.idle_seconds as i32);
        a.set_countdown_seconds(now.countdown_seconds as i32);
        a.set_countdown_default(default.countdown_seconds as i32);
        a.set_language(now.default_language.code().into());
        a.set_language_default(default.default_language.code().into());
        a.set_large_default_on(now.large_type);
        a.set_large_default_config(default.large_type);
    });
}

/// `value` moved one step up or down, kept within `(lo, hi)`.
fn stepped(value: u32, step: u32, up: bool, (lo, hi): (u32, u32)) -> u32 {
    let moved = if up {
        value.saturating_add(step)
    } else {
        value.saturating_sub(step)
    };
    moved.clamp(lo, hi)
}

/// − / + on a number of seconds.
fn step(kiosk: &Kiosk, key: Key, direction: i32) {
    let now = kiosk.services().settings();
    let up = direction > 0;
    let value = match key {
        Key::IdleSeconds => stepped(now.idle_seconds, IDLE_STEP, up, IDLE_RANGE),
        Key::CountdownSeconds => {
            stepped(now.countdown_seconds, COUNTDOWN_STEP, up, COUNTDOWN_RANGE)
        }
        Key::DefaultLanguage | Key::LargeType => return,
    };
    change(kiosk, key, value.to_string());
}

fn action(technician: String, key: Key, result: String) -> MaintenanceAction {
    MaintenanceAction {
        technician,
        action: MaintenanceActionKind::ChangeSetting,
        target: Some(key.name().into()),
        result: Some(result),
    }
}

/// Store `value` for `key` with its audit event, then use it.
fn change(kiosk: &Kiosk, key: Key, value: String) {
    let Some(who) = technician() else { return };
    let services = kiosk.services();
    let current = services.settings();
    let mut next = current;
    if let Err(e) = next.set(key, &value) {
        set_result(kiosk, e.to_string(), "fault");
        return;
    }
    if next == current {
        // At a bound already, or the choice already made: nothing to record.
        set_result(kiosk, t(kiosk, "没有变化", "No change"), "info");
        return;
    }
    let stored = services.store().change_setting(
        services.clock.now(),
        services.tz,
        key.name(),
        &value,
        action(who, key, value.clone()),
    );
    saved(kiosk, stored.map(|()| next));
}

/// 恢复默认: forget the technician's change; the config file's value applies again.
fn reset(kiosk: &Kiosk, key: Key) {
    let Some(who) = technician() else { return };
    let services = kiosk.services();
    let default = Settings::from_config(&services.config).value(key);
    let outcome = {
        let mut store = services.store();
        store
            .reset_setting(
                services.clock.now(),
                services.tz,
                key.name(),
                action(who, key, format!("{default} (default)")),
            )
            .and_then(|()| store.stored_settings())
            .map(|stored| Settings::effective(&services.config, &stored))
    };
    saved(kiosk, outcome);
}

fn saved(kiosk: &Kiosk, outcome: crate::store::Result<Settings>) {
    let services = kiosk.services();
    match outcome {
        Ok(settings) => {
            services.set_settings(settings);
            services.poke_sync();
            tracing::info!("session settings changed by a technician");
            set_result(
                kiosk,
                t(
                    kiosk,
                    "已保存，从下一位办事群众开始生效",
                    "Saved: applies from the next citizen",
                ),
                "ok",
            );
        }
        Err(e) => {
            tracing::error!("setting not saved: {e}");
            set_result(
                kiosk,
                format!("{}: {e}", t(kiosk, "未保存", "Not saved")),
                "fault",
            );
        }
    }
    show(kiosk);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_stays_within_the_bounds() {
        assert_eq!(stepped(60, 10, true, IDLE_RANGE), 70);
        assert_eq!(stepped(600, 10, true, IDLE_RANGE), 600);
        assert_eq!(stepped(25, 10, false, IDLE_RANGE), 20);
        // A config value below the bounds comes back within them.
        assert_eq!(stepped(15, 10, false, IDLE_RANGE), 20);
        assert_eq!(stepped(3, 5, true, COUNTDOWN_RANGE), 8);
        assert_eq!(stepped(0, 5, false, COUNTDOWN_RANGE), 5);
    }
}
