//! Encapsulate and Decapsulate: ML-KEM with the key's parameter set.

use trent_core::algorithm::EncapsulationAlgorithm;
use trent_core::error::KmsError;
use trent_core::id::KeyReference;
use trent_core::key::KeyUsage;
use trent_core::operation::Operation;
use trent_core::secret::Plaintext;
use trent_core::view::SharedSecret;
use trent_crypto::CryptoError;
use trent_store::record::KeyRecord;

use crate::cache::OpenedKey;
use crate::{Caller, Kms};

impl Kms {
    /// Encapsulate: a fresh 32-byte secret and its ML-KEM ciphertext.
    pub fn encapsulate(
        &self,
        caller: &Caller,
        key: &KeyReference,
        dry_run: bool,
    ) -> Result<SharedSecret, KmsError> {
        let (record, opened) = self.kem_key(caller, key, Operation::Encapsulate)?;
        let OpenedKey::Pair { public, .. } = opened.as_ref() else {
            return Err(KmsError::internal_text(
                "an ML-KEM key opened as another kind",
            ));
        };
        let (ciphertext, secret) =
            trent_crypto::kem::encapsulate(public, EncapsulationAlgorithm::MlKem)
                .map_err(|error| KmsError::internal("encapsulating", error))?;
        let answer = super::unless_dry_run(
            dry_run,
            SharedSecret {
                key_arn: record.scope.key_arn(&record.key_id),
                secret: Plaintext::copy_from(secret.expose()),
                ciphertext: Some(ciphertext),
                origin: record.origin,
            },
        )?;
        self.used(caller, record.key_id, Operation::Encapsulate);
        Ok(answer)
    }

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
        let OpenedKey::Pair { private, .. } = opened.as_ref() else {
            return Err(KmsError::internal_text(
                "an ML-KEM key opened as another kind",
            ));
        };
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

    fn kem_key(
        &self,
        caller: &Caller,
        key: &KeyReference,
        operation: Operation,
    ) -> Result<(std::sync::Arc<KeyRecord>, std::sync::Arc<OpenedKey>), KmsError> {
        let record = self.key_for(
            caller,
            key,
            operation,
            KeyUsage::EncapsulateDecapsulate,
            &[],
        )?;
        let opened = self.opened_key(&record)?;
        Ok((record, opened))
    }
}
