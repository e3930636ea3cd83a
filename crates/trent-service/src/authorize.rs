//! Authorization: key policies and identity policies combined as AWS combines them.
//!
//! For an operation on a key:
//!
//! 1. An explicit Deny in the key policy or in any identity policy of the
//!    caller wins.
//! 2. A key policy statement that names the caller itself (its ARN, its role
//!    for an assumed-role session, or `*`) allows a caller of the key's own
//!    account.
//! 3. A key policy statement that names only the caller's account (account id
//!    or `:root` ARN) delegates to IAM: the account root is allowed, any other
//!    caller needs an identity policy that allows the action on the key too.
//! 4. A caller from another account needs both: the key policy must name it
//!    or its account, and (unless it is that account's root) its own identity
//!    policy must allow the action.
//!
//! Operations without a key (CreateKey, ListKeys, ListAliases,
//! GenerateRandom) are authorized by identity policies alone; an account root
//! is always allowed them.
//!
//! `kms:GrantIsForAWSResource` is `false` and `kms:ViaService` absent on every
//! request: only an integrated service acting for a principal makes them
//! true, and Trent has no such caller yet (see ARCHITECTURE.md, "Trusted
//! services").
//!
//! Parsed key policies are cached with the key and invalidated when it
//! changes; identity policies travel parsed with the [`Caller`], which is
//! rebuilt when any identity changes. Condition keys are gathered only when
//! some policy reads them.

use std::sync::Arc;

use trent_core::action::Action;
use trent_core::context::EncryptionContext;
use trent_core::error::{DenialReason, KmsError, PolicyProblem};
use trent_core::id::AliasName;
use trent_core::key::{KeySpec, KeyUsage, Origin, Tag};
use trent_core::operation::Operation;
use trent_policy::document::{PolicyDocument, PolicyError, PolicyKind};
use trent_policy::evaluate::{decide, ContextKeys, Decision, PrincipalMatch, Request};
use trent_store::record::KeyRecord;

use crate::{Caller, Kms};

/// What a request says beyond its action, for condition keys.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Facts<'a> {
    /// The alias the request named the key by (`kms:RequestAlias`).
    pub(crate) alias: Option<&'a AliasName>,
    /// The encryption context (`kms:EncryptionContext:*`), for cryptographic operations.
    pub(crate) context: Option<&'a EncryptionContext>,
    /// Tags in the request (`aws:RequestTag/*`, `aws:TagKeys`): CreateKey, TagResource.
    pub(crate) request_tags: Option<&'a [Tag]>,
    /// Tag keys in the request (`aws:TagKeys`): UntagResource.
    pub(crate) tag_keys: Option<&'a [String]>,
    /// `kms:BypassPolicyLockoutSafetyCheck`: CreateKey, PutKeyPolicy.
    pub(crate) bypass_lockout: Option<bool>,
    /// `kms:ScheduleKeyDeletionPendingWindowInDays`: ScheduleKeyDeletion.
    pub(crate) pending_window_days: Option<u32>,
    /// `kms:ValidTo` (epoch seconds, as AWS compares it): ImportKeyMaterial
    /// of expiring material.
    pub(crate) valid_to: Option<trent_core::clock::Timestamp>,
    /// The key a CreateKey would make (`kms:KeySpec`, `kms:KeyUsage`,
    /// `kms:KeyOrigin`, `kms:MultiRegion`).
    pub(crate) new_key: Option<(KeySpec, KeyUsage, Origin, bool)>,
    /// CreateGrant's operations (`kms:GrantOperations`).
    pub(crate) grant_operations: Option<&'a [String]>,
    /// CreateGrant's grantee (`kms:GranteePrincipal`).
    pub(crate) grantee: Option<&'a str>,
    /// CreateGrant's retiring principal (`kms:RetiringPrincipal`).
    pub(crate) retiring: Option<&'a str>,
    /// CreateGrant's constraint type (`kms:GrantConstraintType`).
    pub(crate) grant_constraint: Option<&'static str>,
    /// `kms:EncryptionAlgorithm` (with `context`; SYMMETRIC_DEFAULT when absent).
    pub(crate) encryption_algorithm: Option<trent_core::algorithm::EncryptionAlgorithm>,
    /// The operation's own condition keys and their values from the request
    /// (`kms:SigningAlgorithm`, `kms:MessageType`, `kms:MacAlgorithm`,
    /// `kms:KeyAgreementAlgorithm`, `kms:DataKeyPairSpec`).
    pub(crate) request: &'a [(&'static str, &'static str)],
    /// Gather `aws:ResourceTag/*` (a store read).
    pub(crate) resource_tags: bool,
    /// Gather `kms:ResourceAliases` (a store read).
    pub(crate) resource_aliases: bool,
    /// ReplicateKey's `kms:ReplicaRegion`.
    pub(crate) replica_region: Option<&'a str>,
    /// UpdatePrimaryRegion's `kms:PrimaryRegion`.
    pub(crate) primary_region: Option<&'a str>,
    /// `aws:RequestedRegion` when the request acts in another Region than
    /// the one it was sent to (ReplicateKey creates its key in the replica
    /// Region; UpdatePrimaryRegion changes the replica there).
    pub(crate) acting_region: Option<&'a str>,
}

