//! EnableKey.

use trent_core::error::KmsError;
use trent_core::id::KeyReference;
use trent_core::key::{KeyAction, KeyState};
use trent_core::operation::Operation;

use trent_store::record::KeyRecord;

use crate::resolve::{check_state, Accepts};
use crate::{Caller, Kms};

impl Kms {
    /// EnableKey: sets the key Enabled; refused while it is pending deletion.
    pub fn enable_key(&self, caller: &Caller, key: &KeyReference) -> Result<(), KmsError> {
        let _writing = self.writing()?;
        let mut record = KeyRecord::clone(
            self.resolve(caller, key, Accepts::IdOrArn, Operation::EnableKey.action())?
                .as_ref(),
        );
        check_state(&record, KeyAction::Manage)?;
        if record.state != KeyState::Enabled {
            record.state = KeyState::Enabled;
            self.save_key(&record)?;
        }
        Ok(())
    }
}
