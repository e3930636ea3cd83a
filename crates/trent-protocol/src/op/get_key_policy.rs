//! GetKeyPolicy.

use trent_core::id::KeyReference;

use crate::check::Checks;
use crate::dto::{GetKeyPolicyRequest, GetKeyPolicyResponse};
use crate::error::Failure;

/// A checked GetKeyPolicy request.
#[derive(Debug)]
pub struct Request {
    /// The key.
    pub key: KeyReference,
    /// The policy name, when given (only `default` exists).
    pub policy_name: Option<String>,
}

/// Decodes and checks the request.
pub fn decode(body: &[u8]) -> Result<Request, Failure> {
    let request: GetKeyPolicyRequest = crate::decode(body)?;
    let mut checks = Checks::new();
    let key_id = checks.required_key_id("keyId", &request.key_id);
    super::policy_name(&mut checks, request.policy_name.as_ref());
    checks.finish()?;
    Ok(Request {
        key: super::checked_key(key_id)?,
        policy_name: request.policy_name,
    })
}

/// Encodes the policy document (under the only policy name there is).
pub fn encode(policy: String) -> super::Reply {
    crate::encode(&GetKeyPolicyResponse {
        policy,
        policy_name: trent_core::quota::DEFAULT_POLICY_NAME.to_owned(),
    })
}
