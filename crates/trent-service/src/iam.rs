//! Identities: the IAM and STS subset Trent serves (users, roles, access
//! keys, inline identity policies, service-linked roles, assumed-role
//! sessions), and turning an access key into a [`Caller`].
//!
//! Every change bumps the identity generation (`Kms::identity_generation`),
//! so cached callers (and their parsed policies) are rebuilt on the next
//! request. Temporary credentials are self-contained: the session token is
//! the session (account, role, name, expiry, secret) sealed under the root
//! key, so sessions survive restarts without a table.

use std::sync::Arc;

use base64::Engine as _;
use trent_core::action::Action;
use trent_core::clock::Timestamp;
use trent_core::error::{DenialReason, IamError, KmsError};
use trent_core::id::{AccountId, Region, Scope};
use trent_policy::document::{PolicyDocument, PolicyKind, Principals};
use trent_policy::evaluate::{decide, Request};
use trent_store::record::{AccessKeyRecord, IdentityPolicyRecord, PrincipalKind, PrincipalRecord};
use trent_store::StoreErrorKind;
use zeroize::Zeroizing;

use crate::authorize::{identity_decision, policy_problem};
use crate::bootstrap::{random_token, SecretAccessKey};
use crate::caller::NamedPolicy;
use crate::{store_failed, Caller, Identity, Kms};

/// Access keys a user may have at once (AWS's quota).
pub const MAX_ACCESS_KEYS_PER_USER: usize = 2;
/// Aggregate size of a user's inline policies, whitespace excluded (AWS's quota).
pub const MAX_USER_POLICY_CHARS: usize = 2_048;
/// Aggregate size of a role's inline policies, whitespace excluded (AWS's quota).
pub const MAX_ROLE_POLICY_CHARS: usize = 10_240;
/// Shortest and longest sessions AssumeRole grants, in seconds.
pub const SESSION_SECONDS: std::ops::RangeInclusive<i64> = 900..=43_200;
/// A role's maximum session duration (AWS's default), in seconds.
pub const MAX_SESSION_SECONDS: i64 = 3_600;

const SESSION_LABEL: &[u8] = b"trent/session-token/v1";

/// The service-linked roles every account has, as AWS keeps them.
const SERVICE_LINKED_ROLES: &[(&str, &str)] = &[
    ("support.amazonaws.com", "AWSServiceRoleForSupport"),
    (
        "trustedadvisor.amazonaws.com",
        "AWSServiceRoleForTrustedAdvisor",
    ),
];

/// Who owns an access key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyOwner {
    /// The account root.
    Root,
    /// An IAM user, by name.
    User(String),
}

/// A new access key, with its secret (shown once).
#[derive(Debug)]
pub struct NewAccessKey {
    /// The stored record.
    pub record: AccessKeyRecord,
    /// The secret access key.
    pub secret: SecretAccessKey,
}

/// Temporary credentials from AssumeRole.
pub struct SessionCredentials {
    /// `ASIA...`.
    pub access_key_id: String,
    /// The secret access key.
    pub secret: SecretAccessKey,
    /// The session token callers send as `X-Amz-Security-Token`.
    pub session_token: String,
    /// When the credentials stop working.
    pub expiration: Timestamp,
    /// `AROA...:session`.
    pub assumed_role_id: String,
    /// `arn:aws:sts::<account>:assumed-role/<role>/<session>`.
    pub arn: String,
}

impl std::fmt::Debug for SessionCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The token is a bearer credential with the secret: never printed.
        f.debug_struct("SessionCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("expiration", &self.expiration)
            .field("arn", &self.arn)
            .finish_non_exhaustive()
    }
}

/// Caller details for GetCallerIdentity.
#[derive(Debug)]
pub struct CallerIdentity {
    /// `aws:userid`.
    pub user_id: String,
    /// The account.
    pub account: String,
    /// The principal ARN.
    pub arn: String,
}

type IamResult<T> = Result<T, IamError>;

