//! ListKeyPolicies.

use trent_core::error::KmsError;
use trent_core::id::KeyReference;

use crate::check::Checks;
use crate::dto::{ListForKeyRequest, ListKeyPoliciesResponse};

/// A checked ListKeyPolicies request.
#[derive(Debug)]
pub struct Request {
    /// The key.
    pub key: KeyReference,
    /// Where the page starts.
    pub marker: Option<String>,
    /// Most entries on the page.
    pub limit: u32,
}

/// Decodes and checks the request.
pub fn decode(body: &[u8]) -> Result<Request, KmsError> {
    let request: ListForKeyRequest = crate::decode(body)?;
    let mut checks = Checks::new();
    let key_id = checks.required_key_id("keyId", &request.key_id);
    let limit = checks.limit(request.limit);
    checks.marker(request.marker.as_ref());
    checks.finish()?;
    Ok(Request {
        key: super::checked_key(key_id)?,
        marker: request.marker,
        limit,
    })
}

/// Encodes the policy names (a key has one: `default`).
pub fn encode(policy_names: Vec<String>) -> super::Reply {
    crate::encode(&ListKeyPoliciesResponse {
        policy_names,
        truncated: false,
    })
}
