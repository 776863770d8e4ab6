//! The sync agent: drains the outbox to the central platform, keeps queue-number leases topped up, pulls the
//! catalog and the pickups, and sends heartbeats. It runs on the tokio side and never on the UI thread; all its
//! state is in SQLite, so it resumes after a restart exactly where it stopped.

mod client;
mod drain;

use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use client::{PlatformClient, SyncError};
pub use drain::{drain_once, DrainReport};

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
}

impl Agent {
    /// Run forever: drain, then wait for a wake-up or the idle poll; on a retryable failure back off with full
    /// jitter (capped), and go again at once after the first success.
    pub async fn run(mut self) {
        let mut backoff = self.timing.backoff_min;
        let mut last_heartbeat = None::<tokio::time::Instant>;
        let mut last_catalog = None::<tokio::time::Instant>;
        loop {
            let now = tokio::time::Instant::now();
            let result = self
                .cycle(
                    last_heartbeat.is_none_or(|t| now - t >= self.timing.heartbeat_every),
                    last_catalog.is_none_or(|t| now - t >= self.timing.catalog_every),
                )
                .await;
            match result {
                Ok(cycle) => {
                    if cycle.heartbeat_sent {
                        last_heartbeat = Some(now);
                    }
                    if cycle.catalog_checked {
                        last_catalog = Some(now);
                    }
                    backoff = self.timing.backoff_min;
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
                        full_jitter(backoff)
                    } else {
                        self.timing.refused_retry
                    };
                    tracing::warn!("sync: {e}; retrying in {:.1} s", sleep.as_secs_f64());
                    backoff = (backoff * 2).min(self.timing.backoff_max);
                    let _ = tokio::time::timeout(sleep, self.wake.notified()).await;
                }
            }
        }
    }

    /// One pass: the drain decides success; leases, catalog and heartbeat failing only log, so a backlog keeps
    /// draining at full speed.
    async fn cycle(&mut self, heartbeat: bool, catalog: bool) -> Result<Cycle, SyncError> {
        let report = drain_once(&self.client, &mut self.store, self.timing.batch_size).await?;
        let mut cycle = Cycle {
            more_pending: report.more_pending,
            ..Cycle::default()
        };
        if let Err(e) = self.top_up_leases().await {
            tracing::warn!("sync: lease top-up failed: {e}");
        }
        if catalog {
            match self.pull_catalog().await {
                Ok(()) => cycle.catalog_checked = true,
                Err(e) => tracing::warn!("sync: catalog pull failed: {e}"),
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
        let reply = self
            .client
            .lease(&sanban_wire::LeaseRequest {
                business_day: day,
                categories: short,
                block_size: self.timing.lease_block,
                // The platform replays a retried request id; sending one is left to the kiosk's sync work.
                request_id: None,
            })
            .await?;
        for lease in reply.leases {
            self.store
                .add_lease(
                    &lease.category,
                    &lease.business_day,
                    lease.first,
                    lease.last,
                )
                .map_err(SyncError::store)?;
        }
        Ok(())
    }

    async fn pull_catalog(&mut self) -> Result<(), SyncError> {
        let since: u64 = self
            .store
            .meta("catalog.version")
            .ok()
            .flatten()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let catalog = self.client.catalog(since).await?;
        if catalog.changed {
            let json = serde_json::to_string(&catalog.services)
                .map_err(|e| SyncError::Protocol(e.to_string()))?;
            self.store
                .set_meta("catalog.services", &json)
                .map_err(SyncError::store)?;
            self.store
                .set_meta("catalog.version", &catalog.version.to_string())
                .map_err(SyncError::store)?;
            tracing::info!(
                version = catalog.version,
                services = catalog.services.len(),
                "catalog updated"
            );
        }
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
        };
        self.client.heartbeat(&beat).await
    }
}

#[derive(Debug, Default)]
struct Cycle {
    more_pending: bool,
    heartbeat_sent: bool,
    catalog_checked: bool,
}

/// "Full jitter": a uniformly random wait in [0, cap], so a fleet of kiosks does not retry in lockstep.
fn full_jitter(cap: Duration) -> Duration {
    use rand::Rng;
    Duration::from_secs_f64(rand::rng().random_range(0.0..=cap.as_secs_f64()))
}

/// The agent running on its own tokio runtime thread.
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

/// Start the agent when the platform is configured; `None` when the kiosk runs stand-alone.
pub fn start_background(
    config: &crate::config::Config,
    health: Option<HealthBoard>,
) -> anyhow::Result<Option<SyncHandle>> {
    let (Some(url), Some(token)) = (&config.platform.url, &config.platform.token) else {
        return Ok(None);
    };
    let client = PlatformClient::new(url, &config.kiosk.id, token, Duration::from_secs(10))?;
    // Its own connection: the agent never shares one with the UI thread.
    let store = Store::open(&config.database_path())?;
    let status = SharedSyncStatus::default();
    let wake = Arc::new(tokio::sync::Notify::new());
    let agent = Agent {
        client,
        store,
        tz: config.time_zone()?,
        health,
        status: status.clone(),
        timing: AgentTiming::default(),
        wake: wake.clone(),
    };
    std::thread::Builder::new()
        .name("sync".into())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("tokio runtime");
            runtime.block_on(agent.run());
        })?;
    Ok(Some(SyncHandle { status, wake }))
}
