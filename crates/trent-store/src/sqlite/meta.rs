//! The metadata table: named values the service keeps about the store
//! itself.

use rusqlite::{params, Connection, OptionalExtension};

use super::unavailable;
use crate::StoreResult;

pub(super) fn meta(connection: &Connection, name: &str) -> StoreResult<Option<Vec<u8>>> {
    connection
        .query_row("SELECT value FROM meta WHERE name = ?1", [name], |row| {
            row.get(0)
        })
        .optional()
        .map_err(unavailable)
}

pub(super) fn set_meta(connection: &Connection, name: &str, value: &[u8]) -> StoreResult<()> {
    connection
        .execute(
            "INSERT INTO meta (name, value) VALUES (?1, ?2)
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            params![name, value],
        )
        .map(drop)
        .map_err(unavailable)
}

/// Sets a value unless one is set; answers the value stored.
pub(super) fn insert_meta(
    connection: &mut Connection,
    name: &str,
    value: &[u8],
) -> StoreResult<Vec<u8>> {
    let transaction = connection.transaction().map_err(unavailable)?;
    transaction
        .execute(
            "INSERT INTO meta (name, value) VALUES (?1, ?2) ON CONFLICT (name) DO NOTHING",
            params![name, value],
        )
        .map_err(unavailable)?;
    let stored = transaction
        .query_row("SELECT value FROM meta WHERE name = ?1", [name], |row| {
            row.get(0)
        })
        .map_err(unavailable)?;
    transaction.commit().map_err(unavailable)?;
    Ok(stored)
}

/// Sets (`Some`) and removes (`None`) metadata values in one transaction.
pub(super) fn update_meta(
    connection: &mut Connection,
    changes: &[(&str, Option<&[u8]>)],
) -> StoreResult<()> {
    let transaction = connection.transaction().map_err(unavailable)?;
    for (name, value) in changes {
        match value {
            Some(value) => set_meta(&transaction, name, value)?,
            None => transaction
                .execute("DELETE FROM meta WHERE name = ?1", [name])
                .map(drop)
                .map_err(unavailable)?,
        }
    }
    transaction.commit().map_err(unavailable)
}
