//! ScheduleKeyDeletion.

use trent_core::error::KmsError;
use trent_core::id::KeyReference;
use trent_core::key::{KeyAction, KeyState};
use trent_core::operation::Operation;
use trent_core::view::ScheduledDeletion;

use trent_store::record::KeyRecord;

use crate::authorize::Facts;
use crate::resolve::{check_state, Accepts};
use crate::{Caller, Kms};

impl Kms {
    /// ScheduleKeyDeletion: the key becomes unusable now and is due for
    /// deletion after `pending_window_days` (already checked to be 7–30).
    pub fn schedule_key_deletion(
        &self,
        caller: &Caller,
        key: &KeyReference,
        pending_window_days: u32,
    ) -> Result<ScheduledDeletion, KmsError> {
        let _writing = self.writing()?;
        let mut record = KeyRecord::clone(
            self.resolve_with(
                caller,
                key,
                Accepts::IdOrArn,
                Operation::ScheduleKeyDeletion.action(),
                Facts {
                    pending_window_days: Some(pending_window_days),
                    ..Facts::default()
                },
            )?
            .as_ref(),
        );
        check_state(&record, KeyAction::Annotate)?;
        if record.is_primary() && !record.replica_regions.is_empty() {
            // A primary outlives its replicas: it waits, unusable, until the
            // last is deleted, and only then starts its waiting period.
            record.state = KeyState::PendingReplicaDeletion;
            record.deletion_date = None;
        } else {
            record.state = KeyState::PendingDeletion;
            record.deletion_date = Some(self.clock.now().plus_days(pending_window_days));
        }
        let deletion_date = record.deletion_date;
        record.pending_window_days = Some(pending_window_days);
        self.save_key(&record)?;
        Ok(ScheduledDeletion {
            key_arn: record.scope.key_arn(&record.key_id),
            deletion_date,
            state: record.state,
            pending_window_days,
        })
    }
}
