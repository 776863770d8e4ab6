//! Operators and their sessions on SQLite ([`crate::store::operators`]). Writes run in the writer thread, each
//! job in its own savepoint: the statements of one function are stored together or not at all.

use rusqlite::{params, Connection, OptionalExtension};

use crate::store::clock::now_rfc3339;
use crate::store::error::StoreError;
use crate::store::operators::{OperatorCredentials, OperatorRow};

pub fn put(conn: &Connection, name: &str, hash: &str, replace: bool) -> Result<(), StoreError> {
    let exists = conn
        .query_row(
            "SELECT 1 FROM operators WHERE name = ?1",
            [name],
            |_| Ok(()),
        )
        .optional()?
        .is_some();
    if exists && !replace {
        return Err(StoreError::Invalid(format!(
            "operator {name} exists (give --reset to set a new password)"
        )));
    }
    conn.execute("DELETE FROM operator_sessions WHERE operator = ?1", [name])?;
    conn.execute(
        "INSERT INTO operators (name, password_hash, created_at, failed_logins, locked_until)
         VALUES (?1, ?2, ?3, 0, NULL)
         ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash, failed_logins = 0,
                                          locked_until = NULL",
        params![name, hash, now_rfc3339()],
    )?;
    Ok(())
}

pub fn remove(conn: &Connection, name: &str) -> Result<bool, StoreError> {
    conn.execute("DELETE FROM operator_sessions WHERE operator = ?1", [name])?;
    let removed = conn.execute("DELETE FROM operators WHERE name = ?1", [name])? > 0;
    Ok(removed)
}

pub fn list(conn: &Connection) -> Result<Vec<OperatorRow>, StoreError> {
    let mut stmt =
        conn.prepare("SELECT name, created_at, locked_until FROM operators ORDER BY name")?;
    let rows = stmt.query_map([], |r| {
        Ok(OperatorRow {
            name: r.get(0)?,
            created_at: r.get(1)?,
            locked_until: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn credentials(
    conn: &Connection,
    name: &str,
) -> Result<Option<OperatorCredentials>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT password_hash, failed_logins, locked_until FROM operators WHERE name = ?1",
            [name],
            |r| {
                Ok(OperatorCredentials {
                    password_hash: r.get(0)?,
                    failed_logins: r.get(1)?,
                    locked_until: r.get(2)?,
                })
            },
        )
        .optional()?)
}

pub fn login_failed(
    conn: &Connection,
    name: &str,
    limit: u32,
    lock_until: &str,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE operators SET
             locked_until = CASE WHEN failed_logins + 1 >= ?2 THEN ?3 ELSE locked_until END,
             failed_logins = CASE WHEN failed_logins + 1 >= ?2 THEN 0 ELSE failed_logins + 1 END
         WHERE name = ?1",
        params![name, limit, lock_until],
    )?;
    Ok(())
}

pub fn start_session(
    conn: &Connection,
    name: &str,
    token_hash: &str,
    expires_at: &str,
) -> Result<(), StoreError> {
    let now = now_rfc3339();
    conn.execute(
        "DELETE FROM operator_sessions WHERE expires_at <= ?1",
        [&now],
    )?;
    conn.execute(
        "UPDATE operators SET failed_logins = 0, locked_until = NULL WHERE name = ?1",
        [name],
    )?;
    conn.execute(
        "INSERT INTO operator_sessions (token_sha256, operator, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4)",
        params![token_hash, name, now, expires_at],
    )?;
    Ok(())
}

pub fn session_operator(
    conn: &Connection,
    token_hash: &str,
    now: &str,
) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT operator FROM operator_sessions WHERE token_sha256 = ?1 AND expires_at > ?2",
            params![token_hash, now],
            |r| r.get(0),
        )
        .optional()?)
}

pub fn end_session(conn: &Connection, token_hash: &str) -> Result<(), StoreError> {
    conn.execute(
        "DELETE FROM operator_sessions WHERE token_sha256 = ?1",
        [token_hash],
    )?;
    Ok(())
}
