//! Inline identity policies of users and roles: Put, Get, List and
//! Delete User/RolePolicy. Names arrive checked (trent-protocol's
//! `query::check`).

use trent_core::action::Action;
use trent_core::error::{IamEntity, IamError, IamQuota};
use trent_core::id::PrincipalKind as Kind;
use trent_core::view::IdentityPolicy;
use trent_policy::document::{PolicyDocument, PolicyKind};
use trent_store::record::{IdentityPolicyRecord, PrincipalKind};
use trent_store::StoreErrorKind;

use super::{domain, iam_store, stored, IamResult, MAX_ROLE_POLICY_CHARS, MAX_USER_POLICY_CHARS};
use crate::authorize::policy_problem;
use crate::{Caller, Kms};

impl Kms {
    /// PutUserPolicy / PutRolePolicy.
    pub fn put_identity_policy(
        &self,
        caller: &Caller,
        kind: Kind,
        principal: &str,
        policy_name: &str,
        document: &str,
    ) -> IamResult<()> {
        let kind = stored(kind);
        let _guard = self.writing()?;
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
        let quota = match kind {
            PrincipalKind::User => MAX_USER_POLICY_CHARS,
            PrincipalKind::Role => MAX_ROLE_POLICY_CHARS,
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
            return Err(IamError::LimitExceeded(IamQuota::PolicySize {
                kind: domain(kind),
                name: record.name,
                max: quota,
            }));
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
        kind: Kind,
        principal: &str,
        policy_name: &str,
    ) -> IamResult<IdentityPolicy> {
        let kind = stored(kind);
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
                IamError::NoSuchEntity(IamEntity::Policy {
                    kind: domain(kind),
                    name: policy_name.to_owned(),
                })
            })?;
        Ok(IdentityPolicy {
            principal_name: record.name,
            policy_name: policy.name,
            policy_document: policy.document,
        })
    }

    /// ListUserPolicies / ListRolePolicies: policy names.
    pub fn list_identity_policies(
        &self,
        caller: &Caller,
        kind: Kind,
        principal: &str,
    ) -> IamResult<Vec<String>> {
        let kind = stored(kind);
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
        kind: Kind,
        principal: &str,
        policy_name: &str,
    ) -> IamResult<()> {
        let kind = stored(kind);
        let _guard = self.writing()?;
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
                return Err(IamError::NoSuchEntity(IamEntity::Policy {
                    kind: domain(kind),
                    name: policy_name.to_owned(),
                }))
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
