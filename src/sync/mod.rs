//! The sync agent: drains the outbox to the central platform, keeps queue-number leases topped up, pulls the
//! catalog and the pickups, and sends heartbeats. It runs on the tokio side and never on the UI thread; all its
//! state is in SQLite, so it resumes after a restart exactly where it stopped.

mod client;
mod drain;
pub mod gateway;
mod lease_request;

use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use client::{PlatformClient, SyncError};
pub use drain::{drain_once, DrainReport};
pub use gateway::{Answer, Gateway};
pub use lease_request::LeaseRequestIds;

use crate::clock::business_day;
use crate::devices::HealthBoard;
use crate::store::Store;

/// What the status bar shows about the platform connection.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SyncStatus {
    pub online: bool,
    pub backlog: u64,
    pub last_error: Option<String>,
}

pub type SharedSyncStatus = Arc<Mutex<SyncStatus>>;

/// Knobs of the agent; the defaults suit a kiosk, tests shorten them.
#[derive(Debug, Clone)]
pub struct AgentTiming {
    pub batch_size: usize,
    pub idle_poll: Duration,
    pub backoff_min: Duration,
    pub backoff_max: Duration,
    pub heartbeat_every: Duration,
    pub catalog_every: Duration,
    /// How often the documents waiting in the lockers are fetched (`[pickup] refresh_seconds`).
    pub pickups_every: Duration,
    pub lease_block: u32,
    pub lease_low_water: u32,
    /// Wait after a refusal that retrying cannot fix (4xx other than a lost reply).
    pub refused_retry: Duration,
}

impl Default for AgentTiming {
    fn default() -> Self {
        Self {
            batch_size: 500,
            idle_poll: Duration::from_secs(2),
            backoff_min: Duration::from_millis(500),
            backoff_max: Duration::from_secs(5),
            heartbeat_every: Duration::from_secs(30),
            catalog_every: Duration::from_secs(300),
            pickups_every: Duration::from_secs(30),
            lease_block: 50,
            lease_low_water: 10,
            refused_retry: Duration::from_secs(60),
        }
    }
}

/// The running agent's inputs.
pub struct Agent {
    pub client: PlatformClient,
    pub store: Store,
    pub tz: chrono_tz::Tz,
    pub health: Option<HealthBoard>,
    pub status: SharedSyncStatus,
    pub timing: AgentTiming,
    /// Poked by the app after each new event so it leaves promptly.
    pub wake: Arc<tokio::sync::Notify>,
    /// The key of `citizen_ref`, replaced by the platform's once it has issued one.
    pub citizen_key: Arc<std::sync::RwLock<crate::devices::CitizenKey>>,
    pub config: crate::config::Config,
    /// When personal data was last erased (at most once a minute).
    pub last_purge: Option<tokio::time::Instant>,
    /// The id of the lease request not yet settled, sent again on retry.
    pub lease_ids: LeaseRequestIds,
}

