//! `migrate` on PostgreSQL: every table out from one REPEATABLE READ snapshot, or in within one transaction
//! (one `INSERT … SELECT FROM UNNEST` per chunk of rows).

use deadpool_postgres::Object;
use futures_util::{pin_mut, TryStreamExt};
use tokio::sync::mpsc;
use tokio_postgres::types::ToSql;
use tokio_postgres::IsolationLevel;

use super::pg_err;
use crate::store::error::StoreError;
use crate::store::tables::{
    export_stopped, ColumnKind, CopyChunk, CopyItem, Value, CHUNK_ROWS, TABLES,
};

pub async fn export(client: &mut Object, sink: mpsc::Sender<CopyItem>) -> Result<(), StoreError> {
    let tx = client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await
        .map_err(pg_err)?;
    let stopped = || StoreError::Invalid("the target stopped taking rows".into());
    for (index, table) in TABLES.iter().enumerate() {
        let sql = format!(
            "SELECT {} FROM {} ORDER BY {}",
            table.column_list(),
            table.name,
            table.order_by
        );
        let rows = tx
            .query_raw(&sql, std::iter::empty::<i64>())
            .await
            .map_err(pg_err)?;
        pin_mut!(rows);
        let mut chunk = Vec::with_capacity(CHUNK_ROWS);
        while let Some(row) = rows.try_next().await.map_err(pg_err)? {
            let mut values = Vec::with_capacity(table.columns.len());
            for (i, (_, kind)) in table.columns.iter().enumerate() {
                values.push(match kind {
                    ColumnKind::Int => row.get::<_, Option<i64>>(i).map_or(Value::Null, Value::Int),
                    ColumnKind::Text => row
                        .get::<_, Option<String>>(i)
                        .map_or(Value::Null, Value::Text),
                    ColumnKind::Bool => row
                        .get::<_, Option<bool>>(i)
                        .map_or(Value::Null, Value::Bool),
                });
            }
            chunk.push(values);
            if chunk.len() == CHUNK_ROWS {
                let rows = std::mem::take(&mut chunk);
                sink.send(CopyItem::Rows(CopyChunk { table: index, rows }))
                    .await
                    .map_err(|_| stopped())?;
            }
        }
        if !chunk.is_empty() {
            sink.send(CopyItem::Rows(CopyChunk {
                table: index,
                rows: chunk,
            }))
            .await
            .map_err(|_| stopped())?;
        }
    }
    tx.commit().await.map_err(pg_err)?;
    sink.send(CopyItem::Done).await.map_err(|_| stopped())
}

pub async fn import(
    client: &mut Object,
    mut source: mpsc::Receiver<CopyItem>,
    replace: bool,
) -> Result<u64, StoreError> {
    let tx = client.transaction().await.map_err(pg_err)?;
    let mut holding = Vec::new();
    for table in TABLES.iter().filter(|t| t.name != "catalog") {
        let any = tx
            .query_opt(&format!("SELECT 1 FROM {} LIMIT 1", table.name), &[])
            .await
            .map_err(pg_err)?
            .is_some();
        if any {
            holding.push(table.name);
        }
    }
    if !holding.is_empty() && !replace {
        return Err(StoreError::Invalid(format!(
            "the target already holds data (tables {}); use --replace to delete it first",
            holding.join(", ")
        )));
    }
    // The catalog too: the target's seeded version 1 gives way to the source's versions.
    let all: Vec<&str> = TABLES.iter().map(|t| t.name).collect();
    tx.batch_execute(&format!("TRUNCATE {}", all.join(", ")))
        .await
        .map_err(pg_err)?;
    let mut stored = 0u64;
    loop {
        let chunk = match source.recv().await {
            Some(CopyItem::Rows(chunk)) => chunk,
            Some(CopyItem::Done) => break,
            None => return Err(export_stopped()),
        };
        let table = &TABLES[chunk.table];
        let mut arrays: Vec<Box<dyn ToSql + Sync + Send>> = Vec::new();
        let mut casts = Vec::new();
        for (i, (column, kind)) in table.columns.iter().enumerate() {
            let bad = || {
                StoreError::Invalid(format!(
                    "{}.{column}: a value of the wrong kind",
                    table.name
                ))
            };
            match kind {
                ColumnKind::Int => {
                    let col: Result<Vec<Option<i64>>, _> = chunk
                        .rows
                        .iter()
                        .map(|r| match &r[i] {
                            Value::Null => Ok(None),
                            Value::Int(n) => Ok(Some(*n)),
                            _ => Err(bad()),
                        })
                        .collect();
                    arrays.push(Box::new(col?));
                    casts.push(format!("${}::bigint[]", i + 1));
                }
                ColumnKind::Text => {
                    let col: Result<Vec<Option<String>>, _> = chunk
                        .rows
                        .iter()
                        .map(|r| match &r[i] {
                            Value::Null => Ok(None),
                            Value::Text(t) => Ok(Some(t.clone())),
                            _ => Err(bad()),
                        })
                        .collect();
                    arrays.push(Box::new(col?));
                    casts.push(format!("${}::text[]", i + 1));
                }
                ColumnKind::Bool => {
                    let col: Result<Vec<Option<bool>>, _> = chunk
                        .rows
                        .iter()
                        .map(|r| match &r[i] {
                            Value::Null => Ok(None),
                            Value::Bool(b) => Ok(Some(*b)),
                            _ => Err(bad()),
                        })
                        .collect();
                    arrays.push(Box::new(col?));
                    casts.push(format!("${}::bool[]", i + 1));
                }
            }
        }
        let sql = format!(
            "INSERT INTO {} ({}) SELECT * FROM UNNEST({})",
            table.name,
            table.column_list(),
            casts.join(", ")
        );
        let params: Vec<&(dyn ToSql + Sync)> = arrays
            .iter()
            .map(|a| a.as_ref() as &(dyn ToSql + Sync))
            .collect();
        stored += tx.execute(&sql, &params).await.map_err(pg_err)?;
    }
    // Lease ids were copied as they were: the next one must follow the highest.
    tx.batch_execute(
        "SELECT setval(pg_get_serial_sequence('leases', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM leases",
    )
    .await
    .map_err(pg_err)?;
    tx.commit().await.map_err(pg_err)?;
    Ok(stored)
}
