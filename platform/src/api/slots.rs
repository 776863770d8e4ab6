//! `GET /v1/slots` and `POST /v1/appointments`.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::{Extension, Json};
use sanban_wire::ApiError as ApiErrorBody;
use sanban_wire::{AppointmentRefused, AppointmentReply, AppointmentRequest, Slot, SlotList};

use super::{body, ApiError, AppState};
use crate::appointments::check_slot;
use crate::auth::AuthedKiosk;
use crate::schedule::{parse_date, weekday};
use crate::store::{BookOutcome, Booking};
use crate::text::plain_text;

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
    let slots = if day < state.hall.today() {
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
    summary = "Book a slot (idempotent by request_id) under the hall's rules",
    description = "The rules: the day is within the bookable window (from the next working day, `bookable_days` \
        working days of `GET /v1/calendar` ahead), the slot is one of the service's, the citizen holds no other \
        booking for the service that day and is not barred by missed appointments (2 within 90 days: 30 days \
        without booking), and a place is free. Of two kiosks asking for a slot's last place at once, exactly one \
        gets it.",
    request_body = AppointmentRequest,
    security(("kioskToken" = [])),
    responses(
        (status = 200, description = "Booked, or already booked by this request_id", body = AppointmentReply),
        (status = 400, description = "Malformed body, wrong types or unknown fields, a citizen_ref or code of the \
            wrong shape; nothing stored", body = ApiErrorBody),
        (status = 403, description = "`kiosk_id` is not the token's kiosk", body = ApiErrorBody),
        (status = 404, description = "No bookable slot (`not_bookable`: unknown service or one that takes no \
            appointments; `no_such_slot`: the service has no such slot that day)", body = AppointmentRefused),
        (status = 409, description = "Refused by a rule: `slot_full`, `daily_limit`, `banned` (with `until`), \
            `outside_window` (a past day, today, a closed day or too far ahead), `code_taken`; or request_id \
            already books another slot (`invalid`)", body = AppointmentRefused)))]
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
    // The same checks as an offline request's event.
    if !plain_text(&req.citizen_ref, 128) {
        return Err(ApiError::BadRequest(
            "citizen_ref must be 1 to 128 printable characters".into(),
        ));
    }
    if !sanban_wire::is_booking_code(&req.code) {
        return Err(ApiError::BadRequest(format!(
            "code must be {} letters of the booking code alphabet",
            sanban_wire::CODE_LEN
        )));
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
    let policy = state.hall.policy();
    let slot_capacity = check_slot(&catalog, &policy, &req.service, &req.date, &req.slot_id)
        .map_err(|r| ApiError::Refused(r.body()))?;
    let booking = Booking {
        request_id: req.request_id.to_string(),
        kiosk,
        service: req.service,
        date: req.date,
        slot_id: req.slot_id,
        citizen_ref: req.citizen_ref,
        code: req.code,
        slot_capacity,
    };
    match state.store.book(&booking, &policy).await? {
        BookOutcome::Booked { appointment_id } | BookOutcome::AlreadyBooked { appointment_id } => {
            Ok(Json(AppointmentReply {
                appointment_id,
                code,
                confirmed: true,
            }))
        }
        BookOutcome::Refused(refusal) => Err(ApiError::Refused(refusal.body())),
        BookOutcome::RequestIdReused => Err(ApiError::Refused(
            crate::appointments::Refusal::new(
                sanban_wire::RefusalReason::Invalid,
                "request_id already books another service, date or slot",
            )
            .body(),
        )),
    }
}
