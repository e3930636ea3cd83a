//! CancelKeyDeletion.

use trent_core::error::KmsError;
use trent_core::id::KeyReference;
use trent_core::key::{KeyAction, KeyState};
use trent_core::operation::Operation;

use trent_store::record::KeyRecord;

use crate::resolve::{check_state, Accepts};
use crate::{Caller, Kms};

impl Kms {
    /// CancelKeyDeletion: a key pending deletion becomes Disabled, as in AWS.
    /// Returns the key ARN.
    pub fn cancel_key_deletion(
        &self,
        caller: &Caller,
        key: &KeyReference,
    ) -> Result<String, KmsError> {
        let _writing = self.writing()?;
        let mut record = KeyRecord::clone(
            self.resolve(
                caller,
                key,
                Accepts::IdOrArn,
                Operation::CancelKeyDeletion.action(),
            )?
            .as_ref(),
        );
        check_state(&record, KeyAction::CancelDeletion)?;
        // A key missing any of its imported materials still waits for them.
        let waiting = record.origin == trent_core::key::Origin::External && {
            let materials = self
                .store
                .materials(&record.key_id)
                .map_err(crate::store_failed)?;
            materials.is_empty() || !super::imported::all_associated_imported(&record, &materials)
        };
        record.state = if waiting {
            KeyState::PendingImport
        } else {
            KeyState::Disabled
        };
        record.deletion_date = None;
        record.pending_window_days = None;
        self.save_key(&record)?;
        Ok(record.scope.key_arn(&record.key_id))
    }
}