/// A user or role named in a request.
fn check_name(what: &str, name: &str, max: usize) -> IamResult<()> {
    let ok = !name.is_empty()
        && name.len() <= max
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(IamError::Validation(format!(
            "The specified value for {what} is invalid. It must contain only alphanumeric characters and/or the following: +=,.@_- and be 1 to {max} characters long."
        )))
    }
}

fn check_path(path: &str) -> IamResult<()> {
    let ok = path.starts_with('/')
        && path.ends_with('/')
        && path.len() <= 512
        && path.bytes().all(|b| (0x21..=0x7e).contains(&b));
    if ok {
        Ok(())
    } else {
        Err(IamError::Validation(
            "The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.".into(),
        ))
    }
}

fn no_such(kind: PrincipalKind, name: &str) -> IamError {
    match kind {
        PrincipalKind::User => {
            IamError::NoSuchEntity(format!("The user with name {name} cannot be found."))
        }
        PrincipalKind::Role => {
            IamError::NoSuchEntity(format!("The role with name {name} cannot be found."))
        }
    }
}

fn iam_store(error: trent_store::StoreError) -> IamError {
    IamError::Kms(store_failed(error))
}

/// Characters of a policy that count toward IAM's size quotas.
fn policy_chars(document: &str) -> usize {
    document.chars().filter(|c| !c.is_whitespace()).count()
}

fn unique_id(prefix: &str) -> Result<String, KmsError> {
    Ok(format!("{prefix}{}", random_token(17)?))
}

fn service_linked_path(service: &str) -> String {
    format!("/aws-service-role/{service}/")
}

fn service_trust_policy(service: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Service":"{service}"}},"Action":"sts:AssumeRole"}}]}}"#
    )
}

impl Kms {
    // ---- Authentication ----

    /// The caller an access key signs for, and its secret, for SigV4; `None`
    /// when the key is unknown or inactive, or its user is gone. With a
    /// session token, the temporary credentials it seals (which must name
    /// this access key id and not have expired).
    pub fn credentials(
        &self,
        access_key_id: &str,
        session_token: Option<&str>,
        region: Region,
    ) -> Result<Option<(Caller, SecretAccessKey, Option<Timestamp>)>, KmsError> {
        if let Some(token) = session_token {
            return self.session_credentials(access_key_id, token, region);
        }
        let Some(record) = self.store.access_key(access_key_id).map_err(store_failed)? else {
            return Ok(None);
        };
        if !record.active {
            return Ok(None);
        }
        let secret = self.open_secret(access_key_id, &record.sealed_secret)?;
        let scope = Scope {
            account: record.account.clone(),
            region,
        };
        let caller = match &record.user {
            None => Caller::account_root(scope.account, scope.region).signed_with(access_key_id),
            Some(name) => {
                let Some(user) = self
                    .store
                    .principal(&record.account, PrincipalKind::User, name)
                    .map_err(store_failed)?
                else {
                    return Ok(None);
                };
                let policies = self.parsed_policies(&user)?;
                Caller::new(
                    scope,
                    user.arn(),
                    Identity::User {
                        name: user.name.clone(),
                        id: user.id.clone(),
                        policies,
                    },
                    access_key_id,
                )
            }
        };
        Ok(Some((caller, secret, None)))
    }

