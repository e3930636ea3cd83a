//! The last successful cryptographic use of each key (GetKeyLastUsage).
//!
//! A use is recorded in memory, never by a store write on the request's
//! path: a few shards, each a small map behind its own mutex, so that
//! concurrent requests on different keys rarely meet. [`Kms::persist_key_usage`]
//! writes what changed since its last run in one transaction; the server
//! runs it every second and at shutdown. A crash loses at most the uses of
//! the last second (GetKeyLastUsage then reports the one before), never a
//! key or a ciphertext.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use trent_core::clock::Timestamp;
use trent_core::error::KmsError;
use trent_core::id::{KeyId, Region};
use trent_core::operation::Operation;
use trent_core::view::KeyLastUsage;
use trent_store::record::KeyUsageRecord;

use crate::{store_failed, Caller, Kms};

/// The `meta` entry that records when this data folder began tracking uses.
const TRACKING_SINCE: &str = "key_usage_tracking_since";

const SHARDS: usize = 16;

/// Uses not yet known to be persisted, and the last of each key.
pub(crate) struct UsageLog {
    /// By key id, then Region (related multi-Region keys share an id).
    shards: Box<[Mutex<Shard>]>,
    /// When tracking began, once read or set.
    since: std::sync::OnceLock<Timestamp>,
}

type Shard = HashMap<KeyId, Vec<(Region, Slot)>>;

struct Slot {
    operation: Operation,
    at: Timestamp,
    request_id: Arc<str>,
    event_id: Option<Arc<str>>,
    /// Changed since it was last handed to the store.
    dirty: bool,
}

impl UsageLog {
    pub(crate) fn new() -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            since: std::sync::OnceLock::new(),
        }
    }

    fn shard(&self, key_id: &KeyId) -> std::sync::MutexGuard<'_, Shard> {
        // Key ids are random: their first byte spreads keys evenly.
        let index = usize::from(key_id.as_bytes()[0]) % SHARDS;
        self.shards[index]
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn record(&self, key_id: KeyId, region: &Region, slot: Slot) {
        let mut shard = self.shard(&key_id);
        let regions = shard.entry(key_id).or_default();
        match regions.iter_mut().find(|(at, _)| at == region) {
            // Uses arrive nearly in order; never let an older one win.
            Some((_, existing)) if existing.at > slot.at => {}
            Some((_, existing)) => *existing = slot,
            None => regions.push((region.clone(), slot)),
        }
    }

    fn last(&self, key_id: &KeyId, region: &Region) -> Option<KeyLastUsage> {
        let shard = self.shard(key_id);
        let (_, slot) = shard.get(key_id)?.iter().find(|(at, _)| at == region)?;
        Some(KeyLastUsage {
            operation: slot.operation,
            timestamp: slot.at,
            event_id: slot.event_id.as_deref().map(str::to_owned),
            request_id: slot.request_id.to_string(),
        })
    }

    /// The changed uses, now marked as handed over.
    fn take_changed(&self) -> Vec<KeyUsageRecord> {
        let mut changed = Vec::new();
        for shard in self.shards.iter() {
            let mut shard = shard
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            let regional = shard
                .iter_mut()
                .flat_map(|(key_id, regions)| regions.iter_mut().map(move |entry| (key_id, entry)));
            for (key_id, (region, slot)) in regional.filter(|(_, (_, slot))| slot.dirty) {
                slot.dirty = false;
                changed.push(KeyUsageRecord {
                    key_id: *key_id,
                    region: region.clone(),
                    operation: slot.operation.name().to_owned(),
                    used_at: slot.at,
                    event_id: slot.event_id.as_deref().map(str::to_owned),
                    request_id: slot.request_id.to_string(),
                });
            }
        }
        changed
    }

    /// Marks uses handed over by [`Self::take_changed`] as changed again
    /// (their write failed), unless a newer use replaced them meanwhile.
    fn restore(&self, records: &[KeyUsageRecord]) {
        for record in records {
            let mut shard = self.shard(&record.key_id);
            let found = shard.get_mut(&record.key_id).and_then(|regions| {
                regions
                    .iter_mut()
                    .find(|(at, _)| *at == record.region)
                    .map(|(_, slot)| slot)
            });
            if let Some(slot) = found {
                if slot.at == record.used_at {
                    slot.dirty = true;
                }
            }
        }
    }

    /// Forgets a deleted key of a Region.
    pub(crate) fn forget(&self, key_id: &KeyId, region: &Region) {
        let mut shard = self.shard(key_id);
        if let Some(regions) = shard.get_mut(key_id) {
            regions.retain(|(at, _)| at != region);
            if regions.is_empty() {
                shard.remove(key_id);
            }
        }
    }
}

