//! ReEncrypt.

use trent_core::action::Action;
use trent_core::context::EncryptionContext;
use trent_core::error::KmsError;
use trent_core::id::KeyReference;
use trent_core::operation::Operation;
use trent_core::view::ReEncrypted;

use crate::resolve::Accepts;
use crate::{Caller, Kms};

impl Kms {
    /// ReEncrypt: decrypts and re-encrypts inside the server; the plaintext
    /// never leaves it.
    #[expect(
        clippy::too_many_arguments,
        reason = "one argument per ReEncrypt member; a typed request would group them"
    )]
    pub fn re_encrypt(
        &self,
        caller: &Caller,
        blob: &[u8],
        source_context: &EncryptionContext,
        source_key: Option<&KeyReference>,
        destination_key: &KeyReference,
        destination_context: &EncryptionContext,
        dry_run: bool,
    ) -> Result<ReEncrypted, KmsError> {
        let destination = self.resolve_for(
            caller,
            destination_key,
            Accepts::AnyForm,
            Action::ReEncryptTo,
            Some(destination_context),
        )?;
        let (decrypted, source_key_id) = self.decrypt_as(
            caller,
            blob,
            source_context,
            source_key,
            Operation::ReEncrypt.action(),
        )?;
        let encrypted = self.encrypt_with(
            &destination,
            decrypted.plaintext.expose(),
            destination_context,
        )?;
        let moved = super::unless_dry_run(
            dry_run,
            ReEncrypted {
                ciphertext: encrypted.ciphertext,
                source_key_arn: decrypted.key_arn,
                key_arn: encrypted.key_arn,
            },
        )?;
        // Both keys were used, as AWS records it.
        self.used(caller, source_key_id, Operation::ReEncrypt);
        self.used(caller, destination.key_id, Operation::ReEncrypt);
        Ok(moved)
    }
}
