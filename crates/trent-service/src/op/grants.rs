//! Grants: CreateGrant, ListGrants, ListRetirableGrants, RetireGrant,
//! RevokeGrant, grant tokens, and grants as a way to be authorized.
//!
//! A grant lets its grantee perform exactly its operations on one key, under
//! its encryption-context constraint. It is consulted when the key policy and
//! identity policies do not allow a request (an explicit Deny still wins).
//! Grants take effect as soon as CreateGrant returns (there is no eventual
//! consistency here), so a grant token only needs to be a token this server
//! issued: it is the grant id sealed under the root key, and a token that
//! does not open is `InvalidGrantTokenException`.

use base64::Engine as _;
use trent_core::action::Action;
use trent_core::context::EncryptionContext;
use trent_core::error::{DenialReason, GrantOperationProblem, KmsError, Limit, NotFound};
use trent_core::id::KeyReference;
use trent_core::key::KeyAction;
use trent_core::operation::{Operation, GRANT_OPERATIONS};
use trent_core::view::{
    ConstraintKind, CreateGrantInput, CreatedGrant, Grant, Listing, RetireTarget,
};
use trent_store::record::{ConstraintKind as StoredConstraintKind, GrantRecord, KeyRecord};
use trent_store::StoreErrorKind;

use crate::authorize::Facts;
use crate::resolve::{check_state, Accepts};
use crate::{store_failed, Caller, Kms};

const GRANT_TOKEN_LABEL: &[u8] = b"trent/grant-token/v1";

/// The operations a grant on a symmetric encryption key may name.
pub(crate) const SYMMETRIC_GRANT_OPERATIONS: &[&str] = &[
    "Decrypt",
    "Encrypt",
    "GenerateDataKey",
    "GenerateDataKeyWithoutPlaintext",
    "ReEncryptFrom",
    "ReEncryptTo",
    "CreateGrant",
    "RetireGrant",
    "DescribeKey",
    "GenerateDataKeyPair",
    "GenerateDataKeyPairWithoutPlaintext",
];

/// Operations that carry no encryption context: a constrained grant may not name them.
const WITHOUT_CONTEXT: &[&str] = &[
    "DescribeKey",
    "GetPublicKey",
    "Sign",
    "Verify",
    "GenerateMac",
    "VerifyMac",
    "DeriveSharedSecret",
    "Encapsulate",
    "Decapsulate",
];

/// The operations a grant for `key` may name, by the key's spec and usage.
fn grantable_operations(key: &KeyRecord) -> &'static [&'static str] {
    use trent_core::key::{KeySpec, KeyUsage};
    match (key.spec, key.usage) {
        (KeySpec::SymmetricDefault, _) => SYMMETRIC_GRANT_OPERATIONS,
        (_, KeyUsage::GenerateVerifyMac) => &[
            "CreateGrant",
            "RetireGrant",
            "DescribeKey",
            "GenerateMac",
            "VerifyMac",
        ],
        (_, KeyUsage::SignVerify) => &[
            "CreateGrant",
            "RetireGrant",
            "DescribeKey",
            "GetPublicKey",
            "Sign",
            "Verify",
        ],
        (_, KeyUsage::EncryptDecrypt) => &[
            "CreateGrant",
            "RetireGrant",
            "DescribeKey",
            "GetPublicKey",
            "Encrypt",
            "Decrypt",
            "ReEncryptFrom",
            "ReEncryptTo",
        ],
        (_, KeyUsage::KeyAgreement) => &[
            "CreateGrant",
            "RetireGrant",
            "DescribeKey",
            "GetPublicKey",
            "DeriveSharedSecret",
        ],
        (_, KeyUsage::EncapsulateDecapsulate) => &[
            "CreateGrant",
            "RetireGrant",
            "DescribeKey",
            "GetPublicKey",
            "Encapsulate",
            "Decapsulate",
        ],
    }
}

