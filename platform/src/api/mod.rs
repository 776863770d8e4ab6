//! HTTP API v1 (axum). The routes are one table ([`routes`]) so that the router and the list checked against the
//! OpenAPI document ([`served_routes`]) cannot drift apart.

pub(crate) mod applications;
pub(crate) mod appointments;
mod body;
pub(crate) mod catalog;
pub(crate) mod events;
pub(crate) mod heartbeat;
mod json_errors;
pub(crate) mod keys;
pub(crate) mod leases;
pub(crate) mod login;
pub(crate) mod misc;
pub(crate) mod pickups;
pub(crate) mod slots;

use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{get, post, MethodRouter};
use axum::Router;

pub use crate::error::ApiError;
pub use crate::state::AppState;

/// Largest request body accepted (413 above).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// A request (body upload included) taking longer than this gets 408: a stalled client cannot pin a task forever.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Public,
    /// A registered kiosk's bearer token; with `{id}` in the path, that kiosk's own.
    Kiosk,
    /// A logged-in operator's session cookie; without one, a redirect to `/login`.
    Operator,
}

struct RouteSpec {
    method: Method,
    path: &'static str,
    access: Access,
    handler: MethodRouter<AppState>,
}

fn route_get<H: Handler<T, AppState>, T: 'static>(
    path: &'static str,
    access: Access,
    h: H,
) -> RouteSpec {
    RouteSpec {
        method: Method::GET,
        path,
        access,
        handler: get(h),
    }
}

fn route_post<H: Handler<T, AppState>, T: 'static>(
    path: &'static str,
    access: Access,
    h: H,
) -> RouteSpec {
    RouteSpec {
        method: Method::POST,
        path,
        access,
        handler: post(h),
    }
}

fn routes() -> Vec<RouteSpec> {
    use Access::*;
    vec![
        route_get("/healthz", Public, misc::healthz),
        route_get("/login", Public, login::form),
        route_post("/login", Public, login::login),
        route_post("/logout", Public, login::logout),
        route_get("/fleet", Operator, crate::fleet::page),
        route_get("/fleet/kiosks/{id}", Operator, crate::fleet::detail::page),
        route_get("/kpi", Operator, crate::kpi::page::page),
        route_get("/v1/openapi.json", Public, crate::openapi::openapi),
        route_get("/v1/catalog", Kiosk, catalog::get_catalog),
        route_get("/v1/slots", Kiosk, slots::get_slots),
        route_post("/v1/appointments", Kiosk, slots::post_appointment),
        route_post("/v1/appointments/lookup", Kiosk, appointments::post_lookup),
        route_get("/v1/calendar", Kiosk, appointments::get_calendar),
        route_get("/v1/applications", Kiosk, applications::get_applications),
        route_post("/v1/kiosks/{id}/events", Kiosk, events::post_events),
        route_post("/v1/kiosks/{id}/ticket-leases", Kiosk, leases::post_leases),
        route_get("/v1/kiosks/{id}/pickups", Kiosk, pickups::get_pickups),
        route_get("/v1/kiosks/{id}/citizen-key", Kiosk, keys::get_citizen_key),
        route_post(
            "/v1/kiosks/{id}/heartbeat",
            Kiosk,
            heartbeat::post_heartbeat,
        ),
    ]
}

/// Every (method, path, access) the router serves, for the OpenAPI test.
pub fn served_routes() -> Vec<(Method, &'static str, Access)> {
    routes()
        .into_iter()
        .map(|r| (r.method, r.path, r.access))
        .collect()
}

/// The platform's router over `state`.
pub fn router(state: AppState) -> Router {
    router_with_timeout(state, REQUEST_TIMEOUT)
}

/// The platform's router over `state`, a request taking longer than `request_timeout` getting 408.
pub fn router_with_timeout(state: AppState, request_timeout: Duration) -> Router {
    let mut router = Router::new();
    for spec in routes() {
        let handler = match spec.access {
            Access::Public => spec.handler,
            Access::Kiosk => spec
                .handler
                .route_layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    crate::auth::require_kiosk,
                )),
            Access::Operator => spec
                .handler
                .route_layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    crate::auth::require_operator,
                )),
        };
        router = router.route(spec.path, handler);
    }
    router
        .fallback(misc::not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(move |req, next| {
            json_errors::time_limit(request_timeout, req, next)
        }))
        // Outermost, so that it sees every reply: axum's own (405, extractor rejections) included.
        .layer(axum::middleware::map_response(json_errors::as_json))
        .with_state(state)
}
