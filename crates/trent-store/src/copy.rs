//! Copying a whole store to another backend (`trent admin migrate`), row
//! by row, and checking the copy by reading every row back.
//!
//! Both backends hold the same schema ([`TABLES`]), so a row copy is exact:
//! list positions (`seq`), timestamps, sealed bytes and consumed import
//! tokens carry over unchanged. Rows go in pages, one transaction each, in
//! a fixed order, so a copy a crash interrupted resumes after the rows the
//! target already holds (the source must be stopped: it is not re-read
//! for changes).

use crate::{StoreError, StoreResult};

/// One column's value, as both backends can store it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// SQL `NULL`.
    Null,
    /// An integer (flags are 0 or 1).
    Int(i64),
    /// Text.
    Text(String),
    /// Bytes (sealed values, encryption contexts).
    Blob(Vec<u8>),
}

/// A table of the schema: its name, its columns in order, and the columns
/// that order its rows the same way in every backend (byte order for text).
#[derive(Debug)]
pub struct Table {
    /// The table's name.
    pub name: &'static str,
    /// Its columns.
    pub columns: &'static [&'static str],
    /// The unique key its rows are read in order of.
    pub order: &'static [&'static str],
}

/// Every table of schema version 6, parents before children.
pub const TABLES: &[Table] = &[
    Table {
        name: "meta",
        columns: &["name", "value"],
        order: &["name"],
    },
    Table {
        name: "accounts",
        columns: &["account_id", "created_at"],
        order: &["account_id"],
    },
    Table {
        name: "access_keys",
        columns: &[
            "access_key_id",
            "account_id",
            "sealed_secret",
            "created_at",
            "active",
            "user_name",
        ],
        order: &["access_key_id"],
    },
    Table {
        name: "principals",
        columns: &[
            "account_id",
            "kind",
            "name",
            "id",
            "path",
            "created_at",
            "trust_policy",
            "description",
        ],
        order: &["id"],
    },
    Table {
        name: "identity_policies",
        columns: &[
            "account_id",
            "kind",
            "principal_name",
            "policy_name",
            "document",
        ],
        order: &["account_id", "kind", "principal_name", "policy_name"],
    },
    Table {
        name: "keys",
        columns: &[
            "seq",
            "key_id",
            "account_id",
            "region",
            "created_at",
            "description",
            "key_state",
            "key_spec",
            "key_usage",
            "origin",
            "key_manager",
            "multi_region",
            "deletion_date",
            "pending_window_days",
            "policy",
            "rotation_enabled",
            "rotation_period_days",
            "current_material_version",
            "next_rotation_at",
            "expiration_model",
            "valid_to",
            "current_key_material_id",
            "primary_region",
        ],
        order: &["seq"],
    },
    Table {
        name: "key_materials",
        columns: &[
            "key_id",
            "version",
            "sealed",
            "created_at",
            "rotation_type",
            "key_material_id",
            "import_state",
            "expiration_model",
            "valid_to",
            "description",
        ],
        order: &["key_id", "version"],
    },
    Table {
        name: "aliases",
        columns: &[
            "seq",
            "account_id",
            "region",
            "alias_name",
            "target",
            "created_at",
            "updated_at",
        ],
        order: &["seq"],
    },
    Table {
        name: "tags",
        columns: &["key_id", "region", "tag_key", "tag_value"],
        order: &["key_id", "region", "tag_key"],
    },
    Table {
        name: "grants",
        columns: &[
            "grant_id",
            "key_id",
            "region",
            "name",
            "created_at",
            "grantee",
            "retiring",
            "issuing_account",
            "operations",
            "constraint_kind",
            "constraint_context",
        ],
        order: &["grant_id"],
    },
    Table {
        name: "key_last_usage",
        columns: &[
            "key_id",
            "region",
            "operation",
            "used_at",
            "event_id",
            "request_id",
        ],
        order: &["key_id", "region"],
    },
    Table {
        name: "import_tokens",
        columns: &["token_id", "expires_at"],
        order: &["token_id"],
    },
];

