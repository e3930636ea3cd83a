//! UpdateKeyDescription.

use trent_core::error::KmsError;
use trent_core::id::KeyReference;
use trent_core::key::KeyAction;
use trent_core::operation::Operation;

use trent_store::record::KeyRecord;

use crate::resolve::{check_state, Accepts};
use crate::{Caller, Kms};

impl Kms {
    /// UpdateKeyDescription.
    pub fn update_key_description(
        &self,
        caller: &Caller,
        key: &KeyReference,
        description: String,
    ) -> Result<(), KmsError> {
        let _writing = self.writing()?;
        let mut record = KeyRecord::clone(
            self.resolve(
                caller,
                key,
                Accepts::IdOrArn,
                Operation::UpdateKeyDescription.action(),
            )?
            .as_ref(),
        );
        check_state(&record, KeyAction::Annotate)?;
        record.description = description;
        self.save_key(&record)
    }
}
