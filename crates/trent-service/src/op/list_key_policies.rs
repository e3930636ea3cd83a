//! ListKeyPolicies.

use trent_core::error::KmsError;
use trent_core::id::KeyReference;
use trent_core::operation::Operation;

use crate::resolve::Accepts;
use crate::{Caller, Kms};
use trent_core::quota::DEFAULT_POLICY_NAME;

impl Kms {
    /// ListKeyPolicies: always the one policy name, `default`.
    pub fn list_key_policies(
        &self,
        caller: &Caller,
        key: &KeyReference,
    ) -> Result<Vec<String>, KmsError> {
        self.resolve(
            caller,
            key,
            Accepts::IdOrArn,
            Operation::ListKeyPolicies.action(),
        )?;
        Ok(vec![DEFAULT_POLICY_NAME.to_owned()])
    }
}
