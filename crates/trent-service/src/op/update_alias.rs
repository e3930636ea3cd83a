//! UpdateAlias.

use trent_core::error::{AliasNameProblem, KmsError, NotFound};
use trent_core::id::{AliasName, KeyReference};
use trent_core::key::KeyAction;
use trent_core::operation::Operation;

use crate::resolve::{check_state, Accepts};
use crate::{store_failed, Caller, Kms};

impl Kms {
    /// UpdateAlias: points an existing alias at another key of the same scope.
    pub fn update_alias(
        &self,
        caller: &Caller,
        alias: AliasName,
        target: &KeyReference,
    ) -> Result<(), KmsError> {
        if alias.is_reserved() {
            return Err(KmsError::InvalidAliasName(AliasNameProblem::Reserved));
        }
        let _writing = self.writing()?;
        let scope = caller.scope().clone();
        // Permission on the alias, the key it names now, and the new key.
        self.authorize_by_identity(
            caller,
            Operation::UpdateAlias.action(),
            &scope.alias_arn(&alias),
            Default::default(),
        )?;
        let mut record = self
            .store
            .alias(&scope, &alias)
            .map_err(store_failed)?
            .ok_or_else(|| {
                KmsError::NotFound(NotFound::Alias {
                    arn: scope.alias_arn(&alias),
                })
            })?;
        if let Some(current) = self.key_record(&record.target, &record.scope.region)? {
            self.authorize(
                caller,
                &current,
                Operation::UpdateAlias.action(),
                Default::default(),
            )?;
        }
        let key = self.resolve(
            caller,
            target,
            Accepts::IdOrArn,
            Operation::UpdateAlias.action(),
        )?;
        check_state(&key, KeyAction::Annotate)?;
        record.target = key.key_id;
        record.updated_at = self.clock.now();
        let result = self.store.update_alias(&record).map_err(store_failed);
        self.cache.invalidate_alias(&scope, &record.name);
        result
    }
}
