//! Access keys: CreateAccessKey, ListAccessKeys, UpdateAccessKey,
//! DeleteAccessKey, for users and the account root.

use trent_core::action::Action;
use trent_core::error::IamError;
use trent_store::record::{AccessKeyRecord, PrincipalKind};

use super::{check_name, iam_store, IamResult, KeyOwner, NewAccessKey, MAX_ACCESS_KEYS_PER_USER};
use crate::{Caller, Identity, Kms};

impl Kms {

    fn key_owner(&self, caller: &Caller, user: Option<&str>) -> IamResult<(KeyOwner, String)> {
        let name = match (user, caller.identity()) {
            (Some(name), _) => Some(name.to_owned()),
            (None, Identity::User { name, .. }) => Some(name.clone()),
            (None, Identity::Root) => None,
            (None, Identity::AssumedRole { .. }) => {
                return Err(IamError::Validation(
                    "Must specify userName when calling with non-User credentials".into(),
                ))
            }
        };
        match name {
            None => Ok((KeyOwner::Root, caller.scope().root_arn())),
            Some(name) => {
                check_name("userName", &name, 64)?;
                let user = self.existing(caller, PrincipalKind::User, &name)?;
                Ok((KeyOwner::User(user.name.clone()), user.arn()))
            }
        }
    }

    /// CreateAccessKey, for a user or (without a name, called by the root) the root.
    pub fn create_access_key(
        &self,
        caller: &Caller,
        user: Option<&str>,
    ) -> IamResult<NewAccessKey> {
        let _guard = self.writing();
        let (owner, arn) = self.key_owner(caller, user)?;
        self.authorize_iam(caller, Action::CreateAccessKey, &arn)?;
        let user = match &owner {
            KeyOwner::Root => None,
            KeyOwner::User(name) => Some(name.as_str()),
        };
        let existing = self
            .store
            .access_keys(caller.account(), user)
            .map_err(iam_store)?;
        if existing.len() >= MAX_ACCESS_KEYS_PER_USER {
            return Err(IamError::LimitExceeded(format!(
                "Cannot exceed quota for AccessKeysPerUser: {MAX_ACCESS_KEYS_PER_USER}"
            )));
        }
        let (record, secret) = self.store_new_access_key(caller.account(), user)?;
        self.identities_changed();
        Ok(NewAccessKey { record, secret })
    }

    /// ListAccessKeys.
    pub fn list_access_keys(
        &self,
        caller: &Caller,
        user: Option<&str>,
    ) -> IamResult<(KeyOwner, Vec<AccessKeyRecord>)> {
        let (owner, arn) = self.key_owner(caller, user)?;
        self.authorize_iam(caller, Action::ListAccessKeys, &arn)?;
        let user = match &owner {
            KeyOwner::Root => None,
            KeyOwner::User(name) => Some(name.as_str()),
        };
        let keys = self
            .store
            .access_keys(caller.account(), user)
            .map_err(iam_store)?;
        Ok((owner, keys))
    }

    fn owned_key(
        &self,
        caller: &Caller,
        owner: &KeyOwner,
        access_key_id: &str,
    ) -> IamResult<AccessKeyRecord> {
        let record = self.store.access_key(access_key_id).map_err(iam_store)?;
        let owned = record.filter(|record| {
            &record.account == caller.account()
                && match owner {
                    KeyOwner::Root => record.user.is_none(),
                    KeyOwner::User(name) => record
                        .user
                        .as_deref()
                        .is_some_and(|user| user.eq_ignore_ascii_case(name)),
                }
        });
        owned.ok_or_else(|| {
            IamError::NoSuchEntity(format!(
                "The Access Key with id {access_key_id} cannot be found."
            ))
        })
    }

    /// UpdateAccessKey: `Active` or `Inactive`. Takes effect on the next request.
    pub fn update_access_key(
        &self,
        caller: &Caller,
        user: Option<&str>,
        access_key_id: &str,
        active: bool,
    ) -> IamResult<()> {
        let _guard = self.writing();
        let (owner, arn) = self.key_owner(caller, user)?;
        self.authorize_iam(caller, Action::UpdateAccessKey, &arn)?;
        let record = self.owned_key(caller, &owner, access_key_id)?;
        self.store
            .set_access_key_active(&record.access_key_id, active)
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
        let _guard = self.writing();
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
