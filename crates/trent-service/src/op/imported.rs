//! What the operations on imported key material (origin `EXTERNAL`) share:
//! the import token, the material's id, the key's summary of its
//! materials, and the irrecoverable removal of a material (by
//! DeleteImportedKeyMaterial and at expiry).
//!
//! A key's materials are versions, as rotations make them. The current
//! version and the older ones are permanently associated with the key; a
//! version above the current one is pending rotation. Deleting or expiring
//! an associated material empties its sealed bytes but keeps its row (its
//! id, so the same material can be imported again) and moves the key to
//! `PendingImport`; a pending material is removed outright.

use trent_core::clock::Timestamp;
use trent_core::error::KmsError;
use trent_core::id::KeyId;
use trent_core::import::{ImportState, WrappingAlgorithm, WrappingKeySpec};
use trent_core::key::{KeySpec, KeyState, Origin};
use trent_core::sealed::SealedKeyMaterial;
use trent_store::record::{ImportedSummary, KeyRecord, MaterialInfo, MaterialRecord};
use zeroize::Zeroizing;

use crate::{store_failed, Kms};

/// The label import tokens are sealed under.
pub(crate) const TOKEN_LABEL: &[u8] = b"trent/import-token/v1";
/// The label of key material ids (keyed fingerprints).
const MATERIAL_ID_LABEL: &[u8] = b"trent/key-material-id/v1";
/// How long an import token and its wrapping key are valid: 24 hours.
pub(crate) const TOKEN_LIFETIME_MILLIS: i64 = 24 * 60 * 60 * 1000;
/// How far ahead `ValidTo` may be: 365 days.
pub(crate) const MAX_VALID_TO_MILLIS: i64 = 365 * 24 * 60 * 60 * 1000;
/// The first byte of an import token's payload.
const TOKEN_FORMAT: u8 = 1;

/// Whether keys of `spec` and `usage` may have imported material, as AWS
/// allows: symmetric encryption, HMAC, RSA, and the ECC curves (not
/// Ed25519, ML-DSA, ML-KEM or SM2).
pub(crate) fn importable(spec: KeySpec) -> bool {
    spec == KeySpec::SymmetricDefault
        || spec.hmac_key_len().is_some()
        || spec.rsa_modulus_len().is_some()
        || matches!(
            spec,
            KeySpec::EccNistP256
                | KeySpec::EccNistP384
                | KeySpec::EccNistP521
                | KeySpec::EccSecgP256k1
        )
}

/// What an import token holds, sealed under the token key: the key it is
/// for, how the material is wrapped, until when, and the wrapping private
/// key itself (so no server state is kept between the two calls).
pub(crate) struct ImportToken {
    /// A random id: a token is consumed once.
    pub(crate) id: [u8; 16],
    /// The key ARN the token was issued for.
    pub(crate) key_arn: String,
    /// The wrapping algorithm chosen at GetParametersForImport.
    pub(crate) algorithm: WrappingAlgorithm,
    /// The wrapping key's spec.
    pub(crate) wrapping_key_spec: WrappingKeySpec,
    /// When it stops being valid.
    pub(crate) valid_to: Timestamp,
    /// The wrapping private key, PKCS#8 DER.
    pub(crate) wrapping_key: Zeroizing<Vec<u8>>,
}

