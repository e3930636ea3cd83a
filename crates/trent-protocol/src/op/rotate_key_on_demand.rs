//! RotateKeyOnDemand.

use trent_core::id::{KeyId, KeyReference};

use crate::dto::KeyIdResponse;
use crate::error::Failure;

/// Decodes and checks the request: the key it names.
pub fn decode(body: &[u8]) -> Result<KeyReference, Failure> {
    super::key_only(body)
}

/// Encodes the answer: the rotated key's id.
pub fn encode(key_id: &KeyId) -> super::Reply {
    crate::encode(&KeyIdResponse {
        key_id: key_id.to_string(),
    })
}
