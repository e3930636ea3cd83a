//! PutKeyPolicy.

use trent_core::error::KmsError;
use trent_core::id::KeyReference;
use trent_core::key::KeyAction;
use trent_core::operation::Operation;

use super::get_key_policy::check_policy_name;
use trent_store::record::KeyRecord;

use crate::authorize::Facts;
use crate::resolve::{check_state, Accepts};
use crate::{Caller, Kms};

impl Kms {
    /// PutKeyPolicy: replaces the key policy after checking its grammar and,
    /// unless bypassed, that it still lets the caller change it.
    pub fn put_key_policy(
        &self,
        caller: &Caller,
        key: &KeyReference,
        policy_name: Option<&str>,
        policy: String,
        bypass_policy_lockout_safety_check: bool,
    ) -> Result<(), KmsError> {
        let _writing = self.writing()?;
        let mut record = KeyRecord::clone(
            self.resolve_with(
                caller,
                key,
                Accepts::IdOrArn,
                Operation::PutKeyPolicy.action(),
                Facts {
                    bypass_lockout: Some(bypass_policy_lockout_safety_check),
                    ..Facts::default()
                },
            )?
            .as_ref(),
        );
        check_policy_name(policy_name)?;
        self.check_new_policy(
            caller,
            &record.scope.key_arn(&record.key_id),
            &policy,
            bypass_policy_lockout_safety_check,
        )?;
        check_state(&record, KeyAction::Inspect)?;
        record.policy = policy;
        self.save_key(&record)
    }
}
