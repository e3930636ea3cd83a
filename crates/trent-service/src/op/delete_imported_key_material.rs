//! DeleteImportedKeyMaterial: deletes imported material at once and
//! irrecoverably; the key waits for the same material to be imported again.

use trent_core::error::{ImportProblem, KmsError};
use trent_core::id::KeyReference;
use trent_core::import::ImportState;
use trent_core::key::KeyState;
use trent_core::operation::Operation;
use trent_core::view::MaterialAnswer;
use trent_store::record::KeyRecord;

use super::get_parameters_for_import::check_import_target;
use super::import_key_material::material_id_of;
use crate::resolve::Accepts;
use crate::{store_failed, Caller, Kms};

impl Kms {
    /// DeleteImportedKeyMaterial: the material `material_id` names, or the
    /// current one. A key already waiting for its material answers with
    /// no change, as AWS does.
    pub fn delete_imported_key_material(
        &self,
        caller: &Caller,
        key: &KeyReference,
        material_id: Option<&str>,
    ) -> Result<MaterialAnswer, KmsError> {
        let _writing = self.writing()?;
        let record = KeyRecord::clone(
            self.resolve(
                caller,
                key,
                Accepts::IdOrArn,
                Operation::DeleteImportedKeyMaterial.action(),
            )?
            .as_ref(),
        );
        // A key pending deletion keeps that state, and loses its material.
        check_import_target(&record, &[KeyState::PendingDeletion])?;
        let key_arn = record.scope.key_arn(&record.key_id);
        let materials = self.store.materials(&record.key_id).map_err(store_failed)?;
        let target = match material_id {
            Some(wanted) => Some(
                materials
                    .iter()
                    .find(|m| material_id_of(m) == wanted)
                    .ok_or_else(|| {
                        KmsError::Import(ImportProblem::UnknownMaterial {
                            material_id: wanted.to_owned(),
                        })
                    })?,
            ),
            None => materials
                .iter()
                .find(|m| m.version == record.current_material_version),
        };
        let Some(target) = target.cloned() else {
            // Nothing was ever imported: no effect.
            return Ok(MaterialAnswer {
                key_arn,
                key_material_id: String::new(),
            });
        };
        let answer = MaterialAnswer {
            key_arn,
            key_material_id: material_id_of(&target),
        };
        let imported = target
            .import
            .as_ref()
            .is_some_and(|import| import.state == ImportState::Imported);
        if imported {
            self.remove_imported(record, &materials, &target)?;
            tracing::info!(version = target.version, "imported key material deleted");
        }
        Ok(answer)
    }
}
