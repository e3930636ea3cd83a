//! GenerateDataKeyPair and GenerateDataKeyPairWithoutPlaintext: a fresh
//! key pair, its PKCS#8 private key encrypted under a symmetric KMS key.

use trent_core::algorithm::{DataKeyPairSpec, EncryptionAlgorithm};
use trent_core::error::{KmsError, Unsupported};
use trent_core::operation::Operation;
use trent_core::secret::Plaintext;
use trent_core::view::{DataKeyPair, DataKeyPairInput};
use trent_crypto::data_key_pair::generate_data_key_pair;

use super::material::check_data_key_wrapping;
use crate::authorize::Facts;
use crate::resolve::Accepts;
use crate::{Caller, Kms};

impl Kms {
    /// GenerateDataKeyPair: the key pair with its private key in plaintext.
    pub fn generate_data_key_pair(
        &self,
        caller: &Caller,
        input: &DataKeyPairInput,
    ) -> Result<DataKeyPair, KmsError> {
        self.data_key_pair(caller, input, true)
    }

    /// GenerateDataKeyPair (`with_plaintext`) or its WithoutPlaintext form.
    /// RSA pairs take up to seconds to make: both run on the blocking pool
    /// (their table rows say `Compute`).
    pub(crate) fn data_key_pair(
        &self,
        caller: &Caller,
        input: &DataKeyPairInput,
        with_plaintext: bool,
    ) -> Result<DataKeyPair, KmsError> {
        let operation = if with_plaintext {
            Operation::GenerateDataKeyPair
        } else {
            Operation::GenerateDataKeyPairWithoutPlaintext
        };
        // Counted by the pair asked for, as AWS counts it.
        self.count_pair(caller, input.spec)?;
        let request = [("kms:DataKeyPairSpec", input.spec.as_str())];
        let record = self.resolve_with(
            caller,
            &input.key,
            Accepts::AnyForm,
            operation.action(),
            Facts {
                context: Some(&input.context),
                request: &request,
                ..Facts::default()
            },
        )?;
        check_data_key_wrapping(&record, operation)?;
        if input.spec == DataKeyPairSpec::Sm2 {
            return Err(KmsError::UnsupportedOperation(
                Unsupported::ChinaRegionsOnly(input.spec.key_spec()),
            ));
        }
        // Every check has passed: a dry run makes no key pair (RSA_4096
        // takes seconds).
        super::unless_dry_run(input.dry_run, ())?;
        let pair = {
            let _turn = self.generating(input.spec.key_spec());
            generate_data_key_pair(input.spec)
                .map_err(|error| KmsError::internal("generating a data key pair", error))?
        };
        let encrypted = self.encrypt_with(
            &record,
            pair.private_key.expose(),
            &input.context,
            EncryptionAlgorithm::SymmetricDefault,
            operation,
        )?;
        let answer = DataKeyPair {
            key_arn: encrypted.key_arn,
            spec: input.spec,
            public_key: pair.public_key,
            private_key_ciphertext: encrypted.ciphertext,
            private_key_plaintext: with_plaintext
                .then(|| Plaintext::copy_from(pair.private_key.expose())),
        };
        self.used(caller, record.key_id, operation);
        Ok(answer)
    }
}
