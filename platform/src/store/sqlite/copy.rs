//! `migrate` on SQLite: every table out in chunks (one read transaction: one snapshot), or in (one transaction).

use rusqlite::types::ValueRef;
use rusqlite::{params_from_iter, Connection};
use tokio::sync::mpsc;

use crate::store::error::StoreError;
use crate::store::tables::{
    export_stopped, ColumnKind, CopyChunk, CopyItem, Value, CHUNK_ROWS, TABLES,
};

pub fn export(conn: &Connection, sink: &mpsc::Sender<CopyItem>) -> Result<(), StoreError> {
    conn.execute_batch("BEGIN")?;
    let result = export_all(conn, sink);
    let _ = conn.execute_batch("COMMIT");
    result?;
    sink.blocking_send(CopyItem::Done)
        .map_err(|_| StoreError::Invalid("the target stopped taking rows".into()))
}

fn export_all(conn: &Connection, sink: &mpsc::Sender<CopyItem>) -> Result<(), StoreError> {
    for (index, table) in TABLES.iter().enumerate() {
        let mut stmt = conn.prepare(&format!(
            "SELECT {} FROM {} ORDER BY {}",
            table.column_list(),
            table.name,
            table.order_by
        ))?;
        let mut rows = stmt.query([])?;
        let mut chunk = Vec::with_capacity(CHUNK_ROWS);
        while let Some(row) = rows.next()? {
            let mut values = Vec::with_capacity(table.columns.len());
            for (i, (column, kind)) in table.columns.iter().enumerate() {
                values.push(match (row.get_ref(i)?, kind) {
                    (ValueRef::Null, _) => Value::Null,
                    (ValueRef::Integer(n), ColumnKind::Bool) => Value::Bool(n != 0),
                    (ValueRef::Integer(n), ColumnKind::Int) => Value::Int(n),
                    (ValueRef::Text(t), ColumnKind::Text) => {
                        Value::Text(String::from_utf8_lossy(t).into_owned())
                    }
                    _ => {
                        return Err(StoreError::Invalid(format!(
                            "{}.{column} holds a value of an unexpected type",
                            table.name
                        )))
                    }
                });
            }
            chunk.push(values);
            if chunk.len() == CHUNK_ROWS {
                send(sink, index, std::mem::take(&mut chunk))?;
            }
        }
        if !chunk.is_empty() {
            send(sink, index, chunk)?;
        }
    }
    Ok(())
}

fn send(
    sink: &mpsc::Sender<CopyItem>,
    table: usize,
    rows: Vec<Vec<Value>>,
) -> Result<(), StoreError> {
    sink.blocking_send(CopyItem::Rows(CopyChunk { table, rows }))
        .map_err(|_| StoreError::Invalid("the target stopped taking rows".into()))
}

/// Runs inside the writer's transaction (an error undoes everything).
pub fn import(
    conn: &Connection,
    source: &mut mpsc::Receiver<CopyItem>,
    replace: bool,
) -> Result<u64, StoreError> {
    let holding: Vec<&str> = TABLES
        .iter()
        .filter(|t| t.name != "catalog")
        .filter_map(|t| {
            let n: Result<i64, _> =
                conn.query_row(&format!("SELECT COUNT(*) FROM {}", t.name), [], |r| {
                    r.get(0)
                });
            match n {
                Ok(0) => None,
                _ => Some(t.name),
            }
        })
        .collect();
    if !holding.is_empty() && !replace {
        return Err(StoreError::Invalid(format!(
            "the target already holds data (tables {}); use --replace to delete it first",
            holding.join(", ")
        )));
    }
    // The catalog too: the target's seeded version 1 gives way to the source's versions.
    for table in TABLES.iter().rev() {
        conn.execute(&format!("DELETE FROM {}", table.name), [])?;
    }
    let mut stored = 0u64;
    loop {
        let chunk = match source.blocking_recv() {
            Some(CopyItem::Rows(chunk)) => chunk,
            Some(CopyItem::Done) => return Ok(stored),
            None => return Err(export_stopped()),
        };
        let table = &TABLES[chunk.table];
        let placeholders = vec!["?"; table.columns.len()].join(", ");
        let mut stmt = conn.prepare_cached(&format!(
            "INSERT INTO {} ({}) VALUES ({placeholders})",
            table.name,
            table.column_list()
        ))?;
        for row in &chunk.rows {
            let values = row.iter().map(|v| match v {
                Value::Null => rusqlite::types::Value::Null,
                Value::Int(n) => rusqlite::types::Value::Integer(*n),
                Value::Bool(b) => rusqlite::types::Value::Integer(i64::from(*b)),
                Value::Text(t) => rusqlite::types::Value::Text(t.clone()),
            });
            stmt.execute(params_from_iter(values))?;
            stored += 1;
        }
    }
}
