//! RevokeGrant.

use trent_core::id::KeyReference;

use crate::check::Checks;
use crate::dto::RevokeGrantRequest;
use crate::error::Failure;

/// A checked RevokeGrant request.
#[derive(Debug)]
pub struct Request {
    /// The key.
    pub key: KeyReference,
    /// The grant.
    pub grant_id: String,
    /// Only check; do not revoke.
    pub dry_run: bool,
}

/// Decodes and checks the request.
pub fn decode(body: &[u8]) -> Result<Request, Failure> {
    let request: RevokeGrantRequest = crate::decode(body)?;
    let mut checks = Checks::new();
    let key_id = checks.required_key_id("keyId", &request.key_id);
    if checks.required("grantId", &request.grant_id).is_some() {
        super::grant_id_check(&mut checks, "grantId", &request.grant_id);
    }
    checks.finish()?;
    Ok(Request {
        key: super::checked_key(key_id)?,
        grant_id: request.grant_id.unwrap_or_default(),
        dry_run: request.dry_run.unwrap_or(false),
    })
}

/// Encodes the (empty) answer.
pub fn encode() -> super::Reply {
    super::empty()
}
