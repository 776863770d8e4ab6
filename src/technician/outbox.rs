//! The sync backlog, as data: pending, applied and rejected events, the oldest pending, the last error, the
//! rejections, the personal data still held (sealed) and the receipts that never reached paper. `sanban-kiosk outbox status` prints it; the maintenance
//! network page shows it (with the live link state beside it). `sync --once` drains now.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::config::Config;
use crate::store::Store;
use crate::sync::{drain_once, PlatformClient};

/// An event the platform refused, with its reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RejectionRow {
    pub seq: u64,
    pub kind: String,
    pub reason: String,
}

/// A receipt that did not print (the errand itself is valid and queued).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnprintedJob {
    pub id: i64,
    pub subject: String,
    pub subject_id: String,
    pub status: String,
    pub detail: Option<String>,
    pub created_at: String,
}

/// Personal data at rest in the outbox: how much, how old, how much was already erased (tombstones).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonalDataReport {
    /// Events whose sealed personal fields are still held.
    pub events: u64,
    pub oldest_at: Option<String>,
    pub oldest_age_secs: Option<i64>,
    /// Events whose personal fields were erased after acknowledgement (kept as tombstones).
    pub erased: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxReport {
    pub platform: Option<String>,
    pub pending: u64,
    pub applied: u64,
    pub rejected: u64,
    pub last_seq: u64,
    pub oldest_pending_at: Option<String>,
    pub oldest_pending_age_secs: Option<i64>,
    pub last_error: Option<String>,
    pub personal_data: PersonalDataReport,
    /// Newest first.
    pub rejections: Vec<RejectionRow>,
    /// Newest first.
    pub unprinted_jobs: Vec<UnprintedJob>,
}

/// How many rejections and unprinted jobs a report lists.
pub const LIST_LIMIT: usize = 20;

impl OutboxReport {
    /// Read the backlog from `store` at `now`; `platform` is the configured URL.
    pub fn gather(
        store: &Store,
        platform: Option<&str>,
        now: DateTime<Utc>,
    ) -> crate::store::Result<OutboxReport> {
        let summary = store.outbox_summary()?;
        let age = |at: Option<&str>| {
            at.and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                .map(|t| (now - t.to_utc()).num_seconds().max(0))
        };
        let oldest_pending_age_secs = age(summary.oldest_pending_at.as_deref());
        let personal_data = PersonalDataReport {
            events: summary.personal,
            oldest_age_secs: age(summary.oldest_personal_at.as_deref()),
            oldest_at: summary.oldest_personal_at,
            erased: summary.purged,
        };
        Ok(OutboxReport {
            platform: platform.map(str::to_string),
            pending: summary.pending,
            applied: summary.applied,
            rejected: summary.rejected,
            last_seq: summary.last_seq,
            oldest_pending_at: summary.oldest_pending_at,
            oldest_pending_age_secs,
            last_error: summary.last_error.filter(|e| !e.is_empty()),
            personal_data,
            rejections: store
                .rejections(LIST_LIMIT)?
                .into_iter()
                .map(|(seq, kind, reason)| RejectionRow { seq, kind, reason })
                .collect(),
            unprinted_jobs: store
                .failed_print_jobs(LIST_LIMIT)?
                .into_iter()
                .map(|j| UnprintedJob {
                    id: j.id,
                    subject: j.subject,
                    subject_id: j.subject_id,
                    status: j.status,
                    detail: j.detail,
                    created_at: j.created_at,
                })
                .collect(),
        })
    }
}

/// "45 s ago", "12 min ago", "3.1 h ago".
pub fn human_age(secs: i64) -> String {
    match secs {
        s if s < 120 => format!("{s} s ago"),
        s if s < 7200 => format!("{} min ago", s / 60),
        s => format!("{:.1} h ago", s as f64 / 3600.0),
    }
}

/// What `sync --once` sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    pub sent: usize,
    pub batches: usize,
    pub rejected: usize,
    pub still_pending: u64,
    /// Acknowledged events whose personal data was erased afterwards (retention elapsed).
    pub erased: usize,
}

/// Drain everything now; an error with the reason when the platform cannot be reached.
pub fn sync_once(config: &Config) -> anyhow::Result<SyncReport> {
    let (Some(url), Some(token)) = (&config.platform.url, &config.platform.token) else {
        anyhow::bail!("no platform configured: set [platform] url and token in the config file");
    };
    let client = PlatformClient::new(url, &config.kiosk.id, token, Duration::from_secs(15))?;
    let (key, _) = crate::privacy::key::load(config)?;
    let mut store = Store::open(&config.database_path())?.with_data_key(std::sync::Arc::new(key));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (mut sent, mut rejected, mut batches) = (0, 0, 0);
    runtime.block_on(async {
        loop {
            let report = drain_once(&client, &mut store, 500).await?;
            sent += report.sent;
            rejected += report.rejected;
            batches += report.batches;
            if !report.more_pending {
                return Ok::<_, crate::sync::SyncError>(());
            }
        }
    })?;
    let erased = store.purge_personal(chrono::Utc::now(), config.data.personal_retention())?;
    Ok(SyncReport {
        sent,
        batches,
        rejected,
        still_pending: store.outbox_summary()?.pending,
        erased,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_well() {
        assert_eq!(human_age(45), "45 s ago");
        assert_eq!(human_age(720), "12 min ago");
        assert_eq!(human_age(3 * 3600 + 360), "3.1 h ago");
    }
}
