//! Authorization against the key policy.
//!
//! Every operation on a key is checked against the key's policy, as AWS
//! evaluates it: an explicit Deny wins, else an Allow is needed. The callers
//! Trent has today are account roots; a root is allowed by a statement that
//! names it or its account. When users and roles arrive (issue 3), a
//! statement that names only the account must be paired with an identity
//! policy of the caller (`PrincipalMatch::Account`).
//!
//! Parsed policies are cached with the key and invalidated when it changes.
//! Condition keys are gathered only for policies that read them.

use std::sync::Arc;

use trent_core::context::EncryptionContext;
use trent_core::error::{DenialReason, KmsError, PolicyProblem};
use trent_core::id::AliasName;
use trent_policy::document::{PolicyDocument, PolicyError, PolicyKind};
use trent_policy::evaluate::{decide, ContextKeys, Decision, Principal, Request};
use trent_store::record::KeyRecord;

use crate::{Caller, Kms};

/// What a request says beyond its action, for condition keys.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Facts<'a> {
    /// The alias the request named the key by (`kms:RequestAlias`).
    pub(crate) alias: Option<&'a AliasName>,
    /// The encryption context (`kms:EncryptionContext:*`), for cryptographic operations.
    pub(crate) context: Option<&'a EncryptionContext>,
}

impl Kms {
    /// Refuses `action` on `key` unless its key policy allows `caller`.
    pub(crate) fn authorize(
        &self,
        caller: &Caller,
        key: &KeyRecord,
        action: &'static str,
        facts: Facts<'_>,
    ) -> Result<(), KmsError> {
        let resource = key.scope.key_arn(&key.key_id);
        let denied = |reason| KmsError::AccessDenied {
            principal_arn: caller.principal_arn().to_owned(),
            action: action.to_owned(),
            resource: resource.clone(),
            reason,
        };
        // A stored policy that no longer parses allows nobody.
        let Some(policy) = self.key_policy(key) else {
            return Err(denied(DenialReason::NoResourcePolicyAllows));
        };
        let keys = if policy.reads_context() {
            self.condition_keys(caller, key, facts)
        } else {
            ContextKeys::new()
        };
        let request = Request {
            principal: principal(caller),
            action,
            resource: &resource,
            keys: &keys,
        };
        match decide(&policy, &request) {
            // Account roots are allowed by statements naming their account.
            Decision::Allow(..) => Ok(()),
            Decision::ExplicitDeny(_) => Err(denied(DenialReason::ExplicitDenyInResourcePolicy)),
            Decision::ImplicitDeny => Err(denied(DenialReason::NoResourcePolicyAllows)),
        }
    }

    /// The parsed key policy, from the cache or parsed now; `None` if it does not parse.
    fn key_policy(&self, key: &KeyRecord) -> Option<Arc<PolicyDocument>> {
        if let Some(policy) = self.cache.policy(&key.key_id) {
            return Some(policy);
        }
        let seen = self.cache.generation();
        let policy = Arc::new(PolicyDocument::parse(&key.policy, PolicyKind::Resource).ok()?);
        self.cache.insert_policy(seen, key.key_id, policy.clone());
        Some(policy)
    }

    /// The condition keys AWS supplies to KMS requests, as far as Trent knows them.
    fn condition_keys(&self, caller: &Caller, key: &KeyRecord, facts: Facts<'_>) -> ContextKeys {
        let mut keys = ContextKeys::new();
        keys.set("aws:PrincipalArn", caller.principal_arn());
        keys.set("aws:PrincipalAccount", caller.account().as_str());
        keys.set("aws:PrincipalType", "Account");
        keys.set("aws:SecureTransport", "false");
        keys.set("aws:RequestedRegion", caller.region().as_str());
        let now = self.clock.now();
        keys.set("aws:EpochTime", (now.as_millis() / 1000).to_string());
        if let Ok(time) = time::OffsetDateTime::from_unix_timestamp(now.as_millis() / 1000) {
            if let Ok(text) = time.format(&time::format_description::well_known::Rfc3339) {
                keys.set("aws:CurrentTime", text);
            }
        }
        keys.set("kms:CallerAccount", caller.account().as_str());
        keys.set("kms:KeySpec", key.spec.as_str());
        keys.set("kms:KeyUsage", key.usage.as_str());
        keys.set("kms:KeyOrigin", key.origin.as_str());
        keys.set("kms:MultiRegion", key.multi_region.to_string());
        if let Some(alias) = facts.alias {
            keys.set("kms:RequestAlias", alias.as_str());
        }
        if let Some(context) = facts.context {
            keys.set("kms:EncryptionAlgorithm", "SYMMETRIC_DEFAULT");
            let mut names = Vec::new();
            for (name, value) in context.pairs() {
                keys.set(&format!("kms:EncryptionContext:{name}"), value);
                names.push(name.to_owned());
            }
            keys.set_all("kms:EncryptionContextKeys", names);
        }
        keys
    }
}

fn principal(caller: &Caller) -> Principal<'_> {
    Principal {
        arn: caller.principal_arn(),
        account: caller.account().as_str(),
        role_arn: None,
        service: None,
    }
}

/// Parses a new key policy and, unless `bypass_lockout` is set, refuses one
/// that would not let `caller` call PutKeyPolicy on the key again (AWS's
/// policy lockout safety check).
pub(crate) fn check_new_policy(
    caller: &Caller,
    key_arn: &str,
    text: &str,
    bypass_lockout: bool,
) -> Result<(), KmsError> {
    let policy = PolicyDocument::parse(text, PolicyKind::Resource).map_err(|error| {
        KmsError::MalformedPolicyDocument(match error {
            PolicyError::TooLarge => PolicyProblem::TooLarge,
            PolicyError::NotJson => PolicyProblem::NotJson,
            PolicyError::Invalid(explanation) => PolicyProblem::Invalid(explanation),
        })
    })?;
    if bypass_lockout {
        return Ok(());
    }
    let keys = ContextKeys::new();
    let request = Request {
        principal: principal(caller),
        action: "kms:PutKeyPolicy",
        resource: key_arn,
        keys: &keys,
    };
    match decide(&policy, &request) {
        Decision::Allow(..) => Ok(()),
        _ => Err(KmsError::MalformedPolicyDocument(PolicyProblem::Lockout)),
    }
}
