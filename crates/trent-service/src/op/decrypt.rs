//! Decrypt.

use trent_core::action::Action;
use trent_core::context::EncryptionContext;
use trent_core::error::KmsError;
use trent_core::id::{KeyId, KeyReference};
use trent_core::key::KeyAction;
use trent_core::operation::Operation;
use trent_core::secret::Plaintext;
use trent_core::view::Decrypted;
use trent_crypto::ciphertext::{self, CiphertextHeader};

use super::material::Missing;
use crate::authorize::Facts;
use crate::resolve::{check_state, Accepts};
use crate::{Caller, Kms};

impl Kms {
    /// Decrypt: the key is the one named inside the blob. A `key` given by
    /// the caller must be that key (`IncorrectKeyException` otherwise).
    pub fn decrypt(
        &self,
        caller: &Caller,
        blob: &[u8],
        context: &EncryptionContext,
        key: Option<&KeyReference>,
        dry_run: bool,
    ) -> Result<Decrypted, KmsError> {
        let (decrypted, key_id) =
            self.decrypt_as(caller, blob, context, key, Operation::Decrypt.action())?;
        let decrypted = super::unless_dry_run(dry_run, decrypted)?;
        self.used(caller, key_id, Operation::Decrypt);
        Ok(decrypted)
    }

    /// Decrypt, authorized as `action` (`kms:Decrypt`, or `kms:ReEncryptFrom`
    /// for the source of ReEncrypt).
    pub(crate) fn decrypt_as(
        &self,
        caller: &Caller,
        blob: &[u8],
        context: &EncryptionContext,
        key: Option<&KeyReference>,
        action: Action,
    ) -> Result<(Decrypted, KeyId), KmsError> {
        let header = CiphertextHeader::peek(blob).map_err(|_| KmsError::InvalidCiphertext)?;
        let record = match key {
            Some(key) => {
                let named =
                    self.resolve_for(caller, key, Accepts::AnyForm, action, Some(context))?;
                if named.key_id != header.key_id {
                    return Err(KmsError::IncorrectKey);
                }
                named
            }
            None => {
                // The blob names only a key id: a key of another region cannot
                // have made it, and a key that does not exist cannot decrypt it.
                let record = self
                    .key_record(&header.key_id)?
                    .filter(|record| record.scope.region == *caller.region())
                    .ok_or(KmsError::InvalidCiphertext)?;
                self.authorize(
                    caller,
                    &record,
                    action,
                    Facts {
                        context: Some(context),
                        ..Facts::default()
                    },
                )?;
                record
            }
        };
        check_state(&record, KeyAction::RequiresEnabled)?;
        let material =
            self.material(&record, header.material_version, Missing::InvalidCiphertext)?;
        let mut plaintext = ciphertext::decrypt(&material, blob, context)
            .map_err(|_| KmsError::InvalidCiphertext)?;
        let decrypted = Decrypted {
            // Moved, not copied: the zeroized buffer is handed over whole.
            plaintext: Plaintext::new(std::mem::take(&mut *plaintext)),
            key_arn: record.scope.key_arn(&record.key_id),
        };
        Ok((decrypted, record.key_id))
    }
}
