//! `GET /v1/kiosks/{id}/citizen-key`.

use axum::extract::State;
use axum::Json;
use sanban_wire::CitizenKeyReply;

use super::{ApiError, AppState};
use crate::store::citizen_key;

pub async fn get_citizen_key(
    State(state): State<AppState>,
) -> Result<Json<CitizenKeyReply>, ApiError> {
    let key = state.store.write(citizen_key).await?;
    Ok(Json(CitizenKeyReply { key }))
}
