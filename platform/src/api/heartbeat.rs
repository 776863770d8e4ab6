//! `POST /v1/kiosks/{id}/heartbeat`.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Extension;
use sanban_wire::{ApiError as ApiErrorBody, Heartbeat};

use super::{body, ApiError, AppState};
use crate::auth::AuthedKiosk;

#[utoipa::path(post, path = "/v1/kiosks/{id}/heartbeat", tag = "sync",
    summary = "Device health, outbox backlog and version, shown on the fleet page",
    params(("id" = String, Path, description = "Kiosk id")),
    request_body = Heartbeat,
    security(("kioskToken" = [])),
    responses(
        (status = 204, description = "Stored"),
        (status = 400, description = "Malformed JSON, wrong types, unknown fields or values out of bounds; \
            nothing stored", body = ApiErrorBody)))]
pub async fn post_heartbeat(
    State(state): State<AppState>,
    Extension(AuthedKiosk(kiosk)): Extension<AuthedKiosk>,
    raw: Result<Bytes, BytesRejection>,
) -> Result<StatusCode, ApiError> {
    let hb: Heartbeat = body::json(raw)?;
    check(&hb)?;
    state.store.record_heartbeat(&kiosk, &hb).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Bounds what one kiosk can make the fleet page show.
fn check(hb: &Heartbeat) -> Result<(), ApiError> {
    let bad = |m: &str| Err(ApiError::BadRequest(m.into()));
    let short = |s: &str, max: usize| s.chars().count() <= max && !s.chars().any(char::is_control);
    if hb.app_version.trim().is_empty() || !short(&hb.app_version, 64) {
        return bad("app_version must be 1 to 64 printable characters");
    }
    if hb.devices.len() > 16 {
        return bad("at most 16 devices");
    }
    if hb
        .devices
        .iter()
        .any(|d| d.device.trim().is_empty() || !short(&d.device, 32) || !short(&d.detail, 200))
    {
        return bad("device names must be 1 to 32 printable characters and details at most 200");
    }
    if chrono::DateTime::parse_from_rfc3339(&hb.sent_at).is_err() {
        return bad("sent_at is not an RFC 3339 timestamp");
    }
    Ok(())
}
