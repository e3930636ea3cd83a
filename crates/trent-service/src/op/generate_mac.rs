//! GenerateMac, and the key checks GenerateMac and VerifyMac share.

use trent_core::error::{KeyUsageProblem, KmsError};
use trent_core::key::KeyUsage;
use trent_core::operation::Operation;
use trent_core::view::{MacInput, MacTag};
use trent_store::record::KeyRecord;

use crate::cache::OpenedKey;
use crate::{Caller, Kms};

impl Kms {
    /// GenerateMac.
    pub fn generate_mac(&self, caller: &Caller, input: &MacInput) -> Result<MacTag, KmsError> {
        let (record, opened) = self.mac_key(caller, input, Operation::GenerateMac)?;
        let mac = trent_crypto::mac::mac(opened.hmac()?, input.algorithm, input.message.expose())
            .map_err(|error| KmsError::internal("computing an HMAC", error))?;
        let tag = super::unless_dry_run(
            input.dry_run,
            MacTag {
                key_arn: record.scope.key_arn(&record.key_id),
                mac,
                algorithm: input.algorithm,
            },
        )?;
        self.used(caller, record.key_id, Operation::GenerateMac);
        Ok(tag)
    }

    /// The HMAC key of a request, authorized and checked as AWS checks it:
    /// state, usage, then the one algorithm its spec offers.
    pub(crate) fn mac_key(
        &self,
        caller: &Caller,
        input: &MacInput,
        operation: Operation,
    ) -> Result<(std::sync::Arc<KeyRecord>, std::sync::Arc<OpenedKey>), KmsError> {
        let request = [("kms:MacAlgorithm", input.algorithm.as_str())];
        let record = self.key_for(
            caller,
            &input.key,
            operation,
            KeyUsage::GenerateVerifyMac,
            &request,
        )?;
        let offered = record
            .spec
            .algorithms(KeyUsage::GenerateVerifyMac)
            .is_some_and(|algorithms| algorithms.mac.contains(&input.algorithm));
        if !offered {
            return Err(KmsError::InvalidKeyUsage(KeyUsageProblem::Algorithm {
                algorithm: input.algorithm.as_str(),
                spec: record.spec,
            }));
        }
        let opened = self.opened_key(&record)?;
        Ok((record, opened))
    }
}