/// The decisions of the identity policies of a caller, combined: a Deny in
/// any wins, else an Allow in any allows.
pub(crate) fn identity_decision(caller: &Caller, request: &Request<'_>) -> Decision {
    let mut allowed = None;
    for (index, policy) in caller.policies().iter().enumerate() {
        match decide(&policy.document, request) {
            Decision::ExplicitDeny(_) => return Decision::ExplicitDeny(index),
            Decision::Allow(..) => {
                allowed.get_or_insert(Decision::Allow(index, None));
            }
            Decision::ImplicitDeny => {}
        }
    }
    allowed.unwrap_or(Decision::ImplicitDeny)
}

/// Combines the key policy's decision with the identity policies' (rules 1–4
/// of the module documentation).
pub(crate) fn combine(
    caller: &Caller,
    same_account: bool,
    key_policy: Decision,
    identity: Decision,
) -> Result<(), DenialReason> {
    if let Decision::ExplicitDeny(_) = key_policy {
        return Err(DenialReason::ExplicitDenyInResourcePolicy);
    }
    if let Decision::ExplicitDeny(_) = identity {
        return Err(DenialReason::ExplicitDenyInIdentityPolicy);
    }
    let Decision::Allow(_, how) = key_policy else {
        return Err(DenialReason::NoResourcePolicyAllows);
    };
    let direct = how != Some(PrincipalMatch::Account);
    if caller.is_root() || (same_account && direct) {
        return Ok(());
    }
    match identity {
        Decision::Allow(..) => Ok(()),
        _ => Err(DenialReason::NoIdentityPolicyAllows),
    }
}

/// The identity-only decision for actions without a key policy.
pub(crate) fn combine_identity_only(
    caller: &Caller,
    identity: Decision,
) -> Result<(), DenialReason> {
    match identity {
        Decision::ExplicitDeny(_) => Err(DenialReason::ExplicitDenyInIdentityPolicy),
        _ if caller.is_root() => Ok(()),
        Decision::Allow(..) => Ok(()),
        Decision::ImplicitDeny => Err(DenialReason::NoIdentityPolicyAllows),
    }
}

impl Kms {
    /// Refuses `action` on `key` unless the key policy and the caller's
    /// identity policies allow it together.
    pub(crate) fn authorize(
        &self,
        caller: &Caller,
        key: &KeyRecord,
        action: Action,
        facts: Facts<'_>,
    ) -> Result<(), KmsError> {
        // The one use of a key a cryptographic request makes counts against
        // its family's shared quota, before any policy is read.
        self.count_key_use(caller, key, action)?;
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
        let reads = policy.reads_context()
            || caller
                .policies()
                .iter()
                .any(|named| named.document.reads_context());
        let keys = if reads {
            let all = || {
                std::iter::once(policy.as_ref())
                    .chain(caller.policies().iter().map(|named| &named.document))
            };
            let facts = Facts {
                resource_tags: all().any(|document| document.reads_key("aws:ResourceTag/")),
                resource_aliases: all().any(|document| document.reads_key("kms:ResourceAliases")),
                ..facts
            };
            self.condition_keys(caller, Some(key), facts)
        } else {
            ContextKeys::new()
        };
        let request = Request {
            principal: caller.as_principal(),
            action: action.as_str(),
            resource: &resource,
            keys: &keys,
        };
        let key_decision = decide(&policy, &request);
        let identity = if caller.is_root() {
            Decision::ImplicitDeny
        } else {
            identity_decision(caller, &request)
        };
        let same_account = caller.account() == &key.scope.account;
        match combine(caller, same_account, key_decision, identity) {
            Ok(()) => Ok(()),
            Err(
                reason @ (DenialReason::ExplicitDenyInResourcePolicy
                | DenialReason::ExplicitDenyInIdentityPolicy),
            ) => Err(denied(reason)),
            // Policies do not allow: a grant may (only on this denied path
            // are grants read).
            Err(reason) => {
                if self.grant_allows(caller, key, action, facts.context) {
                    Ok(())
                } else {
                    Err(denied(reason))
                }
            }
        }
    }

