//! Key rotation: EnableKeyRotation, DisableKeyRotation, RotateKeyOnDemand,
//! ListKeyRotations, and the rotation itself (also run by maintenance).
//!
//! A rotation adds a material version and points the key at it; every older
//! version stays, so every ciphertext made before still decrypts (its header
//! names its version). New encryptions use the current version.

use trent_core::clock::Timestamp;
use trent_core::error::{ImportProblem, KmsError, Limit, Unsupported};
use trent_core::id::KeyReference;
use trent_core::import::{IncludeKeyMaterial, KeyMaterialState};
use trent_core::key::{KeyAction, KeySpec, Origin};
use trent_core::operation::Operation;
use trent_core::view::{ImportedMaterialView, Rotation, RotationType};
use trent_crypto::import::generated_material_id;
use trent_crypto::material::KeyMaterial;
use trent_crypto::root_key::seal_key_material;
use trent_store::record::RotationType as StoredRotationType;
use trent_store::record::{KeyRecord, MaterialInfo, MaterialRecord};

use crate::resolve::{check_state, Accepts};
use crate::{store_failed, Caller, Kms};
use trent_core::view::Listing;

/// The rotation period when none is given.
pub(crate) const DEFAULT_ROTATION_PERIOD_DAYS: u32 = 365;
/// On-demand rotations a key may have (the Developer Guide's quota; older
/// API reference pages say 10).
pub(crate) const MAX_ON_DEMAND_ROTATIONS: usize = 25;

fn check_rotatable(key: &KeyRecord) -> Result<(), KmsError> {
    // Asymmetric and HMAC keys do not rotate; AWS says nothing more.
    if key.spec != KeySpec::SymmetricDefault {
        return Err(KmsError::UnsupportedOperation(Unsupported::KeyKind));
    }
    Ok(())
}

/// Rotation is driven by the primary of a multi-Region key: its replicas
/// follow, and refuse to rotate themselves.
fn check_primary(key: &KeyRecord) -> Result<(), KmsError> {
    if key.is_primary() {
        Ok(())
    } else {
        Err(super::replicate_key::not_primary(key))
    }
}

/// Automatic rotation is for generated material only: imported material
/// rotates on demand, to material the customer imported.
fn check_automatic(key: &KeyRecord) -> Result<(), KmsError> {
    check_rotatable(key)?;
    if key.origin != Origin::AwsKms {
        return Err(KmsError::Import(ImportProblem::Origin {
            arn: key.scope.key_arn(&key.key_id),
            origin: key.origin,
        }));
    }
    Ok(())
}

impl Kms {
    /// EnableKeyRotation: rotate every `period_days` (90–2560, already
    /// checked; 365 by default), the first time one period from now.
    pub fn enable_key_rotation(
        &self,
        caller: &Caller,
        key: &KeyReference,
        period_days: Option<u32>,
    ) -> Result<(), KmsError> {
        let _writing = self.writing()?;
        let mut record = KeyRecord::clone(
            self.resolve(
                caller,
                key,
                Accepts::IdOrArn,
                Operation::EnableKeyRotation.action(),
            )?
            .as_ref(),
        );
        check_state(&record, KeyAction::RequiresEnabled)?;
        check_primary(&record)?;
        check_automatic(&record)?;
        let days = period_days.unwrap_or(DEFAULT_ROTATION_PERIOD_DAYS);
        record.rotation_enabled = true;
        record.rotation_period_days = Some(days);
        record.next_rotation_at = Some(self.clock.now().plus_days(days));
        self.save_key(&record)
    }

    /// DisableKeyRotation.
    pub fn disable_key_rotation(
        &self,
        caller: &Caller,
        key: &KeyReference,
    ) -> Result<(), KmsError> {
        let _writing = self.writing()?;
        let mut record = KeyRecord::clone(
            self.resolve(
                caller,
                key,
                Accepts::IdOrArn,
                Operation::DisableKeyRotation.action(),
            )?
            .as_ref(),
        );
        check_state(&record, KeyAction::RequiresEnabled)?;
        check_primary(&record)?;
        // Asymmetric and HMAC keys never rotate: disabling succeeds, as on AWS.
        if record.spec == KeySpec::SymmetricDefault {
            check_automatic(&record)?;
        }
        record.rotation_enabled = false;
        record.next_rotation_at = None;
        self.save_key(&record)
    }

    /// RotateKeyOnDemand: a new material version now; the automatic
    /// schedule is unchanged. Returns the key ARN (AWS answers `KeyId` with
    /// it, as GetKeyRotationStatus does).
    pub fn rotate_key_on_demand(
        &self,
        caller: &Caller,
        key: &KeyReference,
    ) -> Result<String, KmsError> {
        let _writing = self.writing()?;
        let record = KeyRecord::clone(
            self.resolve(
                caller,
                key,
                Accepts::IdOrArn,
                Operation::RotateKeyOnDemand.action(),
            )?
            .as_ref(),
        );
        check_state(&record, KeyAction::RequiresEnabled)?;
        check_primary(&record)?;
        check_rotatable(&record)?;
        let materials = self.store.materials(&record.key_id).map_err(store_failed)?;
        let done = materials
            .iter()
            .filter(|m| m.rotation == Some(StoredRotationType::OnDemand))
            .count();
        if done >= MAX_ON_DEMAND_ROTATIONS {
            return Err(KmsError::LimitExceeded(Limit::OnDemandRotations));
        }
        let key_arn = record.scope.key_arn(&record.key_id);
        if record.origin == Origin::External {
            self.rotate_to_imported(record, &materials)?;
        } else {
            self.rotate(record, StoredRotationType::OnDemand, self.clock.now())?;
        }
        Ok(key_arn)
    }

