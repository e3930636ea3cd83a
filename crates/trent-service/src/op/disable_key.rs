//! DisableKey.

use trent_core::error::KmsError;
use trent_core::id::KeyReference;
use trent_core::key::{KeyAction, KeyState};
use trent_core::operation::Operation;

use trent_store::record::KeyRecord;

use crate::resolve::{check_state, Accepts};
use crate::{Caller, Kms};

impl Kms {
    /// DisableKey: sets the key Disabled; refused while it is pending deletion.
    pub fn disable_key(&self, caller: &Caller, key: &KeyReference) -> Result<(), KmsError> {
        let _writing = self.writing()?;
        let mut record = KeyRecord::clone(
            self.resolve(
                caller,
                key,
                Accepts::IdOrArn,
                Operation::DisableKey.action(),
            )?
            .as_ref(),
        );
        check_state(&record, KeyAction::Manage)?;
        if record.state != KeyState::Disabled {
            record.state = KeyState::Disabled;
            self.save_key(&record)?;
        }
        Ok(())
    }
}