    /// Refuses an action that names no key (CreateKey, ListKeys, ...) unless
    /// the caller is its account's root or an identity policy allows it.
    pub(crate) fn authorize_identity_only(
        &self,
        caller: &Caller,
        action: Action,
        facts: Facts<'_>,
    ) -> Result<(), KmsError> {
        self.authorize_by_identity(caller, action, "*", facts)
    }

    /// Refuses `action` on a resource that has no policy of its own (an
    /// alias ARN, or `*`) unless the caller is the root of its account or an
    /// identity policy allows it.
    pub(crate) fn authorize_by_identity(
        &self,
        caller: &Caller,
        action: Action,
        resource: &str,
        facts: Facts<'_>,
    ) -> Result<(), KmsError> {
        if caller.is_root() {
            return Ok(());
        }
        let keys = self.condition_keys(caller, None, facts);
        let request = Request {
            principal: caller.as_principal(),
            action: action.as_str(),
            resource,
            keys: &keys,
        };
        combine_identity_only(caller, identity_decision(caller, &request)).map_err(|reason| {
            KmsError::AccessDenied {
                principal_arn: caller.principal_arn().to_owned(),
                action: action.to_owned(),
                resource: resource.to_owned(),
                reason,
            }
        })
    }

    /// The parsed key policy, from the cache or parsed now; `None` if it does not parse.
    pub(crate) fn key_policy(&self, key: &KeyRecord) -> Option<Arc<PolicyDocument>> {
        if let Some(policy) = self
            .cache
            .policy(&key.key_id, &key.scope.region, &key.policy)
        {
            return Some(policy);
        }
        let seen = self.cache.generation();
        let policy = Arc::new(PolicyDocument::parse(&key.policy, PolicyKind::Resource).ok()?);
        self.cache.insert_policy(
            seen,
            key.key_id,
            &key.scope.region,
            &key.policy,
            policy.clone(),
        );
        Some(policy)
    }

