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
        expiration_model: record.imported.expiration_model,
        valid_to: record.imported.valid_to,
        current_key_material_id: current_key_material_id(record),
        multi_region_configuration: multi_region_configuration(record),
        pending_deletion_window_days: (record.state
            == trent_core::key::KeyState::PendingReplicaDeletion)
            .then_some(record.pending_window_days)
            .flatten(),
    }
}

/// Where a multi-Region key's related keys are: the primary, and every
/// replica (this key among them when it is one), each as ARN and Region.
fn multi_region_configuration(
    record: &KeyRecord,
) -> Option<trent_core::view::MultiRegionConfiguration> {
    if !record.multi_region {
        return None;
    }
    let at = |region: &trent_core::id::Region| {
        let scope = trent_core::id::Scope {
            account: record.scope.account.clone(),
            region: region.clone(),
        };
        (scope.key_arn(&record.key_id), region.clone())
    };
    let primary = record
        .primary_region
        .as_ref()
        .unwrap_or(&record.scope.region);
    Some(trent_core::view::MultiRegionConfiguration {
        primary: record.is_primary(),
        primary_key: at(primary),
        replica_keys: record.replica_regions.iter().map(at).collect(),
    })
}

/// The current material's id, which AWS shows for symmetric encryption
/// keys only: derived from the version for generated material, the
/// imported material's own id for `EXTERNAL` keys (none before the first import).
pub(crate) fn current_key_material_id(record: &KeyRecord) -> Option<String> {
    if record.spec != trent_core::key::KeySpec::SymmetricDefault {
        return None;
    }
    match record.origin {
        trent_core::key::Origin::AwsKms => Some(trent_crypto::import::generated_material_id(
            record.key_id.as_bytes(),
            record.current_material_version,
        )),
        trent_core::key::Origin::External => record.imported.current_material_id.clone(),
    }
}
