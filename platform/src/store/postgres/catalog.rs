//! The versioned service catalog on PostgreSQL (rules and parsing shared in `store::catalog`). Publishing takes a
//! table lock, so an import's comparison and its insert see the same newest version whatever other instances do.

use std::sync::Arc;

use deadpool_postgres::{GenericClient, Object};
use sanban_wire::{CatalogFile, Service};

use super::{pg_err, to_i64, to_u64};
use crate::store::catalog::{
    check_services, empty, newest_is_unreadable, parse_stored, seed_services, unchanged_version,
    unreadable, CatalogCache, CatalogIndex, Imported, Stored,
};
use crate::store::clock::now_rfc3339;
use crate::store::error::StoreError;

/// The newest catalog version, from `cache` when it is still current (one small query otherwise: another
/// instance may have published a new version).
pub async fn current_catalog(
    client: &impl GenericClient,
    cache: &CatalogCache,
) -> Result<Arc<CatalogIndex>, StoreError> {
    let stmt = client
        .prepare_cached("SELECT MAX(version) FROM catalog")
        .await
        .map_err(pg_err)?;
    let newest: Option<i64> = client.query_one(&stmt, &[]).await.map_err(pg_err)?.get(0);
    let newest = to_u64(newest.ok_or_else(empty)?);
    if let Some(index) = cache.get(newest) {
        return Ok(index);
    }
    let text: String = client
        .query_one(
            "SELECT services FROM catalog WHERE version = $1",
            &[&to_i64(newest)?],
        )
        .await
        .map_err(pg_err)?
        .get(0);
    let index = Arc::new(CatalogIndex::parse(newest, &text)?);
    cache.put(index.clone());
    Ok(index)
}

pub async fn publish_catalog(client: &mut Object, services: &[Service]) -> Result<u64, StoreError> {
    check_services(services)?;
    let tx = client.transaction().await.map_err(pg_err)?;
    let version = publish_locked(&tx, services).await?;
    tx.commit().await.map_err(pg_err)?;
    Ok(version)
}

pub async fn import_catalog(
    client: &mut Object,
    services: &[Service],
) -> Result<Imported, StoreError> {
    check_services(services)?;
    let tx = client.transaction().await.map_err(pg_err)?;
    lock_catalog(&tx).await?;
    let outcome = match unchanged_version(newest_stored(&tx).await?.as_ref(), services) {
        Some(version) => Imported::Unchanged { version },
        None => Imported::Published {
            version: publish_locked(&tx, services).await?,
        },
    };
    tx.commit().await.map_err(pg_err)?;
    Ok(outcome)
}

pub async fn export_catalog(client: &Object) -> Result<(u64, CatalogFile), StoreError> {
    match newest_stored(client).await? {
        None => Err(empty()),
        Some((version, Ok(services))) => Ok((version, CatalogFile { services })),
        Some((version, Err(e))) => Err(unreadable(version, &e)),
    }
}

/// Installs the demo catalog as version 1 (the first migration, in its transaction).
pub(super) async fn seed(tx: &impl GenericClient) -> Result<(), StoreError> {
    let services = seed_services()?;
    publish_locked(tx, &services).await?;
    Ok(())
}

/// The upgrade to the national fields (in the migration's transaction): see [`newest_is_unreadable`].
pub(super) async fn replace_unreadable_newest(tx: &impl GenericClient) -> Result<(), StoreError> {
    if newest_is_unreadable(newest_stored(tx).await?.as_ref()) {
        publish_locked(tx, &seed_services()?).await?;
    }
    Ok(())
}

/// One publisher at a time, until the end of the transaction: the next version number is read and written under
/// this lock.
async fn lock_catalog(tx: &impl GenericClient) -> Result<(), StoreError> {
    tx.execute("LOCK TABLE catalog IN SHARE ROW EXCLUSIVE MODE", &[])
        .await
        .map_err(pg_err)?;
    Ok(())
}

/// Stores checked `services` as the next version, inside the caller's transaction.
async fn publish_locked(tx: &impl GenericClient, services: &[Service]) -> Result<u64, StoreError> {
    lock_catalog(tx).await?;
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
    Ok(to_u64(version))
}

async fn newest_stored(client: &impl GenericClient) -> Result<Option<Stored>, StoreError> {
    let row = client
        .query_opt(
            "SELECT version, services FROM catalog ORDER BY version DESC LIMIT 1",
            &[],
        )
        .await
        .map_err(pg_err)?;
    Ok(row.map(|r| parse_stored(to_u64(r.get(0)), r.get::<_, &str>(1))))
}