/// A constraint kind as the store records it.
fn stored_kind(kind: ConstraintKind) -> StoredConstraintKind {
    match kind {
        ConstraintKind::Equals => StoredConstraintKind::Equals,
        ConstraintKind::Subset => StoredConstraintKind::Subset,
    }
}

/// A stored grant as ListGrants shows it.
fn grant_view(key_arn: String, grant: GrantRecord) -> Grant {
    Grant {
        key_arn,
        grant_id: grant.grant_id,
        name: grant.name,
        created_at: grant.created_at,
        grantee: grant.grantee,
        retiring: grant.retiring,
        issuing_account: grant.issuing_account,
        operations: grant.operations,
        constraint: grant.constraint.map(|(kind, pairs)| {
            let kind = match kind {
                StoredConstraintKind::Equals => ConstraintKind::Equals,
                StoredConstraintKind::Subset => ConstraintKind::Subset,
            };
            (kind, pairs)
        }),
    }
}

fn pairs(context: &EncryptionContext) -> Vec<(String, String)> {
    context
        .pairs()
        .map(|(key, value)| (key.to_owned(), value.to_owned()))
        .collect()
}

fn check_grant_id(grant_id: &str) -> Result<(), KmsError> {
    if grant_id.len() == 64 && grant_id.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(KmsError::InvalidGrantId)
    }
}

/// Whether `grant` lets `caller` perform `operation` with `context`.
fn grant_allows(
    grant: &GrantRecord,
    caller: &Caller,
    operation: &str,
    context: Option<&EncryptionContext>,
) -> bool {
    let grantee = grant.grantee == caller.principal_arn()
        || caller.role_arn() == Some(grant.grantee.as_str());
    if !grantee || !grant.operations.iter().any(|op| op == operation) {
        return false;
    }
    match (&grant.constraint, context) {
        (None, _) => true,
        // Operations without a context (CreateGrant, RetireGrant) carry the
        // constraint on; checked where they act.
        (Some(_), None) => true,
        (Some((StoredConstraintKind::Equals, expected)), Some(context)) => {
            let given = pairs(context);
            given.len() == expected.len() && expected.iter().all(|pair| given.contains(pair))
        }
        (Some((StoredConstraintKind::Subset, expected)), Some(context)) => {
            let given = pairs(context);
            expected.iter().all(|pair| given.contains(pair))
        }
    }
}

impl Kms {
    /// Whether a grant on `key` allows `action` (`kms:Encrypt`, ...) for
    /// `caller`: the authorization path for requests policies do not allow.
    pub(crate) fn grant_allows(
        &self,
        caller: &Caller,
        key: &KeyRecord,
        action: Action,
        context: Option<&EncryptionContext>,
    ) -> bool {
        let Some(operation) = action.grant_operation() else {
            return false;
        };
        // CreateGrant and RetireGrant through a grant are checked where they
        // act (what a grant may pass on, who may retire).
        if !GRANT_OPERATIONS.contains(&operation)
            || matches!(operation, "CreateGrant" | "RetireGrant")
        {
            return false;
        }
        match self.store.grants(&key.key_id, &key.scope.region) {
            Ok(grants) => grants
                .iter()
                .any(|grant| grant_allows(grant, caller, operation, context)),
            Err(error) => {
                tracing::error!(%error, "reading grants failed; denying");
                false
            }
        }
    }

    /// Refuses grant tokens this server did not issue.
    pub fn check_grant_tokens(&self, tokens: &[String]) -> Result<(), KmsError> {
        for token in tokens {
            self.grant_id_of_token(token)?;
        }
        Ok(())
    }

    fn grant_id_of_token(&self, token: &str) -> Result<String, KmsError> {
        let sealed = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(token)
            .map_err(|_| KmsError::InvalidGrantToken)?;
        let opened = self
            .open_token(GRANT_TOKEN_LABEL, &sealed)
            .ok_or(KmsError::InvalidGrantToken)?;
        String::from_utf8(opened.to_vec()).map_err(|_| KmsError::InvalidGrantToken)
    }

