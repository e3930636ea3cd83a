//! DeleteAlias.

use trent_core::error::{AliasNameProblem, KmsError, NotFound};
use trent_core::id::AliasName;
use trent_core::operation::Operation;
use trent_store::StoreErrorKind;

use crate::{store_failed, Caller, Kms};

impl Kms {
    /// DeleteAlias: removes the name; the key is untouched.
    pub fn delete_alias(&self, caller: &Caller, alias: AliasName) -> Result<(), KmsError> {
        if alias.is_reserved() {
            return Err(KmsError::InvalidAliasName(AliasNameProblem::Reserved));
        }
        let _writing = self.writing()?;
        let scope = caller.scope().clone();
        // Permission on the alias (identity policies) and on the key it
        // names (its key policy), as AWS asks.
        self.authorize_by_identity(
            caller,
            Operation::DeleteAlias.action(),
            &scope.alias_arn(&alias),
            Default::default(),
        )?;
        let existing = self.store.alias(&scope, &alias).map_err(store_failed)?;
        let Some(existing) = existing else {
            return Err(KmsError::NotFound(NotFound::Alias {
                arn: scope.alias_arn(&alias),
            }));
        };
        if let Some(key) = self.key_record(&existing.target, &existing.scope.region)? {
            self.authorize(
                caller,
                &key,
                Operation::DeleteAlias.action(),
                Default::default(),
            )?;
        }
        let result = self
            .store
            .delete_alias(&scope, &alias)
            .map_err(|error| match error.kind {
                StoreErrorKind::NotFound => KmsError::NotFound(NotFound::Alias {
                    arn: scope.alias_arn(&alias),
                }),
                _ => store_failed(error),
            });
        self.cache.invalidate_alias(&scope, &alias);
        result
    }
}
