//! ReEncrypt.

use trent_core::context::EncryptionContext;
use trent_core::error::KmsError;
use trent_core::id::KeyReference;

use crate::resolve::Accepts;
use crate::{Caller, Kms};

/// A ciphertext moved to another key (or context, or material version).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReEncrypted {
    /// The new ciphertext blob.
    pub ciphertext: Vec<u8>,
    /// The ARN of the key that decrypted the source.
    pub source_key_arn: String,
    /// The ARN of the key that encrypted the result.
    pub key_arn: String,
}

impl Kms {
    /// ReEncrypt: decrypts and re-encrypts inside the server; the plaintext
    /// never leaves it.
    pub fn re_encrypt(
        &self,
        caller: &Caller,
        blob: &[u8],
        source_context: &EncryptionContext,
        source_key: Option<&KeyReference>,
        destination_key: &KeyReference,
        destination_context: &EncryptionContext,
    ) -> Result<ReEncrypted, KmsError> {
        let destination = self.resolve_for(
            caller,
            destination_key,
            Accepts::AnyForm,
            "kms:ReEncryptTo",
            Some(destination_context),
        )?;
        let decrypted = self.decrypt_as(
            caller,
            blob,
            source_context,
            source_key,
            "kms:ReEncryptFrom",
        )?;
        let encrypted =
            self.encrypt_with(&destination, &decrypted.plaintext, destination_context)?;
        Ok(ReEncrypted {
            ciphertext: encrypted.ciphertext,
            source_key_arn: decrypted.key_arn,
            key_arn: encrypted.key_arn,
        })
    }
}