    fn grant_token(&self, grant_id: &str) -> Result<String, KmsError> {
        let sealed = self.seal_token(GRANT_TOKEN_LABEL, grant_id.as_bytes())?;
        Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sealed))
    }

    /// CreateGrant.
    pub fn create_grant(
        &self,
        caller: &Caller,
        key: &KeyReference,
        input: CreateGrantInput,
    ) -> Result<CreatedGrant, KmsError> {
        let _writing = self.writing()?;
        let constraint_type = input.constraint.as_ref().map(|(kind, _)| match kind {
            ConstraintKind::Equals => "EncryptionContextEquals",
            ConstraintKind::Subset => "EncryptionContextSubset",
        });
        let facts = Facts {
            grant_operations: Some(&input.operations),
            grantee: Some(&input.grantee),
            retiring: input.retiring.as_deref(),
            grant_constraint: constraint_type,
            ..Facts::default()
        };
        let record = self.resolve_grantable(caller, key, &input, facts)?;
        check_state(&record, KeyAction::RequiresEnabled)?;
        let valid = grantable_operations(&record);
        let refused: Vec<String> = input
            .operations
            .iter()
            .filter(|operation| !valid.contains(&operation.as_str()))
            .cloned()
            .collect();
        if !refused.is_empty() {
            return Err(KmsError::GrantOperation(GrantOperationProblem::NotForKey {
                operations: refused,
                asymmetric: record.spec.is_asymmetric(),
                usage: record.usage,
                valid,
            }));
        }
        if input.constraint.is_some() && record.spec != trent_core::key::KeySpec::SymmetricDefault {
            return Err(KmsError::Invalid(
                trent_core::error::Invalid::GrantContextNotSymmetric,
            ));
        }
        for operation in &input.operations {
            if input.constraint.is_some() && WITHOUT_CONTEXT.contains(&operation.as_str()) {
                return Err(KmsError::GrantOperation(
                    GrantOperationProblem::TakesNoContext {
                        operation: operation.clone(),
                    },
                ));
            }
        }
        let constraint = input
            .constraint
            .as_ref()
            .map(|(kind, context)| (stored_kind(*kind), pairs(context)));
        let existing = self
            .store
            .grants(&record.key_id, &record.scope.region)
            .map_err(store_failed)?;
        // A retry with the same name and parameters returns the same grant.
        if let Some(name) = &input.name {
            let mut wanted = input.operations.clone();
            wanted.sort();
            if let Some(found) = existing.iter().find(|grant| {
                let mut ops = grant.operations.clone();
                ops.sort();
                grant.name.as_deref() == Some(name.as_str())
                    && grant.grantee == input.grantee
                    && grant.retiring == input.retiring
                    && ops == wanted
                    && grant.constraint == constraint
            }) {
                if input.dry_run {
                    return Err(KmsError::DryRun);
                }
                return Ok(CreatedGrant {
                    grant_id: found.grant_id.clone(),
                    grant_token: self.grant_token(&found.grant_id)?,
                });
            }
        }
        if existing.len() >= trent_core::quota::MAX_GRANTS_PER_KEY {
            return Err(KmsError::LimitExceeded(Limit::GrantsPerKey));
        }
        if input.dry_run {
            return Err(KmsError::DryRun);
        }
        let mut id = [0u8; 32];
        trent_crypto::aead::fill_random(&mut id)
            .map_err(|error| KmsError::internal("generating a grant id", error))?;
        let grant_id = hex_lower(&id);
        let grant = GrantRecord {
            grant_id: grant_id.clone(),
            key_id: record.key_id,
            region: record.scope.region.clone(),
            name: input.name.clone(),
            created_at: self.clock.now(),
            grantee: input.grantee.clone(),
            retiring: input.retiring.clone(),
            issuing_account: record.scope.root_arn(),
            operations: input.operations.clone(),
            constraint,
        };
        self.store.insert_grant(&grant).map_err(store_failed)?;
        Ok(CreatedGrant {
            grant_token: self.grant_token(&grant_id)?,
            grant_id,
        })
    }

    /// The key of a CreateGrant, authorized by the policies or by a grant of
    /// the caller that includes CreateGrant, covers every operation asked
    /// for, and whose constraint the new grant keeps.
    fn resolve_grantable(
        &self,
        caller: &Caller,
        key: &KeyReference,
        input: &CreateGrantInput,
        facts: Facts<'_>,
    ) -> Result<std::sync::Arc<KeyRecord>, KmsError> {
        let denied = match self.resolve_with(
            caller,
            key,
            Accepts::IdOrArn,
            Operation::CreateGrant.action(),
            facts,
        ) {
            Ok(record) => return Ok(record),
            Err(error @ KmsError::AccessDenied { .. }) => error,
            Err(other) => return Err(other),
        };
        let KmsError::AccessDenied { reason, .. } = &denied else {
            return Err(denied);
        };
        if matches!(
            reason,
            DenialReason::ExplicitDenyInResourcePolicy | DenialReason::ExplicitDenyInIdentityPolicy
        ) {
            return Err(denied);
        }
        // Policies said no; a grant that includes CreateGrant may say yes, for
        // no more operations than it has and under the same constraint.
        let record = self.resolve_unauthorized(caller, key)?;
        let new_constraint = input
            .constraint
            .as_ref()
            .map(|(kind, context)| (stored_kind(*kind), pairs(context)));
        let grants = self
            .store
            .grants(&record.key_id, &record.scope.region)
            .map_err(store_failed)?;
        let allowed = grants.iter().any(|grant| {
            grant_allows(grant, caller, "CreateGrant", None)
                && input
                    .operations
                    .iter()
                    .all(|op| grant.operations.contains(op))
                && (grant.constraint.is_none() || grant.constraint == new_constraint)
        });
        if allowed {
            Ok(record)
        } else {
            Err(denied)
        }
    }

    /// ListGrants: the key's ARN and its grants, optionally one grant or one
    /// grantee's.
    pub fn list_grants(
        &self,
        caller: &Caller,
        key: &KeyReference,
        grant_id: Option<&str>,
        grantee: Option<&str>,
        marker: Option<&str>,
        limit: u32,
    ) -> Result<Listing<Grant>, KmsError> {
        let record = self.resolve(
            caller,
            key,
            Accepts::IdOrArn,
            Operation::ListGrants.action(),
        )?;
        if let Some(grant_id) = grant_id {
            check_grant_id(grant_id)?;
        }
        let key_arn = record.scope.key_arn(&record.key_id);
        let grants: Vec<Grant> = self
            .store
            .grants(&record.key_id, &record.scope.region)
            .map_err(store_failed)?
            .into_iter()
            .filter(|grant| grant_id.is_none_or(|id| grant.grant_id == id))
            .filter(|grant| grantee.is_none_or(|principal| grant.grantee == principal))
            .map(|grant| grant_view(key_arn.clone(), grant))
            .collect();
        super::page(grants, marker, limit)
    }

    /// ListRetirableGrants: grants naming `retiring` as retiring principal,
    /// in keys of the caller's account (identity policies authorize it).
    pub fn list_retirable_grants(
        &self,
        caller: &Caller,
        retiring: &str,
        marker: Option<&str>,
        limit: u32,
    ) -> Result<Listing<Grant>, KmsError> {
        self.authorize_identity_only(
            caller,
            Operation::ListRetirableGrants.action(),
            Facts::default(),
        )?;
        let mut found = Vec::new();
        for grant in self
            .store
            .retirable_grants(retiring)
            .map_err(store_failed)?
            .into_iter()
            // The grants of this Region's keys, as AWS lists them.
            .filter(|grant| grant.region == *caller.region())
        {
            if let Some(key) = self.key_record(&grant.key_id, &grant.region)? {
                if key.scope.account == *caller.account() {
                    found.push(grant_view(key.scope.key_arn(&key.key_id), grant));
                }
            }
        }
        super::page(found, marker, limit)
    }

    /// RetireGrant, by token or by key and id: allowed to the retiring
    /// principal, to the grantee when the grant includes RetireGrant, and to
    /// the root of the key's account.
    pub fn retire_grant(
        &self,
        caller: &Caller,
        target: RetireTarget,
        dry_run: bool,
    ) -> Result<(), KmsError> {
        let _writing = self.writing()?;
        let grant = match &target {
            RetireTarget::Token(token) => {
                let grant_id = self.grant_id_of_token(token)?;
                self.store
                    .grant(&grant_id)
                    .map_err(store_failed)?
                    // A grant of a related key in another Region is retired there.
                    .filter(|grant| grant.region == *caller.region())
                    .ok_or(KmsError::NotFound(NotFound::Grant { grant_id }))?
            }
            RetireTarget::Id(key, grant_id) => {
                check_grant_id(grant_id)?;
                let record = self.resolve_unauthorized(caller, key)?;
                self.store
                    .grant(grant_id)
                    .map_err(store_failed)?
                    .filter(|grant| {
                        grant.key_id == record.key_id && grant.region == record.scope.region
                    })
                    .ok_or_else(|| {
                        KmsError::NotFound(NotFound::Grant {
                            grant_id: grant_id.clone(),
                        })
                    })?
            }
        };
        let key = self
            .key_record(&grant.key_id, &grant.region)?
            .ok_or_else(|| {
                KmsError::NotFound(NotFound::Grant {
                    grant_id: grant.grant_id.clone(),
                })
            })?;
        let retiring = grant.retiring.as_deref().is_some_and(|principal| {
            principal == caller.principal_arn() || caller.role_arn() == Some(principal)
        });
        let grantee = grant_allows(&grant, caller, "RetireGrant", None);
        let owner = caller.is_root() && *caller.account() == key.scope.account;
        if !(retiring || grantee || owner) {
            return Err(KmsError::AccessDenied {
                principal_arn: caller.principal_arn().to_owned(),
                action: Operation::RetireGrant.action(),
                resource: key.scope.key_arn(&key.key_id),
                reason: DenialReason::NoResourcePolicyAllows,
            });
        }
        if dry_run {
            return Err(KmsError::DryRun);
        }
        self.delete_grant(&grant.grant_id)
    }

    /// RevokeGrant: authorized by the key policy and identity policies.
    pub fn revoke_grant(
        &self,
        caller: &Caller,
        key: &KeyReference,
        grant_id: &str,
        dry_run: bool,
    ) -> Result<(), KmsError> {
        let _writing = self.writing()?;
        let record = self.resolve(
            caller,
            key,
            Accepts::IdOrArn,
            Operation::RevokeGrant.action(),
        )?;
        check_grant_id(grant_id)?;
        let grant = self
            .store
            .grant(grant_id)
            .map_err(store_failed)?
            .filter(|grant| grant.key_id == record.key_id && grant.region == record.scope.region)
            .ok_or_else(|| {
                KmsError::NotFound(NotFound::Grant {
                    grant_id: grant_id.to_owned(),
                })
            })?;
        if dry_run {
            return Err(KmsError::DryRun);
        }
        self.delete_grant(&grant.grant_id)
    }

    fn delete_grant(&self, grant_id: &str) -> Result<(), KmsError> {
        match self.store.delete_grant(grant_id) {
            Ok(()) => Ok(()),
            Err(error) if error.kind == StoreErrorKind::NotFound => {
                Err(KmsError::NotFound(NotFound::Grant {
                    grant_id: grant_id.to_owned(),
                }))
            }
            Err(error) => Err(store_failed(error)),
        }
    }

    /// The key a request names (id or ARN), without authorizing: for grant
    /// checks that authorize by the grant itself.
    fn resolve_unauthorized(
        &self,
        caller: &Caller,
        key: &KeyReference,
    ) -> Result<std::sync::Arc<KeyRecord>, KmsError> {
        Ok(self.locate(caller, key, Accepts::IdOrArn)?.0)
    }
}

fn hex_lower(bytes: &[u8]) -> String {
    hex::encode(bytes)
}
