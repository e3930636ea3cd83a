//! Finding the key a request names, and checking it may be used.

use std::sync::Arc;

use trent_core::action::Action;
use trent_core::context::EncryptionContext;
use trent_core::error::{InvalidState, KmsError, NotFound};
use trent_core::id::{AliasName, KeyId, KeyReference, Region, Scope};
use trent_core::key::{KeyAction, KeyState, Origin, StateRefusal};
use trent_store::record::KeyRecord;

use crate::authorize::Facts;
use crate::{store_failed, Caller, Kms};

/// Which of AWS's four key-identifier forms an operation accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Accepts {
    /// Key id or key ARN only (management operations).
    IdOrArn,
    /// Key id, key ARN, alias name or alias ARN (cryptographic operations, DescribeKey).
    AnyForm,
}

impl Kms {
    /// Loads the key `reference` names for `caller` and authorizes `action`
    /// on it, refusing forms the operation does not accept, keys of other
    /// scopes and absent keys.
    pub(crate) fn resolve(
        &self,
        caller: &Caller,
        reference: &KeyReference,
        accepts: Accepts,
        action: Action,
    ) -> Result<Arc<KeyRecord>, KmsError> {
        self.resolve_for(caller, reference, accepts, action, None)
    }

    /// [`Kms::resolve`] for a cryptographic operation, whose encryption
    /// context feeds the key policy's conditions.
    pub(crate) fn resolve_for(
        &self,
        caller: &Caller,
        reference: &KeyReference,
        accepts: Accepts,
        action: Action,
        context: Option<&EncryptionContext>,
    ) -> Result<Arc<KeyRecord>, KmsError> {
        let facts = Facts {
            context,
            ..Facts::default()
        };
        self.resolve_with(caller, reference, accepts, action, facts)
    }

    /// [`Kms::resolve`] with what else the request says, for condition keys.
    pub(crate) fn resolve_with(
        &self,
        caller: &Caller,
        reference: &KeyReference,
        accepts: Accepts,
        action: Action,
        facts: Facts<'_>,
    ) -> Result<Arc<KeyRecord>, KmsError> {
        let (record, alias) = self.locate(caller, reference, accepts)?;
        self.authorize(caller, &record, action, Facts { alias, ..facts })?;
        Ok(record)
    }

    /// The key `reference` names, without authorizing, and the alias it was
    /// named by: refuses forms the operation does not accept, keys of other
    /// scopes and absent keys. Callers authorize by other means (grants, the
    /// admin API) or through [`Kms::resolve_with`].
    pub(crate) fn locate<'r>(
        &self,
        caller: &Caller,
        reference: &'r KeyReference,
        accepts: Accepts,
    ) -> Result<(Arc<KeyRecord>, Option<&'r AliasName>), KmsError> {
        let caller_scope = caller.scope();
        let (scope, key_id, alias) = match reference {
            KeyReference::Id(key_id) => (caller_scope, *key_id, None),
            KeyReference::Arn { scope, key_id } => (scope, *key_id, None),
            KeyReference::AliasName(name) if accepts == Accepts::AnyForm => (
                caller_scope,
                self.alias_target(caller_scope, name)?,
                Some(name),
            ),
            KeyReference::AliasArn { scope, alias } if accepts == Accepts::AnyForm => {
                (scope, self.alias_target(scope, alias)?, Some(alias))
            }
            KeyReference::AliasName(name) => {
                return Err(KmsError::NotFound(NotFound::InvalidKeyId {
                    given: name.as_str().to_owned(),
                }))
            }
            KeyReference::AliasArn { scope, alias } => {
                return Err(KmsError::NotFound(NotFound::InvalidKeyId {
                    given: scope.alias_arn(alias),
                }))
            }
        };
        Ok((self.load_in_scope(caller, scope, &key_id)?, alias))
    }

    /// Loads a key by id that must live in `scope`, in the caller's region.
    pub(crate) fn load_in_scope(
        &self,
        caller: &Caller,
        scope: &Scope,
        key_id: &KeyId,
    ) -> Result<Arc<KeyRecord>, KmsError> {
        let not_found = || {
            KmsError::NotFound(NotFound::Key {
                arn: scope.key_arn(key_id),
            })
        };
        if scope.region != *caller.region() {
            // AWS names the Region of a key ARN sent to another Region.
            return Err(KmsError::NotFound(NotFound::OtherRegion {
                region: scope.region.to_string(),
            }));
        }
        let record = self
            .key_record(key_id, &scope.region)?
            .ok_or_else(not_found)?;
        if record.scope != *scope {
            return Err(not_found());
        }
        Ok(record)
    }

    /// The key of an id in a Region, from the cache or the store.
    pub(crate) fn key_record(
        &self,
        key_id: &KeyId,
        region: &Region,
    ) -> Result<Option<Arc<KeyRecord>>, KmsError> {
        if let Some(record) = self.cache.key(key_id, region).filter(|_| self.hearing()) {
            return Ok(Some(self.expired_at_use(record)));
        }
        let seen = self.cache.generation();
        let Some(record) = self.store.key(key_id, region).map_err(store_failed)? else {
            return Ok(None);
        };
        let record = Arc::new(record);
        self.cache.insert_key(seen, record.clone());
        Ok(Some(self.expired_at_use(record)))
    }

    /// Imported material past its `ValidTo` is unusable at once, before the
    /// maintenance pass deletes it: the key answers as pending import.
    fn expired_at_use(&self, record: Arc<KeyRecord>) -> Arc<KeyRecord> {
        let expired = record.origin == Origin::External
            && matches!(record.state, KeyState::Enabled | KeyState::Disabled)
            && record
                .imported
                .valid_to
                .is_some_and(|valid_to| valid_to <= self.clock.now());
        if !expired {
            return record;
        }
        let mut waiting = KeyRecord::clone(&record);
        waiting.state = KeyState::PendingImport;
        Arc::new(waiting)
    }

    pub(crate) fn alias_target(
        &self,
        scope: &Scope,
        name: &trent_core::id::AliasName,
    ) -> Result<KeyId, KmsError> {
        if let Some(target) = self.cache.alias(scope, name).filter(|_| self.hearing()) {
            return Ok(target);
        }
        let seen = self.cache.generation();
        let target = self
            .store
            .alias(scope, name)
            .map_err(store_failed)?
            .map(|alias| alias.target)
            .ok_or_else(|| {
                KmsError::NotFound(NotFound::Alias {
                    arn: scope.alias_arn(name),
                })
            })?;
        self.cache
            .insert_alias(seen, scope.clone(), name.clone(), target);
        Ok(target)
    }
}

/// Refuses `action` on `key` when its state does not allow it, with AWS's error.
pub(crate) fn check_state(key: &KeyRecord, action: KeyAction) -> Result<(), KmsError> {
    action.check(key.state).map_err(|refusal| {
        let arn = key.scope.key_arn(&key.key_id);
        match refusal {
            StateRefusal::Disabled => KmsError::Disabled { arn },
            StateRefusal::InvalidState(state) => {
                KmsError::KmsInvalidState(InvalidState { arn, state })
            }
        }
    })
}
