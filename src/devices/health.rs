//! Device health as the UI's status bar, the logs and the platform heartbeat see it.

use std::sync::{Arc, Mutex};

use sanban_wire::{DeviceHealth, DeviceState};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeviceKind {
    IdCard,
    Printer,
    Locker,
}

impl DeviceKind {
    pub fn name(self) -> &'static str {
        match self {
            DeviceKind::IdCard => "idcard",
            DeviceKind::Printer => "printer",
            DeviceKind::Locker => "locker",
        }
    }
}

/// Called on every change of a device's health (from the device's own thread).
pub type HealthListener = Arc<dyn Fn(DeviceKind, &DeviceHealth) + Send + Sync>;

/// The latest health of every device; cheap to clone and share.
#[derive(Clone)]
pub struct HealthBoard {
    inner: Arc<Mutex<Vec<(DeviceKind, DeviceHealth)>>>,
    listener: Option<HealthListener>,
}

impl HealthBoard {
    pub fn new(listener: Option<HealthListener>) -> HealthBoard {
        let absent = |k: DeviceKind| {
            (
                k,
                DeviceHealth {
                    device: k.name().into(),
                    state: DeviceState::Absent,
                    detail: "not configured".into(),
                },
            )
        };
        HealthBoard {
            inner: Arc::new(Mutex::new(vec![
                absent(DeviceKind::IdCard),
                absent(DeviceKind::Printer),
                absent(DeviceKind::Locker),
            ])),
            listener,
        }
    }

    /// Record a device's health; logs and notifies only when it changed.
    pub fn set(&self, kind: DeviceKind, state: DeviceState, detail: impl Into<String>) {
        let health = DeviceHealth {
            device: kind.name().into(),
            state,
            detail: detail.into(),
        };
        {
            let mut all = self.inner.lock().unwrap_or_else(|e| e.into_inner());
            let slot = all
                .iter_mut()
                .find(|(k, _)| *k == kind)
                .expect("every kind has a slot");
            if slot.1 == health {
                return;
            }
            slot.1 = health.clone();
        }
        match state {
            DeviceState::Ok => tracing::info!(device = kind.name(), "device ok: {}", health.detail),
            DeviceState::Warning => {
                tracing::warn!(device = kind.name(), "device warning: {}", health.detail)
            }
            DeviceState::Fault => {
                tracing::error!(device = kind.name(), "device fault: {}", health.detail)
            }
            DeviceState::Absent => {
                tracing::info!(device = kind.name(), "device absent: {}", health.detail)
            }
        }
        if let Some(listener) = &self.listener {
            listener(kind, &health);
        }
    }

    pub fn get(&self, kind: DeviceKind) -> DeviceHealth {
        let all = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        all.iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, h)| h.clone())
            .expect("every kind has a slot")
    }

    pub fn all(&self) -> Vec<DeviceHealth> {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|(_, h)| h.clone())
            .collect()
    }
}
