//! Turning an access key (and, for a session, its token) into a
//! [`Caller`] and its secret, for SigV4; session tokens are sealed and
//! opened here.

use std::sync::Arc;

use base64::Engine as _;
use trent_core::clock::Timestamp;
use trent_core::error::KmsError;
use trent_core::id::{AccountId, Region, Scope};
use trent_policy::document::{PolicyDocument, PolicyKind};
use trent_store::record::{PrincipalKind, PrincipalRecord};
use zeroize::Zeroizing;

use crate::bootstrap::SecretAccessKey;
use crate::caller::NamedPolicy;
use crate::{store_failed, Caller, Identity, Kms};

pub(super) const SESSION_LABEL: &[u8] = b"trent/session-token/v1";

impl Kms {
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
        let Some(opened) = self.open_token(SESSION_LABEL, &sealed) else {
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
}
