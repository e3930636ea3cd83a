//! GenerateDataKey.

use trent_core::context::EncryptionContext;
use trent_core::error::KmsError;
use trent_core::id::KeyReference;
use trent_core::operation::Operation;
use trent_core::secret::Plaintext;
use trent_core::view::DataKey;
use trent_crypto::material::PlaintextDataKey;

use crate::resolve::Accepts;
use crate::{Caller, Kms};

impl Kms {
    /// GenerateDataKey: `length` random bytes, returned in plaintext and
    /// encrypted under the key.
    pub fn generate_data_key(
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
            Operation::GenerateDataKey.action(),
            Some(context),
        )?;
        let plaintext = PlaintextDataKey::generate(length)
            .map_err(|error| KmsError::internal("generating a data key", error))?;
        super::material::check_data_key_wrapping(&record, Operation::GenerateDataKey)?;
        let encrypted = self.encrypt_with(
            &record,
            plaintext.expose(),
            context,
            trent_core::algorithm::EncryptionAlgorithm::SymmetricDefault,
            Operation::GenerateDataKey,
        )?;
        let data_key = super::unless_dry_run(
            dry_run,
            DataKey {
                plaintext: Some(Plaintext::copy_from(plaintext.expose())),
                ciphertext: encrypted.ciphertext,
                key_arn: encrypted.key_arn,
            },
        )?;
        self.used(caller, record.key_id, Operation::GenerateDataKey);
        Ok(data_key)
    }
}
