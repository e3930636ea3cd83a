//! RotateKeyOnDemand.

use trent_core::id::KeyReference;

use crate::dto::KeyIdResponse;
use crate::error::Failure;

/// Decodes and checks the request: the key it names.
pub fn decode(body: &[u8]) -> Result<KeyReference, Failure> {
    super::key_only(body)
}

/// Encodes the answer: the rotated key's ARN, which AWS answers in `KeyId`.
pub fn encode(key_arn: &str) -> super::Reply {
    crate::encode(&KeyIdResponse {
        key_id: key_arn.to_owned(),
    })
}
