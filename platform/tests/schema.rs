//! Both stores' schemas are exactly the table list `migrate` copies (`store::tables::TABLES`): same tables, same
//! columns in the same order, values of the same kinds. Adding a table to one store only fails here.

mod common;

use common::{StoreKind, TestDb};
use sanban_platform::store::tables::{ColumnKind, TABLES};
use sanban_platform::DbUrl;

on_both_stores!(the_schema_is_the_table_list);

/// (table, [(column, declared type)]) of every table but `schema_version`, by name.
async fn columns(db: &DbUrl) -> Vec<(String, Vec<(String, String)>)> {
    let mut out = Vec::new();
    match db {
        DbUrl::Sqlite(path) => {
            let conn = rusqlite::Connection::open(path).unwrap();
            let mut tables = conn
                .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'schema_version' ORDER BY name")
                .unwrap();
            let names: Vec<String> = tables
                .query_map([], |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            for name in names {
                let mut info = conn.prepare(&format!("PRAGMA table_info({name})")).unwrap();
                let cols: Vec<(String, String)> = info
                    .query_map([], |r| {
                        Ok((r.get(1)?, r.get::<_, String>(2)?.to_uppercase()))
                    })
                    .unwrap()
                    .collect::<Result<_, _>>()
                    .unwrap();
                out.push((name, cols));
            }
        }
        DbUrl::Postgres(url) => {
            let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(conn);
            let rows = client
                .query(
                    "SELECT table_name, column_name, upper(data_type) FROM information_schema.columns
                     WHERE table_schema = 'public' AND table_name != 'schema_version'
                     ORDER BY table_name, ordinal_position",
                    &[],
                )
                .await
                .unwrap();
            for r in rows {
                let (table, column, kind): (String, String, String) =
                    (r.get(0), r.get(1), r.get(2));
                match out.last_mut() {
                    Some((t, cols)) if *t == table => cols.push((column, kind)),
                    _ => out.push((table, vec![(column, kind)])),
                }
            }
        }
    }
    out
}

async fn the_schema_is_the_table_list(store: StoreKind) {
    let db = TestDb::new(store).await;
    drop(sanban_platform::Store::open(&db.url).await.unwrap());
    let actual = columns(&db.url).await;
    let mut expected: Vec<&str> = TABLES.iter().map(|t| t.name).collect();
    expected.sort();
    let names: Vec<&str> = actual.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(names, expected, "tables of the {store:?} schema");
    for (table, cols) in &actual {
        let spec = TABLES.iter().find(|t| t.name == table).unwrap();
        let spec_names: Vec<&str> = spec.columns.iter().map(|(c, _)| *c).collect();
        let names: Vec<&str> = cols.iter().map(|(c, _)| c.as_str()).collect();
        assert_eq!(names, spec_names, "columns of {table} on {store:?}");
        for ((column, declared), (_, kind)) in cols.iter().zip(spec.columns) {
            let fits = match (store, kind) {
                (StoreKind::Sqlite, ColumnKind::Int | ColumnKind::Bool) => declared == "INTEGER",
                (StoreKind::Postgres, ColumnKind::Int) => declared == "BIGINT",
                (StoreKind::Postgres, ColumnKind::Bool) => declared == "BOOLEAN",
                (_, ColumnKind::Text) => declared == "TEXT",
            };
            assert!(
                fits,
                "{table}.{column} on {store:?} is {declared}, listed as {kind:?}"
            );
        }
    }
}
