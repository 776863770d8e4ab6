//! The platform's secrets on PostgreSQL: the hall's key of `citizen_ref` (see
//! [`crate::store::Backend::citizen_key`]) and each kiosk's maintenance code secret.

use deadpool_postgres::Object;

use super::pg_err;
use crate::store::clock::now_rfc3339;
use crate::store::error::StoreError;
use crate::store::model::{maintenance_secret_name, new_citizen_key, new_secret, unknown_kiosk};

/// The key (hex), made on first use. Two instances making it at once: the first insert wins (the other's does
/// nothing) and both answer the stored one, so every kiosk gets the same key.
pub async fn citizen_key(client: &Object) -> Result<String, StoreError> {
    let select = "SELECT value FROM platform_secrets WHERE name = 'citizen_ref_key'";
    if let Some(row) = client.query_opt(select, &[]).await.map_err(pg_err)? {
        return Ok(row.get(0));
    }
    client
        .execute(
            "INSERT INTO platform_secrets (name, value, created_at) VALUES ('citizen_ref_key', $1, $2)
             ON CONFLICT (name) DO NOTHING",
            &[&new_citizen_key(), &now_rfc3339()],
        )
        .await
        .map_err(pg_err)?;
    Ok(client.query_one(select, &[]).await.map_err(pg_err)?.get(0))
}

/// The kiosk's maintenance secret, made when missing or with `rotate` (the last writer wins a race of rotations).
pub async fn maintenance_secret(
    client: &Object,
    kiosk: &str,
    rotate: bool,
) -> Result<String, StoreError> {
    let known = client
        .query_opt("SELECT 1 FROM kiosks WHERE id = $1", &[&kiosk])
        .await
        .map_err(pg_err)?
        .is_some();
    if !known {
        return Err(unknown_kiosk(kiosk));
    }
    let name = maintenance_secret_name(kiosk);
    if rotate {
        client
            .execute(
                "INSERT INTO platform_secrets (name, value, created_at) VALUES ($1, $2, $3)
                 ON CONFLICT (name) DO UPDATE SET value = excluded.value, created_at = excluded.created_at",
                &[&name, &new_secret(), &now_rfc3339()],
            )
            .await
            .map_err(pg_err)?;
    } else {
        client
            .execute(
                "INSERT INTO platform_secrets (name, value, created_at) VALUES ($1, $2, $3)
                 ON CONFLICT (name) DO NOTHING",
                &[&name, &new_secret(), &now_rfc3339()],
            )
            .await
            .map_err(pg_err)?;
    }
    Ok(stored_maintenance_secret(client, kiosk)
        .await?
        .unwrap_or_default())
}

pub async fn stored_maintenance_secret(
    client: &Object,
    kiosk: &str,
) -> Result<Option<String>, StoreError> {
    Ok(client
        .query_opt(
            "SELECT value FROM platform_secrets WHERE name = $1",
            &[&maintenance_secret_name(kiosk)],
        )
        .await
        .map_err(pg_err)?
        .map(|r| r.get(0)))
}
