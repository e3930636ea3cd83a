//! EnableKey: a key id in, nothing out.

use trent_core::error::KmsError;
use trent_core::id::KeyReference;

/// Decodes and checks the request: the key it names.
pub fn decode(body: &[u8]) -> Result<KeyReference, KmsError> {
    super::key_only(body)
}

/// Encodes the (empty) answer.
pub fn encode() -> super::Reply {
    super::empty()
}