    /// The condition keys AWS supplies to KMS requests, as far as Trent knows
    /// them. Called only when some policy of the request has a condition or
    /// a policy variable.
    pub(crate) fn condition_keys(
        &self,
        caller: &Caller,
        key: Option<&KeyRecord>,
        facts: Facts<'_>,
    ) -> ContextKeys {
        let mut keys = ContextKeys::new();
        keys.set(
            "aws:PrincipalArn",
            caller.role_arn().unwrap_or(caller.principal_arn()),
        );
        keys.set("aws:PrincipalAccount", caller.account().as_str());
        keys.set("aws:PrincipalType", caller.principal_type());
        keys.set("aws:userid", caller.user_id().to_string());
        if let Some(name) = caller.user_name() {
            keys.set("aws:username", name);
        }
        keys.set("aws:SecureTransport", "false");
        if let Some(ip) = caller.source_ip() {
            keys.set("aws:SourceIp", ip.to_string());
        }
        keys.set(
            "aws:RequestedRegion",
            facts.acting_region.unwrap_or(caller.region().as_str()),
        );
        let now = self.clock.now();
        keys.set("aws:EpochTime", (now.as_millis() / 1000).to_string());
        if let Ok(time) = time::OffsetDateTime::from_unix_timestamp(now.as_millis() / 1000) {
            if let Ok(text) = time.format(&time::format_description::well_known::Rfc3339) {
                keys.set("aws:CurrentTime", text);
            }
        }
        keys.set("kms:CallerAccount", caller.account().as_str());
        // Only an integrated service acting for the caller makes this true.
        keys.set("kms:GrantIsForAWSResource", "false");
        if let Some(key) = key {
            keys.set("kms:KeySpec", key.spec.as_str());
            keys.set("kms:KeyUsage", key.usage.as_str());
            keys.set("kms:KeyOrigin", key.origin.as_str());
            keys.set("kms:MultiRegion", key.multi_region.to_string());
            if key.multi_region {
                let kind = if key.is_primary() {
                    "PRIMARY"
                } else {
                    "REPLICA"
                };
                keys.set("kms:MultiRegionKeyType", kind);
            }
            // Tags and aliases of the key cost store reads: only when read.
            // Both are the Regional key's own: a replica's tags never
            // authorize its primary.
            if facts.resource_tags {
                if let Ok(tags) = self.store.tags(&key.key_id, &key.scope.region) {
                    for tag in tags {
                        keys.set(&format!("aws:ResourceTag/{}", tag.key), tag.value);
                    }
                }
            }
            if facts.resource_aliases {
                if let Ok(page) = self.store.list_aliases(
                    &key.scope,
                    Some(&key.key_id),
                    None,
                    *trent_core::quota::LIST_LIMIT_RANGE.end(),
                ) {
                    let names = page
                        .items
                        .into_iter()
                        .map(|alias| alias.name.as_str().to_owned())
                        .collect();
                    keys.set_all("kms:ResourceAliases", names);
                }
            }
        }
        if let Some((spec, usage, origin, multi_region)) = facts.new_key {
            keys.set("kms:KeySpec", spec.as_str());
            keys.set("kms:KeyUsage", usage.as_str());
            keys.set("kms:KeyOrigin", origin.as_str());
            keys.set("kms:MultiRegion", multi_region.to_string());
            if multi_region {
                keys.set("kms:MultiRegionKeyType", "PRIMARY");
            }
        }
        if let Some(tags) = facts.request_tags {
            for tag in tags {
                keys.set(&format!("aws:RequestTag/{}", tag.key), tag.value.clone());
            }
            keys.set_all(
                "aws:TagKeys",
                tags.iter().map(|tag| tag.key.clone()).collect(),
            );
        }
        if let Some(tag_keys) = facts.tag_keys {
            keys.set_all("aws:TagKeys", tag_keys.to_vec());
        }
        if let Some(operations) = facts.grant_operations {
            keys.set_all("kms:GrantOperations", operations.to_vec());
        }
        if let Some(grantee) = facts.grantee {
            keys.set("kms:GranteePrincipal", grantee);
        }
        if let Some(retiring) = facts.retiring {
            keys.set("kms:RetiringPrincipal", retiring);
        }
        if let Some(kind) = facts.grant_constraint {
            keys.set("kms:GrantConstraintType", kind);
        }
        if let Some(bypass) = facts.bypass_lockout {
            keys.set("kms:BypassPolicyLockoutSafetyCheck", bypass.to_string());
        }
        if let Some(days) = facts.pending_window_days {
            keys.set(
                "kms:ScheduleKeyDeletionPendingWindowInDays",
                days.to_string(),
            );
        }
        if let Some(valid_to) = facts.valid_to {
            keys.set("kms:ValidTo", (valid_to.as_millis() / 1000).to_string());
        }
        if let Some(alias) = facts.alias {
            keys.set("kms:RequestAlias", alias.as_str());
        }
        if let Some(region) = facts.replica_region {
            keys.set("kms:ReplicaRegion", region);
        }
        if let Some(region) = facts.primary_region {
            keys.set("kms:PrimaryRegion", region);
        }
        for (name, value) in facts.request {
            keys.set(name, *value);
        }
        if let Some(algorithm) = facts.encryption_algorithm {
            keys.set("kms:EncryptionAlgorithm", algorithm.as_str());
        }
        if let Some(context) = facts.context {
            if facts.encryption_algorithm.is_none() {
                keys.set("kms:EncryptionAlgorithm", "SYMMETRIC_DEFAULT");
            }
            let mut names = Vec::new();
            for (name, value) in context.pairs() {
                keys.set(&format!("kms:EncryptionContext:{name}"), value);
                names.push(name.to_owned());
            }
            keys.set_all("kms:EncryptionContextKeys", names);
        }
        keys
    }

    /// Parses a new key policy, refuses principals Trent does not know, and,
    /// unless `bypass_lockout` is set, refuses one that would not let
    /// `caller` call PutKeyPolicy on the key again (AWS's policy lockout
    /// safety check).
    pub(crate) fn check_new_policy(
        &self,
        caller: &Caller,
        key_arn: &str,
        text: &str,
        bypass_lockout: bool,
    ) -> Result<(), KmsError> {
        let policy = PolicyDocument::parse(text, PolicyKind::Resource).map_err(policy_problem)?;
        self.check_principals_exist(&policy)?;
        if bypass_lockout {
            return Ok(());
        }
        let keys = ContextKeys::new();
        let request = Request {
            principal: caller.as_principal(),
            action: Operation::PutKeyPolicy.action().as_str(),
            resource: key_arn,
            keys: &keys,
        };
        let identity = if caller.is_root() {
            Decision::ImplicitDeny
        } else {
            identity_decision(caller, &request)
        };
        combine(caller, true, decide(&policy, &request), identity)
            .map_err(|_| KmsError::MalformedPolicyDocument(PolicyProblem::Lockout))
    }
}

