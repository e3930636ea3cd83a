//! ListKeys.

use trent_core::error::KmsError;
use trent_core::operation::Operation;

use super::parse_marker;
use crate::{store_failed, Caller, Kms};
use trent_core::view::{KeyEntry, Listing};

impl Kms {
    /// ListKeys: the caller's keys in its region, as `(key id, key ARN)` pairs.
    pub fn list_keys(
        &self,
        caller: &Caller,
        marker: Option<&str>,
        limit: u32,
    ) -> Result<Listing<KeyEntry>, KmsError> {
        self.authorize_identity_only(caller, Operation::ListKeys.action(), Default::default())?;
        let scope = caller.scope().clone();
        let page = self
            .store
            .list_keys(&scope, parse_marker(marker)?, limit)
            .map_err(store_failed)?;
        Ok(Listing {
            items: page
                .items
                .iter()
                .map(|key_id| KeyEntry {
                    key_id: key_id.to_string(),
                    key_arn: scope.key_arn(key_id),
                })
                .collect(),
            next_marker: page.next.map(|position| position.to_string()),
        })
    }
}
