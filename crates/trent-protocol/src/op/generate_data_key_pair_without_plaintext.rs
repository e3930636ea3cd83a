//! GenerateDataKeyPairWithoutPlaintext: GenerateDataKeyPair's members
//! but `Recipient` (which this operation does not have, so it is ignored as
//! any unknown member is), and its answer without the plaintext private key.

use trent_core::view::DataKeyPair;

pub use super::generate_data_key_pair::Request;
use super::generate_data_key_pair::{
    decode_members, GenerateDataKeyPairRequest, GenerateDataKeyPairResponse,
};
use crate::error::Failure;

/// Decodes and checks the request.
pub fn decode(body: &[u8]) -> Result<Request, Failure> {
    let mut request: GenerateDataKeyPairRequest = crate::decode(body)?;
    request.recipient = None;
    decode_members(request)
}

/// Encodes the key pair; the service made no plaintext private key.
pub fn encode(pair: &DataKeyPair) -> super::Reply {
    crate::encode(&GenerateDataKeyPairResponse {
        private_key_ciphertext_blob: &pair.private_key_ciphertext,
        private_key_plaintext: None,
        public_key: &pair.public_key,
        key_id: &pair.key_arn,
        key_pair_spec: pair.spec.as_str(),
    })
}
