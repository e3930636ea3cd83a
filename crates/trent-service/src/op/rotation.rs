//! Key rotation: EnableKeyRotation, DisableKeyRotation, RotateKeyOnDemand,
//! ListKeyRotations, and the rotation itself (also run by maintenance).
//!
//! A rotation adds a material version and points the key at it; every older
//! version stays, so every ciphertext made before still decrypts (its header
//! names its version). New encryptions use the current version.

use trent_core::clock::Timestamp;
use trent_core::error::{KmsError, Limit, Unsupported};
use trent_core::id::KeyReference;
use trent_core::key::{KeyAction, KeySpec, Origin};
use trent_core::operation::Operation;
use trent_core::view::{Rotation, RotationType};
use trent_crypto::material::KeyMaterial;
use trent_crypto::root_key::seal_key_material;
use trent_store::record::RotationType as StoredRotationType;
use trent_store::record::{KeyRecord, MaterialRecord};

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
    if key.origin != Origin::AwsKms {
        return Err(KmsError::UnsupportedOperation(Unsupported::Origin(
            key.origin.as_str().to_owned(),
        )));
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
        let _writing = self.writing();
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
        check_rotatable(&record)?;
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
        let _writing = self.writing();
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
        // Asymmetric and HMAC keys never rotate: disabling succeeds, as on AWS.
        if record.spec == KeySpec::SymmetricDefault {
            check_rotatable(&record)?;
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
        let _writing = self.writing();
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
        check_rotatable(&record)?;
        let done = self
            .store
            .materials(&record.key_id)
            .map_err(store_failed)?
            .iter()
            .filter(|m| m.rotation == Some(StoredRotationType::OnDemand))
            .count();
        if done >= MAX_ON_DEMAND_ROTATIONS {
            return Err(KmsError::LimitExceeded(Limit::OnDemandRotations));
        }
        let key_arn = record.scope.key_arn(&record.key_id);
        self.rotate(record, StoredRotationType::OnDemand, self.clock.now())?;
        Ok(key_arn)
    }

    /// ListKeyRotations: completed rotations, oldest first.
    pub fn list_key_rotations(
        &self,
        caller: &Caller,
        key: &KeyReference,
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
        let rotations: Vec<Rotation> = self
            .store
            .materials(&record.key_id)
            .map_err(store_failed)?
            .into_iter()
            .filter_map(|m| {
                m.rotation.map(|rotation_type| Rotation {
                    key_id: record.key_id,
                    rotation_date: m.created_at,
                    rotation_type: match rotation_type {
                        StoredRotationType::Automatic => RotationType::Automatic,
                        StoredRotationType::OnDemand => RotationType::OnDemand,
                    },
                })
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
                },
            )
            .map_err(store_failed);
        self.cache.invalidate_key(&record.key_id);
        result
    }
}
