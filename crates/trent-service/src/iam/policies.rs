//! Inline identity policies of users and roles: Put, Get, List and
//! Delete User/RolePolicy.

use trent_core::action::Action;
use trent_core::error::IamError;
use trent_policy::document::{PolicyDocument, PolicyKind};
use trent_store::record::{IdentityPolicyRecord, PrincipalKind};
use trent_store::StoreErrorKind;

use super::{check_name, iam_store, IamResult, MAX_ROLE_POLICY_CHARS, MAX_USER_POLICY_CHARS};
use crate::authorize::policy_problem;
use crate::{Caller, Kms};

impl Kms {

    /// PutUserPolicy / PutRolePolicy.
    pub fn put_identity_policy(
        &self,
        caller: &Caller,
        kind: PrincipalKind,
        principal: &str,
        policy_name: &str,
        document: &str,
    ) -> IamResult<()> {
        check_name("policyName", policy_name, 128)?;
        check_name(
            if kind == PrincipalKind::User {
                "userName"
            } else {
                "roleName"
            },
            principal,
            64,
        )?;
        let _guard = self.writing();
        let record = match kind {
            PrincipalKind::User => self.existing(caller, kind, principal)?,
            PrincipalKind::Role => {
                self.modifiable_role(caller, principal, Action::PutRolePolicy)?
            }
        };
        if kind == PrincipalKind::User {
            self.authorize_iam(caller, Action::PutUserPolicy, &record.arn())?;
        }
        PolicyDocument::parse(document, PolicyKind::Identity).map_err(policy_problem)?;
        let (quota, label) = match kind {
            PrincipalKind::User => (MAX_USER_POLICY_CHARS, "user"),
            PrincipalKind::Role => (MAX_ROLE_POLICY_CHARS, "role"),
        };
        let others: usize = self
            .store
            .identity_policies(caller.account(), kind, &record.name)
            .map_err(iam_store)?
            .iter()
            .filter(|existing| existing.name != policy_name)
            .map(|existing| policy_chars(&existing.document))
            .sum();
        if others + policy_chars(document) > quota {
            return Err(IamError::LimitExceeded(format!(
                "Maximum policy size of {quota} bytes exceeded for {label} {}",
                record.name
            )));
        }
        self.store
            .put_identity_policy(
                caller.account(),
                kind,
                &record.name,
                &IdentityPolicyRecord {
                    name: policy_name.to_owned(),
                    document: document.to_owned(),
                },
            )
            .map_err(iam_store)?;
        self.identities_changed();
        Ok(())
    }

    /// GetUserPolicy / GetRolePolicy: the principal's name as stored, and the document.
    pub fn get_identity_policy(
        &self,
        caller: &Caller,
        kind: PrincipalKind,
        principal: &str,
        policy_name: &str,
    ) -> IamResult<(String, IdentityPolicyRecord)> {
        check_name("policyName", policy_name, 128)?;
        let record = self.existing(caller, kind, principal)?;
        let action = match kind {
            PrincipalKind::User => Action::GetUserPolicy,
            PrincipalKind::Role => Action::GetRolePolicy,
        };
        self.authorize_iam(caller, action, &record.arn())?;
        let policy = self
            .store
            .identity_policies(caller.account(), kind, &record.name)
            .map_err(iam_store)?
            .into_iter()
            .find(|policy| policy.name == policy_name)
            .ok_or_else(|| {
                IamError::NoSuchEntity(format!(
                    "The {} policy with name {policy_name} cannot be found.",
                    kind.as_str()
                ))
            })?;
        Ok((record.name, policy))
    }

    /// ListUserPolicies / ListRolePolicies: policy names.
    pub fn list_identity_policies(
        &self,
        caller: &Caller,
        kind: PrincipalKind,
        principal: &str,
    ) -> IamResult<Vec<String>> {
        let record = self.existing(caller, kind, principal)?;
        let action = match kind {
            PrincipalKind::User => Action::ListUserPolicies,
            PrincipalKind::Role => Action::ListRolePolicies,
        };
        self.authorize_iam(caller, action, &record.arn())?;
        Ok(self
            .store
            .identity_policies(caller.account(), kind, &record.name)
            .map_err(iam_store)?
            .into_iter()
            .map(|policy| policy.name)
            .collect())
    }

    /// DeleteUserPolicy / DeleteRolePolicy.
    pub fn delete_identity_policy(
        &self,
        caller: &Caller,
        kind: PrincipalKind,
        principal: &str,
        policy_name: &str,
    ) -> IamResult<()> {
        check_name("policyName", policy_name, 128)?;
        let _guard = self.writing();
        let record = match kind {
            PrincipalKind::User => {
                let record = self.existing(caller, kind, principal)?;
                self.authorize_iam(caller, Action::DeleteUserPolicy, &record.arn())?;
                record
            }
            PrincipalKind::Role => {
                self.modifiable_role(caller, principal, Action::DeleteRolePolicy)?
            }
        };
        match self
            .store
            .delete_identity_policy(caller.account(), kind, &record.name, policy_name)
        {
            Ok(()) => {}
            Err(error) if error.kind == StoreErrorKind::NotFound => {
                return Err(IamError::NoSuchEntity(format!(
                    "The {} policy with name {policy_name} cannot be found.",
                    kind.as_str()
                )))
            }
            Err(error) => return Err(iam_store(error)),
        }
        self.identities_changed();
        Ok(())
    }
}

/// Characters of a policy that count toward IAM's size quotas.
fn policy_chars(document: &str) -> usize {
    document.chars().filter(|c| !c.is_whitespace()).count()
}
