//! Clock and device lights in the header and status bar, refreshed every second; home tiles follow the devices.

use std::time::Duration;

use sanban_wire::DeviceState;
use slint::ComponentHandle;

use super::Kiosk;
use crate::devices::DeviceKind;
use crate::ui::{KioskAdapter, Light, NetState};

pub(super) fn start(kiosk: &Kiosk) -> slint::Timer {
    refresh(kiosk);
    let timer = slint::Timer::default();
    let k = kiosk.downgrade();
    timer.start(
        slint::TimerMode::Repeated,
        Duration::from_secs(1),
        move || {
            if let Some(k) = k.upgrade() {
                refresh(&k);
            }
        },
    );
    timer
}

fn refresh(kiosk: &Kiosk) {
    let Some(window) = kiosk.window() else { return };
    let services = kiosk.services();
    let adapter = window.global::<KioskAdapter>();
    let now = services.clock.now().with_timezone(&services.tz);
    adapter.set_clock(now.format("%H:%M").to_string().into());
    adapter.set_date(now.format("%Y-%m-%d").to_string().into());
    let health = &services.devices.health;
    adapter.set_printer(light(health.get(DeviceKind::Printer).state));
    adapter.set_idcard(light(health.get(DeviceKind::IdCard).state));
    adapter.set_locker(light(health.get(DeviceKind::Locker).state));
    match &services.sync {
        None => adapter.set_network(NetState::Standalone),
        Some(sync) => {
            let status = sync
                .status
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone();
            adapter.set_network(if status.online {
                NetState::Online
            } else {
                NetState::Offline
            });
            adapter.set_backlog(status.backlog.min(i32::MAX as u64) as i32);
        }
    }
    super::flows::home::refresh_tiles(kiosk);
}

pub(crate) fn light(state: DeviceState) -> Light {
    match state {
        DeviceState::Ok => Light::Ok,
        DeviceState::Warning => Light::Warning,
        DeviceState::Fault => Light::Fault,
        DeviceState::Absent => Light::Absent,
    }
}

/// Whether a device can serve a citizen now.
pub(crate) fn usable(state: DeviceState) -> bool {
    matches!(state, DeviceState::Ok | DeviceState::Warning)
}
