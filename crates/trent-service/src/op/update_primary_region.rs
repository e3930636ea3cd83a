//! UpdatePrimaryRegion: a replica becomes the primary, and the primary a
//! replica; ARNs, material and every other property stay.

use trent_core::error::{KmsError, NotFound};
use trent_core::id::{KeyReference, Region, Scope};
use trent_core::key::KeyAction;
use trent_core::operation::Operation;

use super::replicate_key::not_primary;
use crate::authorize::Facts;
use crate::resolve::{check_state, Accepts};
use crate::{store_failed, Caller, Kms};

impl Kms {
    /// UpdatePrimaryRegion, called in the current primary's Region. Both
    /// keys' policies must allow it, each in its own Region. The swap is one
    /// write, so the keys are never seen `Updating`.
    pub fn update_primary_region(
        &self,
        caller: &Caller,
        key: &KeyReference,
        primary_region: &Region,
    ) -> Result<(), KmsError> {
        let _writing = self.writing()?;
        let facts = Facts {
            primary_region: Some(primary_region.as_str()),
            ..Facts::default()
        };
        let action = Operation::UpdatePrimaryRegion.action();
        let primary = self.resolve_with(caller, key, Accepts::IdOrArn, action, facts)?;
        if !primary.multi_region || !primary.is_primary() {
            return Err(not_primary(&primary));
        }
        check_state(&primary, KeyAction::RequiresEnabled)?;
        if *primary_region == primary.scope.region {
            return Ok(());
        }
        self.check_served(primary_region)?;
        let target = Scope {
            account: primary.scope.account.clone(),
            region: primary_region.clone(),
        };
        let replica = self
            .key_record(&primary.key_id, primary_region)?
            .filter(|replica| replica.scope.account == primary.scope.account)
            .ok_or_else(|| {
                KmsError::NotFound(NotFound::Key {
                    arn: target.key_arn(&primary.key_id),
                })
            })?;
        let in_replica_region = Facts {
            acting_region: Some(primary_region.as_str()),
            ..facts
        };
        self.authorize(caller, &replica, action, in_replica_region)?;
        check_state(&replica, KeyAction::RequiresEnabled)?;
        self.store
            .set_primary_region(&primary.key_id, primary_region)
            .map_err(store_failed)?;
        self.cache.invalidate_key(&primary.key_id);
        Ok(())
    }
}