/// A policy parse error as `MalformedPolicyDocumentException`.
pub(crate) fn policy_problem(error: PolicyError) -> KmsError {
    KmsError::MalformedPolicyDocument(match error {
        PolicyError::TooLarge => PolicyProblem::TooLarge,
        PolicyError::NotJson => PolicyProblem::NotJson,
        PolicyError::Invalid(explanation) => PolicyProblem::Invalid(explanation),
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use trent_core::id::{AccountId, Region, Scope};

    use super::*;
    use crate::caller::Identity;

    fn user() -> Caller {
        let scope = Scope {
            account: AccountId::parse("111122223333").unwrap(),
            region: Region::parse("us-east-1").unwrap(),
        };
        Caller::new(
            scope,
            "arn:aws:iam::111122223333:user/alice".into(),
            Identity::User {
                name: "alice".into(),
                id: "AIDAEXAMPLE".into(),
                policies: Arc::from(Vec::new()),
            },
            "AKIAEXAMPLE",
        )
    }

    fn root() -> Caller {
        Caller::account_root(
            AccountId::parse("111122223333").unwrap(),
            Region::parse("us-east-1").unwrap(),
        )
    }

    const DIRECT: Decision = Decision::Allow(0, Some(PrincipalMatch::Direct));
    const ACCOUNT: Decision = Decision::Allow(0, Some(PrincipalMatch::Account));
    const IDENTITY: Decision = Decision::Allow(0, None);
    const SILENT: Decision = Decision::ImplicitDeny;
    const DENY: Decision = Decision::ExplicitDeny(0);

    #[test]
    fn key_and_identity_policies_combine_as_aws_combines_them() {
        use DenialReason::*;
        let user = user();
        let root = root();
        // (caller, same account, key policy, identity policies, outcome)
        type Row<'a> = (
            &'a Caller,
            bool,
            Decision,
            Decision,
            Result<(), DenialReason>,
        );
        let table: &[Row<'_>] = &[
            (&user, true, DIRECT, SILENT, Ok(())),
            (&user, true, ACCOUNT, SILENT, Err(NoIdentityPolicyAllows)),
            (&user, true, ACCOUNT, IDENTITY, Ok(())),
            (&user, true, SILENT, IDENTITY, Err(NoResourcePolicyAllows)),
            (
                &user,
                true,
                DENY,
                IDENTITY,
                Err(ExplicitDenyInResourcePolicy),
            ),
            (&user, true, DIRECT, DENY, Err(ExplicitDenyInIdentityPolicy)),
            (
                &user,
                true,
                ACCOUNT,
                DENY,
                Err(ExplicitDenyInIdentityPolicy),
            ),
            (&user, false, DIRECT, SILENT, Err(NoIdentityPolicyAllows)),
            (&user, false, DIRECT, IDENTITY, Ok(())),
            (&user, false, ACCOUNT, IDENTITY, Ok(())),
            (&user, false, SILENT, IDENTITY, Err(NoResourcePolicyAllows)),
            (&root, true, ACCOUNT, SILENT, Ok(())),
            (&root, true, DIRECT, SILENT, Ok(())),
            (&root, true, SILENT, SILENT, Err(NoResourcePolicyAllows)),
            (&root, true, DENY, SILENT, Err(ExplicitDenyInResourcePolicy)),
            (&root, false, ACCOUNT, SILENT, Ok(())),
            (&root, false, SILENT, SILENT, Err(NoResourcePolicyAllows)),
        ];
        for (index, (caller, same, key, identity, expected)) in table.iter().enumerate() {
            assert_eq!(
                combine(caller, *same, *key, *identity),
                *expected,
                "row {index}"
            );
        }
    }

    #[test]
    fn identity_only_actions_need_an_identity_allow_except_for_roots() {
        assert_eq!(combine_identity_only(&root(), SILENT), Ok(()));
        assert_eq!(
            combine_identity_only(&root(), DENY),
            Err(DenialReason::ExplicitDenyInIdentityPolicy)
        );
        assert_eq!(combine_identity_only(&user(), IDENTITY), Ok(()));
        assert_eq!(
            combine_identity_only(&user(), SILENT),
            Err(DenialReason::NoIdentityPolicyAllows)
        );
    }
}