impl ImportToken {
    /// `FORMAT || id || valid_to (i64 BE ms) || len8 algorithm || len8 spec
    /// || len16 ARN || PKCS#8`.
    pub(crate) fn encode(&self) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(Vec::with_capacity(64 + self.wrapping_key.len()));
        out.push(TOKEN_FORMAT);
        out.extend_from_slice(&self.id);
        out.extend_from_slice(&self.valid_to.as_millis().to_be_bytes());
        for name in [self.algorithm.as_str(), self.wrapping_key_spec.as_str()] {
            out.push(name.len() as u8);
            out.extend_from_slice(name.as_bytes());
        }
        out.extend_from_slice(&(self.key_arn.len() as u16).to_be_bytes());
        out.extend_from_slice(self.key_arn.as_bytes());
        out.extend_from_slice(&self.wrapping_key);
        out
    }

    /// The token [`ImportToken::encode`] wrote; `None` for anything else.
    pub(crate) fn decode(bytes: &[u8]) -> Option<Self> {
        let (&format, rest) = bytes.split_first()?;
        if format != TOKEN_FORMAT {
            return None;
        }
        let (id, rest) = rest.split_at_checked(16)?;
        let (valid_to, rest) = rest.split_at_checked(8)?;
        let (algorithm, rest) = short_field(rest)?;
        let (spec, rest) = short_field(rest)?;
        let (arn_len, rest) = rest.split_at_checked(2)?;
        let arn_len = usize::from(u16::from_be_bytes(arn_len.try_into().ok()?));
        let (arn, key) = rest.split_at_checked(arn_len)?;
        Some(Self {
            id: id.try_into().ok()?,
            key_arn: std::str::from_utf8(arn).ok()?.to_owned(),
            algorithm: WrappingAlgorithm::parse(std::str::from_utf8(algorithm).ok()?)?,
            wrapping_key_spec: WrappingKeySpec::parse(std::str::from_utf8(spec).ok()?)?,
            valid_to: Timestamp::from_millis(i64::from_be_bytes(valid_to.try_into().ok()?)),
            wrapping_key: Zeroizing::new(key.to_vec()),
        })
    }
}

fn short_field(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let (&len, rest) = bytes.split_first()?;
    rest.split_at_checked(usize::from(len))
}

impl Kms {
    /// The id of imported material: a fingerprint of the key id and
    /// `identity` (the bytes of symmetric and HMAC material, the public key
    /// of a key pair, so that two encodings of one private key agree),
    /// keyed by the deployment's token key.
    pub(crate) fn imported_material_id(
        &self,
        key_id: &KeyId,
        identity: &[u8],
    ) -> Result<String, KmsError> {
        let mut data = Zeroizing::new(Vec::with_capacity(16 + identity.len()));
        data.extend_from_slice(key_id.as_bytes());
        data.extend_from_slice(identity);
        Ok(self.token_key()?.fingerprint(MATERIAL_ID_LABEL, &data))
    }

    /// Removes a material of `record` at once: a pending one outright, an
    /// associated one by emptying its sealed bytes (the key then waits for
    /// the same material to be imported again). Callers hold the write lock.
    pub(crate) fn remove_imported(
        &self,
        mut record: KeyRecord,
        materials: &[MaterialInfo],
        target: &MaterialInfo,
    ) -> Result<KeyRecord, KmsError> {
        let Some(import) = &target.import else {
            return Err(KmsError::internal_text(
                "removing material that was not imported",
            ));
        };
        let result = if target.version > record.current_material_version {
            let remaining: Vec<MaterialInfo> = materials
                .iter()
                .filter(|m| m.version != target.version)
                .cloned()
                .collect();
            summarize(&mut record, &remaining);
            self.store.delete_material(&record, target.version)
        } else {
            let mut emptied = import.clone();
            emptied.state = ImportState::PendingImport;
            let updated: Vec<MaterialInfo> = materials
                .iter()
                .map(|m| {
                    let mut m = m.clone();
                    if m.version == target.version {
                        m.import = Some(emptied.clone());
                    }
                    m
                })
                .collect();
            if record.state != KeyState::PendingDeletion {
                record.state = KeyState::PendingImport;
            }
            summarize(&mut record, &updated);
            self.store.put_material(
                &record,
                &MaterialRecord {
                    version: target.version,
                    sealed: SealedKeyMaterial::from_bytes(Vec::new()),
                    created_at: target.created_at,
                    rotation: target.rotation,
                    import: Some(emptied),
                },
                None,
            )
        };
        // Opened material leaves memory too (zeroized as it drops).
        self.cache.forget_key(&record.key_id);
        result.map_err(store_failed)?;
        Ok(record)
    }

