//! Loading and creating key material under the root key.

use std::sync::Arc;

use trent_core::error::KeyUsageProblem;
use trent_core::error::KmsError;
use trent_core::id::KeyId;
use trent_core::key::{KeySpec, KeyUsage};
use trent_core::sealed::SealedKeyMaterial;
use trent_crypto::asymmetric::PrivateKey;
use trent_crypto::mac::HmacKey;
use trent_crypto::material::KeyMaterial;
use trent_crypto::root_key::{open_key_material, seal_key_material};
use trent_crypto::sealed_key::{open_hmac_key, open_private_key, seal_hmac_key, seal_private_key};
use trent_store::record::KeyRecord;

use crate::cache::OpenedKey;
use crate::{store_failed, Kms};

/// Whether a missing material version means a bad ciphertext or a broken store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Missing {
    /// The version came from a caller's ciphertext: refuse it as invalid.
    InvalidCiphertext,
    /// The version came from the key record: the store is inconsistent.
    Internal,
}

impl Kms {
    /// Opens one version of `key`'s material.
    pub(crate) fn material(
        &self,
        key: &KeyRecord,
        version: u32,
        missing: Missing,
    ) -> Result<Arc<KeyMaterial>, KmsError> {
        if let Some(material) = self.cache.material(&key.key_id, version) {
            return Ok(material);
        }
        let seen = self.cache.generation();
        let sealed = self
            .store
            .key_material(&key.key_id, version)
            .map_err(store_failed)?;
        let Some(sealed) = sealed else {
            return Err(match missing {
                Missing::InvalidCiphertext => KmsError::InvalidCiphertext,
                Missing::Internal => KmsError::Internal(trent_core::error::InternalError {
                    context: "key material version missing from store",
                    source: None,
                }),
            });
        };
        let material = Arc::new(
            open_key_material(self.root_key.as_ref(), &key.key_id, version, &sealed).map_err(
                |error| KmsError::internal("opening key material under the root key", error),
            )?,
        );
        self.cache
            .insert_material(seen, key.key_id, version, material.clone());
        Ok(material)
    }

    /// The key of an operation of asymmetric, HMAC or ML-KEM keys, checked
    /// in AWS's order: authorized (with the request's own condition keys),
    /// enabled, and of `usage`.
    pub(crate) fn key_for(
        &self,
        caller: &crate::Caller,
        key: &trent_core::id::KeyReference,
        operation: trent_core::operation::Operation,
        usage: KeyUsage,
        request: &[(&'static str, &'static str)],
    ) -> Result<Arc<KeyRecord>, KmsError> {
        let record = self.resolve_with(
            caller,
            key,
            crate::resolve::Accepts::AnyForm,
            operation.action(),
            crate::authorize::Facts {
                request,
                ..crate::authorize::Facts::default()
            },
        )?;
        crate::resolve::check_state(&record, trent_core::key::KeyAction::RequiresEnabled)?;
        check_usage(&record, usage, operation.name())?;
        Ok(record)
    }

    /// Opens `key`'s asymmetric or HMAC material (its one version).
    pub(crate) fn opened_key(&self, key: &KeyRecord) -> Result<Arc<OpenedKey>, KmsError> {
        if let Some(opened) = self.cache.opened(&key.key_id) {
            return Ok(opened);
        }
        let seen = self.cache.generation();
        let version = key.current_material_version;
        let sealed = self
            .store
            .key_material(&key.key_id, version)
            .map_err(store_failed)?
            .ok_or_else(|| KmsError::internal_text("key material version missing from store"))?;
        let failed = |error| KmsError::internal("opening key material under the root key", error);
        let opened = if key.spec.hmac_key_len().is_some() {
            OpenedKey::Hmac(
                open_hmac_key(
                    self.root_key.as_ref(),
                    &key.key_id,
                    version,
                    key.spec,
                    &sealed,
                )
                .map_err(failed)?,
            )
        } else {
            let private = open_private_key(
                self.root_key.as_ref(),
                &key.key_id,
                version,
                key.spec,
                &sealed,
            )
            .map_err(failed)?;
            let public = private.public_key().map_err(failed)?;
            OpenedKey::Pair { private, public }
        };
        let opened = Arc::new(opened);
        self.cache.insert_opened(seen, key.key_id, opened.clone());
        Ok(opened)
    }