impl Kms {
    /// Records that `operation` just used `key_id` successfully (the key
    /// of the caller's Region: cryptography never crosses Regions).
    pub(crate) fn used(&self, caller: &Caller, key_id: KeyId, operation: Operation) {
        let (request_id, event_id) = match caller.request() {
            Some(ids) => (ids.request_id.clone(), ids.event_id.clone()),
            None => (Arc::from(""), None),
        };
        self.usage.record(
            key_id,
            caller.region(),
            Slot {
                operation,
                at: self.clock.now(),
                request_id,
                event_id,
                dirty: true,
            },
        );
    }

    /// The last use of `key_id`: the one in memory, else the one persisted.
    pub(crate) fn last_usage(
        &self,
        key_id: &KeyId,
        region: &Region,
    ) -> Result<Option<KeyLastUsage>, KmsError> {
        if let Some(last) = self.usage.last(key_id, region) {
            return Ok(Some(last));
        }
        let Some(record) = self
            .store
            .key_last_usage(key_id, region)
            .map_err(store_failed)?
        else {
            return Ok(None);
        };
        let operation = Operation::from_name(&record.operation)
            .ok_or_else(|| KmsError::internal("stored key usage", Unreadable))?;
        Ok(Some(KeyLastUsage {
            operation,
            timestamp: record.used_at,
            event_id: record.event_id,
            request_id: record.request_id,
        }))
    }

    /// When this data folder began tracking key uses; the first call on a
    /// data folder that never tracked them records now.
    pub fn key_usage_tracking_since(&self) -> Result<Timestamp, KmsError> {
        if let Some(since) = self.usage.since.get() {
            return Ok(*since);
        }
        let since = match self.store.meta(TRACKING_SINCE).map_err(store_failed)? {
            Some(bytes) => std::str::from_utf8(&bytes)
                .ok()
                .and_then(|text| text.parse::<i64>().ok())
                .map(Timestamp::from_millis)
                .ok_or_else(|| KmsError::internal("stored tracking date", Unreadable))?,
            None => {
                let now = self.clock.now();
                self.store
                    .set_meta(TRACKING_SINCE, now.as_millis().to_string().as_bytes())
                    .map_err(store_failed)?;
                now
            }
        };
        Ok(*self.usage.since.get_or_init(|| since))
    }

    /// Writes the key uses recorded since the last call, in one
    /// transaction; returns how many. On failure they stay pending for the
    /// next call.
    pub fn persist_key_usage(&self) -> Result<usize, KmsError> {
        let changed = self.usage.take_changed();
        if changed.is_empty() {
            return Ok(0);
        }
        match self.store.record_key_usage(&changed) {
            Ok(()) => Ok(changed.len()),
            Err(error) => {
                self.usage.restore(&changed);
                Err(store_failed(error))
            }
        }
    }
}

/// A stored value this version cannot read.
#[derive(Debug, thiserror::Error)]
#[error("unreadable stored value")]
struct Unreadable;

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(at: i64, operation: Operation) -> Slot {
        Slot {
            operation,
            at: Timestamp::from_millis(at),
            request_id: Arc::from(format!("r{at}").as_str()),
            event_id: None,
            dirty: true,
        }
    }

    #[test]
    fn the_newest_use_wins_and_each_change_is_handed_over_once() {
        let log = UsageLog::new();
        let key = KeyId::parse("1234abcd-12ab-34cd-56ef-1234567890ab").unwrap();
        let (us, eu) = (
            Region::parse("us-east-1").unwrap(),
            Region::parse("eu-west-1").unwrap(),
        );
        log.record(key, &us, slot(20, Operation::Encrypt));
        log.record(key, &us, slot(10, Operation::Decrypt));
        assert_eq!(log.last(&key, &us).unwrap().operation, Operation::Encrypt);
        assert!(log.last(&key, &eu).is_none(), "each Region its own");
        let changed = log.take_changed();
        assert_eq!(changed.len(), 1);
        assert_eq!(changed[0].request_id, "r20");
        assert!(log.take_changed().is_empty(), "handed over once");
        // A failed write puts it back, unless a newer use came meanwhile.
        log.restore(&changed);
        assert_eq!(log.take_changed().len(), 1);
        log.record(key, &us, slot(30, Operation::ReEncrypt));
        let newer = log.take_changed();
        log.restore(&changed);
        assert!(
            log.take_changed().is_empty(),
            "an older failed write is not restored"
        );
        assert_eq!(newer[0].operation, "ReEncrypt");
        log.forget(&key, &us);
        assert!(log.last(&key, &us).is_none());
    }
}
