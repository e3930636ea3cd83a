//! GetPublicKey: the DER SubjectPublicKeyInfo of an asymmetric key.

use trent_core::error::{KmsError, Unsupported};
use trent_core::id::KeyReference;
use trent_core::key::KeyAction;
use trent_core::operation::Operation;
use trent_core::view::PublicKeyInfo;

use crate::resolve::{check_state, Accepts};
use crate::{Caller, Kms};

impl Kms {
    /// GetPublicKey. Refused for symmetric and HMAC keys; served for a
    /// disabled key, as AWS does (not while pending deletion).
    pub fn get_public_key(
        &self,
        caller: &Caller,
        key: &KeyReference,
    ) -> Result<PublicKeyInfo, KmsError> {
        let record = self.resolve(
            caller,
            key,
            Accepts::AnyForm,
            Operation::GetPublicKey.action(),
        )?;
        if !record.spec.is_asymmetric() {
            return Err(KmsError::UnsupportedOperation(Unsupported::KeyKind));
        }
        // Enabled and disabled keys answer; others are refused (Manage's row).
        check_state(&record, KeyAction::Manage)?;
        let opened = self.opened_key(&record)?;
        let (_, public) = opened.pair()?;
        Ok(PublicKeyInfo {
            key_arn: record.scope.key_arn(&record.key_id),
            public_key: public.der().to_vec(),
            spec: record.spec,
            usage: record.usage,
        })
    }
}
