//! ImportKeyMaterial: unwraps the material inside Trent with the token's
//! wrapping key, checks it fits the key, and seals it under the root key.

use trent_core::error::{ImportProblem, KmsError};
use trent_core::id::KeyReference;
use trent_core::import::{ExpirationModel, ImportState, ImportType};
use trent_core::key::{KeySpec, KeyState};
use trent_core::operation::Operation;
use trent_core::view::{ImportKeyMaterialInput, MaterialAnswer};
use trent_crypto::asymmetric::PrivateKey;
use trent_crypto::import::WrappingKey;
use trent_crypto::mac::HmacKey;
use trent_crypto::material::KeyMaterial;
use trent_store::record::{ImportedMaterial, KeyRecord, MaterialInfo, MaterialRecord};
use trent_store::StoreErrorKind;

use super::get_parameters_for_import::check_import_target;
use super::imported::{
    all_associated_imported, summarize, ImportToken, MAX_VALID_TO_MILLIS, TOKEN_LABEL,
};
use super::material::FreshMaterial;
use crate::resolve::Accepts;
use crate::{store_failed, Caller, Kms};

impl Kms {
    /// ImportKeyMaterial.
    pub fn import_key_material(
        &self,
        caller: &Caller,
        key: &KeyReference,
        input: ImportKeyMaterialInput,
    ) -> Result<MaterialAnswer, KmsError> {
        let model = match input.valid_to {
            Some(_) => ExpirationModel::KeyMaterialExpires,
            None => ExpirationModel::KeyMaterialDoesNotExpire,
        };
        let authorized = KeyRecord::clone(
            self.resolve_with(
                caller,
                key,
                Accepts::IdOrArn,
                Operation::ImportKeyMaterial.action(),
                crate::authorize::Facts {
                    request: &[("kms:ExpirationModel", model.as_str())],
                    valid_to: input.valid_to,
                    ..crate::authorize::Facts::default()
                },
            )?
            .as_ref(),
        );
        check_import_target(&authorized, &[])?;
        let key_arn = authorized.scope.key_arn(&authorized.key_id);
        let symmetric = authorized.spec == KeySpec::SymmetricDefault;
        if !symmetric
            && (input.import_type.is_some()
                || input.description.is_some()
                || input.key_material_id.is_some())
        {
            return Err(KmsError::Import(ImportProblem::OnlySymmetric));
        }
        let now = self.clock.now();
        if let Some(valid_to) = input.valid_to {
            if valid_to <= now || valid_to.as_millis() - now.as_millis() > MAX_VALID_TO_MILLIS {
                return Err(KmsError::Import(ImportProblem::ValidToOutOfRange));
            }
        }
        let token = self
            .open_token(TOKEN_LABEL, &input.import_token)
            .and_then(|opened| ImportToken::decode(&opened))
            .filter(|token| token.key_arn == key_arn)
            .ok_or(KmsError::Import(ImportProblem::InvalidToken))?;
        if now > token.valid_to {
            return Err(KmsError::Import(ImportProblem::ExpiredToken));
        }
        let wrapping = WrappingKey::from_pkcs8(token.wrapping_key_spec, &token.wrapping_key)
            .map_err(|error| KmsError::internal("opening an import token's wrapping key", error))?;
        let plain = wrapping
            .unwrap(token.algorithm, &input.encrypted_key_material)
            .map_err(|_| KmsError::InvalidCiphertext)?;
        let (fresh, public_key) = imported_material(authorized.spec, &plain)?;
        let identity = public_key.as_deref().unwrap_or(&plain);
        let material_id = self.imported_material_id(&authorized.key_id, identity)?;

        // The RSA work is done; read the key again under the write lock.
        let _writing = self.writing()?;
        let mut record = self
            .store
            .key(&authorized.key_id, &authorized.scope.region)
            .map_err(store_failed)?
            .ok_or_else(|| {
                KmsError::NotFound(trent_core::error::NotFound::Key {
                    arn: key_arn.clone(),
                })
            })?;
        check_import_target(&record, &[])?;
        let materials = self.store.materials(&record.key_id).map_err(store_failed)?;
        let import_type = input.import_type.unwrap_or(if materials.is_empty() {
            ImportType::NewKeyMaterial
        } else {
            ImportType::ExistingKeyMaterial
        });
        let same = materials.iter().find(|m| {
            m.import
                .as_ref()
                .is_some_and(|i| i.material_id == material_id)
        });
        let (version, previous) = match import_type {
            ImportType::NewKeyMaterial => {
                if input.key_material_id.is_some() {
                    return Err(KmsError::Import(ImportProblem::MaterialIdWithNewMaterial));
                }
                if same.is_some() || (!materials.is_empty() && !symmetric) {
                    return Err(KmsError::Import(ImportProblem::IncorrectMaterial));
                }
                if let Some(pending) = materials
                    .iter()
                    .find(|m| m.version > record.current_material_version)
                {
                    return Err(KmsError::Import(ImportProblem::AnotherPendingRotation {
                        arn: key_arn,
                        new_id: material_id,
                        pending_id: material_id_of(pending),
                    }));
                }
                let version = materials.last().map_or(1, |m| m.version + 1);
                (version, None)
            }
            ImportType::ExistingKeyMaterial => {
                let named_other = input
                    .key_material_id
                    .as_ref()
                    .is_some_and(|named| *named != material_id);
                match same {
                    Some(found) if !named_other => (found.version, Some(found.clone())),
                    _ => return Err(KmsError::Import(ImportProblem::IncorrectMaterial)),
                }
            }
        };

        let import = ImportedMaterial {
            material_id: material_id.clone(),
            state: ImportState::Imported,
            expiration_model: model,
            valid_to: input.valid_to,
            description: input.description.clone().unwrap_or_else(|| {
                previous
                    .as_ref()
                    .and_then(|m| m.import.as_ref())
                    .map(|import| import.description.clone())
                    .unwrap_or_default()
            }),
        };
        let first = materials.is_empty();
        if first {
            record.current_material_version = version;
        }
        let material_info = MaterialInfo {
            version,
            created_at: previous.as_ref().map_or(now, |m| m.created_at),
            rotation: previous.as_ref().and_then(|m| m.rotation),
            import: Some(import.clone()),
        };
        let mut updated: Vec<MaterialInfo> = materials
            .into_iter()
            .filter(|m| m.version != version)
            .collect();
        updated.push(material_info.clone());
        updated.sort_by_key(|m| m.version);
        if record.state == KeyState::PendingImport && all_associated_imported(&record, &updated) {
            record.state = KeyState::Enabled;
        }
        summarize(&mut record, &updated);

        let _sealing = self.sealing();
        let sealed = self.seal_material(&record.key_id, version, &fresh)?;
        let token_id = hex::encode(token.id);
        let stored = self.store.put_material(
            &record,
            &MaterialRecord {
                version,
                sealed,
                created_at: material_info.created_at,
                rotation: material_info.rotation,
                import: Some(import),
            },
            Some((&token_id, token.valid_to)),
        );
        self.cache.forget_key(&record.key_id);
        match stored {
            Ok(()) => Ok(MaterialAnswer {
                key_arn,
                key_material_id: material_id,
            }),
            Err(error) if error.kind == StoreErrorKind::Conflict => {
                Err(KmsError::Import(ImportProblem::InvalidToken))
            }
            Err(error) => Err(store_failed(error)),
        }
    }
}

