//! GenerateDataKeyPairWithoutPlaintext.

use trent_core::error::KmsError;
use trent_core::view::{DataKeyPair, DataKeyPairInput};

use crate::{Caller, Kms};

impl Kms {
    /// GenerateDataKeyPairWithoutPlaintext: the key pair, its private key
    /// only encrypted under the KMS key.
    pub fn generate_data_key_pair_without_plaintext(
        &self,
        caller: &Caller,
        input: &DataKeyPairInput,
    ) -> Result<DataKeyPair, KmsError> {
        self.data_key_pair(caller, input, false)
    }
}
