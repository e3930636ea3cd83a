//! Decapsulate: ML-KEM with the key's private key.

use trent_core::algorithm::EncapsulationAlgorithm;
use trent_core::error::KmsError;
use trent_core::id::KeyReference;
use trent_core::operation::Operation;
use trent_core::secret::Plaintext;
use trent_core::view::SharedSecret;
use trent_crypto::CryptoError;

use crate::{Caller, Kms};

impl Kms {
    /// Decapsulate. As FIPS 203 (and AWS) require, a changed ciphertext of
    /// the right length gives an unrelated secret, not an error; only a
    /// wrong length is `InvalidCiphertextException`.
    pub fn decapsulate(
        &self,
        caller: &Caller,
        key: &KeyReference,
        ciphertext: &[u8],
        dry_run: bool,
    ) -> Result<SharedSecret, KmsError> {
        let (record, opened) = self.kem_key(caller, key, Operation::Decapsulate)?;
        let (private, _) = opened.pair()?;
        let secret =
            trent_crypto::kem::decapsulate(private, EncapsulationAlgorithm::MlKem, ciphertext)
                .map_err(|error| match error {
                    CryptoError::InvalidInput => KmsError::InvalidCiphertext,
                    other => KmsError::internal("decapsulating", other),
                })?;
        let answer = super::unless_dry_run(
            dry_run,
            SharedSecret {
                key_arn: record.scope.key_arn(&record.key_id),
                secret: Plaintext::copy_from(secret.expose()),
                ciphertext: None,
                origin: record.origin,
            },
        )?;
        self.used(caller, record.key_id, Operation::Decapsulate);
        Ok(answer)
    }
}
