//! Operators of the fleet and KPI pages as the store holds them: a name, an Argon2id hash of the password, the
//! count of wrong passwords in a row and a lock-out, and sessions by the SHA-256 of their cookie (the cookie
//! itself is never stored). Times are RFC 3339 UTC with milliseconds ([`super::now_rfc3339`]), so comparing them
//! as text compares them as times.

use serde::Serialize;

/// An operator as `sanban-platform operator list` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OperatorRow {
    pub name: String,
    pub created_at: String,
    pub locked_until: Option<String>,
}

/// What a login is checked against.
#[derive(Clone, PartialEq, Eq)]
pub struct OperatorCredentials {
    pub password_hash: String,
    pub failed_logins: u32,
    pub locked_until: Option<String>,
}

impl std::fmt::Debug for OperatorCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OperatorCredentials")
            .field("password_hash", &"<hidden>")
            .field("failed_logins", &self.failed_logins)
            .field("locked_until", &self.locked_until)
            .finish()
    }
}