    /// Makes the imported material pending rotation current.
    fn rotate_to_imported(
        &self,
        mut record: KeyRecord,
        materials: &[MaterialInfo],
    ) -> Result<(), KmsError> {
        let Some(pending) = materials
            .iter()
            .find(|m| m.version > record.current_material_version)
        else {
            return Err(KmsError::Import(ImportProblem::NothingPendingRotation {
                arn: record.scope.key_arn(&record.key_id),
            }));
        };
        let now = self.clock.now();
        let mut rotated = pending.clone();
        rotated.rotation = Some(StoredRotationType::OnDemand);
        rotated.created_at = now;
        record.current_material_version = pending.version;
        let updated: Vec<MaterialInfo> = materials
            .iter()
            .map(|m| {
                if m.version == pending.version {
                    rotated.clone()
                } else {
                    m.clone()
                }
            })
            .collect();
        super::imported::summarize(&mut record, &updated);
        // Only the version's facts change: its sealed bytes are left alone,
        // so a root-key rotation re-sealing them at the same time is not undone.
        let result = self
            .store
            .rotate_to_material(&record, pending.version, StoredRotationType::OnDemand, now)
            .map_err(store_failed);
        self.cache.invalidate_key(&record.key_id);
        result
    }

    /// ListKeyRotations: completed rotations, oldest first; with
    /// `ALL_KEY_MATERIAL`, every key material (the first and a pending one too).
    pub fn list_key_rotations(
        &self,
        caller: &Caller,
        key: &KeyReference,
        include: IncludeKeyMaterial,
        marker: Option<&str>,
        limit: u32,
    ) -> Result<Listing<Rotation>, KmsError> {
        let record = self.resolve(
            caller,
            key,
            Accepts::IdOrArn,
            Operation::ListKeyRotations.action(),
        )?;
        // Asymmetric and HMAC keys list no rotations, as on AWS.
        if record.spec == KeySpec::SymmetricDefault {
            check_rotatable(&record)?;
        }
        let symmetric = record.spec == KeySpec::SymmetricDefault;
        if !symmetric {
            return super::page(Vec::new(), marker, limit);
        }
        let rotations: Vec<Rotation> = self
            .store
            .materials(&record.key_id)
            .map_err(store_failed)?
            .into_iter()
            .filter(|m| include == IncludeKeyMaterial::AllKeyMaterial || m.rotation.is_some())
            .map(|m| Rotation {
                key_id: record.key_id,
                rotation_date: m.rotation.map(|_| m.created_at),
                rotation_type: m.rotation.map(|rotation_type| match rotation_type {
                    StoredRotationType::Automatic => RotationType::Automatic,
                    StoredRotationType::OnDemand => RotationType::OnDemand,
                }),
                key_material_id: symmetric.then(|| match &m.import {
                    Some(import) => import.material_id.clone(),
                    None => generated_material_id(record.key_id.as_bytes(), m.version),
                }),
                material_state: symmetric.then(|| {
                    match m.version.cmp(&record.current_material_version) {
                        std::cmp::Ordering::Less => KeyMaterialState::NonCurrent,
                        std::cmp::Ordering::Equal => KeyMaterialState::Current,
                        std::cmp::Ordering::Greater => KeyMaterialState::PendingRotation,
                    }
                }),
                import: m
                    .import
                    .filter(|_| symmetric)
                    .map(|import| ImportedMaterialView {
                        state: import.state,
                        expiration_model: import.expiration_model,
                        valid_to: import.valid_to,
                        description: import.description,
                    }),
            })
            .collect();
        super::page(rotations, marker, limit)
    }

    /// Adds a material version to `record` (made at `at`) and makes it
    /// current. Callers hold the write lock.
    pub(crate) fn rotate(
        &self,
        mut record: KeyRecord,
        rotation: StoredRotationType,
        at: Timestamp,
    ) -> Result<(), KmsError> {
        let version = record.current_material_version + 1;
        let material = KeyMaterial::generate()
            .map_err(|error| KmsError::internal("generating key material", error))?;
        let sealed = seal_key_material(self.root_key.as_ref(), &record.key_id, version, &material)
            .map_err(|error| KmsError::internal("sealing key material", error))?;
        record.current_material_version = version;
        if rotation == StoredRotationType::Automatic {
            if let (Some(next), Some(days)) = (record.next_rotation_at, record.rotation_period_days)
            {
                record.next_rotation_at = Some(next.plus_days(days));
            }
        }
        let result = self
            .store
            .add_material(
                &record,
                &MaterialRecord {
                    version,
                    sealed,
                    created_at: at,
                    rotation: Some(rotation),
                    import: None,
                },
            )
            .map_err(store_failed);
        self.cache.invalidate_key(&record.key_id);
        result
    }
}
