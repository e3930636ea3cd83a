//! GenerateDataKeyWithoutPlaintext.

use trent_core::context::EncryptionContext;
use trent_core::error::KmsError;
use trent_core::id::KeyReference;
use trent_core::operation::Operation;
use trent_crypto::material::PlaintextDataKey;

use crate::resolve::Accepts;
use crate::{Caller, Kms};
use trent_core::view::DataKey;

impl Kms {
    /// GenerateDataKeyWithoutPlaintext: like GenerateDataKey, but only the
    /// ciphertext leaves the server.
    pub fn generate_data_key_without_plaintext(
        &self,
        caller: &Caller,
        key: &KeyReference,
        context: &EncryptionContext,
        length: usize,
        dry_run: bool,
    ) -> Result<DataKey, KmsError> {
        let record = self.resolve_for(
            caller,
            key,
            Accepts::AnyForm,
            Operation::GenerateDataKeyWithoutPlaintext.action(),
            Some(context),
        )?;
        let plaintext = PlaintextDataKey::generate(length)
            .map_err(|error| KmsError::internal("generating a data key", error))?;
        super::material::check_data_key_wrapping(
            &record,
            Operation::GenerateDataKeyWithoutPlaintext,
        )?;
        let encrypted = self.encrypt_with(
            &record,
            plaintext.expose(),
            context,
            trent_core::algorithm::EncryptionAlgorithm::SymmetricDefault,
            Operation::GenerateDataKeyWithoutPlaintext,
        )?;
        let data_key = super::unless_dry_run(
            dry_run,
            DataKey {
                plaintext: None,
                ciphertext: encrypted.ciphertext,
                key_arn: encrypted.key_arn,
            },
        )?;
        self.used(
            caller,
            record.key_id,
            Operation::GenerateDataKeyWithoutPlaintext,
        );
        Ok(data_key)
    }
}
