//! `GET /v1/slots` and `POST /v1/appointments`.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::{Extension, Json};
use sanban_wire::{AppointmentReply, AppointmentRequest, Slot, SlotList};

use super::{body, ApiError, AppState};
use crate::auth::AuthedKiosk;
use crate::ingest::apply::check_booking;
use crate::schedule::{hall_today, parse_date, weekday};
use crate::store::{book, booked_counts, current_catalog, BookOutcome, Booking};

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
    let cache = state.store.catalog_cache();
    let (svc, d) = (service.clone(), date.clone());
    let (hours, counts) = state
        .store
        .read(move |conn| {
            let hours = current_catalog(conn, &cache)?
                .service(&svc)
                .map(|s| (s.bookable, s.slots_on(weekday(day))));
            Ok((hours, booked_counts(conn, &svc, &d)?))
        })
        .await?;
    let (slots, capacity) = match hours {
        None => return Err(ApiError::BadRequest(format!("unknown service {service:?}"))),
        Some((false, _)) => {
            return Err(ApiError::BadRequest(format!(
                "service {service} takes no appointments"
            )))
        }
        Some((true, slots)) => slots,
    };
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
    let code = req.code.clone();
    let cache = state.store.catalog_cache();
    // Checked inside the write so the catalog seen is the one the booking is made against.
    let outcome = state
        .store
        .write(move |conn| {
            let catalog = current_catalog(conn, &cache)?;
            let slot_capacity = match check_booking(&catalog, &req.service, &req.date, &req.slot_id)
            {
                Ok(capacity) => capacity,
                Err(reason) => return Ok(Err(reason)),
            };
            let booking = Booking {
                request_id: req.request_id.to_string(),
                kiosk,
                service: req.service,
                date: req.date,
                slot_id: req.slot_id,
                citizen_ref: req.citizen_ref,
                seq: None,
                slot_capacity,
            };
            Ok(Ok((book(conn, &booking)?, booking)))
        })
        .await?;
    match outcome.map_err(ApiError::BadRequest)? {
        (
            BookOutcome::Booked { appointment_id } | BookOutcome::AlreadyBooked { appointment_id },
            _,
        ) => Ok(Json(AppointmentReply {
            appointment_id,
            code,
            confirmed: true,
        })),
        (BookOutcome::Full, b) => Err(ApiError::Conflict(format!(
            "slot {} on {} is full",
            b.slot_id, b.date
        ))),
        (BookOutcome::RequestIdReused, _) => Err(ApiError::Conflict(
            "request_id already books another service, date or slot".into(),
        )),
    }
}
