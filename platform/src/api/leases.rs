//! `POST /v1/kiosks/{id}/ticket-leases`.

use std::collections::HashSet;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::{Extension, Json};
use sanban_wire::{is_window_category, LeaseReply, LeaseRequest};

use super::{body, ApiError, AppState};
use crate::auth::AuthedKiosk;
use crate::schedule::parse_date;
use crate::store::grant_leases;

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
