//! Authentication of requests: kiosks by `Authorization: Bearer <token>` (only the token's SHA-256 is stored,
//! see [`crate::tokens`]), operators by their session cookie.

use axum::extract::{RawPathParams, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::state::AppState;
pub use crate::tokens::{ct_eq, hash_token, new_token};

/// The authenticated kiosk, put in the request's extensions by [`require_kiosk`].
#[derive(Debug, Clone)]
pub struct AuthedKiosk(pub String);

/// Kiosk ids: short, safe in paths, logs and HTML.
pub fn valid_kiosk_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn bearer(req: &Request) -> Option<&str> {
    let value = req
        .headers()
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Middleware of every kiosk route. With an `{id}` in the path the token must be that kiosk's (another kiosk's
/// token: 403); without one, any registered kiosk's token will do. Runs before the body is read.
pub async fn require_kiosk(
    State(state): State<AppState>,
    params: RawPathParams,
    mut req: Request,
    next: Next,
) -> Response {
    let path_kiosk = params
        .iter()
        .find(|(k, _)| *k == "id")
        .map(|(_, v)| v.to_string());
    let Some(token) = bearer(&req) else {
        return ApiError::Unauthorized("missing bearer token".into()).into_response();
    };
    let hash = hash_token(token);
    match authenticate(&state, path_kiosk, hash).await {
        Ok(kiosk) => {
            req.extensions_mut().insert(AuthedKiosk(kiosk));
            next.run(req).await
        }
        Err(e) => e.into_response(),
    }
}

async fn authenticate(
    state: &AppState,
    path_kiosk: Option<String>,
    hash: String,
) -> Result<String, ApiError> {
    if let Some(id) = &path_kiosk {
        if let Some(stored) = state.store.kiosk_token_hash(id).await? {
            if ct_eq(&stored, &hash) {
                return Ok(id.clone());
            }
        }
    }
    // Not this kiosk's token: is it any kiosk's?
    let holder = state
        .store
        .kiosk_by_token_hash(&hash)
        .await?
        .filter(|(_, stored)| ct_eq(stored, &hash));
    match (holder, path_kiosk) {
        (None, _) => Err(ApiError::Unauthorized("invalid token".into())),
        (Some((holder, _)), None) => Ok(holder),
        (Some((holder, _)), Some(id)) => Err(ApiError::Forbidden(format!(
            "the token of kiosk {holder} may not act for kiosk {id}"
        ))),
    }
}

/// The operator logged in on this request, put in its extensions by [`require_operator`].
#[derive(Debug, Clone)]
pub struct AuthedOperator(pub String);

/// Middleware of the operators' pages: a live session cookie, or 401 with a page that sends the browser on to the
/// login form (a 401 rather than a redirect: without a session nothing else of the request is looked at, and an API
/// client is told so plainly).
pub async fn require_operator(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let token = crate::api::login::session_cookie(req.headers()).map(str::to_string);
    let operator = match token {
        Some(token) => match crate::operators::session(&state.store, &token).await {
            Ok(operator) => operator,
            Err(e) => return ApiError::from(e).into_response(),
        },
        None => None,
    };
    match operator {
        Some(name) => {
            req.extensions_mut().insert(AuthedOperator(name));
            next.run(req).await
        }
        None => crate::api::login::login_required(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kiosk_ids() {
        assert!(valid_kiosk_id("K07-hall_2"));
        assert!(!valid_kiosk_id(""));
        assert!(!valid_kiosk_id("K 07"));
        assert!(!valid_kiosk_id("<script>"));
    }
}
