//! STS: GetCallerIdentity and AssumeRole.

use base64::Engine as _;
use trent_core::action::Action;
use trent_core::clock::Timestamp;
use trent_core::error::{DenialReason, IamError, IamInvalid, KmsError};
use trent_core::id::AccountId;
use trent_policy::document::{PolicyDocument, PolicyKind};
use trent_policy::evaluate::{decide, Request};
use trent_store::record::PrincipalKind;
use zeroize::Zeroizing;

use super::credentials::SESSION_LABEL;
use super::principals::split_principal_arn;
use super::{iam_store, CallerIdentity, IamResult, SessionCredentials, MAX_SESSION_SECONDS};
use crate::authorize::identity_decision;
use crate::bootstrap::random_token;
use crate::{Caller, Kms};

impl Kms {
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
        // The session name and the duration's range arrive checked (trent-protocol's `query::check`).
        let duration = duration_seconds.unwrap_or(MAX_SESSION_SECONDS);
        if duration > MAX_SESSION_SECONDS {
            return Err(IamError::Validation(
                IamInvalid::SessionLongerThanRoleAllows,
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
            return Err(IamError::Validation(IamInvalid::RoleArn {
                arn: role_arn.to_owned(),
            }));
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
        let sealed = self.seal_token(SESSION_LABEL, plain.as_bytes())?;
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
}

/// `arn:aws:iam::<account>:role/<path/><name>` → (account, name).
fn parse_role_arn(arn: &str) -> Option<(AccountId, &str)> {
    let (account, resource) = split_principal_arn(arn)?;
    let name = resource.strip_prefix("role/")?.rsplit('/').next()?;
    Some((account, name))
}
