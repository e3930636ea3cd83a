//! Encrypt.

use trent_core::context::EncryptionContext;
use trent_core::error::KmsError;
use trent_core::id::KeyReference;
use trent_core::key::KeyAction;
use trent_crypto::ciphertext::{self, CiphertextHeader};
use trent_store::record::KeyRecord;

use super::material::Missing;
use crate::resolve::{check_state, Accepts};
use crate::{Caller, Kms};

/// A ciphertext and the key that made it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Encrypted {
    /// The ciphertext blob.
    pub ciphertext: Vec<u8>,
    /// The ARN of the key used.
    pub key_arn: String,
}

impl Kms {
    /// Encrypt: up to 4 KiB of plaintext under the key's current material.
    pub fn encrypt(
        &self,
        caller: &Caller,
        key: &KeyReference,
        plaintext: &[u8],
        context: &EncryptionContext,
    ) -> Result<Encrypted, KmsError> {
        let record =
            self.resolve_for(caller, key, Accepts::AnyForm, "kms:Encrypt", Some(context))?;
        self.encrypt_with(&record, plaintext, context)
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
