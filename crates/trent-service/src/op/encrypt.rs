//! Encrypt: under a symmetric key, Trent's ciphertext blob; under an RSA
//! key, AWS's raw RSAES-OAEP ciphertext (no header, no context).

use trent_core::algorithm::EncryptionAlgorithm;
use trent_core::context::EncryptionContext;
use trent_core::error::{Invalid, KeyUsageProblem, KmsError};
use trent_core::key::{KeyAction, KeySpec, KeyUsage};
use trent_core::operation::Operation;
use trent_core::view::{EncryptInput, Encrypted};
use trent_crypto::ciphertext::{self, CiphertextHeader};
use trent_store::record::KeyRecord;

use super::material::{check_usage, Missing};
use crate::authorize::Facts;
use crate::resolve::{check_state, Accepts};
use crate::{Caller, Kms};

impl Kms {
    /// Encrypt: up to 4 KiB of plaintext under the key's current material.
    pub fn encrypt(&self, caller: &Caller, input: &EncryptInput) -> Result<Encrypted, KmsError> {
        let record = self.resolve_with(
            caller,
            &input.key,
            Accepts::AnyForm,
            Operation::Encrypt.action(),
            Facts {
                context: Some(&input.context),
                encryption_algorithm: Some(input.algorithm),
                ..Facts::default()
            },
        )?;
        let encrypted = self.encrypt_with(
            &record,
            input.plaintext.expose(),
            &input.context,
            input.algorithm,
            Operation::Encrypt,
        )?;
        let encrypted = super::unless_dry_run(input.dry_run, encrypted)?;
        self.used(caller, record.key_id, Operation::Encrypt);
        Ok(encrypted)
    }

    /// Encrypts under an already loaded key, after checking its state,
    /// usage and algorithm, for `operation` (Encrypt, or ReEncrypt's destination).
    pub(crate) fn encrypt_with(
        &self,
        record: &KeyRecord,
        plaintext: &[u8],
        context: &EncryptionContext,
        algorithm: EncryptionAlgorithm,
        operation: Operation,
    ) -> Result<Encrypted, KmsError> {
        check_state(record, KeyAction::RequiresEnabled)?;
        check_usage(record, KeyUsage::EncryptDecrypt, operation.name())?;
        let key_arn = record.scope.key_arn(&record.key_id);
        if record.spec != KeySpec::SymmetricDefault {
            let ciphertext = self.rsa_encrypt(record, plaintext, context, algorithm)?;
            return Ok(Encrypted {
                ciphertext,
                key_arn,
                algorithm,
            });
        }
        if algorithm != EncryptionAlgorithm::SymmetricDefault {
            return Err(KmsError::InvalidKeyUsage(
                KeyUsageProblem::EncryptionAlgorithm(algorithm.as_str().to_owned()),
            ));
        }
        let version = record.current_material_version;
        let material = self.material(record, version, Missing::Internal)?;
        let header = CiphertextHeader {
            key_id: record.key_id,
            material_version: version,
        };
        let ciphertext = ciphertext::encrypt(&material, header, context, plaintext)
            .map_err(|error| KmsError::internal("encrypting", error))?;
        Ok(Encrypted {
            ciphertext,
            key_arn,
            algorithm,
        })
    }

    /// RSAES-OAEP with the key's public key, within AWS's size limit.
    fn rsa_encrypt(
        &self,
        record: &KeyRecord,
        plaintext: &[u8],
        context: &EncryptionContext,
        algorithm: EncryptionAlgorithm,
    ) -> Result<Vec<u8>, KmsError> {
        let spec = record.spec;
        let Some(max) = spec.rsa_oaep_max_plaintext_len(algorithm) else {
            return Err(KmsError::InvalidKeyUsage(KeyUsageProblem::Algorithm {
                algorithm: algorithm.as_str(),
                spec,
            }));
        };
        if !context.is_empty() {
            return Err(KmsError::Invalid(Invalid::ContextWithAsymmetricKey));
        }
        if plaintext.len() > max {
            return Err(KmsError::Invalid(Invalid::PlaintextTooLarge {
                algorithm,
                spec,
                max,
            }));
        }
        let opened = self.opened_key(record)?;
        let (_, public) = opened.pair()?;
        trent_crypto::oaep::encrypt(public, algorithm, plaintext)
            .map_err(|error| KmsError::internal("encrypting with RSA-OAEP", error))
    }
}
