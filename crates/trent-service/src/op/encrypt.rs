//! Encrypt.

use trent_core::context::EncryptionContext;
use trent_core::error::KmsError;
use trent_core::id::KeyReference;
use trent_core::key::KeyAction;
use trent_core::operation::Operation;
use trent_core::view::Encrypted;
use trent_crypto::ciphertext::{self, CiphertextHeader};
use trent_store::record::KeyRecord;

use super::material::Missing;
use crate::resolve::{check_state, Accepts};
use crate::{Caller, Kms};

impl Kms {
    /// Encrypt: up to 4 KiB of plaintext under the key's current material.
    pub fn encrypt(
        &self,
        caller: &Caller,
        key: &KeyReference,
        plaintext: &[u8],
        context: &EncryptionContext,
        dry_run: bool,
    ) -> Result<Encrypted, KmsError> {
        let record = self.resolve_for(
            caller,
            key,
            Accepts::AnyForm,
            Operation::Encrypt.action(),
            Some(context),
        )?;
        let encrypted =
            super::unless_dry_run(dry_run, self.encrypt_with(&record, plaintext, context)?)?;
        self.used(caller, record.key_id, Operation::Encrypt);
        Ok(encrypted)
    }

    /// Encrypts under an already loaded key, after checking its state.
    pub(crate) fn encrypt_with(
        &self,
        record: &KeyRecord,
        plaintext: &[u8],
        context: &EncryptionContext,
    ) -> Result<Encrypted, KmsError> {
        check_state(record, KeyAction::RequiresEnabled)?;
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
            key_arn: record.scope.key_arn(&record.key_id),
        })
    }
}
