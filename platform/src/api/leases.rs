//! `POST /v1/kiosks/{id}/ticket-leases`.

use std::collections::HashSet;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::{Extension, Json};
use sanban_wire::ApiError as ApiErrorBody;
use sanban_wire::{is_window_category, LeaseReply, LeaseRequest};

use super::{body, ApiError, AppState};
use crate::auth::AuthedKiosk;
use crate::schedule::parse_date;
use crate::store::grant_leases;

#[utoipa::path(post, path = "/v1/kiosks/{id}/ticket-leases", tag = "sync",
    summary = "Lease blocks of queue numbers per window category for a business day",
    description = "Numbers come from one platform-wide counter per (category, day): blocks never overlap between \
        kiosks. A category with no numbers left that day (9999) is absent from the reply.",
    params(("id" = String, Path, description = "Kiosk id")),
    request_body = LeaseRequest,
    security(("kioskToken" = [])),
    responses(
        (status = 200, description = "Granted blocks", body = LeaseReply),
        (status = 400, description = "Malformed JSON, wrong types, unknown fields or invalid values; \
            nothing stored", body = ApiErrorBody)))]
pub async fn post_leases(
    State(state): State<AppState>,
    Extension(AuthedKiosk(kiosk)): Extension<AuthedKiosk>,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Json<LeaseReply>, ApiError> {
    let req: LeaseRequest = body::json(raw)?;
    check(&req)?;
    let leases = state
        .store
        .write(move |conn| {
            grant_leases(
                conn,
                &kiosk,
                &req.business_day,
                &req.categories,
                req.block_size,
            )
        })
        .await?;
    Ok(Json(LeaseReply { leases }))
}

fn check(req: &LeaseRequest) -> Result<(), ApiError> {
    let bad = |m: String| Err(ApiError::BadRequest(m));
    if parse_date(&req.business_day).is_none() {
        return bad(format!(
            "business_day {:?} is not a YYYY-MM-DD date",
            req.business_day
        ));
    }
    if req.categories.is_empty() {
        return bad("categories must not be empty".into());
    }
    let mut seen = HashSet::new();
    for c in &req.categories {
        if !is_window_category(c) {
            return bad(format!("unknown window category {c:?}"));
        }
        if !seen.insert(c) {
            return bad(format!("category {c:?} is listed twice"));
        }
    }
    if req.block_size == 0 {
        return bad("block_size must be at least 1".into());
    }
    Ok(())
}
