//! ListKeys.

use trent_core::error::KmsError;

use super::{parse_marker, Listing};
use crate::{store_failed, Caller, Kms};

impl Kms {
    /// ListKeys: the caller's keys in its region, as `(key id, key ARN)` pairs.
    pub fn list_keys(
        &self,
        caller: &Caller,
        marker: Option<&str>,
        limit: u32,
    ) -> Result<Listing<(String, String)>, KmsError> {
        self.authorize_identity_only(caller, "kms:ListKeys", Default::default())?;
        let scope = caller.scope().clone();
        let page = self
            .store
            .list_keys(&scope, parse_marker(marker)?, limit)
            .map_err(store_failed)?;
        Ok(Listing {
            items: page
                .items
                .iter()
                .map(|key_id| (key_id.to_string(), scope.key_arn(key_id)))
                .collect(),
            next_marker: page.next.map(|position| position.to_string()),
        })
    }
}
