//! GetKeyLastUsage.

use trent_core::error::KmsError;
use trent_core::id::KeyReference;
use trent_core::operation::Operation;
use trent_core::view::KeyUsageReport;

use crate::resolve::Accepts;
use crate::{Caller, Kms};

impl Kms {
    /// GetKeyLastUsage: the key's last successful cryptographic use since
    /// tracking began. Any key state (AWS lists no invalid state for it);
    /// key id or ARN only, in the caller's account.
    pub fn get_key_last_usage(
        &self,
        caller: &Caller,
        key: &KeyReference,
    ) -> Result<KeyUsageReport, KmsError> {
        let record = self.resolve(
            caller,
            key,
            Accepts::IdOrArn,
            Operation::GetKeyLastUsage.action(),
        )?;
        let since = self.key_usage_tracking_since()?;
        Ok(KeyUsageReport {
            key_id: record.key_id,
            last_usage: self.last_usage(&record.key_id, &record.scope.region)?,
            tracking_start_date: since.max(record.created_at),
            key_creation_date: record.created_at,
        })
    }
}
