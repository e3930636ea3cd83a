//! ReplicateKey: a related multi-Region key in another Region, sharing the
//! primary's material (every version, and every later rotation) and
//! keeping its own policy, description, tags, grants, aliases and state.

use trent_core::error::{KmsError, Unsupported};
use trent_core::id::{KeyReference, Scope};
use trent_core::key::{KeyAction, KeyState};
use trent_core::operation::Operation;
use trent_core::view::{ReplicateKeyInput, ReplicatedKey};
use trent_store::record::KeyRecord;
use trent_store::StoreErrorKind;

use super::create_key::{check_new_tags, default_key_policy};
use crate::authorize::Facts;
use crate::metadata::key_metadata;
use crate::resolve::{check_state, Accepts};
use crate::{store_failed, Caller, Kms};

impl Kms {
    /// ReplicateKey, called in the primary's Region.
    pub fn replicate_key(
        &self,
        caller: &Caller,
        key: &KeyReference,
        input: ReplicateKeyInput,
    ) -> Result<ReplicatedKey, KmsError> {
        let _writing = self.writing()?;
        let primary = self.resolve_with(
            caller,
            key,
            Accepts::IdOrArn,
            Operation::ReplicateKey.action(),
            Facts {
                replica_region: Some(input.replica_region.as_str()),
                ..Facts::default()
            },
        )?;
        // AWS answers a replica (even one replicated into its own Region)
        // with this before any other check.
        if !primary.multi_region || !primary.is_primary() {
            return Err(not_primary(&primary));
        }
        check_state(&primary, KeyAction::RequiresEnabled)?;
        self.check_served(&input.replica_region)?;
        if input.replica_region == primary.scope.region
            || primary.replica_regions.contains(&input.replica_region)
        {
            return Err(KmsError::ReplicaExists);
        }
        // Making the replica is creating a key there (and tagging it).
        self.authorize_identity_only(
            caller,
            Operation::CreateKey.action(),
            Facts {
                request_tags: Some(&input.tags),
                bypass_lockout: Some(input.bypass_policy_lockout_safety_check),
                new_key: Some((primary.spec, primary.usage, primary.origin, true)),
                acting_region: Some(input.replica_region.as_str()),
                ..Facts::default()
            },
        )?;
        let scope = Scope {
            account: primary.scope.account.clone(),
            region: input.replica_region.clone(),
        };
        let policy = match input.policy {
            Some(policy) => {
                self.check_new_policy(
                    caller,
                    &scope.key_arn(&primary.key_id),
                    &policy,
                    input.bypass_policy_lockout_safety_check,
                )?;
                policy
            }
            None => default_key_policy(&scope.root_arn()),
        };
        check_new_tags(&[], &input.tags)?;
        let mut replica = KeyRecord::clone(&primary);
        replica.scope = scope;
        replica.created_at = self.clock.now();
        replica.description = input.description;
        replica.state = KeyState::Enabled;
        replica.deletion_date = None;
        replica.pending_window_days = None;
        replica.policy = policy;
        self.store
            .insert_replica(&replica, &input.tags)
            .map_err(|error| match error.kind {
                StoreErrorKind::Conflict => KmsError::ReplicaExists,
                _ => store_failed(error),
            })?;
        self.cache.invalidate_key(&primary.key_id);
        // The configuration as every related key now sees it.
        replica.replica_regions = primary.replica_regions.clone();
        replica.replica_regions.push(replica.scope.region.clone());
        let mut metadata = key_metadata(&replica);
        // AWS answers while the replica is still being made: `Creating`,
        // not yet enabled, no material id shown. Trent's replica is usable
        // as soon as this returns.
        metadata.state = KeyState::Creating;
        metadata.current_key_material_id = None;
        Ok(ReplicatedKey {
            metadata,
            policy: replica.policy,
            tags: input.tags,
        })
    }
}

/// AWS's refusal of ReplicateKey, UpdatePrimaryRegion and rotation for a
/// key that is not a multi-Region primary.
pub(crate) fn not_primary(key: &KeyRecord) -> KmsError {
    KmsError::UnsupportedOperation(Unsupported::NotPrimary {
        arn: key.scope.key_arn(&key.key_id),
    })
}
