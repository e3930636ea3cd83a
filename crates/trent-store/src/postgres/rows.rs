//! Row access for whole-store copies ([`crate::copy`]): the tables read and
//! written column by column, as the schema holds them.

use deadpool_postgres::GenericClient;
use tokio_postgres::types::{ToSql, Type};

use super::{col, corrupt, query, unavailable, PgStore};
use crate::copy::{Rows, Table, Value};
use crate::StoreResult;

/// The tables whose `seq` an identity column hands out.
const COUNTED: &[&str] = &["keys", "aliases"];

fn value(row: &tokio_postgres::Row, index: usize) -> StoreResult<Value> {
    let kind = row.columns().get(index).ok_or_else(corrupt)?.type_();
    let value = if *kind == Type::INT8 {
        col::<Option<i64>>(row, index)?.map(Value::Int)
    } else if *kind == Type::TEXT {
        col::<Option<String>>(row, index)?.map(Value::Text)
    } else if *kind == Type::BYTEA {
        col::<Option<Vec<u8>>>(row, index)?.map(Value::Blob)
    } else {
        return Err(corrupt());
    };
    Ok(value.unwrap_or(Value::Null))
}

/// `value` as a parameter of type `kind`; `Corrupt` when they disagree.
fn parameter(value: &Value, kind: &Type) -> StoreResult<Box<dyn ToSql + Sync + Send>> {
    Ok(match (value, kind) {
        (Value::Null, kind) if *kind == Type::INT8 => Box::new(None::<i64>),
        (Value::Null, kind) if *kind == Type::TEXT => Box::new(None::<String>),
        (Value::Null, kind) if *kind == Type::BYTEA => Box::new(None::<Vec<u8>>),
        (Value::Int(n), kind) if *kind == Type::INT8 => Box::new(*n),
        (Value::Text(text), kind) if *kind == Type::TEXT => Box::new(text.clone()),
        (Value::Blob(bytes), kind) if *kind == Type::BYTEA => Box::new(bytes.clone()),
        _ => return Err(corrupt()),
    })
}

impl Rows for PgStore {
    fn rows_schema_version(&self) -> StoreResult<u32> {
        self.schema_version()
    }

    fn count_rows(&self, table: &Table) -> StoreResult<u64> {
        let sql = format!("SELECT count(*) FROM {}", table.name);
        self.call_untimed(move |client| async move {
            let rows = query(&client, &sql, &[]).await?;
            let row = rows.first().ok_or_else(corrupt)?;
            u64::try_from(col::<i64>(row, 0)?).map_err(|_| corrupt())
        })
    }

    fn read_rows(&self, table: &Table, offset: u64, limit: u32) -> StoreResult<Vec<Vec<Value>>> {
        let sql = format!(
            "SELECT {} FROM {} ORDER BY {} LIMIT $1 OFFSET $2",
            table.columns.join(", "),
            table.name,
            table.order.join(", ")
        );
        let offset = i64::try_from(offset).map_err(|_| corrupt())?;
        self.call_untimed(move |client| async move {
            let rows = query(&client, &sql, &[&i64::from(limit), &offset]).await?;
            rows.iter()
                .map(|row| (0..row.len()).map(|index| value(row, index)).collect())
                .collect()
        })
    }

    fn write_rows(&self, table: &Table, rows: &[Vec<Value>]) -> StoreResult<()> {
        let placeholders: Vec<String> =
            (1..=table.columns.len()).map(|n| format!("${n}")).collect();
        let overriding = if table.columns.contains(&"seq") {
            " OVERRIDING SYSTEM VALUE"
        } else {
            ""
        };
        let sql = format!(
            "INSERT INTO {} ({}){overriding} VALUES ({})",
            table.name,
            table.columns.join(", "),
            placeholders.join(", ")
        );
        let rows = rows.to_vec();
        self.call_untimed(move |mut client| async move {
            let tx = client.transaction().await.map_err(unavailable)?;
            let statement = tx.prepare(&sql).await.map_err(unavailable)?;
            let kinds = statement.params().to_vec();
            for row in &rows {
                if row.len() != kinds.len() {
                    return Err(corrupt());
                }
                let parameters = row
                    .iter()
                    .zip(&kinds)
                    .map(|(value, kind)| parameter(value, kind))
                    .collect::<StoreResult<Vec<_>>>()?;
                let borrowed: Vec<&(dyn ToSql + Sync)> = parameters
                    .iter()
                    .map(|parameter| parameter.as_ref() as &(dyn ToSql + Sync))
                    .collect();
                tx.execute(&statement, &borrowed)
                    .await
                    .map_err(unavailable)?;
            }
            tx.commit().await.map_err(unavailable)
        })
    }

    fn read_counters(&self) -> StoreResult<Vec<(&'static str, i64)>> {
        self.call_untimed(move |client| async move {
            let mut counters = Vec::new();
            for table in COUNTED {
                let rows = query(
                    &client,
                    "SELECT COALESCE(pg_sequence_last_value(pg_get_serial_sequence($1, 'seq')::regclass), 0)",
                    &[table],
                )
                .await?;
                let row = rows.first().ok_or_else(corrupt)?;
                counters.push((*table, col::<i64>(row, 0)?));
            }
            Ok(counters)
        })
    }

    fn settle_counters(&self, counters: &[(&'static str, i64)]) -> StoreResult<()> {
        let counters = counters.to_vec();
        self.call_untimed(move |mut client| async move {
            let tx = client.transaction().await.map_err(unavailable)?;
            for table in COUNTED {
                let at_least = counters
                    .iter()
                    .find(|(name, _)| name == table)
                    .map_or(0, |(_, value)| *value);
                let sql = format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'seq'),
                        GREATEST($1, (SELECT COALESCE(max(seq), 0) FROM {table})) + 1, false)"
                );
                tx.query(&sql, &[&at_least]).await.map_err(unavailable)?;
            }
            tx.commit().await.map_err(unavailable)
        })
    }
}
