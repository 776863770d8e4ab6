//! What the UI controllers work with: configuration, clock, the store and the devices.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono_tz::Tz;

use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::devices::{DeviceManager, HealthListener};
use crate::store::{NumberSource, Store};
use crate::sync::SyncHandle;

/// Measurements the benchmarks and the tour read.
#[derive(Debug, Default, Clone)]
pub struct Metrics {
    /// From the tap's callback to the last receipt byte written to the printer port.
    pub tap_to_last_byte: Vec<Duration>,
}

pub struct Services {
    pub config: Config,
    pub tz: Tz,
    pub clock: Arc<dyn Clock>,
    pub store: Arc<Mutex<Store>>,
    pub devices: DeviceManager,
    pub metrics: Arc<Mutex<Metrics>>,
    /// The sync agent, when a platform is configured.
    pub sync: Option<SyncHandle>,
    /// Acceptance runs (the tour): slips are marked as tests so nobody queues with them.
    pub test_mode: bool,
}

impl Services {
    /// Open the database in the data directory and start the devices.
    pub fn start(config: Config, listener: Option<HealthListener>) -> anyhow::Result<Services> {
        let tz = config.time_zone()?;
        let store = Store::open(&config.database_path()).map_err(|e| {
            anyhow::anyhow!(
                "cannot open database {}: {e}",
                config.database_path().display()
            )
        })?;
        match store.fail_interrupted_print_jobs(chrono::Utc::now()) {
            Ok(0) => {}
            Ok(n) => tracing::warn!(
                "{n} receipt(s) were not printed before the last shutdown; see `outbox status`"
            ),
            Err(e) => tracing::error!("cannot check for interrupted print jobs: {e}"),
        }
        let devices = DeviceManager::start(&config.devices, tz, listener);
        let sync = crate::sync::start_background(&config, Some(devices.health.clone()))?;
        Ok(Services {
            test_mode: false,
            sync,
            tz,
            clock: Arc::new(SystemClock),
            store: Arc::new(Mutex::new(store)),
            devices,
            metrics: Arc::default(),
            config,
        })
    }

    /// Where queue numbers come from: the kiosk's own counter when it has no platform, leases otherwise.
    pub fn number_source(&self) -> NumberSource {
        if self.config.platform.url.is_some() {
            NumberSource::Leased {
                offline_prefix: self.config.kiosk.id.clone(),
            }
        } else {
            NumberSource::Local
        }
    }

    pub fn waiting_window(&self) -> chrono::Duration {
        chrono::Duration::minutes(self.config.queue.waiting_window_minutes as i64)
    }

    pub fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }
}