impl Agent {
    /// Run forever: drain, then wait for a wake-up or the idle poll; on a retryable failure back off with full
    /// jitter (capped), and go again at once after the first success.
    pub async fn run(mut self) {
        let mut backoff = self.retry_backoff();
        let mut last_heartbeat = None::<tokio::time::Instant>;
        let mut last_catalog = None::<tokio::time::Instant>;
        let mut last_pickups = None::<tokio::time::Instant>;
        loop {
            let now = tokio::time::Instant::now();
            let result = self
                .cycle(Due {
                    heartbeat: last_heartbeat
                        .is_none_or(|t| now - t >= self.timing.heartbeat_every),
                    catalog: last_catalog.is_none_or(|t| now - t >= self.timing.catalog_every),
                    pickups: last_pickups.is_none_or(|t| now - t >= self.timing.pickups_every),
                })
                .await;
            match result {
                Ok(cycle) => {
                    if cycle.heartbeat_sent {
                        last_heartbeat = Some(now);
                    }
                    if cycle.catalog_checked {
                        last_catalog = Some(now);
                    }
                    if cycle.pickups_fetched {
                        last_pickups = Some(now);
                    }
                    backoff = self.retry_backoff();
                    if cycle.more_pending {
                        continue; // a full batch went out: the next one at once
                    }
                    let _ = tokio::time::timeout(self.timing.idle_poll, self.wake.notified()).await;
                }
                Err(e) => {
                    self.set_status(false, Some(e.to_string()));
                    // A refusal (bad batch, auth, sequence conflict) will not heal by retrying soon: a technician
                    // must look (`outbox status` shows the cause); try again only now and then.
                    let sleep = if e.is_retryable() {
                        backoff.next().unwrap_or(self.timing.backoff_max)
                    } else {
                        self.timing.refused_retry
                    };
                    tracing::warn!("sync: {e}; retrying in {:.1} s", sleep.as_secs_f64());
                    let _ = tokio::time::timeout(sleep, self.wake.notified()).await;
                }
            }
        }
    }

    /// Exponential backoff with jitter, capped, so a fleet of kiosks does not retry in lockstep; a fresh one after
    /// each success.
    fn retry_backoff(&self) -> impl Iterator<Item = Duration> {
        use backon::BackoffBuilder;
        backon::ExponentialBuilder::default()
            .with_min_delay(self.timing.backoff_min)
            .with_max_delay(self.timing.backoff_max)
            .with_jitter()
            .without_max_times()
            .build()
    }

    /// One pass: the drain decides success; leases, catalog and heartbeat failing only log, so a backlog keeps
    /// draining at full speed.
    async fn cycle(&mut self, due: Due) -> Result<Cycle, SyncError> {
        let Due {
            heartbeat,
            catalog,
            pickups,
        } = due;
        let report = drain_once(&self.client, &mut self.store, self.timing.batch_size).await?;
        let mut cycle = Cycle {
            more_pending: report.more_pending,
            ..Cycle::default()
        };
        if crate::keys::citizen_key_source(&self.config) != Some(crate::keys::KeySource::Platform) {
            if let Err(e) = self.fetch_citizen_key().await {
                tracing::warn!("sync: citizen key not fetched: {e}");
            }
        }
        if let Err(e) = self.top_up_leases().await {
            tracing::warn!("sync: lease top-up failed: {e}");
        }
        if catalog {
            match self.pull_catalog().await {
                Ok(()) => cycle.catalog_checked = true,
                Err(e) => tracing::warn!("sync: catalog pull failed: {e}"),
            }
        }
        self.purge_acknowledged();
        // After the drain: the platform has applied this kiosk's own pickups before it lists what still waits.
        if pickups && self.config.devices.locker != "none" {
            match self.pull_pickups().await {
                Ok(()) => cycle.pickups_fetched = true,
                Err(e) => tracing::warn!("sync: pickups not fetched: {e}"),
            }
        }
        if heartbeat {
            match self.heartbeat().await {
                Ok(()) => cycle.heartbeat_sent = true,
                Err(e) => tracing::warn!("sync: heartbeat failed: {e}"),
            }
        }
        self.set_status(true, None);
        Ok(cycle)
    }

    fn set_status(&self, online: bool, error: Option<String>) {
        // Query first: the UI thread reads this status every second and must never wait on SQLite.
        let backlog = self.store.outbox_summary().ok().map(|s| s.pending);
        let mut s = self.status.lock().unwrap_or_else(|e| e.into_inner());
        s.online = online;
        s.last_error = error;
        if let Some(backlog) = backlog {
            s.backlog = backlog;
        }
    }