/// The id a material row shows: imported ones carry theirs.
pub(crate) fn material_id_of(material: &MaterialInfo) -> String {
    material
        .import
        .as_ref()
        .map(|import| import.material_id.clone())
        .unwrap_or_default()
}

/// The unwrapped bytes as material of `spec` and, for a key pair, its
/// public key, which identifies it for the material id (two encodings of one
/// private key agree); anything that does not fit is IncorrectKeyMaterial.
fn imported_material(
    spec: KeySpec,
    plain: &[u8],
) -> Result<(FreshMaterial, Option<Vec<u8>>), KmsError> {
    let incorrect = |_| KmsError::Import(ImportProblem::IncorrectMaterial);
    if spec == KeySpec::SymmetricDefault {
        let material = KeyMaterial::from_imported(plain).map_err(incorrect)?;
        return Ok((FreshMaterial::Symmetric(material), None));
    }
    if spec.hmac_key_len().is_some() {
        let key = HmacKey::from_imported(spec, plain).map_err(incorrect)?;
        return Ok((FreshMaterial::Hmac(Box::new(key)), None));
    }
    let private = PrivateKey::from_pkcs8(spec, plain).map_err(incorrect)?;
    let public = private.public_key().map_err(incorrect)?.der().to_vec();
    Ok((FreshMaterial::Pair(private), Some(public)))
}
