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
use trent_core::id::KeyId;
use trent_core::operation::Operation;
use trent_core::view::KeyLastUsage;
use trent_store::record::KeyUsageRecord;

use crate::{store_failed, Caller, Kms};

/// The `meta` entry that records when this data folder began tracking uses.
const TRACKING_SINCE: &str = "key_usage_tracking_since";

const SHARDS: usize = 16;

/// Uses not yet known to be persisted, and the last of each key.
pub(crate) struct UsageLog {
    shards: Box<[Mutex<HashMap<KeyId, Slot>>]>,
    /// When tracking began, once read or set.
    since: std::sync::OnceLock<Timestamp>,
}

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

    fn shard(&self, key_id: &KeyId) -> std::sync::MutexGuard<'_, HashMap<KeyId, Slot>> {
        // Key ids are random: their first byte spreads keys evenly.
        let index = usize::from(key_id.as_bytes()[0]) % SHARDS;
        self.shards[index]
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn record(&self, key_id: KeyId, slot: Slot) {
        let mut shard = self.shard(&key_id);
        match shard.get_mut(&key_id) {
            // Uses arrive nearly in order; never let an older one win.
            Some(existing) if existing.at > slot.at => {}
            Some(existing) => *existing = slot,
            None => {
                shard.insert(key_id, slot);
            }
        }
    }

    fn last(&self, key_id: &KeyId) -> Option<KeyLastUsage> {
        self.shard(key_id).get(key_id).map(|slot| KeyLastUsage {
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
            for (key_id, slot) in shard.iter_mut().filter(|(_, slot)| slot.dirty) {
                slot.dirty = false;
                changed.push(KeyUsageRecord {
                    key_id: *key_id,
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
            if let Some(slot) = self.shard(&record.key_id).get_mut(&record.key_id) {
                if slot.at == record.used_at {
                    slot.dirty = true;
                }
            }
        }
    }

    /// Forgets a deleted key.
    pub(crate) fn forget(&self, key_id: &KeyId) {
        self.shard(key_id).remove(key_id);
    }
}

impl Kms {
    /// Records that `operation` just used `key_id` successfully.
    pub(crate) fn used(&self, caller: &Caller, key_id: KeyId, operation: Operation) {
        let (request_id, event_id) = match caller.request() {
            Some(ids) => (ids.request_id.clone(), ids.event_id.clone()),
            None => (Arc::from(""), None),
        };
        self.usage.record(
            key_id,
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
    pub(crate) fn last_usage(&self, key_id: &KeyId) -> Result<Option<KeyLastUsage>, KmsError> {
        if let Some(last) = self.usage.last(key_id) {
            return Ok(Some(last));
        }
        let Some(record) = self.store.key_last_usage(key_id).map_err(store_failed)? else {
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
        log.record(key, slot(20, Operation::Encrypt));
        log.record(key, slot(10, Operation::Decrypt));
        assert_eq!(log.last(&key).unwrap().operation, Operation::Encrypt);
        let changed = log.take_changed();
        assert_eq!(changed.len(), 1);
        assert_eq!(changed[0].request_id, "r20");
        assert!(log.take_changed().is_empty(), "handed over once");
        // A failed write puts it back, unless a newer use came meanwhile.
        log.restore(&changed);
        assert_eq!(log.take_changed().len(), 1);
        log.record(key, slot(30, Operation::ReEncrypt));
        let newer = log.take_changed();
        log.restore(&changed);
        assert!(
            log.take_changed().is_empty(),
            "an older failed write is not restored"
        );
        assert_eq!(newer[0].operation, "ReEncrypt");
        log.forget(&key);
        assert!(log.last(&key).is_none());
    }
}
