//! Principals by name and by ARN: the user or role a request names, and
//! refusing policies that name principals which do not exist.

use trent_core::error::{IamEntity, IamError, KmsError};
use trent_core::id::AccountId;
use trent_policy::document::{PolicyDocument, Principals};
use trent_store::record::{PrincipalKind, PrincipalRecord};

use super::{iam_store, IamResult};
use crate::{store_failed, Caller, Kms};

impl Kms {
    pub(super) fn principal_arn_of(
        caller: &Caller,
        kind: PrincipalKind,
        name: &str,
        path: &str,
    ) -> String {
        format!(
            "arn:aws:iam::{}:{}{}{}",
            caller.account().as_str(),
            kind.as_str(),
            path,
            name
        )
    }

    pub(super) fn existing(
        &self,
        caller: &Caller,
        kind: PrincipalKind,
        name: &str,
    ) -> IamResult<PrincipalRecord> {
        self.store
            .principal(caller.account(), kind, name)
            .map_err(iam_store)?
            .ok_or_else(|| no_such(kind, name))
    }
    /// Refuses a policy naming a user or role that does not exist, as AWS
    /// does. Account ids and root ARNs of any account are accepted; users
    /// and roles must exist in their account on this server.
    pub(crate) fn check_principals_exist(&self, document: &PolicyDocument) -> Result<(), KmsError> {
        for statement in &document.statements {
            let Some(matcher) = &statement.principal else {
                continue;
            };
            let (trent_policy::document::Matcher::Is(principals)
            | trent_policy::document::Matcher::IsNot(principals)) = matcher;
            let Principals::Named { aws, .. } = principals else {
                continue;
            };
            for entry in aws {
                if !self.principal_exists(entry)? {
                    return Err(KmsError::MalformedPolicyDocument(
                        trent_core::error::PolicyProblem::InvalidPrincipals,
                    ));
                }
            }
        }
        Ok(())
    }

    fn principal_exists(&self, entry: &str) -> Result<bool, KmsError> {
        if !entry.starts_with("arn:") {
            // A bare account id (the parser checked its 12 digits).
            return Ok(true);
        }
        let Some((account, resource)) = split_principal_arn(entry) else {
            return Ok(false);
        };
        if resource == "root" {
            return Ok(true);
        }
        let (kind, path_and_name) = if let Some(rest) = resource.strip_prefix("user/") {
            (PrincipalKind::User, rest)
        } else if let Some(rest) = resource.strip_prefix("role/") {
            (PrincipalKind::Role, rest)
        } else if let Some(rest) = resource.strip_prefix("assumed-role/") {
            // assumed-role/<role>/<session>
            let role = rest.split('/').next().unwrap_or_default();
            return Ok(self
                .store
                .principal(&account, PrincipalKind::Role, role)
                .map_err(store_failed)?
                .is_some());
        } else {
            return Ok(false);
        };
        let name = path_and_name.rsplit('/').next().unwrap_or_default();
        let found = self
            .store
            .principal(&account, kind, name)
            .map_err(store_failed)?;
        // The path must match too: the ARN names one principal exactly.
        Ok(found.is_some_and(|record| record.arn() == entry))
    }
}

pub(super) fn no_such(kind: PrincipalKind, name: &str) -> IamError {
    IamError::NoSuchEntity(IamEntity::Principal {
        kind: super::domain(kind),
        name: name.to_owned(),
    })
}

/// `arn:aws:iam::<account>:<resource>` (or `arn:aws:sts::…`) → the account
/// and the resource part (`root`, `user/…`, `role/…`, `assumed-role/…`).
pub(crate) fn split_principal_arn(arn: &str) -> Option<(AccountId, &str)> {
    let rest = arn
        .strip_prefix("arn:aws:iam::")
        .or_else(|| arn.strip_prefix("arn:aws:sts::"))?;
    let (account, resource) = rest.split_once(':')?;
    Some((AccountId::parse(account).ok()?, resource))
}
