//! GetKeyPolicy.

use trent_core::error::{KmsError, NotFound};
use trent_core::id::KeyReference;
use trent_core::operation::Operation;

use crate::resolve::Accepts;
use crate::{Caller, Kms};
use trent_core::quota::DEFAULT_POLICY_NAME;

impl Kms {
    /// GetKeyPolicy: the stored policy document, exactly as it was given.
    pub fn get_key_policy(
        &self,
        caller: &Caller,
        key: &KeyReference,
        policy_name: Option<&str>,
    ) -> Result<String, KmsError> {
        let record = self.resolve(
            caller,
            key,
            Accepts::IdOrArn,
            Operation::GetKeyPolicy.action(),
        )?;
        check_policy_name(policy_name)?;
        Ok(record.policy.clone())
    }
}

/// Refuses any policy name but `default`.
pub(crate) fn check_policy_name(policy_name: Option<&str>) -> Result<(), KmsError> {
    match policy_name {
        None | Some(DEFAULT_POLICY_NAME) => Ok(()),
        Some(_) => Err(KmsError::NotFound(NotFound::Policy)),
    }
}
