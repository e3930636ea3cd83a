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