    /// Erase the personal data the platform acknowledged more than the retention ago (a cheap indexed query, run
    /// at most once a minute, and after every drain when the retention is zero).
    fn purge_acknowledged(&mut self) {
        let retention = self.config.data.personal_retention();
        let due = retention.is_zero()
            || self
                .last_purge
                .is_none_or(|t| t.elapsed() >= Duration::from_secs(60));
        if !due {
            return;
        }
        self.last_purge = Some(tokio::time::Instant::now());
        match self.store.purge_personal(chrono::Utc::now(), retention) {
            Ok(0) => {}
            Ok(n) => tracing::info!("erased the personal data of {n} acknowledged event(s)"),
            Err(e) => tracing::error!("cannot erase acknowledged personal data: {e}"),
        }
    }

    /// The hall's key of `citizen_ref`, so references match across the hall's kiosks.
    async fn fetch_citizen_key(&mut self) -> Result<(), SyncError> {
        let reply = self.client.citizen_key().await?;
        let key = crate::devices::CitizenKey::from_hex(&reply.key)
            .ok_or_else(|| SyncError::Protocol("the citizen key is not 32 bytes of hex".into()))?;
        crate::keys::store_platform_key(&self.config, &key)
            .map_err(|e| SyncError::Store(e.to_string()))?;
        *self.citizen_key.write().unwrap_or_else(|e| e.into_inner()) = key;
        tracing::info!("citizen key issued by the platform");
        Ok(())
    }

    /// Keep at least `lease_low_water` leased numbers per category for today.
    async fn top_up_leases(&mut self) -> Result<(), SyncError> {
        let day = business_day(chrono::Utc::now(), self.tz).to_string();
        let mut short = Vec::new();
        for (code, ..) in sanban_wire::WINDOW_CATEGORIES {
            let left = self
                .store
                .lease_remaining(code, &day)
                .map_err(SyncError::store)?;
            if left < self.timing.lease_low_water {
                short.push(code.to_string());
            }
        }
        if short.is_empty() {
            return Ok(());
        }
        let ask = self.lease_ids.stamp(sanban_wire::LeaseRequest {
            business_day: day,
            categories: short,
            block_size: self.timing.lease_block,
            request_id: None,
        });
        let reply = match self.client.lease(&ask).await {
            Ok(reply) => reply,
            // Lost or failed: the same request goes again with the same id (the platform replays its reply).
            Err(e) if e.is_retryable() => return Err(e),
            Err(e) => {
                self.lease_ids.settled();
                return Err(e);
            }
        };
        for lease in reply.leases {
            // Not stored here: the id stays, and the retry's replayed reply brings these blocks again.
            self.store
                .add_lease(
                    &lease.category,
                    &lease.business_day,
                    lease.first,
                    lease.last,
                )
                .map_err(SyncError::store)?;
        }
        self.lease_ids.settled();
        Ok(())
    }

    async fn pull_catalog(&mut self) -> Result<(), SyncError> {
        let since = self.store.catalog_version().map_err(SyncError::store)?;
        let catalog = self.client.catalog(since).await?;
        if catalog.changed {
            self.store
                .apply_catalog(catalog.version, &catalog.services)
                .map_err(SyncError::store)?;
            tracing::info!(
                version = catalog.version,
                services = catalog.services.len(),
                "catalog updated"
            );
        }
        // The hall calendar travels with the catalog: the day list of a booking is right offline too. A platform
        // without the route (older) leaves the last calendar heard in place.
        match self.client.calendar().await {
            Ok(calendar) if calendar.validate().is_ok() => self
                .store
                .set_hall_calendar(&calendar)
                .map_err(SyncError::store)?,
            Ok(_) => {
                tracing::warn!("the platform's hall calendar is invalid; keeping the last one")
            }
            Err(SyncError::Refused { status, .. }) => {
                tracing::debug!(status, "no hall calendar from the platform")
            }
            Err(e) => return Err(e),
        }
        Ok(())
    }

    /// The documents waiting in this kiosk's lockers, kept in the store so that pickup works offline.
    async fn pull_pickups(&mut self) -> Result<(), SyncError> {
        let list = self.client.pickups().await?;
        let doors = self
            .config
            .devices
            .locker_boards
            .iter()
            .map(|b| b.doors)
            .sum();
        let waiting = self
            .store
            .apply_pickup_list(&list.pickups, doors)
            .map_err(SyncError::store)?;
        tracing::debug!(waiting, "pickups refreshed");
        Ok(())
    }

