//! CreateGrant.

use trent_core::id::KeyReference;
use trent_core::operation::GRANT_OPERATIONS;
use trent_core::view::{ConstraintKind, CreateGrantInput, CreatedGrant};

use crate::check::{self, Checks};
use crate::dto::{CreateGrantRequest, CreateGrantResponse};
use crate::error::{Failure, RequestError, ShownValue};

/// A checked CreateGrant request.
#[derive(Debug)]
pub struct Request {
    /// The key.
    pub key: KeyReference,
    /// Grant tokens, still to be checked by the service.
    pub grant_tokens: Vec<String>,
    /// The grant asked for.
    pub input: CreateGrantInput,
}

/// Decodes and checks the request.
pub fn decode(body: &[u8]) -> Result<Request, Failure> {
    let request: CreateGrantRequest = crate::decode(body)?;
    let mut checks = Checks::new();
    let key_id = checks.required_key_id("keyId", &request.key_id);
    if let Some(grantee) = checks.required("granteePrincipal", &request.grantee_principal) {
        super::principal_check(&mut checks, "granteePrincipal", grantee);
    }
    if let Some(retiring) = &request.retiring_principal {
        super::principal_check(&mut checks, "retiringPrincipal", retiring);
    }
    if let Some(operations) = checks.required("operations", &request.operations) {
        for (index, operation) in operations.iter().enumerate() {
            checks.one_of(
                &format!("operations.{}.member", index + 1),
                operation,
                GRANT_OPERATIONS,
            );
        }
    }
    if let Some(name) = &request.name {
        if checks.length("name", name, 1, 256) {
            let valid = name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ":/_-".contains(c));
            checks.pattern("name", name, valid, "^[a-zA-Z0-9:/_-]+$");
        }
    }
    checks.grant_tokens(request.grant_tokens.as_ref());
    checks.finish()?;
    let constraint = match &request.constraints {
        None => None,
        Some(constraints) => match (
            &constraints.encryption_context_equals,
            &constraints.encryption_context_subset,
        ) {
            (Some(_), Some(_)) => {
                return Err(RequestError::validation(
                    "constraints",
                    ShownValue::Hidden,
                    "A grant can have an EncryptionContextEquals or an EncryptionContextSubset constraint, not both",
                ).into())
            }
            (Some(equals), None) => Some((
                ConstraintKind::Equals,
                check::encryption_context("encryptionContextEquals", Some(equals))?,
            )),
            (None, Some(subset)) => Some((
                ConstraintKind::Subset,
                check::encryption_context("encryptionContextSubset", Some(subset))?,
            )),
            (None, None) => None,
        },
    };
    let mut operations = request.operations.unwrap_or_default();
    operations.dedup();
    Ok(Request {
        key: super::checked_key(key_id)?,
        grant_tokens: request.grant_tokens.unwrap_or_default(),
        input: CreateGrantInput {
            grantee: request.grantee_principal.unwrap_or_default(),
            retiring: request.retiring_principal,
            operations,
            constraint,
            name: request.name,
            dry_run: request.dry_run.unwrap_or(false),
        },
    })
}

/// Encodes the grant's id and token.
pub fn encode(created: &CreatedGrant) -> super::Reply {
    crate::encode(&CreateGrantResponse {
        grant_token: created.grant_token.clone(),
        grant_id: created.grant_id.clone(),
    })
}
