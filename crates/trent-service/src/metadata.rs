//! KeyMetadata from a key record.

use trent_core::view::KeyMetadata;
use trent_store::record::KeyRecord;

/// The metadata of the key `record` holds, as DescribeKey shows it.
pub(crate) fn key_metadata(record: &KeyRecord) -> KeyMetadata {
    KeyMetadata {
        key_id: record.key_id,
        scope: record.scope.clone(),
        arn: record.scope.key_arn(&record.key_id),
        created_at: record.created_at,
        description: record.description.clone(),
        state: record.state,
        spec: record.spec,
        usage: record.usage,
        origin: record.origin,
        manager: record.manager,
        multi_region: record.multi_region,
        deletion_date: record.deletion_date,
    }
}
