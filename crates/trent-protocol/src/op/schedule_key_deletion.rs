//! ScheduleKeyDeletion.

use trent_core::id::KeyReference;
use trent_core::quota::{DEFAULT_PENDING_WINDOW_DAYS, PENDING_WINDOW_DAYS_RANGE};
use trent_core::view::ScheduledDeletion;

use crate::check::Checks;
use crate::dto::{ScheduleKeyDeletionRequest, ScheduleKeyDeletionResponse};
use crate::error::Failure;

/// A checked ScheduleKeyDeletion request.
#[derive(Debug)]
pub struct Request {
    /// The key.
    pub key: KeyReference,
    /// The waiting period in days, within AWS's range.
    pub pending_window_days: u32,
}

/// Decodes and checks the request.
pub fn decode(body: &[u8]) -> Result<Request, Failure> {
    let request: ScheduleKeyDeletionRequest = crate::decode(body)?;
    let mut checks = Checks::new();
    let key_id = checks.required_key_id("keyId", &request.key_id);
    let days = request
        .pending_window_in_days
        .unwrap_or(i64::from(DEFAULT_PENDING_WINDOW_DAYS));
    let window = PENDING_WINDOW_DAYS_RANGE;
    checks.range(
        "pendingWindowInDays",
        days,
        i64::from(*window.start()),
        i64::from(*window.end()),
    );
    checks.finish()?;
    Ok(Request {
        key: super::checked_key(key_id)?,
        pending_window_days: days as u32,
    })
}

/// Encodes the scheduled deletion.
pub fn encode(scheduled: &ScheduledDeletion) -> super::Reply {
    crate::encode(&ScheduleKeyDeletionResponse {
        key_id: scheduled.key_arn.clone(),
        deletion_date: scheduled.deletion_date.map(super::seconds),
        key_state: scheduled.state.as_str(),
        pending_window_in_days: scheduled.pending_window_days,
    })
}
