//! DeriveSharedSecret: ECDH between the key's private key and a caller's
//! public key; the raw shared x-coordinate, as AWS returns it.

use trent_core::error::{Invalid, KmsError};
use trent_core::key::KeyUsage;
use trent_core::operation::Operation;
use trent_core::secret::Plaintext;
use trent_core::view::{DeriveSharedSecretInput, SharedSecret};
use trent_crypto::CryptoError;

use crate::{Caller, Kms};

impl Kms {
    /// DeriveSharedSecret. A malformed public key, or one on another curve,
    /// is AWS's empty `ValidationException`, even with `DryRun`.
    pub fn derive_shared_secret(
        &self,
        caller: &Caller,
        input: &DeriveSharedSecretInput,
    ) -> Result<SharedSecret, KmsError> {
        let request = [("kms:KeyAgreementAlgorithm", input.algorithm.as_str())];
        let record = self.key_for(
            caller,
            &input.key,
            Operation::DeriveSharedSecret,
            KeyUsage::KeyAgreement,
            &request,
        )?;
        let opened = self.opened_key(&record)?;
        let (private, _) = opened.pair()?;
        let secret = trent_crypto::agreement::derive_shared_secret(
            private,
            input.algorithm,
            &input.public_key,
        )
        .map_err(|error| match error {
            CryptoError::InvalidInput => KmsError::Invalid(Invalid::PublicKey),
            other => KmsError::internal("deriving a shared secret", other),
        })?;
        let answer = super::unless_dry_run(
            input.dry_run,
            SharedSecret {
                key_arn: record.scope.key_arn(&record.key_id),
                secret: Plaintext::copy_from(secret.expose()),
                ciphertext: None,
                origin: record.origin,
            },
        )?;
        self.used(caller, record.key_id, Operation::DeriveSharedSecret);
        Ok(answer)
    }
}
