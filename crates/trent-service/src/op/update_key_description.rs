//! UpdateKeyDescription.

use trent_core::error::KmsError;
use trent_core::id::KeyReference;
use trent_core::key::KeyAction;

use crate::resolve::{check_state, Accepts};
use crate::{store_failed, Caller, Kms};

impl Kms {
    /// UpdateKeyDescription.
    pub fn update_key_description(
        &self,
        caller: &Caller,
        key: &KeyReference,
        description: String,
    ) -> Result<(), KmsError> {
        let _writing = self.writing();
        let mut record = self.resolve(caller, key, Accepts::IdOrArn, "kms:UpdateKeyDescription")?;
        check_state(&record, KeyAction::Manage)?;
        record.description = description;
        self.store.update_key(&record).map_err(store_failed)
    }
}
