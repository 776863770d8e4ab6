//! Maintenance mode's provisioning and state, as data: where the credentials are read from, who may enter, whether
//! one-time codes work, the pad's lock-out, and the settings in effect with where each comes from.
//! `sanban-kiosk maintenance status` prints it; the settings page shows the settings.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::config::Config;
use crate::maintenance::credentials::{self, Credentials};
use crate::maintenance::lockout;
use crate::maintenance::settings::{Key, Settings};
use crate::store::Store;

/// One setting in effect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SettingRow {
    pub key: &'static str,
    pub value: String,
    /// "config file", or who changed it on the touchscreen and when.
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MaintenanceStatus {
    /// The credentials file the app reads.
    pub credentials: String,
    /// Handed over by systemd (`$CREDENTIALS_DIRECTORY`).
    pub from_systemd: bool,
    pub technicians: Vec<String>,
    /// One-time codes can be checked (the platform's per-kiosk secret is provisioned).
    pub one_time_codes: bool,
    /// The credentials file exists but cannot be used.
    pub problem: Option<String>,
    /// Wrong PINs or codes in a row.
    pub failures: u32,
    pub locked_until: Option<String>,
    pub settings: Vec<SettingRow>,
}

/// The settings in effect (config file, then technicians' changes), each with its source.
pub fn settings(
    config: &Config,
    store: &Store,
) -> crate::store::Result<(Settings, Vec<SettingRow>)> {
    let stored = store.stored_settings()?;
    let effective = Settings::effective(config, &stored);
    let rows = Key::ALL
        .iter()
        .map(|key| SettingRow {
            key: key.name(),
            value: effective.value(*key),
            source: stored
                .iter()
                .find(|s| s.key == key.name() && s.value == effective.value(*key))
                .map(|s| format!("technician {} at {}", s.changed_by, s.changed_at))
                .unwrap_or_else(|| "config file".into()),
        })
        .collect();
    Ok((effective, rows))
}

/// `maintenance status`.
pub fn status(config: &Config, now: DateTime<Utc>) -> anyhow::Result<MaintenanceStatus> {
    let location = credentials::location(config);
    let (technicians, one_time_codes, problem) = match Credentials::load(&location.path) {
        Ok(c) => (
            c.technicians().map(str::to_string).collect(),
            c.code_secret().is_some(),
            None,
        ),
        Err(e) => (Vec::new(), false, Some(e.to_string())),
    };
    let store = Store::open(&config.database_path())?;
    let pad = store.maintenance_pad()?;
    let (_, settings) = settings(config, &store)?;
    Ok(MaintenanceStatus {
        credentials: location.path.display().to_string(),
        from_systemd: location.from_systemd,
        technicians,
        one_time_codes,
        problem,
        failures: pad.failures,
        locked_until: lockout::locked_until(&pad, now).map(|t| t.to_rfc3339()),
        settings,
    })
}
