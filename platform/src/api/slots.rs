//! `GET /v1/slots` and `POST /v1/appointments`.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::{Extension, Json};
use sanban_wire::ApiError as ApiErrorBody;
use sanban_wire::{AppointmentReply, AppointmentRequest, Slot, SlotList};

use super::{body, ApiError, AppState};
use crate::auth::AuthedKiosk;
use crate::ingest::apply::check_booking;
use crate::schedule::{hall_today, parse_date, weekday};
use crate::store::{BookOutcome, Booking};

#[derive(serde::Deserialize)]
pub struct SlotQuery {
    service: Option<String>,
    date: Option<String>,
}

#[utoipa::path(get, path = "/v1/slots", tag = "appointments",
    summary = "Appointment slots of a bookable service on a day (its own hours, slot length and capacity)",
    params(
        ("service" = String, Query, description = "The `id` of a bookable service from `GET /v1/catalog`",
            example = "RES-01"),
        ("date" = String, Query, format = Date, example = "2030-01-07")),
    security(("kioskToken" = [])),
    responses(
        (status = 200, description = "The day's slots with their booked counts; none on a past day or a day the \
            service takes no appointments", body = SlotList),
        (status = 400, description = "A missing parameter or a malformed date", body = ApiErrorBody),
        (status = 404, description = "No such service in the current catalog, or it takes no appointments",
            body = ApiErrorBody)))]
pub async fn get_slots(
    State(state): State<AppState>,
    query: Result<Query<SlotQuery>, QueryRejection>,
) -> Result<Json<SlotList>, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let (Some(service), Some(date)) = (q.service, q.date) else {
        return Err(ApiError::BadRequest(
            "query parameters service and date are required".into(),
        ));
    };
    let Some(day) = parse_date(&date) else {
        return Err(ApiError::BadRequest(format!(
            "date {date:?} is not a YYYY-MM-DD date"
        )));
    };
    let hours = state
        .store
        .current_catalog()
        .await?
        .service(&service)
        .map(|s| (s.bookable, s.slots_on(weekday(day))));
    // A well-formed request naming no service that takes appointments: 404, as for a booking.
    let (slots, capacity) = match hours {
        None => return Err(ApiError::NotFound(format!("unknown service {service:?}"))),
        Some((false, _)) => {
            return Err(ApiError::NotFound(format!(
                "service {service} takes no appointments"
            )))
        }
        Some((true, slots)) => slots,
    };
    let counts = state.store.booked_counts(&service, &date).await?;
    // A past day, or a day the service takes no appointments: an empty list, not an error.
    let slots = if day < hall_today() {
        Vec::new()
    } else {
        slots
    };
    Ok(Json(SlotList {
        service,
        date,
        slots: slots
            .into_iter()
            .map(|s| Slot {
                booked: counts.get(&s.slot_id).copied().unwrap_or(0),
                slot_id: s.slot_id,
                start: s.start.to_string(),
                end: s.end.to_string(),
                capacity,
            })
            .collect(),
    }))
}

#[utoipa::path(post, path = "/v1/appointments", tag = "appointments",
    summary = "Book a slot (idempotent by request_id)",
    request_body = AppointmentRequest,
    security(("kioskToken" = [])),
    responses(
        (status = 200, description = "Booked, or already booked by this request_id", body = AppointmentReply),
        (status = 400, description = "Malformed body, wrong types or unknown fields; nothing stored",
            body = ApiErrorBody),
        (status = 403, description = "`kiosk_id` is not the token's kiosk", body = ApiErrorBody),
        (status = 404, description = "No bookable slot: unknown service, one that takes no appointments, a past \
            day or one it is closed, no such slot",
            body = ApiErrorBody),
        (status = 409, description = "The slot is full, or request_id already books another slot",
            body = ApiErrorBody)))]
pub async fn post_appointment(
    State(state): State<AppState>,
    Extension(AuthedKiosk(kiosk)): Extension<AuthedKiosk>,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Json<AppointmentReply>, ApiError> {
    let req: AppointmentRequest = body::json(raw)?;
    if req.kiosk_id != kiosk {
        return Err(ApiError::Forbidden(format!(
            "the token of kiosk {kiosk} may not book for kiosk {}",
            req.kiosk_id
        )));
    }
    if req.citizen_ref.trim().is_empty() || req.citizen_ref.chars().count() > 128 {
        return Err(ApiError::BadRequest(
            "citizen_ref must be 1 to 128 characters".into(),
        ));
    }
    if parse_date(&req.date).is_none() {
        return Err(ApiError::BadRequest(format!(
            "date {:?} is not a YYYY-MM-DD date",
            req.date
        )));
    }
    // The kiosk's booking code, echoed so both sides print the same one.
    let code = req.code.clone();
    let catalog = state.store.current_catalog().await?;
    // A well-formed booking that names no bookable slot (unknown service, one that takes no appointments, a past
    // day or one it is closed, no such slot).
    let slot_capacity = check_booking(&catalog, &req.service, &req.date, &req.slot_id)
        .map_err(ApiError::NotFound)?;
    let booking = Booking {
        request_id: req.request_id.to_string(),
        kiosk,
        service: req.service,
        date: req.date,
        slot_id: req.slot_id,
        citizen_ref: req.citizen_ref,
        slot_capacity,
    };
    match state.store.book(&booking).await? {
        BookOutcome::Booked { appointment_id } | BookOutcome::AlreadyBooked { appointment_id } => {
            Ok(Json(AppointmentReply {
                appointment_id,
                code,
                confirmed: true,
            }))
        }
        BookOutcome::Full => Err(ApiError::Conflict(format!(
            "slot {} on {} is full",
            booking.slot_id, booking.date
        ))),
        BookOutcome::RequestIdReused => Err(ApiError::Conflict(
            "request_id already books another service, date or slot".into(),
        )),
    }
}
