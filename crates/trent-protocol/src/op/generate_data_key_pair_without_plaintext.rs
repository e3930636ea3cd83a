//! GenerateDataKeyPairWithoutPlaintext: GenerateDataKeyPair's members
//! without `Recipient`, and its answer without the plaintext private key.

use trent_core::view::DataKeyPair;

use super::generate_data_key_pair::GenerateDataKeyPairResponse;
pub use super::generate_data_key_pair::{decode, Request};

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
