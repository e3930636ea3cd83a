//! CreateAlias.

use trent_core::error::{AliasNameProblem, KmsError};
use trent_core::id::{AliasName, KeyReference};
use trent_core::key::KeyAction;
use trent_core::operation::Operation;
use trent_store::record::AliasRecord;
use trent_store::StoreErrorKind;

use crate::resolve::{check_state, Accepts};
use crate::{store_failed, Caller, Kms};

impl Kms {
    /// CreateAlias: a new name for a key of the caller's account and region.
    pub fn create_alias(
        &self,
        caller: &Caller,
        alias: AliasName,
        target: &KeyReference,
    ) -> Result<(), KmsError> {
        if alias.is_reserved() {
            return Err(KmsError::InvalidAliasName(AliasNameProblem::Reserved));
        }
        let _writing = self.writing()?;
        // AWS asks for permission on both: the alias (identity policies) and
        // the key (its key policy).
        self.authorize_by_identity(
            caller,
            Operation::CreateAlias.action(),
            &caller.scope().alias_arn(&alias),
            Default::default(),
        )?;
        let key = self.resolve(
            caller,
            target,
            Accepts::IdOrArn,
            Operation::CreateAlias.action(),
        )?;
        check_state(&key, KeyAction::Annotate)?;
        let scope = caller.scope().clone();
        let now = self.clock.now();
        let record = AliasRecord {
            scope: scope.clone(),
            name: alias,
            target: key.key_id,
            created_at: now,
            updated_at: now,
        };
        let result = self
            .store
            .insert_alias(&record)
            .map_err(|error| match error.kind {
                StoreErrorKind::Conflict => KmsError::AlreadyExists {
                    alias_arn: scope.alias_arn(&record.name),
                },
                _ => store_failed(error),
            });
        self.cache.invalidate_alias(&scope, &record.name);
        result
    }
}
