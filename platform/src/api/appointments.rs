//! `GET /v1/calendar` (the hall's working days) and `POST /v1/appointments/lookup` (a citizen's bookings, so that
//! a booking or a refusal from one kiosk shows at every kiosk of the hall).

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::Json;
use sanban_wire::ApiError as ApiErrorBody;
use sanban_wire::{
    AppointmentLookup, AppointmentStatus, AppointmentView, CitizenAppointments, HallCalendar,
    RefusalReason,
};

use super::{body, ApiError, AppState};
use crate::appointments::{banned_until, recent_no_shows, slot_clock};
use crate::text::plain_text;

#[utoipa::path(get, path = "/v1/calendar", tag = "appointments",
    summary = "The hall's calendar: time zone, public holidays, 调休 make-up working days, the bookable window",
    security(("kioskToken" = [])),
    responses((status = 200, description = "The calendar the platform books by", body = HallCalendar)))]
pub async fn get_calendar(State(state): State<AppState>) -> Json<HallCalendar> {
    Json(state.hall.calendar.as_ref().clone())
}

#[utoipa::path(post, path = "/v1/appointments/lookup", tag = "appointments",
    summary = "A citizen's bookings from today on, refusals not yet shown, and the no-show standing",
    description = "The citizen is named by `citizen_ref` in the body, never in a URL (access logs would keep it). \
        Bookings made at any kiosk of the hall are listed, so the citizen sees them, and an offline booking's \
        refusal, at whichever kiosk reads their ID card next.",
    request_body = AppointmentLookup,
    security(("kioskToken" = [])),
    responses(
        (status = 200, description = "The citizen's bookings (none: an empty list)", body = CitizenAppointments),
        (status = 400, description = "Malformed body or citizen_ref", body = ApiErrorBody)))]
pub async fn post_lookup(
    State(state): State<AppState>,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Json<CitizenAppointments>, ApiError> {
    let req: AppointmentLookup = body::json(raw)?;
    if !plain_text(&req.citizen_ref, 128) {
        return Err(ApiError::BadRequest(
            "citizen_ref must be 1 to 128 printable characters".into(),
        ));
    }
    let today = state.hall.today();
    let records = state
        .store
        .citizen_appointments(&req.citizen_ref, &today.to_string())
        .await?;
    let catalog = state.store.current_catalog().await?;
    let no_show_dates: Vec<String> = records
        .iter()
        .filter(|r| r.status == "no_show")
        .map(|r| r.date.clone())
        .collect();
    let appointments = records
        .into_iter()
        // Past no-shows count for the ban, they are not bookings to show.
        .filter(|r| r.date >= today.to_string() || r.status == "refused")
        .filter_map(|r| {
            let status = AppointmentStatus::from_code(&r.status)?;
            let (start, end) = slot_clock(&catalog, &r.service, &r.date, &r.slot_id);
            Some(AppointmentView {
                code: r.code?,
                kiosk_id: r.kiosk_id,
                service: r.service,
                date: r.date,
                slot_id: r.slot_id,
                start,
                end,
                status,
                reason: r
                    .reason
                    .as_deref()
                    .and_then(RefusalReason::of_rejection)
                    .map(|(reason, _)| reason),
                refusal_seen: r.refusal_seen,
            })
        })
        .collect();
    Ok(Json(CitizenAppointments {
        appointments,
        no_shows: recent_no_shows(&no_show_dates, today),
        banned_until: banned_until(&no_show_dates, today).map(|d| d.to_string()),
    }))
}