    fn session_credentials(
        &self,
        access_key_id: &str,
        token: &str,
        region: Region,
    ) -> Result<Option<(Caller, SecretAccessKey, Option<Timestamp>)>, KmsError> {
        let Ok(sealed) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(token) else {
            return Err(KmsError::UnrecognizedClient);
        };
        let Ok(opened) = self.root_key.open(SESSION_LABEL, &sealed) else {
            return Err(KmsError::UnrecognizedClient);
        };
        let text = Zeroizing::new(String::from_utf8_lossy(&opened).into_owned());
        let fields: Vec<&str> = text.split('\n').collect();
        let [version, key_id, account, role_name, role_id, session, expires, secret] =
            fields.as_slice()
        else {
            return Err(KmsError::UnrecognizedClient);
        };
        if *version != "v1" || *key_id != access_key_id {
            return Err(KmsError::UnrecognizedClient);
        }
        let expires = Timestamp::from_millis(
            expires
                .parse::<i64>()
                .map_err(|_| KmsError::UnrecognizedClient)?,
        );
        if self.clock.now() >= expires {
            return Err(KmsError::ExpiredToken);
        }
        let account = AccountId::parse(account).map_err(|_| KmsError::UnrecognizedClient)?;
        // A deleted (or deleted and recreated) role ends its sessions.
        let Some(role) = self
            .store
            .principal(&account, PrincipalKind::Role, role_name)
            .map_err(store_failed)?
        else {
            return Ok(None);
        };
        if role.id != *role_id {
            return Ok(None);
        }
        let policies = self.parsed_policies(&role)?;
        let scope = Scope { account, region };
        let arn = format!(
            "arn:aws:sts::{}:assumed-role/{}/{}",
            scope.account.as_str(),
            role.name,
            session
        );
        let caller = Caller::new(
            scope,
            arn,
            Identity::AssumedRole {
                role_arn: role.arn(),
                role_name: role.name.clone(),
                role_id: role.id.clone(),
                session: (*session).to_owned(),
                policies,
            },
            access_key_id,
        );
        let secret = SecretAccessKey::new((*secret).to_owned());
        Ok(Some((caller, secret, Some(expires))))
    }

    /// The inline policies of a user or role, parsed. A stored policy that no
    /// longer parses is skipped (it allows nothing) and logged.
    pub(crate) fn parsed_policies(
        &self,
        principal: &PrincipalRecord,
    ) -> Result<Arc<[NamedPolicy]>, KmsError> {
        let records = self
            .store
            .identity_policies(&principal.account, principal.kind, &principal.name)
            .map_err(store_failed)?;
        let mut policies = Vec::with_capacity(records.len());
        for record in records {
            match PolicyDocument::parse(&record.document, PolicyKind::Identity) {
                Ok(document) => policies.push(NamedPolicy {
                    name: record.name,
                    document,
                }),
                Err(_) => {
                    tracing::warn!(policy = %record.name, "stored identity policy does not parse")
                }
            }
        }
        Ok(policies.into())
    }

    // ---- Authorization of IAM and STS actions ----

    /// Refuses an IAM action unless the caller is the root of the account it
    /// acts in, or an identity policy of the caller allows it on `resource`.
    fn authorize_iam(&self, caller: &Caller, action: Action, resource: &str) -> IamResult<()> {
        self.authorize_by_identity(caller, action, resource, Default::default())
            .map_err(IamError::Kms)
    }

    fn principal_arn_of(caller: &Caller, kind: PrincipalKind, name: &str, path: &str) -> String {
        format!(
            "arn:aws:iam::{}:{}{}{}",
            caller.account().as_str(),
            kind.as_str(),
            path,
            name
        )
    }

