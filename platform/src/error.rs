//! Error replies: always JSON with an `error` reason (see `openapi.json`).

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use sanban_wire::{BadBatch, SequenceGap};

use crate::store::StoreError;

#[derive(Debug)]
pub enum ApiError {
    BadRequest(String),
    /// 400 for an events batch, naming the event at fault.
    BadBatch(BadBatch),
    Unauthorized(String),
    Forbidden(String),
    NotFound(String),
    Conflict(String),
    Gap(SequenceGap),
    TooLarge(String),
    /// 408: the request took too long.
    Timeout(String),
    /// The store cannot be reached or cannot take writes now (503; kiosks back off and retry).
    Unavailable,
    Internal,
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        // Store errors carry no payload values, so they may be logged.
        if e.is_unavailable() {
            tracing::warn!(error = %e, "store unavailable");
            return ApiError::Unavailable;
        }
        tracing::error!(error = %e, "store failure");
        ApiError::Internal
    }
}

fn reply(status: StatusCode, error: String) -> Response {
    (status, Json(sanban_wire::ApiError { error })).into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::BadRequest(e) => reply(StatusCode::BAD_REQUEST, e),
            ApiError::BadBatch(b) => (StatusCode::BAD_REQUEST, Json(b)).into_response(),
            ApiError::Unauthorized(e) => {
                let mut r = reply(StatusCode::UNAUTHORIZED, e);
                r.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    header::HeaderValue::from_static("Bearer"),
                );
                r
            }
            ApiError::Forbidden(e) => reply(StatusCode::FORBIDDEN, e),
            ApiError::NotFound(e) => reply(StatusCode::NOT_FOUND, e),
            ApiError::Conflict(e) => reply(StatusCode::CONFLICT, e),
            ApiError::Gap(g) => (StatusCode::CONFLICT, Json(g)).into_response(),
            ApiError::TooLarge(e) => reply(StatusCode::PAYLOAD_TOO_LARGE, e),
            ApiError::Timeout(e) => reply(StatusCode::REQUEST_TIMEOUT, e),
            ApiError::Unavailable => {
                let mut r = reply(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the platform's database is unavailable; retry later".into(),
                );
                r.headers_mut()
                    .insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
                r
            }
            ApiError::Internal => reply(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal error; the request may be retried".into(),
            ),
        }
    }
}
