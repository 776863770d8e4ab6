//! The hall's key of `citizen_ref` on PostgreSQL (see [`crate::store::Backend::citizen_key`]).

use deadpool_postgres::Object;

use super::pg_err;
use crate::store::model::new_citizen_key;
use crate::store::{now_rfc3339, StoreError};

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