    fn existing(
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

    // ---- Accounts ----

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
                    Ok(_) | Err(IamError::EntityAlreadyExists(_)) => {}
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
                return Err(IamError::EntityAlreadyExists(format!(
                    "Role with name {name} already exists."
                )))
            }
            Err(error) => return Err(iam_store(error)),
        }
        self.identities_changed();
        Ok(record)
    }

    // ---- Users ----

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

    // ---- Access keys ----

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

    // ---- Roles ----

    /// CreateRole, with its trust policy.
    pub fn create_role(
        &self,
        caller: &Caller,
        name: &str,
        path: Option<&str>,
        trust_policy: &str,
        description: Option<&str>,
    ) -> IamResult<PrincipalRecord> {
        check_name("roleName", name, 64)?;
        let path = path.unwrap_or("/");
        check_path(path)?;
        if path.starts_with("/aws-service-role/") {
            return Err(IamError::Validation(
                "The path /aws-service-role/ is reserved for service-linked roles.".into(),
            ));
        }
        self.authorize_iam(
            caller,
            Action::CreateRole,
            &Self::principal_arn_of(caller, PrincipalKind::Role, name, path),
        )?;
        self.check_trust_policy(trust_policy)?;
        let _guard = self.writing();
        self.insert_role(
            caller.account(),
            name,
            path,
            trust_policy,
            description.unwrap_or(""),
        )
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
    ) -> IamResult<PrincipalRecord> {
        let Some(label) = service.strip_suffix(".amazonaws.com").filter(|label| {
            !label.is_empty()
                && label
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        }) else {
            return Err(IamError::Validation(format!(
                "Invalid ServiceName: {service}"
            )));
        };
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
            Some(suffix) => {
                check_name("customSuffix", suffix, 64)?;
                format!("{base}_{suffix}")
            }
            None => base,
        };
        let path = service_linked_path(service);
        self.authorize_iam(
            caller,
            Action::CreateServiceLinkedRole,
            &Self::principal_arn_of(caller, PrincipalKind::Role, &name, &path),
        )?;
        let _guard = self.writing();
        self.insert_role(
            caller.account(),
            &name,
            &path,
            &service_trust_policy(service),
            description.unwrap_or(""),
        )
    }

    /// GetRole.
    pub fn get_role(&self, caller: &Caller, name: &str) -> IamResult<PrincipalRecord> {
        check_name("roleName", name, 64)?;
        let role = self.existing(caller, PrincipalKind::Role, name)?;
        self.authorize_iam(caller, Action::GetRole, &role.arn())?;
        Ok(role)
    }

    /// ListRoles.
    pub fn list_roles(&self, caller: &Caller) -> IamResult<Vec<PrincipalRecord>> {
        self.authorize_iam(
            caller,
            Action::ListRoles,
            &format!("arn:aws:iam::{}:role/", caller.account().as_str()),
        )?;
        self.store
            .principals(caller.account(), PrincipalKind::Role)
            .map_err(iam_store)
    }

    fn modifiable_role(
        &self,
        caller: &Caller,
        name: &str,
        action: Action,
    ) -> IamResult<PrincipalRecord> {
        check_name("roleName", name, 64)?;
        let role = self.existing(caller, PrincipalKind::Role, name)?;
        self.authorize_iam(caller, action, &role.arn())?;
        if role.path.starts_with("/aws-service-role/") {
            return Err(IamError::UnmodifiableEntity(format!(
                "Cannot perform the operation on the protected role '{}' - this role is only modifiable by AWS",
                role.name
            )));
        }
        Ok(role)
    }

    /// DeleteRole: refused while the role has inline policies.
    pub fn delete_role(&self, caller: &Caller, name: &str) -> IamResult<()> {
        let _guard = self.writing();
        let role = self.modifiable_role(caller, name, Action::DeleteRole)?;
        if !self
            .store
            .identity_policies(caller.account(), PrincipalKind::Role, &role.name)
            .map_err(iam_store)?
            .is_empty()
        {
            return Err(IamError::DeleteConflict(
                "Cannot delete entity, must delete policies first.".into(),
            ));
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
        let _guard = self.writing();
        let mut role = self.modifiable_role(caller, name, Action::UpdateAssumeRolePolicy)?;
        self.check_trust_policy(trust_policy)?;
        role.trust_policy = Some(trust_policy.to_owned());
        self.store.update_principal(&role).map_err(iam_store)?;
        self.identities_changed();
        Ok(())
    }

    // ---- Inline policies ----

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

    // ---- STS ----

    /// GetCallerIdentity: allowed to every authenticated caller.
    pub fn get_caller_identity(&self, caller: &Caller) -> CallerIdentity {
        CallerIdentity {
            user_id: caller.user_id().to_string(),
            account: caller.account().as_str().to_owned(),
            arn: caller.principal_arn().to_owned(),
        }
    }

    /// AssumeRole: temporary credentials for `role_arn`, if its trust policy
    /// (and, when the trust policy names only the caller's account or the
    /// caller is from another account, the caller's identity policy) allows.
    pub fn assume_role(
        &self,
        caller: &Caller,
        role_arn: &str,
        session_name: &str,
        duration_seconds: Option<i64>,
    ) -> IamResult<SessionCredentials> {
        if session_name.len() < 2
            || session_name.len() > 64
            || !session_name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c))
        {
            return Err(IamError::Validation(
                "1 validation error detected: Value at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*".into(),
            ));
        }
        let duration = duration_seconds.unwrap_or(MAX_SESSION_SECONDS);
        if !SESSION_SECONDS.contains(&duration) {
            return Err(IamError::Validation(format!(
                "1 validation error detected: Value '{duration}' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200"
            )));
        }
        if duration > MAX_SESSION_SECONDS {
            return Err(IamError::Validation(
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
                    .into(),
            ));
        }
        let denied = |reason| {
            IamError::Kms(KmsError::AccessDenied {
                principal_arn: caller.principal_arn().to_owned(),
                action: Action::AssumeRole,
                resource: role_arn.to_owned(),
                reason,
            })
        };
        let Some((account, name)) = parse_role_arn(role_arn) else {
            return Err(IamError::Validation(format!("{role_arn} is invalid")));
        };
        if caller.is_root() {
            return Err(IamError::Kms(KmsError::AccessDenied {
                principal_arn: caller.principal_arn().to_owned(),
                action: Action::AssumeRole,
                resource: role_arn.to_owned(),
                reason: DenialReason::RootMayNotAssumeRoles,
            }));
        }
        let role = self
            .store
            .principal(&account, PrincipalKind::Role, name)
            .map_err(iam_store)?
            .filter(|role| role.arn() == role_arn);
        // An unknown role is denied like a forbidden one, as AWS does.
        let Some(role) = role else {
            return Err(denied(DenialReason::NoResourcePolicyAllows));
        };
        let trust = role
            .trust_policy
            .as_deref()
            .and_then(|text| PolicyDocument::parse(text, PolicyKind::Trust).ok());
        let Some(trust) = trust else {
            return Err(denied(DenialReason::NoResourcePolicyAllows));
        };
        let keys = self.condition_keys(caller, None, Default::default());
        let request = Request {
            principal: caller.as_principal(),
            action: Action::AssumeRole.as_str(),
            resource: role_arn,
            keys: &keys,
        };
        let identity = identity_decision(caller, &request);
        crate::authorize::combine(
            caller,
            &account == caller.account(),
            decide(&trust, &request),
            identity,
        )
        .map_err(denied)?;

        let access_key_id = format!("ASIA{}", random_token(16)?);
        let secret = crate::bootstrap::new_secret()?;
        let expiration = Timestamp::from_millis(self.clock.now().as_millis() + duration * 1000);
        let plain = Zeroizing::new(format!(
            "v1\n{access_key_id}\n{}\n{}\n{}\n{session_name}\n{}\n{}",
            account.as_str(),
            role.name,
            role.id,
            expiration.as_millis(),
            secret.expose()
        ));
        let sealed = self
            .root_key
            .seal(SESSION_LABEL, plain.as_bytes())
            .map_err(|error| KmsError::internal("sealing a session token", error))?;
        Ok(SessionCredentials {
            access_key_id,
            secret,
            session_token: base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sealed),
            expiration,
            assumed_role_id: format!("{}:{session_name}", role.id),
            arn: format!(
                "arn:aws:sts::{}:assumed-role/{}/{session_name}",
                account.as_str(),
                role.name
            ),
        })
    }

    // ---- Principals in policies ----

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

