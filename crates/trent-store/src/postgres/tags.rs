//! Tags of keys.

use deadpool_postgres::{Client, GenericClient};
use trent_core::id::{KeyId, Region};
use trent_core::key::Tag;

use super::notify::notify;
use super::{col, execute, query, unavailable};
use crate::{Change, StoreResult};

pub(super) async fn tags(
    client: &impl GenericClient,
    key_id: &KeyId,
    region: &Region,
) -> StoreResult<Vec<Tag>> {
    let rows = query(
        client,
        "SELECT tag_key, tag_value FROM tags WHERE key_id = $1 AND region = $2
         ORDER BY tag_key",
        &[&key_id.to_string(), &region.as_str()],
    )
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Tag {
                key: col(row, 0)?,
                value: col(row, 1)?,
            })
        })
        .collect()
}

pub(super) async fn put_tags(
    client: &mut Client,
    key_id: &KeyId,
    region: &Region,
    tags: &[Tag],
) -> StoreResult<()> {
    let tx = client.transaction().await.map_err(unavailable)?;
    insert_tags(&tx, key_id, region, tags).await?;
    notify(&tx, &Change::Key(*key_id)).await?;
    tx.commit().await.map_err(unavailable)
}

/// Adds or replaces `tags` of the key, inside the caller's transaction.
pub(super) async fn insert_tags(
    tx: &impl GenericClient,
    key_id: &KeyId,
    region: &Region,
    tags: &[Tag],
) -> StoreResult<()> {
    let key_id = key_id.to_string();
    for tag in tags {
        execute(
            tx,
            "INSERT INTO tags (key_id, region, tag_key, tag_value) VALUES ($1, $2, $3, $4)
             ON CONFLICT (key_id, region, tag_key) DO UPDATE SET tag_value = excluded.tag_value",
            &[&key_id, &region.as_str(), &tag.key, &tag.value],
        )
        .await?;
    }
    Ok(())
}

pub(super) async fn remove_tags(
    client: &mut Client,
    key_id: &KeyId,
    region: &Region,
    tag_keys: &[String],
) -> StoreResult<()> {
    let tx = client.transaction().await.map_err(unavailable)?;
    let id = key_id.to_string();
    for tag_key in tag_keys {
        execute(
            &tx,
            "DELETE FROM tags WHERE key_id = $1 AND region = $2 AND tag_key = $3",
            &[&id, &region.as_str(), tag_key],
        )
        .await?;
    }
    notify(&tx, &Change::Key(*key_id)).await?;
    tx.commit().await.map_err(unavailable)
}
