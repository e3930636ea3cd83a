//! Users: CreateUser, GetUser, ListUsers, ListGroupsForUser, DeleteUser.
//! Names and paths arrive checked (trent-protocol's `query::check`).

use trent_core::action::Action;
use trent_core::error::{IamError, IamInvalid, Subordinate};
use trent_core::id::PrincipalKind;
use trent_core::view::User;
use trent_store::record::{PrincipalKind as StoredKind, PrincipalRecord};
use trent_store::StoreErrorKind;

use super::{iam_store, unique_id, user_view, IamResult};
use crate::{Caller, Identity, Kms};

impl Kms {
    /// CreateUser.
    pub fn create_user(&self, caller: &Caller, name: &str, path: Option<&str>) -> IamResult<User> {
        let path = path.unwrap_or("/");
        self.authorize_iam(
            caller,
            Action::CreateUser,
            &Self::principal_arn_of(caller, StoredKind::User, name, path),
        )?;
        let record = PrincipalRecord {
            account: caller.account().clone(),
            kind: StoredKind::User,
            name: name.to_owned(),
            id: unique_id("AIDA")?,
            path: path.to_owned(),
            created_at: self.clock.now(),
            trust_policy: None,
            description: String::new(),
        };
        let _guard = self.writing()?;
        match self.store.insert_principal(&record) {
            Ok(()) => {}
            Err(error) if error.kind == StoreErrorKind::Conflict => {
                return Err(IamError::EntityAlreadyExists {
                    kind: PrincipalKind::User,
                    name: name.to_owned(),
                })
            }
            Err(error) => return Err(iam_store(error)),
        }
        self.identities_changed();
        Ok(user_view(&record))
    }

    /// GetUser: the named user, or without a name the caller itself
    /// (`None` for the account root, which has no user record).
    pub fn get_user(&self, caller: &Caller, name: Option<&str>) -> IamResult<Option<User>> {
        let name = match (name, caller.identity()) {
            (Some(name), _) => name.to_owned(),
            (None, Identity::User { name, .. }) => name.clone(),
            (None, Identity::Root) => return Ok(None),
            (None, Identity::AssumedRole { .. }) => {
                return Err(IamError::Validation(IamInvalid::UserNameRequired))
            }
        };
        let user = self.existing(caller, StoredKind::User, &name)?;
        self.authorize_iam(caller, Action::GetUser, &user.arn())?;
        Ok(Some(user_view(&user)))
    }

    /// ListUsers.
    pub fn list_users(&self, caller: &Caller) -> IamResult<Vec<User>> {
        self.authorize_iam(
            caller,
            Action::ListUsers,
            &format!("arn:aws:iam::{}:user/", caller.account().as_str()),
        )?;
        let users = self
            .store
            .principals(caller.account(), StoredKind::User)
            .map_err(iam_store)?;
        Ok(users.iter().map(user_view).collect())
    }

    /// ListGroupsForUser: Trent has no groups, so the answer is always
    /// empty, but the user must exist (Terraform asks before deleting one).
    pub fn list_groups_for_user(&self, caller: &Caller, name: &str) -> IamResult<Vec<String>> {
        let user = self.existing(caller, StoredKind::User, name)?;
        self.authorize_iam(caller, Action::ListGroupsForUser, &user.arn())?;
        Ok(Vec::new())
    }

    /// DeleteUser: refused while the user has access keys or policies.
    pub fn delete_user(&self, caller: &Caller, name: &str) -> IamResult<()> {
        let _guard = self.writing()?;
        let user = self.existing(caller, StoredKind::User, name)?;
        self.authorize_iam(caller, Action::DeleteUser, &user.arn())?;
        if !self
            .store
            .access_keys(caller.account(), Some(&user.name))
            .map_err(iam_store)?
            .is_empty()
        {
            return Err(IamError::DeleteConflict(Subordinate::AccessKeys));
        }
        if !self
            .store
            .identity_policies(caller.account(), StoredKind::User, &user.name)
            .map_err(iam_store)?
            .is_empty()
        {
            return Err(IamError::DeleteConflict(Subordinate::Policies));
        }
        self.store
            .delete_principal(caller.account(), StoredKind::User, &user.name)
            .map_err(iam_store)?;
        self.identities_changed();
        Ok(())
    }
}
