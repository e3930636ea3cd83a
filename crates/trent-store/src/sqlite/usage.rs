//! The last use of each key (GetKeyLastUsage), written in batches by the
//! service's background persister.

use rusqlite::{params, Connection, OptionalExtension};
use trent_core::clock::Timestamp;
use trent_core::id::{KeyId, Region};

use super::{corrupt, unavailable};
use crate::record::KeyUsageRecord;
use crate::StoreResult;

pub(super) fn key_last_usage(
    connection: &Connection,
    key_id: &KeyId,
    region: &Region,
) -> StoreResult<Option<KeyUsageRecord>> {
    connection
        .query_row(
            "SELECT operation, used_at, event_id, request_id FROM key_last_usage
             WHERE key_id = ?1 AND region = ?2",
            params![key_id.to_string(), region.as_str()],
            |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, i64>(1)?,
                    row.get::<_, Option<String>>(2)?,
                    row.get::<_, String>(3)?,
                ))
            },
        )
        .optional()
        .map_err(unavailable)?
        .map(|(operation, used_at, event_id, request_id)| {
            if operation.is_empty() {
                return Err(corrupt());
            }
            Ok(KeyUsageRecord {
                key_id: *key_id,
                region: region.clone(),
                operation,
                used_at: Timestamp::from_millis(used_at),
                event_id,
                request_id,
            })
        })
        .transpose()
}

pub(super) fn record_key_usage(
    connection: &mut Connection,
    usages: &[KeyUsageRecord],
) -> StoreResult<()> {
    let tx = connection.transaction().map_err(unavailable)?;
    {
        // Only keys that still exist (a key deleted since its use leaves no
        // row behind), and never an older use over a newer one.
        let mut statement = tx
            .prepare_cached(
                "INSERT INTO key_last_usage
                     (key_id, region, operation, used_at, event_id, request_id)
                 SELECT ?1, ?2, ?3, ?4, ?5, ?6
                 WHERE EXISTS (SELECT 1 FROM keys WHERE key_id = ?1 AND region = ?2)
                 ON CONFLICT (key_id, region) DO UPDATE SET
                     operation = excluded.operation, used_at = excluded.used_at,
                     event_id = excluded.event_id, request_id = excluded.request_id
                 WHERE excluded.used_at >= key_last_usage.used_at",
            )
            .map_err(unavailable)?;
        for usage in usages {
            statement
                .execute(params![
                    usage.key_id.to_string(),
                    usage.region.as_str(),
                    usage.operation,
                    usage.used_at.as_millis(),
                    usage.event_id,
                    usage.request_id,
                ])
                .map_err(unavailable)?;
        }
    }
    tx.commit().map_err(unavailable)
}
