//! PutKeyPolicy.

use trent_core::id::KeyReference;

use crate::check::Checks;
use crate::dto::PutKeyPolicyRequest;
use crate::error::Failure;

/// A checked PutKeyPolicy request.
#[derive(Debug)]
pub struct Request {
    /// The key.
    pub key: KeyReference,
    /// The policy name, when given (only `default` exists).
    pub policy_name: Option<String>,
    /// The new policy document.
    pub policy: String,
    /// Skip the check that the caller can still change the policy.
    pub bypass_policy_lockout_safety_check: bool,
}

/// Decodes and checks the request.
pub fn decode(body: &[u8]) -> Result<Request, Failure> {
    let request: PutKeyPolicyRequest = crate::decode(body)?;
    let mut checks = Checks::new();
    let key_id = checks.required_key_id("keyId", &request.key_id);
    super::policy_name(&mut checks, request.policy_name.as_ref());
    checks.required("policy", &request.policy);
    checks.policy(request.policy.as_ref());
    checks.finish()?;
    Ok(Request {
        key: super::checked_key(key_id)?,
        policy_name: request.policy_name,
        policy: request.policy.unwrap_or_default(),
        bypass_policy_lockout_safety_check: request
            .bypass_policy_lockout_safety_check
            .unwrap_or(false),
    })
}

/// Encodes the (empty) answer.
pub fn encode() -> super::Reply {
    super::empty()
}
