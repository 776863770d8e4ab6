//! What the UI controllers work with: configuration, clock, the store, the devices, the printing service, the
//! shared tokio runtime with the sync agent and the gateway to the platform.

use std::sync::{Arc, Mutex, RwLock};

use chrono_tz::Tz;

use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::devices::{CitizenKey, DeviceManager, HealthListener};
use crate::maintenance::Settings;
use crate::printing::PrintService;
use crate::store::{NumberSource, Store};
use crate::sync::{Gateway, SharedSyncStatus, SyncHandle};

pub use crate::printing::Metrics;

pub struct Services {
    pub config: Config,
    pub tz: Tz,
    pub clock: Arc<dyn Clock>,
    pub store: Arc<Mutex<Store>>,
    pub devices: DeviceManager,
    pub printing: PrintService,
    pub metrics: Arc<Mutex<Metrics>>,
    /// The kiosk's one tokio runtime (sync agent, online calls).
    pub runtime: tokio::runtime::Runtime,
    pub gateway: Gateway,
    /// The sync agent, when a platform is configured.
    pub sync: Option<SyncHandle>,
    pub sync_status: SharedSyncStatus,
    /// The key of `citizen_ref` (issued by the platform; a local one until it has).
    pub citizen_key: Arc<RwLock<CitizenKey>>,
    /// Seals personal data at rest (see `privacy`).
    pub data_key: Arc<crate::privacy::DataKey>,
    /// Acceptance runs (the tour): slips are marked as tests so nobody queues with them.
    pub test_mode: bool,
    /// The session settings in effect (the config file's, with technicians' changes over them); each citizen
    /// session starts with them.
    settings: RwLock<Settings>,
}

impl Services {
    /// Open the database in the data directory and start the devices, the runtime and the sync agent.
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
        let (data_key, key_origin) = crate::privacy::key::load(&config)?;
        let data_key = Arc::new(data_key);
        tracing::info!("personal data sealed with the {key_origin}");
        let mut store = store.with_data_key(data_key.clone());
        match store.purge_personal(chrono::Utc::now(), config.data.personal_retention()) {
            Ok(0) => {}
            Ok(n) => tracing::info!("erased the personal data of {n} acknowledged event(s)"),
            Err(e) => tracing::error!("cannot erase acknowledged personal data: {e}"),
        }
        match store.ensure_catalog() {
            Ok(true) => tracing::info!("built-in service catalog installed"),
            Ok(false) => {}
            Err(e) => tracing::error!("no service catalog: {e}"),
        }
        let citizen_key = Arc::new(RwLock::new(crate::keys::citizen_key(&config)?));
        let settings = match store.stored_settings() {
            Ok(stored) => Settings::effective(&config, &stored),
            Err(e) => {
                tracing::error!("technicians' settings not read, the config file's apply: {e}");
                Settings::from_config(&config)
            }
        };
        let store = Arc::new(Mutex::new(store));
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let metrics = Arc::<Mutex<Metrics>>::default();
        let devices = DeviceManager::start(&config.devices, tz, listener);
        let printing = PrintService::new(
            devices.printer.clone(),
            store.clone(),
            clock.clone(),
            metrics.clone(),
        );
        let runtime = crate::sync::runtime()?;
        let sync_status = SharedSyncStatus::default();
        let sync = crate::sync::start_background(
            &config,
            Some(devices.health.clone()),
            runtime.handle(),
            sync_status.clone(),
            citizen_key.clone(),
            data_key.clone(),
        )?;
        let gateway = Gateway::new(
            crate::sync::client(&config)?,
            runtime.handle().clone(),
            sync_status.clone(),
        );
        Ok(Services {
            test_mode: false,
            settings: RwLock::new(settings),
            sync,
            sync_status,
            gateway,
            runtime,
            tz,
            clock,
            store,
            devices,
            printing,
            metrics,
            citizen_key,
            data_key,
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

    pub fn citizen_key(&self) -> CitizenKey {
        self.citizen_key
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The session settings in effect.
    pub fn settings(&self) -> Settings {
        *self.settings.read().unwrap_or_else(|e| e.into_inner())
    }

    /// A technician changed the settings: the next session starts with these.
    pub fn set_settings(&self, settings: Settings) {
        *self.settings.write().unwrap_or_else(|e| e.into_inner()) = settings;
    }

    /// Tell the sync agent there is something new to send.
    pub fn poke_sync(&self) {
        if let Some(sync) = &self.sync {
            sync.poke();
        }
    }
}
