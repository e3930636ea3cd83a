//! VerifyMac: HMAC with the key's secret, compared in constant time by aws-lc.

use trent_core::algorithm::MacAlgorithm;
use trent_core::error::KmsError;
use trent_core::operation::Operation;
use trent_core::view::{MacInput, Verified};
use trent_crypto::Verification;

use crate::{Caller, Kms};

impl Kms {
    /// VerifyMac: compared in constant time; a wrong MAC is
    /// `KMSInvalidMacException`, even with `DryRun`.
    pub fn verify_mac(
        &self,
        caller: &Caller,
        input: &MacInput,
        mac: &[u8],
    ) -> Result<Verified<MacAlgorithm>, KmsError> {
        let (record, opened) = self.mac_key(caller, input, Operation::VerifyMac)?;
        let outcome = trent_crypto::mac::verify_mac(
            opened.hmac()?,
            input.algorithm,
            input.message.expose(),
            mac,
        )
        .map_err(|error| KmsError::internal("checking an HMAC", error))?;
        if outcome == Verification::Invalid {
            return Err(KmsError::MacNotValid);
        }
        let verified = super::unless_dry_run(
            input.dry_run,
            Verified {
                key_arn: record.scope.key_arn(&record.key_id),
                algorithm: input.algorithm,
            },
        )?;
        self.used(caller, record.key_id, Operation::VerifyMac);
        Ok(verified)
    }
}
