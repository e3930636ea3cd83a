//! Roles: CreateRole, GetRole, ListRoles, DeleteRole,
//! UpdateAssumeRolePolicy, and the service-linked roles every account has.
//! Names, paths and service names arrive checked (trent-protocol's
//! `query::check`).

use trent_core::action::Action;
use trent_core::error::{IamError, IamInvalid, KmsError, Subordinate};
use trent_core::id::AccountId;
use trent_core::view::Role;
use trent_policy::document::{PolicyDocument, PolicyKind};
use trent_store::record::{PrincipalKind, PrincipalRecord};
use trent_store::StoreErrorKind;

use super::{iam_store, role_view, unique_id, IamResult};
use crate::authorize::policy_problem;
use crate::{store_failed, Caller, Kms};

/// The service-linked roles every account has, as AWS keeps them.
const SERVICE_LINKED_ROLES: &[(&str, &str)] = &[
    ("support.amazonaws.com", "AWSServiceRoleForSupport"),
    (
        "trustedadvisor.amazonaws.com",
        "AWSServiceRoleForTrustedAdvisor",
    ),
];

fn service_linked_path(service: &str) -> String {
    format!("/aws-service-role/{service}/")
}

fn service_trust_policy(service: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Service":"{service}"}},"Action":"sts:AssumeRole"}}]}}"#
    )
}

impl Kms {
    /// Creates `account` unless it exists, with the service-linked roles AWS
    /// keeps in every account.
    pub fn ensure_account(&self, account: &AccountId) -> Result<(), KmsError> {
        match self.store.insert_account(account, self.clock.now()) {
            Err(error) if error.kind != StoreErrorKind::Conflict => {
                return Err(store_failed(error))
            }
            _ => {}
        }
        for (service, name) in SERVICE_LINKED_ROLES {
            let exists = self
                .store
                .principal(account, PrincipalKind::Role, name)
                .map_err(store_failed)?
                .is_some();
            if !exists {
                let created = self.insert_role(
                    account,
                    name,
                    &service_linked_path(service),
                    &service_trust_policy(service),
                    "",
                );
                match created {
                    // Made meanwhile by another caller: it exists, as wanted.
                    Ok(_) | Err(IamError::EntityAlreadyExists { .. }) => {}
                    Err(IamError::Kms(error)) => return Err(error),
                    Err(other) => {
                        return Err(KmsError::internal(
                            "creating a service-linked role",
                            std::io::Error::other(other.name()),
                        ))
                    }
                }
            }
        }
        Ok(())
    }

    fn insert_role(
        &self,
        account: &AccountId,
        name: &str,
        path: &str,
        trust_policy: &str,
        description: &str,
    ) -> IamResult<PrincipalRecord> {
        let record = PrincipalRecord {
            account: account.clone(),
            kind: PrincipalKind::Role,
            name: name.to_owned(),
            id: unique_id("AROA")?,
            path: path.to_owned(),
            created_at: self.clock.now(),
            trust_policy: Some(trust_policy.to_owned()),
            description: description.to_owned(),
        };
        match self.store.insert_principal(&record) {
            Ok(()) => {}
            Err(error) if error.kind == StoreErrorKind::Conflict => {
                return Err(IamError::EntityAlreadyExists {
                    kind: trent_core::id::PrincipalKind::Role,
                    name: name.to_owned(),
                })
            }
            Err(error) => return Err(iam_store(error)),
        }
        self.identities_changed();
        Ok(record)
    }
    /// CreateRole, with its trust policy.
    pub fn create_role(
        &self,
        caller: &Caller,
        name: &str,
        path: Option<&str>,
        trust_policy: &str,
        description: Option<&str>,
    ) -> IamResult<Role> {
        let path = path.unwrap_or("/");
        if path.starts_with("/aws-service-role/") {
            return Err(IamError::Validation(IamInvalid::ReservedPath));
        }
        self.authorize_iam(
            caller,
            Action::CreateRole,
            &Self::principal_arn_of(caller, PrincipalKind::Role, name, path),
        )?;
        self.check_trust_policy(trust_policy)?;
        let _guard = self.writing()?;
        self.insert_role(
            caller.account(),
            name,
            path,
            trust_policy,
            description.unwrap_or(""),
        )
        .map(|record| role_view(&record))
    }

