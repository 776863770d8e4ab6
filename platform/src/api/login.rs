//! The operators' login: `GET /login` (the form), `POST /login` (checks the password, sets the session cookie),
//! `POST /logout`. Every outcome is a 303 redirect (post/redirect/get), so a reload never resends a password.

use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Form;

use super::{ApiError, AppState};
use crate::operators::{self, Login, COOKIE, SESSION_HOURS};

/// Longest name and password field accepted (a password is at most 128 characters; longer is not one).
const MAX_NAME_CHARS: usize = 64;
const MAX_PASSWORD_FIELD: usize = 512;

/// Where an operator lands after logging in.
pub const HOME: &str = "/fleet";

#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct LoginForm {
    /// The operator's name (`sanban-platform operator add NAME`).
    #[schema(max_length = 64)]
    name: String,
    #[schema(max_length = 512)]
    password: String,
}

#[derive(serde::Deserialize)]
pub struct LoginQuery {
    failed: Option<String>,
    locked: Option<String>,
}

#[utoipa::path(get, path = "/login", tag = "operations",
    summary = "Operators' login form (HTML)",
    params(
        ("failed" = Option<String>, Query, description = "Present after a wrong name or password",
            example = "1"),
        ("locked" = Option<String>, Query, description = "Present after too many wrong passwords",
            example = "1")),
    responses((status = 200, description = "HTML page", body = String, content_type = "text/html")))]
pub async fn form(query: Result<Query<LoginQuery>, QueryRejection>) -> Html<String> {
    let (failed, locked) = match query {
        Ok(Query(q)) => (q.failed.is_some(), q.locked.is_some()),
        Err(_) => (false, false),
    };
    let notice = if locked {
        "<p class=\"err\" role=\"alert\">密码错误次数过多，请 15 分钟后再试。<br>\
         <span class=\"en\">Too many wrong passwords: try again in 15 minutes.</span></p>"
    } else if failed {
        "<p class=\"err\" role=\"alert\">用户名或密码错误。<br>\
         <span class=\"en\">Wrong name or password.</span></p>"
    } else {
        ""
    };
    Html(format!(
        "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\"><title>运维登录 · Sanban</title><style>\
         body{{font-family:sans-serif;margin:3em auto;max-width:24em;color:#1a1a1a}}\
         label{{display:block;margin-top:1em}}input{{font-size:1.1em;width:100%;padding:.4em;box-sizing:border-box}}\
         button{{margin-top:1.4em;font-size:1.1em;padding:.5em 2em}}.err{{color:#b00020}}.en{{color:#555}}\
         </style></head><body>\n<h1>运维登录 <span class=\"en\">Operator login</span></h1>\n{notice}\
         <form method=\"post\" action=\"/login\">\
         <label>用户名 <span class=\"en\">Name</span><input name=\"name\" autocomplete=\"username\" required></label>\
         <label>密码 <span class=\"en\">Password</span>\
         <input name=\"password\" type=\"password\" autocomplete=\"current-password\" required></label>\
         <button type=\"submit\">登录 Log in</button></form>\n</body></html>\n"
    ))
}

#[utoipa::path(post, path = "/login", tag = "operations",
    summary = "Log an operator in: sets the session cookie and redirects to the fleet page",
    request_body(content = LoginForm, content_type = "application/x-www-form-urlencoded",
        example = json!({"name": "wang.li", "password": "hall 3 night shift"})),
    responses(
        (status = 303, description = "Right password: to `/fleet` with the session cookie (HttpOnly, \
            SameSite=Strict; Secure behind TLS). Wrong name or password: to `/login?failed=1`; locked out after \
            5 wrong passwords in a row: to `/login?locked=1`")))]
pub async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let Form(form) = form.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    if form.name.chars().count() > MAX_NAME_CHARS
        || form.password.chars().count() > MAX_PASSWORD_FIELD
    {
        return Err(ApiError::BadRequest(format!(
            "name is at most {MAX_NAME_CHARS} characters, password at most {MAX_PASSWORD_FIELD}"
        )));
    }
    Ok(
        match operators::login(&state.store, &form.name, &form.password).await? {
            Login::Started { token, .. } => {
                let cookie = format!(
                    "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
                    SESSION_HOURS * 3600,
                    secure(&headers)
                );
                redirect_with_cookie(HOME, &cookie)
            }
            Login::Refused => redirect("/login?failed=1"),
            Login::Locked { .. } => redirect("/login?locked=1"),
        },
    )
}

#[utoipa::path(post, path = "/logout", tag = "operations",
    summary = "End the operator's session (on every platform instance) and clear its cookie",
    responses((status = 303, description = "To `/login`, the cookie cleared")))]
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(token) = session_cookie(&headers) {
        operators::logout(&state.store, token).await?;
    }
    let cookie = format!(
        "{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}",
        secure(&headers)
    );
    Ok(redirect_with_cookie("/login", &cookie))
}

/// The session cookie's value in a request, if any.
pub fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.trim())
        .filter(|v| !v.is_empty())
}

/// `; Secure` when the client reached the platform over TLS: the platform speaks plain HTTP behind a TLS proxy,
/// which says so with `X-Forwarded-Proto: https` (a forged header can only make the cookie stricter).
fn secure(headers: &HeaderMap) -> &'static str {
    let tls = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"));
    if tls {
        "; Secure"
    } else {
        ""
    }
}

/// The reply to a visitor without a live session: 401, and an HTML page that moves on to the login form.
pub fn login_required() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"refresh\" content=\"0; url=/login\"><title>请先登录 · Sanban</title></head><body>\
         <p><a href=\"/login\">请先登录 Please log in</a></p></body></html>\n",
    )
        .into_response()
}

pub fn redirect(to: &'static str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response()
}

fn redirect_with_cookie(to: &'static str, cookie: &str) -> Response {
    let mut response = redirect(to);
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
