//! ReEncrypt.

use trent_core::action::Action;
use trent_core::error::KmsError;
use trent_core::operation::Operation;
use trent_core::view::{ReEncryptInput, ReEncrypted};

use super::decrypt::Source;
use crate::authorize::Facts;
use crate::resolve::Accepts;
use crate::{Caller, Kms};

impl Kms {
    /// ReEncrypt: decrypts and re-encrypts inside the server; the plaintext
    /// never leaves it.
    pub fn re_encrypt(
        &self,
        caller: &Caller,
        input: &ReEncryptInput,
    ) -> Result<ReEncrypted, KmsError> {
        let destination = self.resolve_with(
            caller,
            &input.destination_key,
            Accepts::AnyForm,
            Action::ReEncryptTo,
            Facts {
                context: Some(&input.destination_context),
                encryption_algorithm: Some(input.destination_algorithm),
                ..Facts::default()
            },
        )?;
        let source = Source {
            blob: &input.ciphertext,
            context: &input.source_context,
            key: input.source_key.as_ref(),
            algorithm: input.source_algorithm,
        };
        let (decrypted, source_key_id) = self.decrypt_as(
            caller,
            &source,
            Operation::ReEncrypt.action(),
            Operation::ReEncrypt,
        )?;
        let encrypted = self.encrypt_with(
            &destination,
            decrypted.plaintext.expose(),
            &input.destination_context,
            input.destination_algorithm,
            Operation::ReEncrypt,
        )?;
        let moved = super::unless_dry_run(
            input.dry_run,
            ReEncrypted {
                ciphertext: encrypted.ciphertext,
                source_key_arn: decrypted.key_arn,
                key_arn: encrypted.key_arn,
                source_algorithm: decrypted.algorithm,
                destination_algorithm: encrypted.algorithm,
            },
        )?;
        // Both keys were used, as AWS records it.
        self.used(caller, source_key_id, Operation::ReEncrypt);
        self.used(caller, destination.key_id, Operation::ReEncrypt);
        Ok(moved)
    }
}
