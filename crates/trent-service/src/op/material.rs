//! Loading and creating key material under the root key.

use std::sync::Arc;

use trent_core::error::KmsError;
use trent_crypto::material::KeyMaterial;
use trent_crypto::root_key::open_key_material;
use trent_store::record::KeyRecord;

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
}
