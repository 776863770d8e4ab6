//! `GET /v1/kiosks/{id}/citizen-key`.

use axum::extract::State;
use axum::Json;
use sanban_wire::CitizenKeyReply;

use super::{ApiError, AppState};

#[utoipa::path(get, path = "/v1/kiosks/{id}/citizen-key", tag = "sync",
    summary = "The hall's key of citizen_ref (HMAC-SHA256 of the ID number), the same for every kiosk",
    params(("id" = String, Path, description = "Kiosk id")),
    security(("kioskToken" = [])),
    responses((status = 200, description = "The key, made on first use", body = CitizenKeyReply)))]
pub async fn get_citizen_key(
    State(state): State<AppState>,
) -> Result<Json<CitizenKeyReply>, ApiError> {
    let key = state.store.citizen_key().await?;
    Ok(Json(CitizenKeyReply { key }))
}