/// `arn:aws:iam::<account>:role/<path/><name>` → (account, name).
fn parse_role_arn(arn: &str) -> Option<(AccountId, &str)> {
    let (account, resource) = split_principal_arn(arn)?;
    let name = resource.strip_prefix("role/")?.rsplit('/').next()?;
    Some((account, name))
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use trent_core::clock::ManualClock;
    use trent_crypto::root_key::FileRootKeyProvider;
    use trent_store::sqlite::SqliteStore;

    use super::*;

    struct Harness {
        _dir: tempfile::TempDir,
        clock: Arc<ManualClock>,
        kms: Kms,
        root: Caller,
    }

    fn harness() -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SqliteStore::open(&dir.path().join("trent.db")).unwrap());
        let root_key =
            FileRootKeyProvider::open_or_create(&dir.path().join("root-key"), true).unwrap();
        let clock = Arc::new(ManualClock::new(Timestamp::from_millis(1_800_000_000_000)));
        let kms = Kms::new(store, Arc::new(root_key), clock.clone());
        let account = AccountId::parse("111122223333").unwrap();
        kms.ensure_account(&account).unwrap();
        let root = Caller::account_root(account, Region::parse("us-east-1").unwrap());
        Harness {
            _dir: dir,
            clock,
            kms,
            root,
        }
    }

    fn region() -> Region {
        Region::parse("us-east-1").unwrap()
    }

    #[test]
    fn session_tokens_expire_and_cannot_be_forged() {
        let Harness {
            clock, kms, root, ..
        } = harness();
        kms.create_user(&root, "alice", None).unwrap();
        let key = kms.create_access_key(&root, Some("alice")).unwrap();
        let (alice, ..) = kms
            .credentials(&key.record.access_key_id, None, region())
            .unwrap()
            .unwrap();
        let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"sts:AssumeRole"}]}"#;
        kms.create_role(&root, "app", None, trust, None).unwrap();
        let session = kms
            .assume_role(
                &alice,
                "arn:aws:iam::111122223333:role/app",
                "s1",
                Some(900),
            )
            .unwrap();
        let (caller, secret, expires) = kms
            .credentials(
                &session.access_key_id,
                Some(&session.session_token),
                region(),
            )
            .unwrap()
            .unwrap();
        assert_eq!(
            caller.principal_arn(),
            "arn:aws:sts::111122223333:assumed-role/app/s1"
        );
        assert_eq!(
            caller.role_arn(),
            Some("arn:aws:iam::111122223333:role/app")
        );
        assert_eq!(secret.expose(), session.secret.expose());
        assert_eq!(expires, Some(session.expiration));
        // The token names its access key id: another id is refused.
        assert!(matches!(
            kms.credentials("ASIAOTHER", Some(&session.session_token), region()),
            Err(KmsError::UnrecognizedClient)
        ));
        // A changed token does not open.
        let mut forged = session.session_token.clone();
        forged.insert(10, 'A');
        assert!(matches!(
            kms.credentials(&session.access_key_id, Some(&forged), region()),
            Err(KmsError::UnrecognizedClient)
        ));
        // Expiry, on the injected clock.
        clock.advance(Duration::from_secs(899));
        assert!(kms
            .credentials(
                &session.access_key_id,
                Some(&session.session_token),
                region()
            )
            .is_ok());
        clock.advance(Duration::from_secs(1));
        assert!(matches!(
            kms.credentials(
                &session.access_key_id,
                Some(&session.session_token),
                region()
            ),
            Err(KmsError::ExpiredToken)
        ));
        // The debug output of the credentials shows neither secret nor token.
        let shown = format!("{session:?}");
        assert!(!shown.contains(session.secret.expose()));
        assert!(!shown.contains(&session.session_token));
    }

    #[test]
    fn identity_changes_bump_the_generation() {
        let Harness { kms, root, .. } = harness();
        let mut seen = kms.identity_generation();
        let mut changed = |kms: &Kms| {
            let now = kms.identity_generation();
            assert!(now > seen, "generation did not move");
            seen = now;
        };
        kms.create_user(&root, "bob", None).unwrap();
        changed(&kms);
        let key = kms.create_access_key(&root, Some("bob")).unwrap();
        changed(&kms);
        kms.update_access_key(&root, Some("bob"), &key.record.access_key_id, false)
            .unwrap();
        changed(&kms);
        assert!(kms
            .credentials(&key.record.access_key_id, None, region())
            .unwrap()
            .is_none());
        kms.put_identity_policy(
            &root,
            PrincipalKind::User,
            "bob",
            "p",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}"#,
        )
        .unwrap();
        changed(&kms);
        kms.delete_identity_policy(&root, PrincipalKind::User, "bob", "p")
            .unwrap();
        changed(&kms);
        kms.delete_access_key(&root, Some("bob"), &key.record.access_key_id)
            .unwrap();
        changed(&kms);
        kms.delete_user(&root, "bob").unwrap();
        changed(&kms);
    }
}
