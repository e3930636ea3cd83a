//! GetKeyRotationStatus.

use trent_core::id::KeyReference;
use trent_core::view::RotationStatus;

use crate::dto::GetKeyRotationStatusResponse;
use crate::error::Failure;

/// Decodes and checks the request: the key it names.
pub fn decode(body: &[u8]) -> Result<KeyReference, Failure> {
    super::key_only(body)
}

/// Encodes the answer.
pub fn encode(status: &RotationStatus) -> super::Reply {
    crate::encode(&GetKeyRotationStatusResponse {
        key_rotation_enabled: status.enabled,
        key_id: status.key_arn.clone(),
        rotation_period_in_days: status.period_days,
        next_rotation_date: status.next_rotation.map(super::seconds),
    })
}
