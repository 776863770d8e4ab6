//! Operators of the fleet and KPI pages: accounts made by `sanban-platform operator add`, passwords kept only as
//! Argon2id hashes (OWASP's parameters: m = 19 MiB, t = 2, p = 1), a lock-out after wrong passwords in a row, and
//! sessions carried by a random cookie whose SHA-256 alone is stored — in the shared store, so every platform
//! instance knows every session and a logout ends it everywhere.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use chrono::{Duration, SecondsFormat, Utc};

use crate::store::{now_rfc3339, Store, StoreError};
use crate::tokens::{hash_token, new_token};

/// The session cookie's name.
pub const COOKIE: &str = "sanban_session";
/// How long a session lasts (a working shift); then the operator logs in again.
pub const SESSION_HOURS: i64 = 8;
/// Wrong passwords in a row that lock an operator out, and for how long.
pub const FAILED_LOGIN_LIMIT: u32 = 5;
pub const LOCKOUT_MINUTES: i64 = 15;
pub const MIN_PASSWORD_CHARS: usize = 10;
pub const MAX_PASSWORD_CHARS: usize = 128;

fn argon2() -> Argon2<'static> {
    let params =
        Params::new(19 * 1024, 2, 1, None).expect("OWASP parameters are valid Argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Operator names: short, printable ASCII, safe in HTML and logs.
pub fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// The PHC string of a new Argon2id hash of `password`, once it meets the length policy.
pub fn hash_password(password: &str) -> Result<String, String> {
    let chars = password.chars().count();
    if !(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&chars) {
        return Err(format!(
            "a password is {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters"
        ));
    }
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| format!("cannot hash the password: {e}"))
}

fn verify(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| argon2().verify_password(password.as_bytes(), &h).is_ok())
}

/// A hash of nothing anyone knows, checked for unknown names so that a wrong name takes as long as a wrong
/// password (names cannot be told apart by timing).
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password(&new_token()).unwrap_or_default())
}

/// What a login attempt came to.
#[derive(Debug, PartialEq, Eq)]
pub enum Login {
    /// The cookie value to set, and when the session ends.
    Started { token: String, expires_at: String },
    /// Wrong name or password (the two are not told apart).
    Refused,
    /// Locked out after too many wrong passwords, until this time.
    Locked { until: String },
}

/// Checks `password` for `name` and starts a session when it is right.
pub async fn login(store: &Store, name: &str, password: &str) -> Result<Login, StoreError> {
    let now = now_rfc3339();
    let credentials = if valid_name(name) {
        store.operator_credentials(name).await?
    } else {
        None
    };
    if let Some(until) = credentials.as_ref().and_then(|c| c.locked_until.clone()) {
        if until > now {
            return Ok(Login::Locked { until });
        }
    }
    let hash = credentials
        .as_ref()
        .map(|c| c.password_hash.clone())
        .unwrap_or_else(|| decoy_hash().to_string());
    let password = password.to_string();
    // Argon2id takes tens of milliseconds by design: off the async workers.
    let right = tokio::task::spawn_blocking(move || verify(&hash, &password))
        .await
        .map_err(|_| StoreError::Panicked)?;
    if credentials.is_none() {
        return Ok(Login::Refused);
    }
    if !right {
        let lock_until = stamp(Utc::now() + Duration::minutes(LOCKOUT_MINUTES));
        store
            .operator_login_failed(name, FAILED_LOGIN_LIMIT, &lock_until)
            .await?;
        return Ok(Login::Refused);
    }
    let token = new_token();
    let expires_at = stamp(Utc::now() + Duration::hours(SESSION_HOURS));
    store
        .start_operator_session(name, &hash_token(&token), &expires_at)
        .await?;
    Ok(Login::Started { token, expires_at })
}

/// The operator whose live session this cookie value is.
pub async fn session(store: &Store, token: &str) -> Result<Option<String>, StoreError> {
    store
        .session_operator(&hash_token(token), &now_rfc3339())
        .await
}

pub async fn logout(store: &Store, token: &str) -> Result<(), StoreError> {
    store.end_operator_session(&hash_token(token)).await
}

fn stamp(t: chrono::DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_argon2id_and_only_the_right_one_verifies() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify(&hash, "correct horse battery"));
        assert!(!verify(&hash, "correct horse batterY"));
        assert!(!verify("not a hash", "correct horse battery"));
        assert!(hash_password("short").is_err());
    }

    #[test]
    fn names_are_plain() {
        assert!(valid_name("wang.li-2"));
        assert!(!valid_name("") && !valid_name("a b") && !valid_name("<b>") && !valid_name("王"));
    }
}
