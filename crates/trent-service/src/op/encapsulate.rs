//! Encapsulate: ML-KEM with the key's parameter set, and the key checks
//! Encapsulate and Decapsulate share.

use trent_core::algorithm::EncapsulationAlgorithm;
use trent_core::error::KmsError;
use trent_core::id::KeyReference;
use trent_core::key::KeyUsage;
use trent_core::operation::Operation;
use trent_core::secret::Plaintext;
use trent_core::view::SharedSecret;
use trent_store::record::KeyRecord;

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
        let (_, public) = opened.pair()?;
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

    /// The ML-KEM key of a request, checked in AWS's order.
    pub(crate) fn kem_key(
        &self,
        caller: &Caller,
        key: &KeyReference,
        operation: Operation,
    ) -> Result<
        (
            std::sync::Arc<KeyRecord>,
            std::sync::Arc<crate::cache::OpenedKey>,
        ),
        KmsError,
    > {
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
