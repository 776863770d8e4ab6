//! `GET /v1/kiosks/{id}/pickups`.

use axum::extract::State;
use axum::{Extension, Json};
use sanban_wire::PickupList;

use super::{ApiError, AppState};
use crate::auth::AuthedKiosk;

#[utoipa::path(get, path = "/v1/kiosks/{id}/pickups", tag = "sync",
    summary = "Documents waiting in this kiosk's lockers (pickup code hashes only)",
    params(("id" = String, Path, description = "Kiosk id")),
    security(("kioskToken" = [])),
    responses((status = 200, description = "Waiting documents", body = PickupList)))]
pub async fn get_pickups(
    State(state): State<AppState>,
    Extension(AuthedKiosk(kiosk)): Extension<AuthedKiosk>,
) -> Result<Json<PickupList>, ApiError> {
    let pickups = state.store.open_pickups(&kiosk).await?;
    Ok(Json(PickupList { pickups }))
}
