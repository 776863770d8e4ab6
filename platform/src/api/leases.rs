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
use crate::store::lease_policy::check_business_day;
use crate::store::{LeaseAsk, LeaseOutcome};

#[utoipa::path(post, path = "/v1/kiosks/{id}/ticket-leases", tag = "sync",
    summary = "Lease blocks of queue numbers per window category for a business day",
    description = "Numbers come from one platform-wide counter per (category, day): blocks never overlap between \
        kiosks. A category with no numbers left that day (9999), or of which the kiosk already holds 400 unused \
        numbers, is absent from the reply. The business day is yesterday, today or tomorrow in the hall's time \
        zone (`serve --timezone`, default Asia/Shanghai). A request sent again with the same `request_id` gets the first reply again.",
    params(("id" = String, Path, description = "Kiosk id")),
    request_body = LeaseRequest,
    security(("kioskToken" = [])),
    responses(
        (status = 200, description = "Granted blocks", body = LeaseReply),
        (status = 400, description = "Malformed JSON, wrong types, unknown fields or invalid values (a business \
            day outside yesterday..tomorrow); nothing stored", body = ApiErrorBody),
        (status = 409, description = "`request_id` was already used for a different lease request; nothing \
            stored", body = ApiErrorBody)))]
pub async fn post_leases(
    State(state): State<AppState>,
    Extension(AuthedKiosk(kiosk)): Extension<AuthedKiosk>,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Json<LeaseReply>, ApiError> {
    let req: LeaseRequest = body::json(raw)?;
    check(&req, state.hall.today())?;
    let ask = LeaseAsk {
        request_id: req.request_id.map(|id| id.to_string()),
        business_day: req.business_day,
        categories: req.categories,
        block_size: req.block_size,
    };
    match state.store.grant_leases(&kiosk, &ask).await? {
        LeaseOutcome::Granted(leases) => Ok(Json(LeaseReply { leases })),
        LeaseOutcome::RequestIdReused => Err(ApiError::Conflict(
            "request_id was already used for a different lease request".into(),
        )),
    }
}

fn check(req: &LeaseRequest, today: chrono::NaiveDate) -> Result<(), ApiError> {
    let bad = |m: String| Err(ApiError::BadRequest(m));
    let Some(day) = parse_date(&req.business_day) else {
        return bad(format!(
            "business_day {:?} is not a YYYY-MM-DD date",
            req.business_day
        ));
    };
    if let Err(why) = check_business_day(day, today) {
        return bad(why);
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
