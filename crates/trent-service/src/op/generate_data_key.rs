//! GenerateDataKey.

use trent_core::context::EncryptionContext;
use trent_core::error::KmsError;
use trent_core::id::KeyReference;
use trent_crypto::material::PlaintextDataKey;

use crate::resolve::Accepts;
use crate::{Caller, Kms};

/// A data key: its plaintext (returned once) and its ciphertext.
#[derive(Debug)]
pub struct DataKey {
    /// The plaintext data key, zeroized on drop.
    pub plaintext: PlaintextDataKey,
    /// The data key encrypted under the KMS key.
    pub ciphertext: Vec<u8>,
    /// The ARN of the KMS key.
    pub key_arn: String,
}

impl Kms {
    /// GenerateDataKey: `length` random bytes, returned in plaintext and
    /// encrypted under the key.
    pub fn generate_data_key(
        &self,
        caller: &Caller,
        key: &KeyReference,
        context: &EncryptionContext,
        length: usize,
    ) -> Result<DataKey, KmsError> {
        let record = self.resolve_for(
            caller,
            key,
            Accepts::AnyForm,
            "kms:GenerateDataKey",
            Some(context),
        )?;
        let plaintext = PlaintextDataKey::generate(length)
            .map_err(|error| KmsError::internal("generating a data key", error))?;
        let encrypted = self.encrypt_with(&record, plaintext.expose(), context)?;
        Ok(DataKey {
            plaintext,
            ciphertext: encrypted.ciphertext,
            key_arn: encrypted.key_arn,
        })
    }
}
