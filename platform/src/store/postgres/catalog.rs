//! The versioned service catalog on PostgreSQL (rules and parsing shared with SQLite in `store::catalog`).

use std::sync::Arc;

use deadpool_postgres::Object;
use sanban_wire::Service;

use super::{pg_err, to_u64};
use crate::store::catalog::check_services;
use crate::store::{now_rfc3339, CatalogCache, CatalogIndex, StoreError};

/// The newest catalog version, from `cache` when it is still current (one small query otherwise: another
/// instance may have published a new version).
pub async fn current_catalog(
    client: &tokio_postgres::Client,
    cache: &CatalogCache,
) -> Result<Arc<CatalogIndex>, StoreError> {
    let stmt = client
        .prepare("SELECT MAX(version) FROM catalog")
        .await
        .map_err(pg_err)?;
    let newest: Option<i64> = client.query_one(&stmt, &[]).await.map_err(pg_err)?.get(0);
    let newest = newest.ok_or_else(|| StoreError::Invalid("the catalog is empty".into()))?;
    if let Some(index) = cache.get(to_u64(newest)) {
        return Ok(index);
    }
    let text: Option<String> = client
        .query_opt(
            "SELECT services FROM catalog WHERE version = $1",
            &[&newest],
        )
        .await
        .map_err(pg_err)?
        .map(|r| r.get(0));
    let services: Vec<Service> = serde_json::from_str(&text.unwrap_or_else(|| "[]".into()))?;
    let index = Arc::new(CatalogIndex::new(to_u64(newest), services));
    cache.put(index.clone());
    Ok(index)
}

pub async fn publish_catalog(client: &mut Object, services: &[Service]) -> Result<u64, StoreError> {
    check_services(services)?;
    let tx = client.transaction().await.map_err(pg_err)?;
    // One publisher at a time: the next version number is read and written under this lock.
    tx.execute("LOCK TABLE catalog IN SHARE ROW EXCLUSIVE MODE", &[])
        .await
        .map_err(pg_err)?;
    let version: i64 = tx
        .query_one("SELECT COALESCE(MAX(version), 0) + 1 FROM catalog", &[])
        .await
        .map_err(pg_err)?
        .get(0);
    tx.execute(
        "INSERT INTO catalog (version, published_at, services) VALUES ($1, $2, $3)",
        &[&version, &now_rfc3339(), &serde_json::to_string(services)?],
    )
    .await
    .map_err(pg_err)?;
    tx.commit().await.map_err(pg_err)?;
    Ok(to_u64(version))
}
