//! ListKeyPolicies.

use trent_core::error::KmsError;
use trent_core::id::KeyReference;

use super::DEFAULT_POLICY_NAME;
use crate::resolve::Accepts;
use crate::{Caller, Kms};

impl Kms {
    /// ListKeyPolicies: always the one policy name, `default`.
    pub fn list_key_policies(
        &self,
        caller: &Caller,
        key: &KeyReference,
    ) -> Result<Vec<String>, KmsError> {
        self.resolve(caller, key, Accepts::IdOrArn, "kms:ListKeyPolicies")?;
        Ok(vec![DEFAULT_POLICY_NAME.to_owned()])
    }
}
