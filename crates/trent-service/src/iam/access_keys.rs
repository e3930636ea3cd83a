//! Access keys: CreateAccessKey, ListAccessKeys, UpdateAccessKey,
//! DeleteAccessKey, for users and the account root. User names arrive
//! checked (trent-protocol's `query::check`).

use trent_core::action::Action;
use trent_core::error::{IamEntity, IamError, IamInvalid, IamQuota};
use trent_core::view::{AccessKeyMetadata, AccessKeyOwner, AccessKeyStatus};
use trent_store::record::{AccessKeyRecord, PrincipalKind};

use super::{access_key_view, iam_store, IamResult, NewAccessKey, MAX_ACCESS_KEYS_PER_USER};
use crate::{Caller, Identity, Kms};

impl Kms {
    fn key_owner(
        &self,
        caller: &Caller,
        user: Option<&str>,
    ) -> IamResult<(AccessKeyOwner, String)> {
        let name = match (user, caller.identity()) {
            (Some(name), _) => Some(name.to_owned()),
            (None, Identity::User { name, .. }) => Some(name.clone()),
            (None, Identity::Root) => None,
            (None, Identity::AssumedRole { .. }) => {
                return Err(IamError::Validation(IamInvalid::UserNameRequired))
            }
        };
        match name {
            None => Ok((AccessKeyOwner::Root, caller.scope().root_arn())),
            Some(name) => {
                let user = self.existing(caller, PrincipalKind::User, &name)?;
                Ok((AccessKeyOwner::User(user.name.clone()), user.arn()))
            }
        }
    }

    /// CreateAccessKey, for a user or (without a name, called by the root) the root.
    pub fn create_access_key(
        &self,
        caller: &Caller,
        user: Option<&str>,
    ) -> IamResult<NewAccessKey> {
        let _guard = self.writing()?;
        let (owner, arn) = self.key_owner(caller, user)?;
        self.authorize_iam(caller, Action::CreateAccessKey, &arn)?;
        let user = match &owner {
            AccessKeyOwner::Root => None,
            AccessKeyOwner::User(name) => Some(name.as_str()),
        };
        let existing = self
            .store
            .access_keys(caller.account(), user)
            .map_err(iam_store)?;
        if existing.len() >= MAX_ACCESS_KEYS_PER_USER {
            return Err(IamError::LimitExceeded(IamQuota::AccessKeysPerUser {
                max: MAX_ACCESS_KEYS_PER_USER,
            }));
        }
        let (record, secret) = self.store_new_access_key(caller.account(), user)?;
        self.identities_changed();
        Ok(NewAccessKey {
            metadata: access_key_view(&record),
            secret,
        })
    }

    /// ListAccessKeys.
    pub fn list_access_keys(
        &self,
        caller: &Caller,
        user: Option<&str>,
    ) -> IamResult<(AccessKeyOwner, Vec<AccessKeyMetadata>)> {
        let (owner, arn) = self.key_owner(caller, user)?;
        self.authorize_iam(caller, Action::ListAccessKeys, &arn)?;
        let user = match &owner {
            AccessKeyOwner::Root => None,
            AccessKeyOwner::User(name) => Some(name.as_str()),
        };
        let keys = self
            .store
            .access_keys(caller.account(), user)
            .map_err(iam_store)?;
        Ok((owner, keys.iter().map(access_key_view).collect()))
    }

    fn owned_key(
        &self,
        caller: &Caller,
        owner: &AccessKeyOwner,
        access_key_id: &str,
    ) -> IamResult<AccessKeyRecord> {
        let record = self.store.access_key(access_key_id).map_err(iam_store)?;
        let owned = record.filter(|record| {
            &record.account == caller.account()
                && match owner {
                    AccessKeyOwner::Root => record.user.is_none(),
                    AccessKeyOwner::User(name) => record
                        .user
                        .as_deref()
                        .is_some_and(|user| user.eq_ignore_ascii_case(name)),
                }
        });
        owned.ok_or_else(|| {
            IamError::NoSuchEntity(IamEntity::AccessKey {
                id: access_key_id.to_owned(),
            })
        })
    }

    /// UpdateAccessKey: `Active` or `Inactive`. Takes effect on the next request.
    pub fn update_access_key(
        &self,
        caller: &Caller,
        user: Option<&str>,
        access_key_id: &str,
        status: AccessKeyStatus,
    ) -> IamResult<()> {
        let _guard = self.writing()?;
        let (owner, arn) = self.key_owner(caller, user)?;
        self.authorize_iam(caller, Action::UpdateAccessKey, &arn)?;
        let record = self.owned_key(caller, &owner, access_key_id)?;
        self.store
            .set_access_key_active(&record.access_key_id, status == AccessKeyStatus::Active)
            .map_err(iam_store)?;
        self.identities_changed();
        Ok(())
    }

    /// DeleteAccessKey. Takes effect on the next request.
    pub fn delete_access_key(
        &self,
        caller: &Caller,
        user: Option<&str>,
        access_key_id: &str,
    ) -> IamResult<()> {
        let _guard = self.writing()?;
        let (owner, arn) = self.key_owner(caller, user)?;
        self.authorize_iam(caller, Action::DeleteAccessKey, &arn)?;
        let record = self.owned_key(caller, &owner, access_key_id)?;
        self.store
            .delete_access_key(&record.access_key_id)
            .map_err(iam_store)?;
        self.identities_changed();
        Ok(())
    }
}
