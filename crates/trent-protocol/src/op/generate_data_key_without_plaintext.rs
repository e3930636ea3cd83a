//! GenerateDataKeyWithoutPlaintext: GenerateDataKey's request, and its
//! answer without the plaintext (the service leaves it out).

use trent_core::view::DataKey;

use super::generate_data_key::{self, Request};
use crate::error::Failure;

/// Decodes and checks the request, member for member GenerateDataKey's.
pub fn decode(body: &[u8]) -> Result<Request, Failure> {
    generate_data_key::decode(body)
}

/// Encodes the data key's ciphertext (`Plaintext` is absent from `data_key`).
pub fn encode(data_key: &DataKey) -> super::Reply {
    generate_data_key::encode(data_key)
}
