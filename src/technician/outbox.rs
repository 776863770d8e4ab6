//! `sanban-kiosk outbox status` and `sanban-kiosk sync --once`.

use std::time::Duration;

use crate::config::Config;
use crate::store::Store;
use crate::sync::{drain_once, PlatformClient};

/// Backlog, oldest pending age, last error, rejections.
pub fn status(config: &Config, json: bool) -> anyhow::Result<()> {
    let store = Store::open(&config.database_path())?;
    let summary = store.outbox_summary()?;
    let rejections = store.rejections(20)?;
    let unprinted = store.failed_print_jobs(20)?;
    let age = |at: Option<&str>| {
        at.and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map(|t| (chrono::Utc::now() - t.to_utc()).num_seconds().max(0))
    };
    let oldest_age = age(summary.oldest_pending_at.as_deref());
    let oldest_personal_age = age(summary.oldest_personal_at.as_deref());
    if json {
        let value = serde_json::json!({
            "pending": summary.pending,
            "applied": summary.applied,
            "rejected": summary.rejected,
            "last_seq": summary.last_seq,
            "oldest_pending_at": summary.oldest_pending_at,
            "oldest_pending_age_secs": oldest_age,
            "last_error": summary.last_error.filter(|e| !e.is_empty()),
            "rejections": rejections.iter().map(|(seq, kind, reason)| serde_json::json!({"seq": seq, "kind": kind, "reason": reason})).collect::<Vec<_>>(),
            "platform": config.platform.url,
            "personal_data": {
                "events": summary.personal,
                "oldest_at": summary.oldest_personal_at,
                "oldest_age_secs": oldest_personal_age,
                "erased": summary.purged,
                "retention_days": config.data.personal_retention_days,
            },
            "unprinted_jobs": unprinted.iter().map(|j| serde_json::json!({"id": j.id, "subject": j.subject, "subject_id": j.subject_id, "status": j.status, "detail": j.detail, "created_at": j.created_at})).collect::<Vec<_>>(),
        });
        println!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(());
    }
    println!(
        "platform:        {}",
        config
            .platform
            .url
            .as_deref()
            .unwrap_or("(none: stand-alone, events stay queued)")
    );
    println!("pending events:  {}", summary.pending);
    println!("applied events:  {}", summary.applied);
    println!("rejected events: {}", summary.rejected);
    println!("last sequence:   {}", summary.last_seq);
    match (&summary.oldest_pending_at, oldest_age) {
        (Some(at), Some(age)) => println!("oldest pending:  {at} ({})", human_age(age)),
        _ => println!("oldest pending:  -"),
    }
    println!(
        "last error:      {}",
        summary
            .last_error
            .filter(|e| !e.is_empty())
            .unwrap_or_else(|| "-".into())
    );
    for (seq, kind, reason) in rejections {
        println!("  rejected #{seq} {kind}: {reason}");
    }
    // Personal data at rest: how much, how old; erased this long after the platform acknowledged it.
    match (&summary.oldest_personal_at, oldest_personal_age) {
        (Some(at), Some(age)) => println!(
            "personal data:   {} event(s), sealed; oldest {at} ({}); erased {} day(s) after acknowledgement",
            summary.personal,
            human_age(age),
            config.data.personal_retention_days
        ),
        _ => println!(
            "personal data:   none held; erased {} day(s) after acknowledgement",
            config.data.personal_retention_days
        ),
    }
    println!(
        "erased:          {} event(s) kept as tombstones",
        summary.purged
    );
    // Receipts that never reached paper (the ticket itself is valid and queued for the platform).
    println!("unprinted jobs:  {}", unprinted.len());
    for job in unprinted {
        println!(
            "  job {} ({}) {} at {}: {}",
            job.id,
            job.subject,
            job.status,
            job.created_at,
            job.detail.as_deref().unwrap_or("never sent")
        );
    }
    Ok(())
}

/// Drain everything now; an error (non-zero exit) with the reason when the platform cannot be reached.
pub fn sync_once(config: &Config) -> anyhow::Result<()> {
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
    if erased > 0 {
        println!("erased the personal data of {erased} acknowledged event(s)");
    }
    let left = store.outbox_summary()?.pending;
    println!("sent {sent} events in {batches} batches; {rejected} rejected by the platform; {left} still pending");
    Ok(())
}

fn human_age(secs: i64) -> String {
    match secs {
        s if s < 120 => format!("{s} s ago"),
        s if s < 7200 => format!("{} min ago", s / 60),
        s => format!("{:.1} h ago", s as f64 / 3600.0),
    }
}