    fn check_trust_policy(&self, text: &str) -> IamResult<()> {
        let document = PolicyDocument::parse(text, PolicyKind::Trust).map_err(policy_problem)?;
        self.check_principals_exist(&document)
            .map_err(IamError::from)
    }

    /// CreateServiceLinkedRole: `AWSServiceRoleFor<Service>` under
    /// `/aws-service-role/<service>/`, trusted by that service.
    pub fn create_service_linked_role(
        &self,
        caller: &Caller,
        service: &str,
        description: Option<&str>,
        suffix: Option<&str>,
    ) -> IamResult<Role> {
        // Checked as `<label>.amazonaws.com` by trent-protocol.
        let label = service.strip_suffix(".amazonaws.com").unwrap_or(service);
        let known = SERVICE_LINKED_ROLES
            .iter()
            .find(|(name, _)| *name == service)
            .map(|(_, role)| (*role).to_owned());
        let base = known.unwrap_or_else(|| {
            let mut name = String::from("AWSServiceRoleFor");
            for part in label.split(['-', '.']) {
                let mut chars = part.chars();
                if let Some(first) = chars.next() {
                    name.push(first.to_ascii_uppercase());
                    name.push_str(chars.as_str());
                }
            }
            name
        });
        let name = match suffix {
            Some(suffix) => format!("{base}_{suffix}"),
            None => base,
        };
        let path = service_linked_path(service);
        self.authorize_iam(
            caller,
            Action::CreateServiceLinkedRole,
            &Self::principal_arn_of(caller, PrincipalKind::Role, &name, &path),
        )?;
        let _guard = self.writing()?;
        self.insert_role(
            caller.account(),
            &name,
            &path,
            &service_trust_policy(service),
            description.unwrap_or(""),
        )
        .map(|record| role_view(&record))
    }

    /// GetRole.
    pub fn get_role(&self, caller: &Caller, name: &str) -> IamResult<Role> {
        let role = self.existing(caller, PrincipalKind::Role, name)?;
        self.authorize_iam(caller, Action::GetRole, &role.arn())?;
        Ok(role_view(&role))
    }

    /// ListRoles.
    pub fn list_roles(&self, caller: &Caller) -> IamResult<Vec<Role>> {
        self.authorize_iam(
            caller,
            Action::ListRoles,
            &format!("arn:aws:iam::{}:role/", caller.account().as_str()),
        )?;
        let roles = self
            .store
            .principals(caller.account(), PrincipalKind::Role)
            .map_err(iam_store)?;
        Ok(roles.iter().map(role_view).collect())
    }

    pub(super) fn modifiable_role(
        &self,
        caller: &Caller,
        name: &str,
        action: Action,
    ) -> IamResult<PrincipalRecord> {
        let role = self.existing(caller, PrincipalKind::Role, name)?;
        self.authorize_iam(caller, action, &role.arn())?;
        if role.path.starts_with("/aws-service-role/") {
            return Err(IamError::UnmodifiableEntity {
                role: role.name.clone(),
            });
        }
        Ok(role)
    }

    /// DeleteRole: refused while the role has inline policies.
    pub fn delete_role(&self, caller: &Caller, name: &str) -> IamResult<()> {
        let _guard = self.writing()?;
        let role = self.modifiable_role(caller, name, Action::DeleteRole)?;
        if !self
            .store
            .identity_policies(caller.account(), PrincipalKind::Role, &role.name)
            .map_err(iam_store)?
            .is_empty()
        {
            return Err(IamError::DeleteConflict(Subordinate::Policies));
        }
        self.store
            .delete_principal(caller.account(), PrincipalKind::Role, &role.name)
            .map_err(iam_store)?;
        self.identities_changed();
        Ok(())
    }

    /// UpdateAssumeRolePolicy.
    pub fn update_assume_role_policy(
        &self,
        caller: &Caller,
        name: &str,
        trust_policy: &str,
    ) -> IamResult<()> {
        let _guard = self.writing()?;
        let mut role = self.modifiable_role(caller, name, Action::UpdateAssumeRolePolicy)?;
        self.check_trust_policy(trust_policy)?;
        role.trust_policy = Some(trust_policy.to_owned());
        self.store.update_principal(&role).map_err(iam_store)?;
        self.identities_changed();
        Ok(())
    }
}
