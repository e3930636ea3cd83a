//! EnableKeyRotation.

use trent_core::id::KeyReference;
use trent_core::quota::ROTATION_PERIOD_DAYS;

use crate::check::Checks;
use crate::dto::EnableKeyRotationRequest;
use crate::error::Failure;

/// A checked EnableKeyRotation request.
#[derive(Debug)]
pub struct Request {
    /// The key.
    pub key: KeyReference,
    /// The rotation period in days, when given.
    pub rotation_period_days: Option<u32>,
}

/// Decodes and checks the request.
pub fn decode(body: &[u8]) -> Result<Request, Failure> {
    let period = ROTATION_PERIOD_DAYS;
    let request: EnableKeyRotationRequest = crate::decode(body)?;
    let mut checks = Checks::new();
    let key_id = checks.required_key_id("keyId", &request.key_id);
    if let Some(days) = request.rotation_period_in_days {
        checks.range(
            "rotationPeriodInDays",
            days,
            i64::from(*period.start()),
            i64::from(*period.end()),
        );
    }
    checks.finish()?;
    Ok(Request {
        key: super::checked_key(key_id)?,
        rotation_period_days: request
            .rotation_period_in_days
            .and_then(|days| u32::try_from(days).ok()),
    })
}

/// Encodes the (empty) answer.
pub fn encode() -> super::Reply {
    super::empty()
}
