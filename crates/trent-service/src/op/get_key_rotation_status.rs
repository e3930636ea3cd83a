//! GetKeyRotationStatus.

use trent_core::clock::Timestamp;
use trent_core::error::KmsError;
use trent_core::id::KeyReference;

use crate::resolve::Accepts;
use crate::{Caller, Kms};

/// The rotation settings of a key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RotationStatus {
    /// The key ARN.
    pub key_arn: String,
    /// Whether automatic rotation is on.
    pub enabled: bool,
    /// The rotation period, when rotation is on.
    pub period_days: Option<u32>,
    /// The next scheduled rotation, when rotation is on.
    pub next_rotation: Option<Timestamp>,
}

impl Kms {
    /// GetKeyRotationStatus.
    pub fn get_key_rotation_status(
        &self,
        caller: &Caller,
        key: &KeyReference,
    ) -> Result<RotationStatus, KmsError> {
        let record = self.resolve(caller, key, Accepts::IdOrArn, "kms:GetKeyRotationStatus")?;
        let period_days = record
            .rotation_enabled
            .then_some(record.rotation_period_days)
            .flatten();
        Ok(RotationStatus {
            key_arn: record.scope.key_arn(&record.key_id),
            enabled: record.rotation_enabled,
            period_days,
            next_rotation: record
                .rotation_enabled
                .then_some(record.next_rotation_at)
                .flatten(),
        })
    }
}
