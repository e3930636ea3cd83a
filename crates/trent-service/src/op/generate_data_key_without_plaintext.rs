//! GenerateDataKeyWithoutPlaintext.

use trent_core::context::EncryptionContext;
use trent_core::error::KmsError;
use trent_core::id::KeyReference;
use trent_crypto::material::PlaintextDataKey;

use super::Encrypted;
use crate::resolve::Accepts;
use crate::{Caller, Kms};

impl Kms {
    /// GenerateDataKeyWithoutPlaintext: like GenerateDataKey, but only the
    /// ciphertext leaves the server.
    pub fn generate_data_key_without_plaintext(
        &self,
        caller: &Caller,
        key: &KeyReference,
        context: &EncryptionContext,
        length: usize,
    ) -> Result<Encrypted, KmsError> {
        let record = self.resolve_for(
            caller,
            key,
            Accepts::AnyForm,
            "kms:GenerateDataKeyWithoutPlaintext",
            Some(context),
        )?;
        let plaintext = PlaintextDataKey::generate(length)
            .map_err(|error| KmsError::internal("generating a data key", error))?;
        self.encrypt_with(&record, plaintext.expose(), context)
    }
}
