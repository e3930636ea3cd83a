//! Why a request would be allowed or denied: the decision trace an
//! administrator asks for (never shown to the denied caller).
//!
//! The account root names a principal of its account (or any principal, for
//! its own keys), an action and a key; Trent evaluates the key policy and the
//! principal's identity policies exactly as a real request would, and
//! returns, for every statement, whether it matched and, if not, which
//! element or condition stopped it.

use trent_core::action::Action;
use trent_core::context::EncryptionContext;
use trent_core::error::{DenialReason, KmsError};
use trent_core::id::{KeyReference, Scope};
use trent_policy::evaluate::{evaluate, Decision, Request, StatementTrace};
use trent_store::record::PrincipalKind;

use crate::authorize::{combine, Facts};
use crate::caller::Identity;
use crate::resolve::Accepts;
use crate::{store_failed, Caller, Kms};

/// The traced evaluation of one hypothetical request.
#[derive(Debug)]
pub struct Explanation {
    /// The principal evaluated.
    pub principal_arn: String,
    /// The action evaluated.
    pub action: String,
    /// The key ARN.
    pub resource: String,
    /// Whether the request would be allowed.
    pub allowed: bool,
    /// Why not, when denied.
    pub denial: Option<DenialReason>,
    /// The key policy's statements.
    pub key_policy: Vec<StatementTrace>,
    /// Each identity policy of the principal: its name and its statements.
    pub identity_policies: Vec<(String, Vec<StatementTrace>)>,
}

impl Kms {
    /// Explains the decision for `principal_arn` performing `action` on `key`
    /// (with an optional encryption context). Only the root of the key's
    /// account may ask.
    pub fn explain(
        &self,
        admin: &Caller,
        principal_arn: &str,
        action: &str,
        key: &KeyReference,
        context: Option<&EncryptionContext>,
    ) -> Result<Explanation, KmsError> {
        let (record, alias) = self.locate(admin, key, Accepts::AnyForm)?;
        // Only the root of the key's own account may see its policies at work.
        if !admin.is_root() || record.scope.account != *admin.account() {
            return Err(KmsError::AccessDenied {
                principal_arn: admin.principal_arn().to_owned(),
                action: Action::ExplainDecision,
                resource: record.scope.key_arn(&record.key_id),
                reason: DenialReason::NoIdentityPolicyAllows,
            });
        }
        let subject = self.caller_for_arn(principal_arn, admin.scope())?;
        let resource = record.scope.key_arn(&record.key_id);
        let keys = self.condition_keys(
            &subject,
            Some(&record),
            Facts {
                alias,
                context,
                resource_tags: true,
                resource_aliases: true,
                ..Facts::default()
            },
        );
        let request = Request {
            principal: subject.as_principal(),
            action,
            resource: &resource,
            keys: &keys,
        };
        let (key_decision, key_policy) = match self.key_policy(&record) {
            Some(policy) => {
                let evaluation = evaluate(&policy, &request);
                (evaluation.decision, evaluation.trace)
            }
            None => (Decision::ImplicitDeny, Vec::new()),
        };
        let mut identity_decision = Decision::ImplicitDeny;
        let mut identity_policies = Vec::new();
        for (index, named) in subject.policies().iter().enumerate() {
            let evaluation = evaluate(&named.document, &request);
            match evaluation.decision {
                Decision::ExplicitDeny(_) => identity_decision = Decision::ExplicitDeny(index),
                Decision::Allow(..) if identity_decision == Decision::ImplicitDeny => {
                    identity_decision = Decision::Allow(index, None);
                }
                _ => {}
            }
            identity_policies.push((named.name.clone(), evaluation.trace));
        }
        let same_account = subject.account() == &record.scope.account;
        let verdict = combine(&subject, same_account, key_decision, identity_decision);
        Ok(Explanation {
            principal_arn: subject.principal_arn().to_owned(),
            action: action.to_owned(),
            resource,
            allowed: verdict.is_ok(),
            denial: verdict.err(),
            key_policy,
            identity_policies,
        })
    }

    /// A caller for a principal ARN: an account root, a user, a role (as a
    /// session named `explain`) or an assumed-role session.
    fn caller_for_arn(&self, arn: &str, admin_scope: &Scope) -> Result<Caller, KmsError> {
        let unknown = || KmsError::UnknownPrincipal {
            arn: arn.to_owned(),
        };
        let (account, resource) =
            crate::iam::principals::split_principal_arn(arn).ok_or_else(unknown)?;
        let scope = Scope {
            account: account.clone(),
            region: admin_scope.region.clone(),
        };
        if resource == "root" {
            return Ok(Caller::account_root(account, scope.region));
        }
        let (kind, name, session) = if let Some(path_and_name) = resource.strip_prefix("user/") {
            (PrincipalKind::User, path_and_name.rsplit('/').next(), None)
        } else if let Some(path_and_name) = resource.strip_prefix("role/") {
            (
                PrincipalKind::Role,
                path_and_name.rsplit('/').next(),
                Some("explain"),
            )
        } else if let Some(rest) = resource.strip_prefix("assumed-role/") {
            let mut parts = rest.splitn(2, '/');
            (PrincipalKind::Role, parts.next(), parts.next())
        } else {
            return Err(unknown());
        };
        let name = name.ok_or_else(unknown)?;
        let record = self
            .store
            .principal(&account, kind, name)
            .map_err(store_failed)?
            .ok_or_else(unknown)?;
        let policies = self.parsed_policies(&record)?;
        Ok(match kind {
            PrincipalKind::User => Caller::new(
                scope,
                record.arn(),
                Identity::User {
                    name: record.name.clone(),
                    id: record.id.clone(),
                    policies,
                },
                "",
            ),
            PrincipalKind::Role => {
                let session = session.unwrap_or("explain");
                Caller::new(
                    scope,
                    format!(
                        "arn:aws:sts::{}:assumed-role/{}/{session}",
                        account.as_str(),
                        record.name
                    ),
                    Identity::AssumedRole {
                        role_arn: record.arn(),
                        role_name: record.name.clone(),
                        role_id: record.id.clone(),
                        session: session.to_owned(),
                        policies,
                    },
                    "",
                )
            }
        })
    }
}
