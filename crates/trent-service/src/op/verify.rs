//! Verify: checks a signature with the key's public key; an invalid one is
//! `KMSInvalidSignatureException`, never a `false`.

use trent_core::algorithm::SigningAlgorithm;
use trent_core::error::KmsError;
use trent_core::operation::Operation;
use trent_core::view::{SignInput, Verified};
use trent_crypto::sign;
use trent_crypto::Verification;

use super::sign::{crypto_refusal, message};
use crate::{Caller, Kms};

impl Kms {
    /// Verify. As AWS, a bad signature fails even with `DryRun`.
    pub fn verify(
        &self,
        caller: &Caller,
        input: &SignInput,
        signature: &[u8],
    ) -> Result<Verified<SigningAlgorithm>, KmsError> {
        let record = self.signing_key(caller, input, Operation::Verify)?;
        let opened = self.opened_key(&record)?;
        let (_, public) = opened.pair()?;
        match sign::verify(public, input.algorithm, message(input), signature)
            .map_err(|error| crypto_refusal(error, input))?
        {
            Verification::Valid => {}
            Verification::Invalid => return Err(KmsError::SignatureNotValid),
        }
        let verified = super::unless_dry_run(
            input.dry_run,
            Verified {
                key_arn: record.scope.key_arn(&record.key_id),
                algorithm: input.algorithm,
            },
        )?;
        self.used(caller, record.key_id, Operation::Verify);
        Ok(verified)
    }
}