/// Row access to a backend, for copying whole stores.
pub trait Rows {
    /// The schema version of the store.
    fn rows_schema_version(&self) -> StoreResult<u32>;
    /// How many rows `table` holds.
    fn count_rows(&self, table: &Table) -> StoreResult<u64>;
    /// Rows of `table` in [`Table::order`], skipping `offset`, at most `limit`,
    /// each with [`Table::columns`] in order.
    fn read_rows(&self, table: &Table, offset: u64, limit: u32) -> StoreResult<Vec<Vec<Value>>>;
    /// Inserts rows into `table` in one transaction.
    fn write_rows(&self, table: &Table, rows: &[Vec<Value>]) -> StoreResult<()>;
    /// The counters that hand out list positions (`seq`), by table: the
    /// last value handed out, which may be past the largest row left.
    fn read_counters(&self) -> StoreResult<Vec<(&'static str, i64)>>;
    /// After a copy: each counter goes on past both the largest copied row
    /// and the source's counter, so no list position is ever handed out twice.
    fn settle_counters(&self, counters: &[(&'static str, i64)]) -> StoreResult<()>;
}

/// Progress of a copy or a check: rows done, rows in all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CopyProgress {
    /// Rows done so far.
    pub done: u64,
    /// Rows in all.
    pub total: u64,
}

/// Rows per transaction.
const PAGE: u32 = 1_000;

/// What went wrong in a copy, naming the table.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    /// The two stores are not at the same schema version.
    #[error("the source store is at schema version {from} and the target at {to}: open both with this build first")]
    Versions {
        /// The source's version.
        from: u32,
        /// The target's version.
        to: u32,
    },
    /// The target holds rows the copy did not put there.
    #[error("the target already holds {found} rows of {table} (the source has {source_rows}): copy only into an empty store, or resume a copy of this same source")]
    NotEmpty {
        /// The table.
        table: &'static str,
        /// Rows found there.
        found: u64,
        /// Rows the source has.
        source_rows: u64,
    },
    /// The target holds rows of a table that are not the first rows of the
    /// source's: not an interrupted copy of this source, but other data.
    #[error("the target already holds {found} rows of {table}, and row {row} differs from the source's: copy only into an empty store, or resume a copy of this same source")]
    Foreign {
        /// The table.
        table: &'static str,
        /// Rows found there.
        found: u64,
        /// The first row that differs, in the table's order.
        row: u64,
    },
    /// A row differs between the stores after the copy.
    #[error("row {row} of {table} differs between the source and the target")]
    Differs {
        /// The table.
        table: &'static str,
        /// Its position in the table's order.
        row: u64,
    },
    /// A store failed.
    #[error("{table}: {error}")]
    Store {
        /// The table being read or written.
        table: &'static str,
        /// The store's error.
        #[source]
        error: StoreError,
    },
}

fn at(table: &'static str) -> impl FnOnce(StoreError) -> CopyError {
    move |error| CopyError::Store { table, error }
}

/// Copies every row of `from` into `to`, resuming after the rows `to`
/// already holds of each table (a copy a crash interrupted: those rows
/// must be the source's first rows, else nothing is written), then checks
/// every row. `progress` is told of each
/// page copied or checked.
pub fn copy_store(
    from: &dyn Rows,
    to: &dyn Rows,
    mut progress: impl FnMut(CopyProgress),
) -> Result<CopyProgress, CopyError> {
    let (a, b) = (
        from.rows_schema_version().map_err(at("schema"))?,
        to.rows_schema_version().map_err(at("schema"))?,
    );
    if a != b {
        return Err(CopyError::Versions { from: a, to: b });
    }
    let mut counts = Vec::with_capacity(TABLES.len());
    for table in TABLES {
        let source_rows = from.count_rows(table).map_err(at(table.name))?;
        let found = to.count_rows(table).map_err(at(table.name))?;
        if found > source_rows {
            return Err(CopyError::NotEmpty {
                table: table.name,
                found,
                source_rows,
            });
        }
        counts.push((source_rows, found));
    }
    // What the target holds must be the start of this same copy; anything
    // else is another store's data, and nothing may be written into it.
    for (table, (_, found)) in TABLES.iter().zip(&counts) {
        if let Some(row) = first_difference(from, to, table, *found)? {
            return Err(CopyError::Foreign {
                table: table.name,
                found: *found,
                row,
            });
        }
    }
    // Copying and checking each row counts twice.
    let total = 2 * counts.iter().map(|(rows, _)| rows).sum::<u64>();
    let mut done = counts.iter().map(|(_, found)| found).sum::<u64>();
    progress(CopyProgress { done, total });
    for (table, (rows, found)) in TABLES.iter().zip(&counts) {
        let mut offset = *found;
        while offset < *rows {
            let page = from
                .read_rows(table, offset, PAGE)
                .map_err(at(table.name))?;
            if page.is_empty() {
                break;
            }
            to.write_rows(table, &page).map_err(at(table.name))?;
            offset += page.len() as u64;
            done += page.len() as u64;
            progress(CopyProgress { done, total });
        }
    }
    let counters = from.read_counters().map_err(at("counters"))?;
    to.settle_counters(&counters).map_err(at("counters"))?;
    for table in TABLES {
        let (mut offset, rows) = (0u64, from.count_rows(table).map_err(at(table.name))?);
        if to.count_rows(table).map_err(at(table.name))? != rows {
            return Err(CopyError::Differs {
                table: table.name,
                row: rows,
            });
        }
        while offset < rows {
            let source = from
                .read_rows(table, offset, PAGE)
                .map_err(at(table.name))?;
            let target = to.read_rows(table, offset, PAGE).map_err(at(table.name))?;
            if source.is_empty() {
                break;
            }
            if let Some(index) = source.iter().zip(&target).position(|(a, b)| a != b) {
                return Err(CopyError::Differs {
                    table: table.name,
                    row: offset + index as u64,
                });
            }
            if source.len() != target.len() {
                return Err(CopyError::Differs {
                    table: table.name,
                    row: offset + target.len() as u64,
                });
            }
            offset += source.len() as u64;
            done += source.len() as u64;
            progress(CopyProgress { done, total });
        }
    }
    Ok(CopyProgress { done, total })
}

/// The first of the first `rows` rows of `table` that differs between
/// `from` and `to` (both hold at least that many), if any.
fn first_difference(
    from: &dyn Rows,
    to: &dyn Rows,
    table: &Table,
    rows: u64,
) -> Result<Option<u64>, CopyError> {
    let mut offset = 0u64;
    while offset < rows {
        let limit = u32::try_from((rows - offset).min(u64::from(PAGE))).unwrap_or(PAGE);
        let source = from
            .read_rows(table, offset, limit)
            .map_err(at(table.name))?;
        let target = to.read_rows(table, offset, limit).map_err(at(table.name))?;
        if let Some(index) = source.iter().zip(&target).position(|(a, b)| a != b) {
            return Ok(Some(offset + index as u64));
        }
        if source.len() != target.len() || source.is_empty() {
            return Ok(Some(offset + source.len().min(target.len()) as u64));
        }
        offset += source.len() as u64;
    }
    Ok(None)
}
