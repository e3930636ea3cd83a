//! Tags of keys.

use rusqlite::{params, Connection};
use trent_core::id::{KeyId, Region};
use trent_core::key::Tag;

use super::unavailable;
use crate::StoreResult;

pub(super) fn tags(
    connection: &Connection,
    key_id: &KeyId,
    region: &Region,
) -> StoreResult<Vec<Tag>> {
    let mut statement = connection
        .prepare(
            "SELECT tag_key, tag_value FROM tags WHERE key_id = ?1 AND region = ?2
             ORDER BY tag_key",
        )
        .map_err(unavailable)?;
    let rows = statement
        .query_map(params![key_id.to_string(), region.as_str()], |row| {
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
    region: &Region,
    tags: &[Tag],
) -> StoreResult<()> {
    let tx = connection.transaction().map_err(unavailable)?;
    insert_tags(&tx, key_id, region, tags)?;
    tx.commit().map_err(unavailable)
}

/// Adds or replaces `tags` of the key, inside the caller's transaction.
pub(super) fn insert_tags(
    tx: &rusqlite::Transaction<'_>,
    key_id: &KeyId,
    region: &Region,
    tags: &[Tag],
) -> StoreResult<()> {
    let key_id = key_id.to_string();
    for tag in tags {
        tx.execute(
            "INSERT INTO tags (key_id, region, tag_key, tag_value) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (key_id, region, tag_key) DO UPDATE SET tag_value = excluded.tag_value",
            params![key_id, region.as_str(), tag.key, tag.value],
        )
        .map_err(unavailable)?;
    }
    Ok(())
}

pub(super) fn remove_tags(
    connection: &mut Connection,
    key_id: &KeyId,
    region: &Region,
    tag_keys: &[String],
) -> StoreResult<()> {
    let tx = connection.transaction().map_err(unavailable)?;
    for tag_key in tag_keys {
        tx.execute(
            "DELETE FROM tags WHERE key_id = ?1 AND region = ?2 AND tag_key = ?3",
            params![key_id.to_string(), region.as_str(), tag_key],
        )
        .map_err(unavailable)?;
    }
    tx.commit().map_err(unavailable)
}
