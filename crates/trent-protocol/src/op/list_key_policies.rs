//! ListKeyPolicies.

use crate::dto::ListKeyPoliciesResponse;
use crate::error::Failure;

/// Decodes and checks the request: the key, and which page.
pub fn decode(body: &[u8]) -> Result<super::KeyPage, Failure> {
    super::key_page(body)
}

/// Encodes the policy names (a key has one: `default`).
pub fn encode(policy_names: Vec<String>) -> super::Reply {
    crate::encode(&ListKeyPoliciesResponse {
        policy_names,
        truncated: false,
    })
}
