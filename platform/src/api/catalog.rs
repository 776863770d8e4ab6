//! `GET /v1/catalog?since=V`.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::Json;
use sanban_wire::ApiError as ApiErrorBody;
use sanban_wire::Catalog;

use super::{ApiError, AppState};

#[derive(serde::Deserialize)]
pub struct CatalogQuery {
    since: Option<String>,
}

#[utoipa::path(get, path = "/v1/catalog", tag = "catalog",
    summary = "Service catalog (事项清单, 办事指南, 一次性告知书), versioned",
    params(("since" = Option<u64>, Query, description = "The catalog version the kiosk holds", minimum = 0)),
    security(("kioskToken" = [])),
    responses(
        (status = 200, description = "The catalog; `services` empty and `changed` false when `since` is current",
            body = Catalog),
        (status = 400, description = "`since` is not a version number", body = ApiErrorBody)))]
pub async fn get_catalog(
    State(state): State<AppState>,
    query: Result<Query<CatalogQuery>, QueryRejection>,
) -> Result<Json<Catalog>, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let since = match q.since.as_deref() {
        None | Some("") => None,
        Some(text) => Some(text.parse::<u64>().map_err(|_| {
            ApiError::BadRequest(format!(
                "since must be a catalog version number, not {text:?}"
            ))
        })?),
    };
    let index = state.store.current_catalog().await?;
    // Any version other than the current one (older, or from another platform) gets the full list.
    let changed = since != Some(index.version);
    Ok(Json(Catalog {
        version: index.version,
        changed,
        services: if changed {
            index.services.clone()
        } else {
            Vec::new()
        },
    }))
}
