//! Every value sealed under the root key, for a root-key rotation to walk
//! and re-seal one at a time.

use deadpool_postgres::{Client, GenericClient};
use trent_core::id::KeyId;

use super::{col, col_u32, corrupt, execute, query, query_opt, unavailable};
use crate::record::{SealedChange, SealedPlace, SealedValue};
use crate::StoreResult;

/// Key materials by (key id, version), then access keys by id: the values
/// after `after`, at most `limit`.
pub(super) async fn sealed_values(
    client: &impl GenericClient,
    after: Option<&SealedPlace>,
    limit: u32,
) -> StoreResult<Vec<SealedValue>> {
    let mut values = Vec::new();
    let access_keys_after = match after {
        None => {
            materials(client, "", 0, limit, &mut values).await?;
            None
        }
        Some(SealedPlace::KeyMaterial { key_id, version }) => {
            materials(client, &key_id.to_string(), *version, limit, &mut values).await?;
            None
        }
        Some(SealedPlace::AccessKey { access_key_id }) => Some(access_key_id.as_str()),
        Some(SealedPlace::Meta { .. }) => return Ok(values),
    };
    let left = limit.saturating_sub(u32::try_from(values.len()).unwrap_or(u32::MAX));
    if left > 0 {
        access_keys(client, access_keys_after.unwrap_or(""), left, &mut values).await?;
    }
    Ok(values)
}

async fn materials(
    client: &impl GenericClient,
    key_id: &str,
    version: u32,
    limit: u32,
    values: &mut Vec<SealedValue>,
) -> StoreResult<()> {
    let rows = query(
        client,
        "SELECT key_id, version, sealed FROM key_materials
         WHERE (key_id, version) > ($1, $2) AND octet_length(sealed) > 0
         ORDER BY key_id, version LIMIT $3",
        &[&key_id, &i64::from(version), &i64::from(limit)],
    )
    .await?;
    for row in &rows {
        let key_id: String = col(row, 0)?;
        values.push(SealedValue {
            place: SealedPlace::KeyMaterial {
                key_id: KeyId::parse(&key_id).map_err(|_| corrupt())?,
                version: col_u32(row, 1)?,
            },
            sealed: col(row, 2)?,
        });
    }
    Ok(())
}

async fn access_keys(
    client: &impl GenericClient,
    after: &str,
    limit: u32,
    values: &mut Vec<SealedValue>,
) -> StoreResult<()> {
    let rows = query(
        client,
        "SELECT access_key_id, sealed_secret FROM access_keys
         WHERE access_key_id > $1 ORDER BY access_key_id LIMIT $2",
        &[&after, &i64::from(limit)],
    )
    .await?;
    for row in &rows {
        values.push(SealedValue {
            place: SealedPlace::AccessKey {
                access_key_id: col(row, 0)?,
            },
            sealed: col(row, 1)?,
        });
    }
    Ok(())
}

/// How many key materials and access keys there are.
pub(super) async fn count_sealed_values(client: &impl GenericClient) -> StoreResult<u64> {
    let row = query_opt(
        client,
        "SELECT (SELECT COUNT(*) FROM key_materials WHERE octet_length(sealed) > 0)
              + (SELECT COUNT(*) FROM access_keys)",
        &[],
    )
    .await?
    .ok_or_else(corrupt)?;
    u64::try_from(col::<i64>(&row, 0)?).map_err(|_| corrupt())
}

/// Replaces each value that still holds what its change expects, in one
/// transaction; returns how many were.
pub(super) async fn replace_sealed(
    client: &mut Client,
    changes: &[SealedChange],
) -> StoreResult<u64> {
    let tx = client.transaction().await.map_err(unavailable)?;
    let mut replaced = 0;
    for change in changes {
        let (expected, sealed) = (&change.expected, &change.sealed);
        let rows = match &change.place {
            SealedPlace::KeyMaterial { key_id, version } => {
                execute(
                    &tx,
                    "UPDATE key_materials SET sealed = $1
                     WHERE key_id = $2 AND version = $3 AND sealed = $4",
                    &[sealed, &key_id.to_string(), &i64::from(*version), expected],
                )
                .await?
            }
            SealedPlace::AccessKey { access_key_id } => {
                execute(
                    &tx,
                    "UPDATE access_keys SET sealed_secret = $1
                     WHERE access_key_id = $2 AND sealed_secret = $3",
                    &[sealed, access_key_id, expected],
                )
                .await?
            }
            SealedPlace::Meta { name } => {
                execute(
                    &tx,
                    "UPDATE meta SET value = $1 WHERE name = $2 AND value = $3",
                    &[sealed, name, expected],
                )
                .await?
            }
        };
        if rows == 1 {
            replaced += 1;
        }
    }
    tx.commit().await.map_err(unavailable)?;
    Ok(replaced)
}
