//! `GET /v1/slots` and `POST /v1/appointments`.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::{Extension, Json};
use sanban_wire::{AppointmentReply, AppointmentRequest, Slot, SlotList};

use super::{body, ApiError, AppState};
use crate::auth::AuthedKiosk;
use crate::ingest::apply::check_booking;
use crate::schedule::{hall_today, parse_date, slots_for, SLOT_CAPACITY};
use crate::store::{BookOutcome, Booking};

#[derive(serde::Deserialize)]
pub struct SlotQuery {
    service: Option<String>,
    date: Option<String>,
}

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
    let known = state
        .store
        .current_catalog()
        .await?
        .service(&service)
        .is_some();
    if !known {
        return Err(ApiError::BadRequest(format!("unknown service {service:?}")));
    }
    let counts = state.store.booked_counts(&service, &date).await?;
    // A past day or a weekend has nothing to book: an empty list, not an error.
    let slots = if day < hall_today() {
        Vec::new()
    } else {
        slots_for(day)
    };
    Ok(Json(SlotList {
        service,
        date,
        slots: slots
            .into_iter()
            .map(|s| Slot {
                booked: counts.get(&s.slot_id).copied().unwrap_or(0),
                slot_id: s.slot_id,
                start: s.start,
                end: s.end,
                capacity: SLOT_CAPACITY,
            })
            .collect(),
    }))
}

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
    let booking = Booking {
        request_id: req.request_id.to_string(),
        kiosk,
        service: req.service,
        date: req.date,
        slot_id: req.slot_id,
        citizen_ref: req.citizen_ref,
    };
    let catalog = state.store.current_catalog().await?;
    check_booking(&catalog, &booking.service, &booking.date, &booking.slot_id)
        .map_err(ApiError::BadRequest)?;
    match state.store.book(&booking).await? {
        BookOutcome::Booked { appointment_id } | BookOutcome::AlreadyBooked { appointment_id } => {
            Ok(Json(AppointmentReply {
                appointment_id,
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