    /// Removes every imported material of `key_id` whose `ValidTo` has
    /// passed at `now` (the maintenance pass); returns how many.
    pub(crate) fn expire_imported(
        &self,
        key_id: &KeyId,
        region: &trent_core::id::Region,
        now: Timestamp,
    ) -> Result<usize, KmsError> {
        let mut expired = 0;
        loop {
            let Some(record) = self.store.key(key_id, region).map_err(store_failed)? else {
                return Ok(expired);
            };
            if record.origin != Origin::External {
                return Ok(expired);
            }
            let materials = self.store.materials(key_id).map_err(store_failed)?;
            let due = materials.iter().find(|m| {
                m.import.as_ref().is_some_and(|import| {
                    import.state == ImportState::Imported
                        && import.valid_to.is_some_and(|at| at <= now)
                })
            });
            let Some(due) = due.cloned() else {
                return Ok(expired);
            };
            self.remove_imported(record, &materials, &due)?;
            tracing::info!(key_id = %key_id, version = due.version, "imported key material expired and was deleted");
            expired += 1;
        }
    }
}

/// Recomputes what DescribeKey shows of `record`'s imported materials.
pub(crate) fn summarize(record: &mut KeyRecord, materials: &[MaterialInfo]) {
    if record.origin != Origin::External {
        record.imported = ImportedSummary::default();
        return;
    }
    let current = materials
        .iter()
        .find(|m| m.version == record.current_material_version)
        .and_then(|m| m.import.as_ref());
    record.imported = ImportedSummary {
        expiration_model: current
            .filter(|import| import.state == ImportState::Imported)
            .map(|import| import.expiration_model),
        valid_to: materials
            .iter()
            .filter(|m| m.version <= record.current_material_version)
            .filter_map(|m| m.import.as_ref())
            .filter(|import| import.state == ImportState::Imported)
            .filter_map(|import| import.valid_to)
            .min(),
        current_material_id: current.map(|import| import.material_id.clone()),
    };
}