    /// Fresh material for a new key of `spec`, not yet sealed
    /// ([`Kms::seal_material`]). RSA key generation takes up to seconds:
    /// CreateKey runs on the blocking pool, and RSA generations take turns
    /// ([`Kms::generating`]).
    pub(crate) fn new_material(&self, spec: KeySpec) -> Result<FreshMaterial, KmsError> {
        let generating = |error| KmsError::internal("generating key material", error);
        Ok(if spec == KeySpec::SymmetricDefault {
            FreshMaterial::Symmetric(KeyMaterial::generate().map_err(generating)?)
        } else if spec.hmac_key_len().is_some() {
            FreshMaterial::Hmac(Box::new(HmacKey::generate(spec).map_err(generating)?))
        } else {
            let _turn = self.generating(spec);
            FreshMaterial::Pair(PrivateKey::generate(spec).map_err(generating)?)
        })
    }

    /// Seals material as `version` of `key_id`. Callers hold
    /// [`Kms::sealing`] from here until the material is stored.
    pub(crate) fn seal_material(
        &self,
        key_id: &KeyId,
        version: u32,
        fresh: &FreshMaterial,
    ) -> Result<SealedKeyMaterial, KmsError> {
        let root_key = self.root_key.as_ref();
        match fresh {
            FreshMaterial::Symmetric(material) => {
                seal_key_material(root_key, key_id, version, material)
            }
            FreshMaterial::Hmac(key) => seal_hmac_key(root_key, key_id, version, key),
            FreshMaterial::Pair(key) => seal_private_key(root_key, key_id, version, key),
        }
        .map_err(|error| KmsError::internal("sealing key material", error))
    }
}

/// New key material, not yet sealed (zeroized on drop).
pub(crate) enum FreshMaterial {
    /// A symmetric key's 256 bits.
    Symmetric(KeyMaterial),
    /// An HMAC key (boxed: aws-lc's HMAC key is large).
    Hmac(Box<HmacKey>),
    /// An asymmetric key pair.
    Pair(PrivateKey),
}

/// Refuses a key whose usage is not `usage` for `operation`, as AWS words it.
pub(crate) fn check_usage(
    record: &KeyRecord,
    usage: KeyUsage,
    operation: &'static str,
) -> Result<(), KmsError> {
    if record.usage == usage {
        Ok(())
    } else {
        Err(KmsError::InvalidKeyUsage(KeyUsageProblem::Usage {
            arn: record.scope.key_arn(&record.key_id),
            usage: record.usage,
            operation,
        }))
    }
}

/// Refuses a key that cannot wrap data keys or data key pairs for
/// `operation`: not enabled, not for encryption, or asymmetric.
pub(crate) fn check_data_key_wrapping(
    record: &KeyRecord,
    operation: trent_core::operation::Operation,
) -> Result<(), KmsError> {
    use trent_core::operation::Operation;
    crate::resolve::check_state(record, trent_core::key::KeyAction::RequiresEnabled)?;
    check_usage(record, KeyUsage::EncryptDecrypt, operation.name())?;
    if record.spec == KeySpec::SymmetricDefault {
        return Ok(());
    }
    Err(KmsError::InvalidKeyUsage(match operation {
        Operation::GenerateDataKeyPair | Operation::GenerateDataKeyPairWithoutPlaintext => {
            KeyUsageProblem::DataKeyPairUnderAsymmetricKey
        }
        _ => KeyUsageProblem::DataKeyUnderAsymmetricKey,
    }))
}
