//! Maintenance mode, the platform's part: each kiosk's one-time code secret (made by `sanban-platform
//! maintenance-secret ID`, copied once to the kiosk), the one-time codes an operator issues for a technician
//! (`sanban-platform maintenance-code ID`: bound to that kiosk and the current 15-minute window, valid offline on
//! the kiosk). The rule for the kiosks' audit events (`maintenance.access`, `maintenance.action`) is the ingest's
//! ([`crate::ingest::maintenance_audit`]).

use crate::store::{Store, StoreError};

/// A one-time code for `kiosk` at `unix_secs`, and the end of its window (the kiosk also takes the code of the
/// previous window, so a code read out at the end of its window still works for a while).
pub async fn one_time_code(
    store: &Store,
    kiosk: &str,
    unix_secs: u64,
) -> Result<(String, u64), StoreError> {
    let Some(secret) = store.stored_maintenance_secret(kiosk).await? else {
        return Err(StoreError::Invalid(format!(
            "kiosk {kiosk} has no maintenance secret: run `sanban-platform maintenance-secret {kiosk}` and store it on the kiosk"
        )));
    };
    let secret = hex::decode(secret)
        .map_err(|_| StoreError::Invalid("the stored maintenance secret is not hex".into()))?;
    let window = sanban_wire::code_window(unix_secs);
    let window_end = (window + 1) * sanban_wire::CODE_WINDOW_SECS;
    Ok((
        sanban_wire::one_time_code(&secret, kiosk, window),
        window_end,
    ))
}
