//! Decrypt: a symmetric ciphertext names its key in its header; an RSA
//! ciphertext is raw RSAES-OAEP, so its key and algorithm must be named.

use trent_core::action::Action;
use trent_core::algorithm::EncryptionAlgorithm;
use trent_core::context::EncryptionContext;
use trent_core::error::{Invalid, KeyUsageProblem, KmsError};
use trent_core::id::{KeyId, KeyReference};
use trent_core::key::{KeyAction, KeySpec, KeyUsage};
use trent_core::operation::Operation;
use trent_core::secret::Plaintext;
use trent_core::view::{DecryptInput, Decrypted};
use trent_crypto::ciphertext::{self, CiphertextHeader};
use trent_store::record::KeyRecord;

use super::material::{check_usage, Missing};
use crate::authorize::Facts;
use crate::resolve::{check_state, Accepts};
use crate::{Caller, Kms};

/// What Decrypt (or ReEncrypt's source side) is asked to open.
pub(crate) struct Source<'a> {
    pub(crate) blob: &'a [u8],
    pub(crate) context: &'a EncryptionContext,
    pub(crate) key: Option<&'a KeyReference>,
    pub(crate) algorithm: Option<EncryptionAlgorithm>,
}

impl Kms {
    /// Decrypt. A symmetric ciphertext names its key inside the blob, and a
    /// `key` given by the caller must be that key (`IncorrectKeyException`
    /// otherwise); an RSA ciphertext needs its key and algorithm named.
    pub fn decrypt(&self, caller: &Caller, input: &DecryptInput) -> Result<Decrypted, KmsError> {
        let source = Source {
            blob: &input.ciphertext,
            context: &input.context,
            key: input.key.as_ref(),
            algorithm: input.algorithm,
        };
        let (decrypted, key_id) = self.decrypt_as(
            caller,
            &source,
            Operation::Decrypt.action(),
            Operation::Decrypt,
        )?;
        let decrypted = super::unless_dry_run(input.dry_run, decrypted)?;
        self.used(caller, key_id, Operation::Decrypt);
        Ok(decrypted)
    }

    /// Decrypt, authorized as `action` (`kms:Decrypt`, or `kms:ReEncryptFrom`
    /// for the source of ReEncrypt).
    pub(crate) fn decrypt_as(
        &self,
        caller: &Caller,
        source: &Source<'_>,
        action: Action,
        operation: Operation,
    ) -> Result<(Decrypted, KeyId), KmsError> {
        let facts = Facts {
            context: Some(source.context),
            encryption_algorithm: source.algorithm,
            ..Facts::default()
        };
        let asymmetric_algorithm = source
            .algorithm
            .filter(|algorithm| *algorithm != EncryptionAlgorithm::SymmetricDefault);
        // An RSA ciphertext carries no key id: the caller must name the key.
        if source.key.is_none() && asymmetric_algorithm.is_some() {
            return Err(KmsError::Invalid(Invalid::KeyIdRequired));
        }
        let Ok(header) = CiphertextHeader::peek(source.blob) else {
            return match source.key {
                // Not Trent's blob: an RSA ciphertext of a named key, or nothing.
                Some(key) => {
                    let record = self.resolve_with(caller, key, Accepts::AnyForm, action, facts)?;
                    self.rsa_decrypt(&record, source, operation)
                }
                None => Err(KmsError::InvalidCiphertext),
            };
        };
        let record = match source.key {
            Some(key) => {
                let named = self.resolve_with(caller, key, Accepts::AnyForm, action, facts)?;
                if named.spec != KeySpec::SymmetricDefault {
                    // A raw RSA ciphertext may look like a header by chance;
                    // anything else is a symmetric blob sent to the wrong key.
                    if named.spec.rsa_modulus_len() == Some(source.blob.len()) {
                        return self.rsa_decrypt(&named, source, operation);
                    }
                    return Err(KmsError::IncorrectKey);
                }
                if named.key_id != header.key_id {
                    return Err(KmsError::IncorrectKey);
                }
                named
            }
            None => {
                // The blob names only a key id: a key of another region cannot
                // have made it, and a key that does not exist cannot decrypt it.
                let record = self
                    .key_record(&header.key_id, caller.region())?
                    .filter(|record| record.scope.region == *caller.region())
                    .ok_or(KmsError::InvalidCiphertext)?;
                self.authorize(caller, &record, action, facts)?;
                record
            }
        };
        check_state(&record, KeyAction::RequiresEnabled)?;
        check_usage(&record, KeyUsage::EncryptDecrypt, operation.name())?;
        if let Some(algorithm) = asymmetric_algorithm {
            return Err(KmsError::InvalidKeyUsage(
                KeyUsageProblem::EncryptionAlgorithm(algorithm.as_str().to_owned()),
            ));
        }
        let material =
            self.material(&record, header.material_version, Missing::InvalidCiphertext)?;
        let mut plaintext = ciphertext::decrypt(&material, source.blob, source.context)
            .map_err(|_| KmsError::InvalidCiphertext)?;
        let decrypted = Decrypted {
            // Moved, not copied: the zeroized buffer is handed over whole.
            plaintext: Plaintext::new(std::mem::take(&mut *plaintext)),
            key_arn: record.scope.key_arn(&record.key_id),
            algorithm: EncryptionAlgorithm::SymmetricDefault,
        };
        Ok((decrypted, record.key_id))
    }

    /// RSAES-OAEP decryption with a named RSA key: without the algorithm, or
    /// with another one, the ciphertext is simply not valid, as AWS answers.
    fn rsa_decrypt(
        &self,
        record: &KeyRecord,
        source: &Source<'_>,
        operation: Operation,
    ) -> Result<(Decrypted, KeyId), KmsError> {
        // Not Trent's blob, and the key is symmetric: nothing to decrypt.
        if record.spec == KeySpec::SymmetricDefault {
            return Err(KmsError::InvalidCiphertext);
        }
        check_state(record, KeyAction::RequiresEnabled)?;
        check_usage(record, KeyUsage::EncryptDecrypt, operation.name())?;
        if !source.context.is_empty() {
            return Err(KmsError::Invalid(Invalid::ContextWithAsymmetricKey));
        }
        let algorithm = source
            .algorithm
            .filter(|algorithm| record.spec.rsa_oaep_max_plaintext_len(*algorithm).is_some())
            .ok_or(KmsError::InvalidCiphertext)?;
        let opened = self.opened_key(record)?;
        let (private, _) = opened.pair()?;
        let mut plaintext = trent_crypto::oaep::decrypt(private, algorithm, source.blob)
            .map_err(|_| KmsError::InvalidCiphertext)?;
        let decrypted = Decrypted {
            plaintext: Plaintext::new(std::mem::take(&mut *plaintext)),
            key_arn: record.scope.key_arn(&record.key_id),
            algorithm,
        };
        Ok((decrypted, record.key_id))
    }
}