    async fn heartbeat(&mut self) -> Result<(), SyncError> {
        let summary = self.store.outbox_summary().map_err(SyncError::store)?;
        let oldest = summary
            .oldest_pending_at
            .as_deref()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok());
        let beat = sanban_wire::Heartbeat {
            app_version: env!("CARGO_PKG_VERSION").into(),
            devices: self.health.as_ref().map(|h| h.all()).unwrap_or_default(),
            outbox_backlog: summary.pending,
            oldest_pending_secs: oldest
                .map(|t| (chrono::Utc::now() - t.to_utc()).num_seconds().max(0) as u64),
            sent_at: chrono::Utc::now().to_rfc3339(),
            catalog_version: self.store.catalog_version().ok(),
            maintenance: self.store.maintenance_pad().ok().map(|pad| {
                sanban_wire::MaintenancePadState {
                    failures: pad.failures,
                    locked_until: crate::maintenance::lockout::locked_until(
                        &pad,
                        chrono::Utc::now(),
                    )
                    .map(|t| t.to_rfc3339()),
                }
            }),
        };
        self.client.heartbeat(&beat).await
    }
}

#[derive(Debug, Default)]
struct Cycle {
    more_pending: bool,
    heartbeat_sent: bool,
    catalog_checked: bool,
    pickups_fetched: bool,
}

/// What a cycle does besides draining.
#[derive(Debug, Clone, Copy)]
struct Due {
    heartbeat: bool,
    catalog: bool,
    pickups: bool,
}

/// The running agent, as the app sees it.
pub struct SyncHandle {
    pub status: SharedSyncStatus,
    pub wake: Arc<tokio::sync::Notify>,
}

impl SyncHandle {
    /// Ask the agent to send what is queued now.
    pub fn poke(&self) {
        self.wake.notify_one();
    }
}

/// The kiosk's one tokio runtime: the sync agent and the flows' online calls run on it, never on the UI thread.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("sync")
        .enable_all()
        .build()?)
}

/// The client for the configured platform, if any.
pub fn client(config: &crate::config::Config) -> anyhow::Result<Option<PlatformClient>> {
    let (Some(url), Some(token)) = (&config.platform.url, &config.platform.token) else {
        return Ok(None);
    };
    Ok(Some(PlatformClient::new(
        url,
        &config.kiosk.id,
        token,
        Duration::from_secs(10),
    )?))
}

/// Start the agent on `runtime` when the platform is configured; `None` when the kiosk runs stand-alone.
pub fn start_background(
    config: &crate::config::Config,
    health: Option<HealthBoard>,
    runtime: &tokio::runtime::Handle,
    status: SharedSyncStatus,
    citizen_key: Arc<std::sync::RwLock<crate::devices::CitizenKey>>,
    data_key: Arc<crate::privacy::DataKey>,
) -> anyhow::Result<Option<SyncHandle>> {
    let Some(client) = client(config)? else {
        return Ok(None);
    };
    // Its own connection: the agent never shares one with the UI thread.
    let store = Store::open(&config.database_path())?.with_data_key(data_key);
    let wake = Arc::new(tokio::sync::Notify::new());
    let agent = Agent {
        client,
        store,
        tz: config.time_zone()?,
        health,
        status: status.clone(),
        timing: AgentTiming {
            pickups_every: Duration::from_secs(config.pickup.refresh_seconds.into()),
            ..AgentTiming::default()
        },
        wake: wake.clone(),
        citizen_key,
        config: config.clone(),
        last_purge: None,
        lease_ids: LeaseRequestIds::default(),
    };
    runtime.spawn(agent.run());
    Ok(Some(SyncHandle { status, wake }))
}
