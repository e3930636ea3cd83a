//! Row access for whole-store copies ([`crate::copy`]): the tables read and
//! written column by column, as the schema holds them.

use rusqlite::types::Value as Sql;

use super::{corrupt, schema, unavailable, SqliteStore};
use crate::copy::{Rows, Table, Value};
use crate::StoreResult;

/// The tables whose `seq` AUTOINCREMENT hands out.
const COUNTED: &[&str] = &["keys", "aliases"];

fn value(value: Sql) -> StoreResult<Value> {
    Ok(match value {
        Sql::Null => Value::Null,
        Sql::Integer(n) => Value::Int(n),
        Sql::Text(text) => Value::Text(text),
        Sql::Blob(bytes) => Value::Blob(bytes),
        Sql::Real(_) => return Err(corrupt()),
    })
}

fn parameter(value: &Value) -> Sql {
    match value {
        Value::Null => Sql::Null,
        Value::Int(n) => Sql::Integer(*n),
        Value::Text(text) => Sql::Text(text.clone()),
        Value::Blob(bytes) => Sql::Blob(bytes.clone()),
    }
}

impl Rows for SqliteStore {
    fn rows_schema_version(&self) -> StoreResult<u32> {
        schema::version(&self.lock())
    }

    fn count_rows(&self, table: &Table) -> StoreResult<u64> {
        let count: i64 = self
            .lock()
            .query_row(&format!("SELECT count(*) FROM {}", table.name), [], |row| {
                row.get(0)
            })
            .map_err(unavailable)?;
        u64::try_from(count).map_err(|_| corrupt())
    }

    fn read_rows(&self, table: &Table, offset: u64, limit: u32) -> StoreResult<Vec<Vec<Value>>> {
        // Byte order for text, as PostgreSQL's COLLATE "C" columns sort.
        let order: Vec<String> = table
            .order
            .iter()
            .map(|column| format!("{column} COLLATE BINARY"))
            .collect();
        let sql = format!(
            "SELECT {} FROM {} ORDER BY {} LIMIT ?1 OFFSET ?2",
            table.columns.join(", "),
            table.name,
            order.join(", ")
        );
        let offset = i64::try_from(offset).map_err(|_| corrupt())?;
        let connection = self.lock();
        let mut statement = connection.prepare(&sql).map_err(unavailable)?;
        let width = table.columns.len();
        let rows = statement
            .query_map(rusqlite::params![i64::from(limit), offset], |row| {
                (0..width)
                    .map(|index| row.get::<_, Sql>(index))
                    .collect::<Result<Vec<_>, _>>()
            })
            .map_err(unavailable)?;
        let mut read = Vec::new();
        for row in rows {
            let row = row.map_err(unavailable)?;
            read.push(
                row.into_iter()
                    .map(value)
                    .collect::<StoreResult<Vec<_>>>()?,
            );
        }
        Ok(read)
    }

    fn write_rows(&self, table: &Table, rows: &[Vec<Value>]) -> StoreResult<()> {
        let placeholders: Vec<String> =
            (1..=table.columns.len()).map(|n| format!("?{n}")).collect();
        let sql = format!(
            "INSERT INTO {} ({}) VALUES ({})",
            table.name,
            table.columns.join(", "),
            placeholders.join(", ")
        );
        let mut connection = self.lock();
        let tx = connection.transaction().map_err(unavailable)?;
        {
            let mut statement = tx.prepare(&sql).map_err(unavailable)?;
            for row in rows {
                if row.len() != table.columns.len() {
                    return Err(corrupt());
                }
                let parameters: Vec<Sql> = row.iter().map(parameter).collect();
                statement
                    .execute(rusqlite::params_from_iter(parameters))
                    .map_err(unavailable)?;
            }
        }
        tx.commit().map_err(unavailable)
    }

    fn read_counters(&self) -> StoreResult<Vec<(&'static str, i64)>> {
        let connection = self.lock();
        let mut counters = Vec::new();
        for table in COUNTED {
            let value: Option<i64> = connection
                .query_row(
                    "SELECT seq FROM sqlite_sequence WHERE name = ?1",
                    [table],
                    |row| row.get(0),
                )
                .or_else(|error| match error {
                    rusqlite::Error::QueryReturnedNoRows => Ok(None),
                    other => Err(other),
                })
                .map_err(unavailable)?;
            counters.push((*table, value.unwrap_or(0)));
        }
        Ok(counters)
    }

    fn settle_counters(&self, counters: &[(&'static str, i64)]) -> StoreResult<()> {
        let mut connection = self.lock();
        let tx = connection.transaction().map_err(unavailable)?;
        for (table, at_least) in counters {
            if !COUNTED.contains(table) {
                return Err(corrupt());
            }
            // AUTOINCREMENT already moved past every copied seq; a counter
            // that was further on (its newest rows deleted) goes on from there.
            let updated = tx
                .execute(
                    "UPDATE sqlite_sequence SET seq = max(seq, ?2) WHERE name = ?1",
                    rusqlite::params![table, at_least],
                )
                .map_err(unavailable)?;
            if updated == 0 && *at_least > 0 {
                tx.execute(
                    "INSERT INTO sqlite_sequence (name, seq) VALUES (?1, ?2)",
                    rusqlite::params![table, at_least],
                )
                .map_err(unavailable)?;
            }
        }
        tx.commit().map_err(unavailable)
    }
}
