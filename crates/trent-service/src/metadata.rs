//! What DescribeKey and CreateKey return about a key.

use trent_core::clock::Timestamp;
use trent_core::id::{KeyId, Scope};
use trent_core::key::{KeyManager, KeySpec, KeyState, KeyUsage, Origin};
use trent_store::record::KeyRecord;

/// The metadata of a key, as AWS's `KeyMetadata` carries it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyMetadata {
    /// The key id.
    pub key_id: KeyId,
    /// The owning account and region.
    pub scope: Scope,
    /// The key ARN.
    pub arn: String,
    /// When the key was created.
    pub created_at: Timestamp,
    /// The description.
    pub description: String,
    /// The state.
    pub state: KeyState,
    /// The key spec.
    pub spec: KeySpec,
    /// The key usage.
    pub usage: KeyUsage,
    /// The origin.
    pub origin: Origin,
    /// The manager.
    pub manager: KeyManager,
    /// Whether it is a multi-Region key.
    pub multi_region: bool,
    /// When it will be deleted, while pending deletion.
    pub deletion_date: Option<Timestamp>,
}

impl KeyMetadata {
    /// Whether the key is enabled.
    pub fn enabled(&self) -> bool {
        self.state == KeyState::Enabled
    }
}

impl From<&KeyRecord> for KeyMetadata {
    fn from(record: &KeyRecord) -> Self {
        Self {
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
}
