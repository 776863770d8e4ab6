//! Every error reply is JSON (`{"error": "..."}`), whoever produced it: the handlers' [`ApiError`]s already are;
//! axum's own replies (405 with `Allow`, path and query rejections) are rewritten here, keeping their headers.
//! The one exception is an HTML page of the operators' pages (their 401 moves a browser on to the login form),
//! documented as such.

use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::ApiError;

/// The longest plain-text reason kept from a rewritten reply.
const MAX_REASON_BYTES: usize = 1024;

/// 408 for a request (body upload included) that takes longer than `limit`: a stalled client cannot pin a task.
pub async fn time_limit(limit: Duration, req: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(response) => response,
        Err(_) => ApiError::Timeout(format!(
            "the request took longer than {} s",
            limit.as_secs_f64()
        ))
        .into_response(),
    }
}

/// Rewrites an error reply that is not JSON into one that is, with the same status and headers.
pub async fn as_json(response: Response) -> Response {
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let ours =
        content_type.starts_with("application/json") || content_type.starts_with("text/html");
    if !(status.is_client_error() || status.is_server_error()) || ours {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, MAX_REASON_BYTES)
        .await
        .ok()
        .and_then(|b| String::from_utf8(b.to_vec()).ok())
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| {
            status
                .canonical_reason()
                .unwrap_or("error")
                .to_ascii_lowercase()
        });
    let body = serde_json::to_vec(&sanban_wire::ApiError { error: text }).unwrap_or_default();
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(body))
}
