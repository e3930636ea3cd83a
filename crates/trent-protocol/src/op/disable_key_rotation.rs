//! DisableKeyRotation: a key id in, nothing out.

use crate::error::Failure;
use trent_core::id::KeyReference;

/// Decodes and checks the request: the key it names.
pub fn decode(body: &[u8]) -> Result<KeyReference, Failure> {
    super::key_only(body)
}

/// Encodes the (empty) answer.
pub fn encode() -> super::Reply {
    super::empty()
}
