//! GetKeyRotationStatus.

use trent_core::error::KmsError;
use trent_core::id::KeyReference;
use trent_core::operation::Operation;
use trent_core::view::RotationStatus;

use crate::resolve::Accepts;
use crate::{Caller, Kms};

impl Kms {
    /// GetKeyRotationStatus.
    pub fn get_key_rotation_status(
        &self,
        caller: &Caller,
        key: &KeyReference,
    ) -> Result<RotationStatus, KmsError> {
        let record = self.resolve(
            caller,
            key,
            Accepts::IdOrArn,
            Operation::GetKeyRotationStatus.action(),
        )?;
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
