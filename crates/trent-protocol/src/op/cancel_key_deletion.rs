//! CancelKeyDeletion.

use trent_core::error::KmsError;
use trent_core::id::KeyReference;

use crate::dto::KeyIdResponse;

/// Decodes and checks the request: the key it names.
pub fn decode(body: &[u8]) -> Result<KeyReference, KmsError> {
    super::key_only(body)
}

/// Encodes the answer: the key's id.
pub fn encode(key_id: &str) -> super::Reply {
    crate::encode(&KeyIdResponse {
        key_id: key_id.to_owned(),
    })
}