/// Whether every material permanently associated with `record` is imported.
pub(crate) fn all_associated_imported(record: &KeyRecord, materials: &[MaterialInfo]) -> bool {
    materials
        .iter()
        .filter(|m| m.version <= record.current_material_version)
        .all(|m| {
            m.import
                .as_ref()
                .is_none_or(|import| import.state == ImportState::Imported)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_refuse_anything_else() {
        let token = ImportToken {
            id: [7; 16],
            key_arn: "arn:aws:kms:us-east-1:111122223333:key/k".into(),
            algorithm: WrappingAlgorithm::RsaAesKeyWrapSha256,
            wrapping_key_spec: WrappingKeySpec::Rsa3072,
            valid_to: Timestamp::from_millis(1_234),
            wrapping_key: Zeroizing::new(vec![1, 2, 3]),
        };
        let bytes = token.encode();
        let again = ImportToken::decode(&bytes).unwrap();
        assert_eq!(again.id, token.id);
        assert_eq!(again.key_arn, token.key_arn);
        assert_eq!(again.algorithm, token.algorithm);
        assert_eq!(again.wrapping_key_spec, token.wrapping_key_spec);
        assert_eq!(again.valid_to, token.valid_to);
        assert_eq!(again.wrapping_key.as_slice(), &[1, 2, 3]);
        for cut in 0..bytes.len() - 3 {
            assert!(ImportToken::decode(&bytes[..cut]).is_none(), "cut at {cut}");
        }
        let mut other = bytes.to_vec();
        other[0] = 2;
        assert!(ImportToken::decode(&other).is_none());
    }

    mod service {
        use std::time::Duration;

        use trent_core::clock::{Clock, Timestamp};
        use trent_core::id::KeyReference;
        use trent_core::import::{ImportType, WrappingAlgorithm, WrappingKeySpec};
        use trent_core::key::{KeySpec, KeyState, KeyUsage, Origin};
        use trent_core::view::{CreateKeyInput, ImportKeyMaterialInput};
        use trent_crypto::asymmetric::PublicKey;

        use crate::testing::{harness, Harness};

        fn external_key(h: &Harness) -> KeyReference {
            let metadata = h
                .kms
                .create_key(
                    &h.root,
                    CreateKeyInput {
                        description: String::new(),
                        policy: None,
                        tags: Vec::new(),
                        spec: KeySpec::SymmetricDefault,
                        usage: KeyUsage::EncryptDecrypt,
                        origin: Origin::External,
                        bypass_policy_lockout_safety_check: false,
                        multi_region: false,
                    },
                )
                .unwrap();
            KeyReference::Id(metadata.key_id)
        }

        fn import(
            h: &Harness,
            key: &KeyReference,
            material: &[u8],
            valid_to: Option<Timestamp>,
            import_type: Option<ImportType>,
        ) -> String {
            let parameters = h
                .kms
                .get_parameters_for_import(
                    &h.root,
                    key,
                    WrappingAlgorithm::RsaesOaepSha256,
                    WrappingKeySpec::Rsa2048,
                )
                .unwrap();
            let public = PublicKey::from_der(KeySpec::Rsa2048, &parameters.public_key).unwrap();
            let wrapped =
                trent_crypto::import::wrap(&public, WrappingAlgorithm::RsaesOaepSha256, material)
                    .unwrap();
            h.kms
                .import_key_material(
                    &h.root,
                    key,
                    ImportKeyMaterialInput {
                        import_token: parameters.import_token,
                        encrypted_key_material: wrapped,
                        valid_to,
                        import_type,
                        description: None,
                        key_material_id: None,
                    },
                )
                .unwrap()
                .key_material_id
        }

        fn state(h: &Harness, key: &KeyReference) -> KeyState {
            h.kms.describe_key(&h.root, key).unwrap().state
        }

        #[test]
        fn expired_material_is_refused_before_maintenance_deletes_it() {
            let h = harness();
            let key = external_key(&h);
            let hour = Timestamp::from_millis(h.clock.now().as_millis() + 3_600_000);
            import(&h, &key, &[1; 32], Some(hour), None);
            assert_eq!(state(&h, &key), KeyState::Enabled);
            h.clock.advance(Duration::from_secs(7_200));
            // No maintenance pass has run: the key answers as pending import.
            assert_eq!(state(&h, &key), KeyState::PendingImport);
            let report = h.kms.run_maintenance().unwrap();
            assert_eq!(report.expired, 1);
            assert_eq!(state(&h, &key), KeyState::PendingImport);
        }

        #[test]
        fn cancelling_deletion_of_a_key_missing_an_older_material_keeps_it_waiting() {
            let h = harness();
            let key = external_key(&h);
            let first = import(&h, &key, &[1; 32], None, None);
            import(&h, &key, &[2; 32], None, Some(ImportType::NewKeyMaterial));
            h.kms.rotate_key_on_demand(&h.root, &key).unwrap();
            // The older, non-current material goes: the key waits for it.
            h.kms
                .delete_imported_key_material(&h.root, &key, Some(&first))
                .unwrap();
            assert_eq!(state(&h, &key), KeyState::PendingImport);
            h.kms.schedule_key_deletion(&h.root, &key, 7).unwrap();
            h.kms.cancel_key_deletion(&h.root, &key).unwrap();
            assert_eq!(state(&h, &key), KeyState::PendingImport);
            // The same bytes bring it back, as Disabled keys come back: usable.
            import(&h, &key, &[1; 32], None, None);
            assert_eq!(state(&h, &key), KeyState::Enabled);
        }
    }

    #[test]
    fn importable_specs_are_aws_s() {
        use KeySpec::*;
        for spec in [
            SymmetricDefault,
            Hmac256,
            Rsa2048,
            Rsa4096,
            EccNistP256,
            EccSecgP256k1,
        ] {
            assert!(importable(spec), "{spec}");
        }
        for spec in [EccNistEdwards25519, MlDsa44, MlKem768, Sm2] {
            assert!(!importable(spec), "{spec}");
        }
    }
}
