//! Work the server does on its own: deleting keys whose waiting period has
//! ended, rotating keys whose automatic rotation is due, and deleting
//! imported key material at its `ValidTo`.
//!
//! `Kms::run_maintenance` is called at start (so work that fell due while
//! the server was down is done before the first request) and then
//! periodically. It reads the injected clock, so tests can move years ahead.
//!
//! Deletion is irrecoverable: in one transaction the store removes every
//! material version, the key's tags, grants and aliases, and the key record;
//! SQLite's `secure_delete` overwrites the freed pages and the write-ahead
//! log is checkpointed; opened material is dropped from the cache (and
//! zeroized). Afterwards the key answers as AWS answers for a deleted key
//! (`NotFoundException`), and its ciphertexts can never be decrypted again.

use trent_core::error::KmsError;
use trent_core::id::{KeyId, Region};
use trent_core::key::KeyState;
use trent_store::record::RotationType;

use crate::{store_failed, Kms};

/// The most automatic rotations one key catches up on in one pass.
const MAX_CATCH_UP: usize = 1_000;

/// What one maintenance pass did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MaintenanceReport {
    /// Keys deleted, each of one Region.
    pub deleted: Vec<(KeyId, Region)>,
    /// Automatic rotations performed.
    pub rotated: usize,
    /// Imported key materials deleted at their `ValidTo`.
    pub expired: usize,
}

impl Kms {
    /// Deletes keys whose deletion date has passed and performs due
    /// automatic rotations (one per missed period, each dated at its due
    /// date, so a server that was down catches up).
    pub fn run_maintenance(&self) -> Result<MaintenanceReport, KmsError> {
        let mut report = MaintenanceReport::default();
        // On a shared store one node makes the pass; the others skip it.
        let Some(_pass) = self
            .store
            .lock(trent_store::StoreLock::Maintenance)
            .map_err(store_failed)?
        else {
            return Ok(report);
        };
        let now = self.clock.now();
        // Used tokens are kept a day past their expiry, so a clock stepped
        // back cannot make one usable again.
        let a_day_ago = trent_core::clock::Timestamp::from_millis(
            now.as_millis() - crate::op::imported::TOKEN_LIFETIME_MILLIS,
        );
        self.store
            .forget_import_tokens(a_day_ago)
            .map_err(store_failed)?;
        for (key_id, region) in self.store.keys_due(now).map_err(store_failed)? {
            let _writing = self.writing()?;
            // Read again under the lock: a request may have changed the key.
            let Some(record) = self.store.key(&key_id, &region).map_err(store_failed)? else {
                continue;
            };
            if record.state == KeyState::PendingDeletion
                && record.deletion_date.is_some_and(|date| date <= now)
            {
                let last = self
                    .store
                    .delete_key(&key_id, &region)
                    .map_err(store_failed)?;
                if last {
                    self.cache.forget_key(&key_id);
                } else {
                    // Related keys live on in other Regions, with the material.
                    self.cache.forget_region(&key_id, &region);
                }
                self.usage.forget(&key_id, &region);
                tracing::info!(key_id = %key_id, region = %region, "deleted key at the end of its waiting period");
                report.deleted.push((key_id, region));
                if let (false, Some(primary)) = (last, &record.primary_region) {
                    self.settle_primary(&key_id, primary, now)?;
                }
                continue;
            }
            if record.state == KeyState::PendingReplicaDeletion {
                // A crash between a replica's deletion and its primary's
                // settling leaves this for the next pass.
                self.settle_primary(&key_id, &region, now)?;
                continue;
            }
            if record.origin == trent_core::key::Origin::External {
                report.expired += self.expire_imported(&key_id, &region, now)?;
                continue;
            }
            let mut record = record;
            let mut rounds = 0;
            while record.state == KeyState::Enabled
                && record.rotation_enabled
                && rounds < MAX_CATCH_UP
            {
                let Some(due) = record.next_rotation_at.filter(|due| *due <= now) else {
                    break;
                };
                self.rotate(record.clone(), RotationType::Automatic, due)?;
                rounds += 1;
                let Some(next) = self.store.key(&key_id, &region).map_err(store_failed)? else {
                    break;
                };
                record = next;
            }
            if rounds > 0 {
                tracing::info!(key_id = %key_id, rotations = rounds, "rotated key material");
                report.rotated += rounds;
            }
        }
        Ok(report)
    }
}

impl Kms {
    /// A primary pending replica deletion whose last replica is gone starts
    /// its own waiting period, as AWS does: then it is pending deletion,
    /// due the window it was scheduled with from now. Callers hold the
    /// write lock.
    fn settle_primary(
        &self,
        key_id: &KeyId,
        primary: &Region,
        now: trent_core::clock::Timestamp,
    ) -> Result<(), KmsError> {
        let Some(mut record) = self.store.key(key_id, primary).map_err(store_failed)? else {
            return Ok(());
        };
        if record.state != KeyState::PendingReplicaDeletion || !record.replica_regions.is_empty() {
            return Ok(());
        }
        let days = record
            .pending_window_days
            .unwrap_or(trent_core::quota::DEFAULT_PENDING_WINDOW_DAYS);
        record.state = KeyState::PendingDeletion;
        record.deletion_date = Some(now.plus_days(days));
        tracing::info!(key_id = %key_id, days, "last replica deleted: the primary's waiting period starts");
        self.save_key(&record)
    }
}
