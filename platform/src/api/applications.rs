//! `GET /v1/applications`: 办件查询, a citizen's applications by `citizen_ref` (the card read at the kiosk) or one
//! application by its number (the receipt).

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::Json;
use sanban_wire::ApiError as ApiErrorBody;
use sanban_wire::ApplicationList;

use super::{ApiError, AppState};

#[derive(serde::Deserialize)]
pub struct ApplicationsQuery {
    citizen_ref: Option<String>,
    number: Option<String>,
}

#[utoipa::path(get, path = "/v1/applications", tag = "applications",
    summary = "办件查询: a citizen's applications (newest first, at most 50) or the one with a number, each with its \
        status history and the materials still owed",
    description = "Exactly one of `citizen_ref` and `number` (both or neither: 400). Any registered kiosk may ask: \
        a citizen may look up at any kiosk of the hall. An unknown number or a citizen without applications is an \
        empty list, never 404, so a kiosk learns no more than \"nothing found\". The records hold no personal \
        data: no applicant, no form answers.",
    params(
        ("citizen_ref" = Option<String>, Query, description = "The citizen's `citizen_ref` (as the kiosk computes it \
            from the ID card)", max_length = 128, min_length = 1, example = "9f2c41d0a7"),
        ("number" = Option<String>, Query, description = "An application number as printed on the receipt",
            max_length = 64, min_length = 1, example = "K07-20261126-0003")),
    security(("kioskToken" = [])),
    responses(
        (status = 200, description = "The applications found (none: an empty list)", body = ApplicationList),
        (status = 400, description = "Both or neither parameter, or a malformed one", body = ApiErrorBody)))]
pub async fn get_applications(
    State(state): State<AppState>,
    query: Result<Query<ApplicationsQuery>, QueryRejection>,
) -> Result<Json<ApplicationList>, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let (lookup, limit) =
        crate::applications::lookup(q.citizen_ref.as_deref(), q.number.as_deref())
            .map_err(ApiError::BadRequest)?;
    let stored = state.store.applications(&lookup, limit).await?;
    Ok(Json(ApplicationList {
        applications: stored.iter().map(crate::applications::record).collect(),
    }))
}
