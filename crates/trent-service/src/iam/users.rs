//! Users: CreateUser, GetUser, ListUsers, ListGroupsForUser, DeleteUser.

use trent_core::action::Action;
use trent_core::error::IamError;
use trent_store::record::{PrincipalKind, PrincipalRecord};
use trent_store::StoreErrorKind;

use super::{check_name, check_path, iam_store, unique_id, IamResult};
use crate::{Caller, Identity, Kms};

impl Kms {

    /// CreateUser.
    pub fn create_user(
        &self,
        caller: &Caller,
        name: &str,
        path: Option<&str>,
    ) -> IamResult<PrincipalRecord> {
        check_name("userName", name, 64)?;
        let path = path.unwrap_or("/");
        check_path(path)?;
        self.authorize_iam(
            caller,
            Action::CreateUser,
            &Self::principal_arn_of(caller, PrincipalKind::User, name, path),
        )?;
        let record = PrincipalRecord {
            account: caller.account().clone(),
            kind: PrincipalKind::User,
            name: name.to_owned(),
            id: unique_id("AIDA")?,
            path: path.to_owned(),
            created_at: self.clock.now(),
            trust_policy: None,
            description: String::new(),
        };
        let _guard = self.writing();
        match self.store.insert_principal(&record) {
            Ok(()) => {}
            Err(error) if error.kind == StoreErrorKind::Conflict => {
                return Err(IamError::EntityAlreadyExists(format!(
                    "User with name {name} already exists."
                )))
            }
            Err(error) => return Err(iam_store(error)),
        }
        self.identities_changed();
        Ok(record)
    }

    /// GetUser: the named user, or without a name the caller itself
    /// (`None` for the account root, which has no user record).
    pub fn get_user(
        &self,
        caller: &Caller,
        name: Option<&str>,
    ) -> IamResult<Option<PrincipalRecord>> {
        let name = match (name, caller.identity()) {
            (Some(name), _) => name.to_owned(),
            (None, Identity::User { name, .. }) => name.clone(),
            (None, Identity::Root) => return Ok(None),
            (None, Identity::AssumedRole { .. }) => {
                return Err(IamError::Validation(
                    "Must specify userName when calling with non-User credentials".into(),
                ))
            }
        };
        check_name("userName", &name, 64)?;
        let user = self.existing(caller, PrincipalKind::User, &name)?;
        self.authorize_iam(caller, Action::GetUser, &user.arn())?;
        Ok(Some(user))
    }

    /// ListUsers.
    pub fn list_users(&self, caller: &Caller) -> IamResult<Vec<PrincipalRecord>> {
        self.authorize_iam(
            caller,
            Action::ListUsers,
            &format!("arn:aws:iam::{}:user/", caller.account().as_str()),
        )?;
        self.store
            .principals(caller.account(), PrincipalKind::User)
            .map_err(iam_store)
    }

    /// ListGroupsForUser: Trent has no groups, so the answer is always
    /// empty, but the user must exist (Terraform asks before deleting one).
    pub fn list_groups_for_user(&self, caller: &Caller, name: &str) -> IamResult<Vec<String>> {
        check_name("userName", name, 64)?;
        let user = self.existing(caller, PrincipalKind::User, name)?;
        self.authorize_iam(caller, Action::ListGroupsForUser, &user.arn())?;
        Ok(Vec::new())
    }

    /// DeleteUser: refused while the user has access keys or policies.
    pub fn delete_user(&self, caller: &Caller, name: &str) -> IamResult<()> {
        check_name("userName", name, 64)?;
        let _guard = self.writing();
        let user = self.existing(caller, PrincipalKind::User, name)?;
        self.authorize_iam(caller, Action::DeleteUser, &user.arn())?;
        if !self
            .store
            .access_keys(caller.account(), Some(&user.name))
            .map_err(iam_store)?
            .is_empty()
        {
            return Err(IamError::DeleteConflict(
                "Cannot delete entity, must delete access keys first.".into(),
            ));
        }
        if !self
            .store
            .identity_policies(caller.account(), PrincipalKind::User, &user.name)
            .map_err(iam_store)?
            .is_empty()
        {
            return Err(IamError::DeleteConflict(
                "Cannot delete entity, must delete policies first.".into(),
            ));
        }
        self.store
            .delete_principal(caller.account(), PrincipalKind::User, &user.name)
            .map_err(iam_store)?;
        self.identities_changed();
        Ok(())
    }
}
