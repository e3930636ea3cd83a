//! Tags of keys.

use rusqlite::{params, Connection};
use trent_core::id::KeyId;
use trent_core::key::Tag;

use super::unavailable;
use crate::StoreResult;

pub(super) fn tags(connection: &Connection, key_id: &KeyId) -> StoreResult<Vec<Tag>> {
    let mut statement = connection
        .prepare("SELECT tag_key, tag_value FROM tags WHERE key_id = ?1 ORDER BY tag_key")
        .map_err(unavailable)?;
    let rows = statement
        .query_map([key_id.to_string()], |row| {
            Ok(Tag {
                key: row.get(0)?,
                value: row.get(1)?,
            })
        })
        .map_err(unavailable)?;
    rows.map(|row| row.map_err(unavailable)).collect()
}

pub(super) fn put_tags(
    connection: &mut Connection,
    key_id: &KeyId,
    tags: &[Tag],
) -> StoreResult<()> {
    let tx = connection.transaction().map_err(unavailable)?;
    for tag in tags {
        tx.execute(
            "INSERT INTO tags (key_id, tag_key, tag_value) VALUES (?1, ?2, ?3)
             ON CONFLICT (key_id, tag_key) DO UPDATE SET tag_value = excluded.tag_value",
            params![key_id.to_string(), tag.key, tag.value],
        )
        .map_err(unavailable)?;
    }
    tx.commit().map_err(unavailable)
}

pub(super) fn remove_tags(
    connection: &mut Connection,
    key_id: &KeyId,
    tag_keys: &[String],
) -> StoreResult<()> {
    let tx = connection.transaction().map_err(unavailable)?;
    for tag_key in tag_keys {
        tx.execute(
            "DELETE FROM tags WHERE key_id = ?1 AND tag_key = ?2",
            params![key_id.to_string(), tag_key],
        )
        .map_err(unavailable)?;
    }
    tx.commit().map_err(unavailable)
}
