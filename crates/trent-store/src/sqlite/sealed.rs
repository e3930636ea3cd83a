//! Every value sealed under the root key, for a root-key rotation to walk
//! and re-seal one at a time.

use rusqlite::{params, Connection};
use trent_core::id::KeyId;

use super::{corrupt, unavailable};
use crate::record::{SealedChange, SealedPlace, SealedValue};
use crate::StoreResult;

/// Key materials by (key id, version), then access keys by id: the values
/// after `after`, at most `limit`.
pub(super) fn sealed_values(
    connection: &Connection,
    after: Option<&SealedPlace>,
    limit: u32,
) -> StoreResult<Vec<SealedValue>> {
    let mut values = Vec::new();
    let access_keys_after = match after {
        None => {
            materials(connection, "", 0, limit, &mut values)?;
            None
        }
        Some(SealedPlace::KeyMaterial { key_id, version }) => {
            materials(
                connection,
                &key_id.to_string(),
                *version,
                limit,
                &mut values,
            )?;
            None
        }
        Some(SealedPlace::AccessKey { access_key_id }) => Some(access_key_id.as_str()),
        Some(SealedPlace::Meta { .. }) => return Ok(values),
    };
    let left = limit.saturating_sub(u32::try_from(values.len()).unwrap_or(u32::MAX));
    if left > 0 {
        access_keys(
            connection,
            access_keys_after.unwrap_or(""),
            left,
            &mut values,
        )?;
    }
    Ok(values)
}

fn materials(
    connection: &Connection,
    key_id: &str,
    version: u32,
    limit: u32,
    values: &mut Vec<SealedValue>,
) -> StoreResult<()> {
    let mut statement = connection
        .prepare_cached(
            "SELECT key_id, version, sealed FROM key_materials
             WHERE (key_id, version) > (?1, ?2) AND length(sealed) > 0
             ORDER BY key_id, version LIMIT ?3",
        )
        .map_err(unavailable)?;
    let rows = statement
        .query_map(params![key_id, version, limit], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, u32>(1)?,
                row.get::<_, Vec<u8>>(2)?,
            ))
        })
        .map_err(unavailable)?;
    for row in rows {
        let (key_id, version, sealed) = row.map_err(unavailable)?;
        values.push(SealedValue {
            place: SealedPlace::KeyMaterial {
                key_id: KeyId::parse(&key_id).map_err(|_| corrupt())?,
                version,
            },
            sealed,
        });
    }
    Ok(())
}

fn access_keys(
    connection: &Connection,
    after: &str,
    limit: u32,
    values: &mut Vec<SealedValue>,
) -> StoreResult<()> {
    let mut statement = connection
        .prepare_cached(
            "SELECT access_key_id, sealed_secret FROM access_keys
             WHERE access_key_id > ?1 ORDER BY access_key_id LIMIT ?2",
        )
        .map_err(unavailable)?;
    let rows = statement
        .query_map(params![after, limit], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, Vec<u8>>(1)?))
        })
        .map_err(unavailable)?;
    for row in rows {
        let (access_key_id, sealed) = row.map_err(unavailable)?;
        values.push(SealedValue {
            place: SealedPlace::AccessKey { access_key_id },
            sealed,
        });
    }
    Ok(())
}

/// How many key materials and access keys there are.
pub(super) fn count_sealed_values(connection: &Connection) -> StoreResult<u64> {
    connection
        .query_row(
            "SELECT (SELECT COUNT(*) FROM key_materials WHERE length(sealed) > 0)
                  + (SELECT COUNT(*) FROM access_keys)",
            [],
            |row| row.get::<_, u64>(0),
        )
        .map_err(unavailable)
}

/// Replaces each value that still holds what its change expects, in one
/// transaction; returns how many were.
pub(super) fn replace_sealed(
    connection: &mut Connection,
    changes: &[SealedChange],
) -> StoreResult<u64> {
    let transaction = connection.transaction().map_err(unavailable)?;
    let mut replaced = 0;
    for change in changes {
        if replace_one(
            &transaction,
            &change.place,
            &change.expected,
            &change.sealed,
        )? {
            replaced += 1;
        }
    }
    transaction.commit().map_err(unavailable)?;
    Ok(replaced)
}

fn replace_one(
    connection: &Connection,
    place: &SealedPlace,
    expected: &[u8],
    sealed: &[u8],
) -> StoreResult<bool> {
    let rows = match place {
        SealedPlace::KeyMaterial { key_id, version } => connection.execute(
            "UPDATE key_materials SET sealed = ?1
             WHERE key_id = ?2 AND version = ?3 AND sealed = ?4",
            params![sealed, key_id.to_string(), version, expected],
        ),
        SealedPlace::AccessKey { access_key_id } => connection.execute(
            "UPDATE access_keys SET sealed_secret = ?1
             WHERE access_key_id = ?2 AND sealed_secret = ?3",
            params![sealed, access_key_id, expected],
        ),
        SealedPlace::Meta { name } => connection.execute(
            "UPDATE meta SET value = ?1 WHERE name = ?2 AND value = ?3",
            params![sealed, name, expected],
        ),
    }
    .map_err(unavailable)?;
    Ok(rows == 1)
}
