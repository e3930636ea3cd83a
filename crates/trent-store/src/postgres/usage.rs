//! The last use of each key (GetKeyLastUsage), written in batches by the
//! service's background persister.

use deadpool_postgres::{Client, GenericClient};
use trent_core::clock::Timestamp;
use trent_core::id::{KeyId, Region};

use super::{col, corrupt, execute, query_opt, unavailable};
use crate::record::KeyUsageRecord;
use crate::StoreResult;

pub(super) async fn key_last_usage(
    client: &impl GenericClient,
    key_id: &KeyId,
    region: &Region,
) -> StoreResult<Option<KeyUsageRecord>> {
    let Some(row) = query_opt(
        client,
        "SELECT operation, used_at, event_id, request_id FROM key_last_usage
         WHERE key_id = $1 AND region = $2",
        &[&key_id.to_string(), &region.as_str()],
    )
    .await?
    else {
        return Ok(None);
    };
    let operation: String = col(&row, 0)?;
    if operation.is_empty() {
        return Err(corrupt());
    }
    Ok(Some(KeyUsageRecord {
        key_id: *key_id,
        region: region.clone(),
        operation,
        used_at: Timestamp::from_millis(col(&row, 1)?),
        event_id: col(&row, 2)?,
        request_id: col(&row, 3)?,
    }))
}

pub(super) async fn record_key_usage(
    client: &mut Client,
    usages: &[KeyUsageRecord],
) -> StoreResult<()> {
    let tx = client.transaction().await.map_err(unavailable)?;
    for usage in usages {
        // Only keys that still exist (a key deleted since its use leaves no
        // row behind), and never an older use over a newer one.
        execute(
            &tx,
            "INSERT INTO key_last_usage (key_id, region, operation, used_at, event_id, request_id)
             SELECT $1::text, $2::text, $3::text, $4::bigint, $5::text, $6::text
             WHERE EXISTS (SELECT 1 FROM keys WHERE key_id = $1 AND region = $2)
             ON CONFLICT (key_id, region) DO UPDATE SET
                 operation = excluded.operation, used_at = excluded.used_at,
                 event_id = excluded.event_id, request_id = excluded.request_id
             WHERE excluded.used_at >= key_last_usage.used_at",
            &[
                &usage.key_id.to_string(),
                &usage.region.as_str(),
                &usage.operation,
                &usage.used_at.as_millis(),
                &usage.event_id,
                &usage.request_id,
            ],
        )
        .await?;
    }
    tx.commit().await.map_err(unavailable)
}
