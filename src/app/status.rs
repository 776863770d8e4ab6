//! Clock and device lights in the header and status bar.

use std::rc::Rc;
use std::time::Duration;

use sanban_wire::DeviceState;
use slint::ComponentHandle;

use super::Services;
use crate::devices::DeviceKind;
use crate::ui::{AppWindow, KioskAdapter, Light, NetState};

pub(super) fn start(window: &AppWindow, services: &Rc<Services>) -> Vec<slint::Timer> {
    refresh(window, services);
    let timer = slint::Timer::default();
    let weak = window.as_weak();
    let services = services.clone();
    timer.start(
        slint::TimerMode::Repeated,
        Duration::from_secs(1),
        move || {
            if let Some(w) = weak.upgrade() {
                refresh(&w, &services);
            }
        },
    );
    vec![timer]
}

fn refresh(window: &AppWindow, services: &Services) {
    let kiosk = window.global::<KioskAdapter>();
    let now = services.clock.now().with_timezone(&services.tz);
    kiosk.set_clock(now.format("%H:%M").to_string().into());
    kiosk.set_date(now.format("%Y-%m-%d").to_string().into());
    let health = &services.devices.health;
    kiosk.set_printer(light(health.get(DeviceKind::Printer).state));
    let reader = health.get(DeviceKind::IdCard).state;
    kiosk.set_idcard(light(reader));
    // Offer the priority lane only while a reader is there to serve it.
    window
        .global::<crate::ui::TicketAdapter>()
        .set_priority_available(matches!(reader, DeviceState::Ok | DeviceState::Warning));
    match &services.sync {
        None => kiosk.set_network(NetState::Standalone),
        Some(sync) => {
            let status = sync
                .status
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone();
            kiosk.set_network(if status.online {
                NetState::Online
            } else {
                NetState::Offline
            });
            kiosk.set_backlog(status.backlog.min(i32::MAX as u64) as i32);
        }
    }
}

pub(crate) fn light(state: DeviceState) -> Light {
    match state {
        DeviceState::Ok => Light::Ok,
        DeviceState::Warning => Light::Warning,
        DeviceState::Fault => Light::Fault,
        DeviceState::Absent => Light::Absent,
    }
}
