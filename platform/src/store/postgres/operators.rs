//! Operators and their sessions on PostgreSQL ([`crate::store::operators`]).

use deadpool_postgres::Object;

use super::pg_err;
use crate::store::clock::now_rfc3339;
use crate::store::error::StoreError;
use crate::store::operators::{OperatorCredentials, OperatorRow};

pub async fn put(
    client: &mut Object,
    name: &str,
    hash: &str,
    replace: bool,
) -> Result<(), StoreError> {
    let tx = client.transaction().await.map_err(pg_err)?;
    let exists = tx
        .query_opt(
            "SELECT 1 FROM operators WHERE name = $1 FOR UPDATE",
            &[&name],
        )
        .await
        .map_err(pg_err)?
        .is_some();
    if exists && !replace {
        return Err(StoreError::Invalid(format!(
            "operator {name} exists (give --reset to set a new password)"
        )));
    }
    tx.execute(
        "DELETE FROM operator_sessions WHERE operator = $1",
        &[&name],
    )
    .await
    .map_err(pg_err)?;
    tx.execute(
        "INSERT INTO operators (name, password_hash, created_at, failed_logins, locked_until)
         VALUES ($1, $2, $3, 0, NULL)
         ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash, failed_logins = 0,
                                          locked_until = NULL",
        &[&name, &hash, &now_rfc3339()],
    )
    .await
    .map_err(pg_err)?;
    tx.commit().await.map_err(pg_err)
}

pub async fn remove(client: &mut Object, name: &str) -> Result<bool, StoreError> {
    let tx = client.transaction().await.map_err(pg_err)?;
    tx.execute(
        "DELETE FROM operator_sessions WHERE operator = $1",
        &[&name],
    )
    .await
    .map_err(pg_err)?;
    let removed = tx
        .execute("DELETE FROM operators WHERE name = $1", &[&name])
        .await
        .map_err(pg_err)?
        > 0;
    tx.commit().await.map_err(pg_err)?;
    Ok(removed)
}

pub async fn list(client: &Object) -> Result<Vec<OperatorRow>, StoreError> {
    Ok(client
        .query(
            "SELECT name, created_at, locked_until FROM operators ORDER BY name",
            &[],
        )
        .await
        .map_err(pg_err)?
        .iter()
        .map(|r| OperatorRow {
            name: r.get(0),
            created_at: r.get(1),
            locked_until: r.get(2),
        })
        .collect())
}

pub async fn credentials(
    client: &Object,
    name: &str,
) -> Result<Option<OperatorCredentials>, StoreError> {
    Ok(client
        .query_opt(
            "SELECT password_hash, failed_logins, locked_until FROM operators WHERE name = $1",
            &[&name],
        )
        .await
        .map_err(pg_err)?
        .map(|r| OperatorCredentials {
            password_hash: r.get(0),
            failed_logins: u32::try_from(r.get::<_, i64>(1)).unwrap_or(u32::MAX),
            locked_until: r.get(2),
        }))
}

pub async fn login_failed(
    client: &Object,
    name: &str,
    limit: u32,
    lock_until: &str,
) -> Result<(), StoreError> {
    // One statement: two instances counting the same operator's failures never lose one.
    client
        .execute(
            "UPDATE operators SET
                 locked_until = CASE WHEN failed_logins + 1 >= $2 THEN $3 ELSE locked_until END,
                 failed_logins = CASE WHEN failed_logins + 1 >= $2 THEN 0 ELSE failed_logins + 1 END
             WHERE name = $1",
            &[&name, &i64::from(limit), &lock_until],
        )
        .await
        .map_err(pg_err)?;
    Ok(())
}

pub async fn start_session(
    client: &mut Object,
    name: &str,
    token_hash: &str,
    expires_at: &str,
) -> Result<(), StoreError> {
    let now = now_rfc3339();
    let tx = client.transaction().await.map_err(pg_err)?;
    tx.execute(
        "DELETE FROM operator_sessions WHERE expires_at <= $1",
        &[&now],
    )
    .await
    .map_err(pg_err)?;
    tx.execute(
        "UPDATE operators SET failed_logins = 0, locked_until = NULL WHERE name = $1",
        &[&name],
    )
    .await
    .map_err(pg_err)?;
    tx.execute(
        "INSERT INTO operator_sessions (token_sha256, operator, created_at, expires_at)
         VALUES ($1, $2, $3, $4)",
        &[&token_hash, &name, &now, &expires_at],
    )
    .await
    .map_err(pg_err)?;
    tx.commit().await.map_err(pg_err)
}

pub async fn session_operator(
    client: &Object,
    token_hash: &str,
    now: &str,
) -> Result<Option<String>, StoreError> {
    Ok(client
        .query_opt(
            "SELECT operator FROM operator_sessions WHERE token_sha256 = $1 AND expires_at > $2",
            &[&token_hash, &now],
        )
        .await
        .map_err(pg_err)?
        .map(|r| r.get(0)))
}

pub async fn end_session(client: &Object, token_hash: &str) -> Result<(), StoreError> {
    client
        .execute(
            "DELETE FROM operator_sessions WHERE token_sha256 = $1",
            &[&token_hash],
        )
        .await
        .map_err(pg_err)?;
    Ok(())
}
