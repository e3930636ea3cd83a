//! RetireGrant.

use trent_core::view::RetireTarget;

use crate::check::{self, Checks};
use crate::dto::RetireGrantRequest;
use crate::error::{Failure, RequestError, ShownValue};

/// A checked RetireGrant request.
#[derive(Debug)]
pub struct Request {
    /// The grant, by token or by key and id.
    pub target: RetireTarget,
    /// Only check; do not retire.
    pub dry_run: bool,
}

/// Decodes and checks the request.
pub fn decode(body: &[u8]) -> Result<Request, Failure> {
    let request: RetireGrantRequest = crate::decode(body)?;
    let mut checks = Checks::new();
    checks.key_id("keyId", request.key_id.as_ref());
    super::grant_id_check(&mut checks, "grantId", &request.grant_id);
    if let Some(token) = &request.grant_token {
        checks.length("grantToken", token, 1, 8192);
    }
    checks.finish()?;
    let target = match (request.grant_token, request.key_id, request.grant_id) {
        (Some(token), _, _) => RetireTarget::Token(token),
        (None, Some(key_id), Some(grant_id)) => {
            RetireTarget::Id(check::key_reference(&key_id)?, grant_id)
        }
        _ => {
            return Err(RequestError::validation(
                "grantToken",
                ShownValue::Null,
                "Either GrantToken, or both KeyId and GrantId, must be specified",
            )
            .into())
        }
    };
    Ok(Request {
        target,
        dry_run: request.dry_run.unwrap_or(false),
    })
}

/// Encodes the (empty) answer.
pub fn encode() -> super::Reply {
    super::empty()
}
