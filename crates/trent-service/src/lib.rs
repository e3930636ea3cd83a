//! The KMS operations of Trent.
//!
//! Owns the [`Kms`] facade: one file per AWS operation under `op/`, each of
//! which loads the key from the store, checks the caller and the key state,
//! acts (through `trent-crypto`) and writes its changes back. It also owns
//! first-start bootstrap (account, root access key, root-key check) and the
//! lookup of access-key secrets for SigV4.
//!
//! It knows nothing of HTTP, JSON or SigV4: requests arrive as core types,
//! errors leave as [`trent_core::error::KmsError`].

mod authorize;
pub mod bootstrap;
mod cache;
mod caller;
pub mod explain;
pub mod iam;
pub mod maintenance;
mod metadata;
pub mod op;
mod permits;
mod resolve;
pub mod root_key;
#[cfg(test)]
mod testing;
mod throttle;
mod usage;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard};

use trent_core::clock::Clock;
use trent_core::error::KmsError;
use trent_crypto::root_key::{RootKeyProvider, RootKeys};
use trent_store::{Change, ChangeListener, KeyStore, StoreError, StoreLock};

pub use caller::{Caller, Identity, RequestIds, UserId};
pub use throttle::QuotaSettings;

/// The KMS service: store, root key and clock, shared by every request.
pub struct Kms {
    store: Arc<dyn KeyStore>,
    root_key: Arc<RootKeys>,
    clock: Arc<dyn Clock>,
    /// Held (shared) from sealing a value to storing it, and (exclusively)
    /// while a root-key rotation switches keys: once the switch is done, no
    /// value sealed under the previous key is still on its way to the store.
    sealing: RwLock<()>,
    /// The walk of a root-key rotation running in the background, if any.
    rotation: Mutex<root_key::Walk>,
    /// The key sealing session and grant tokens, opened on first use.
    token_key: std::sync::OnceLock<trent_crypto::token::TokenKey>,
    token_key_init: Mutex<()>,
    /// Serializes read-check-write sequences (state changes, alias and tag
    /// edits) so two requests never act on the same stale read. Reads and
    /// cryptographic operations do not take it.
    write_lock: Mutex<()>,
    /// RSA key generations in progress are bounded to one core less than
    /// the machine has (at least one). Each takes up to seconds of a core on
    /// the blocking pool; unbounded, they take every core from the requests
    /// the async workers serve (measured on 2 cores: 64 concurrent RSA-2048
    /// data key pairs cut Encrypt at 8 connections from 19.5k to 618 req/s;
    /// bounded, to 15.0k). Waiters sleep.
    rsa_generation: permits::Permits,
    cache: cache::Cache,
    /// Bumped by every change to users, roles, access keys and identity
    /// policies; whoever caches callers compares it to know they are stale.
    identity_generation: AtomicU64,
    /// The last cryptographic use of each key, persisted in the background.
    usage: usage::UsageLog,
    /// The Regions this server serves, when restricted (`--regions`); every
    /// valid Region otherwise.
    served_regions: std::sync::OnceLock<Box<[trent_core::id::Region]>>,
    /// Request-rate quotas per account and Region.
    quotas: throttle::Quotas,
    /// Whether the store is shared with other nodes (it hears changes).
    shared_store: std::sync::atomic::AtomicBool,
}

impl std::fmt::Debug for Kms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kms").finish_non_exhaustive()
    }
}

impl Kms {
    /// A service over `store`, sealing key material under `root_key`.
    pub fn new(
        store: Arc<dyn KeyStore>,
        root_key: Arc<dyn RootKeyProvider>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self::with_root_keys(store, Arc::new(RootKeys::new(root_key)), clock)
    }

    /// A service over `store` sealing with `root_keys` (two keys while a
    /// rotation is under way).
    pub fn with_root_keys(
        store: Arc<dyn KeyStore>,
        root_keys: Arc<RootKeys>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            store,
            root_key: root_keys,
            clock,
            sealing: RwLock::new(()),
            rotation: Mutex::new(root_key::Walk::default()),
            token_key: std::sync::OnceLock::new(),
            token_key_init: Mutex::new(()),
            write_lock: Mutex::new(()),
            rsa_generation: permits::Permits::new(
                std::thread::available_parallelism()
                    .map_or(1, |cores| cores.get().saturating_sub(1))
                    .max(1),
            ),
            cache: cache::Cache::new(),
            identity_generation: AtomicU64::new(0),
            usage: usage::UsageLog::new(),
            served_regions: std::sync::OnceLock::new(),
            quotas: throttle::Quotas::new(),
            shared_store: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Serves only `regions` from now on (`trent serve --regions`): KMS
    /// requests scoped to another Region are refused, and no replica is made
    /// there. Set once, at start; a second call changes nothing and answers
    /// false.
    pub fn serve_only(&self, regions: Vec<trent_core::id::Region>) -> bool {
        self.served_regions.set(regions.into()).is_ok()
    }

    /// Whether this server serves the Region named `region` (text, so the
    /// check on every request allocates nothing).
    pub fn serves_region(&self, region: &str) -> bool {
        self.served_regions
            .get()
            .is_none_or(|served| served.iter().any(|known| known.as_str() == region))
    }

    /// Refuses a Region this server does not serve, as ReplicateKey and
    /// UpdatePrimaryRegion target.
    fn check_served(&self, region: &trent_core::id::Region) -> Result<(), KmsError> {
        if self.serves_region(region.as_str()) {
            Ok(())
        } else {
            Err(KmsError::UnsupportedOperation(
                trent_core::error::Unsupported::RegionNotServed {
                    region: region.to_string(),
                },
            ))
        }
    }

    /// The clock the service reads.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Changes whenever an identity (user, role, access key, identity
    /// policy) changes: a cached [`Caller`] made under another value is stale.
    pub fn identity_generation(&self) -> u64 {
        self.identity_generation.load(Ordering::Acquire)
    }

    fn identities_changed(&self) {
        self.identity_generation.fetch_add(1, Ordering::AcqRel);
    }

    /// Held from sealing a value under the root key to storing it.
    fn sealing(&self) -> RwLockReadGuard<'_, ()> {
        self.sealing.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Held through a read-check-write sequence: this process's lock, then
    /// the store's (one writer across every node of a shared store, with
    /// every change committed before it heard).
    fn writing(&self) -> Result<Writing<'_>, KmsError> {
        let local = self.write_lock.lock().unwrap_or_else(|p| p.into_inner());
        let shared = self
            .store
            .lock(StoreLock::Writes)
            .map_err(store_failed)?
            .ok_or_else(|| KmsError::internal_text("the store's write lock was not granted"))?;
        Ok(Writing {
            _shared: shared,
            _local: local,
        })
    }

    /// Whether cached records and callers may be served: false while this
    /// node cannot confirm it hears the changes other nodes make.
    pub fn hearing(&self) -> bool {
        self.store.hearing()
    }

    /// Whether the store answers now (`/readyz`).
    pub fn ping_store(&self) -> Result<(), KmsError> {
        self.store.ping().map_err(store_failed)
    }

    /// Starts hearing the changes other nodes commit to a shared store, so
    /// this node's caches drop what they change; `false` for a store only
    /// this process uses.
    pub fn watch_store(self: &Arc<Self>) -> Result<bool, KmsError> {
        let listener = Arc::new(Heard(Arc::downgrade(self)));
        let shared = self.store.watch(listener).map_err(store_failed)?;
        self.shared_store.store(shared, Ordering::Release);
        Ok(shared)
    }

    /// Whether other nodes share the store ([`Kms::watch_store`] said so).
    pub(crate) fn shared_store(&self) -> bool {
        self.shared_store.load(Ordering::Acquire)
    }

    /// Applies a change another node committed to this node's caches.
    fn heard(&self, change: &Change) {
        match change {
            Change::Key(key_id) => self.cache.forget_key(key_id),
            Change::Alias(scope, name) => self.cache.invalidate_alias(scope, name),
            Change::Identities => self.identities_changed(),
            Change::Everything => {
                self.cache.clear();
                self.identities_changed();
            }
        }
    }

    /// Held while generating a key pair of `spec`: RSA generations wait
    /// for one of a bounded number of turns.
    fn generating(&self, spec: trent_core::key::KeySpec) -> Option<permits::Permit<'_>> {
        spec.rsa_modulus_len()
            .map(|_| self.rsa_generation.acquire())
    }

    /// Writes a changed key record and drops its cached copy before returning.
    fn save_key(&self, record: &trent_store::record::KeyRecord) -> Result<(), KmsError> {
        let result = self.store.update_key(record).map_err(store_failed);
        self.cache.invalidate_key(&record.key_id);
        result
    }
}

/// The write locks of [`Kms::writing`], released as it drops.
struct Writing<'a> {
    _shared: Box<dyn trent_store::StoreGuard>,
    _local: MutexGuard<'a, ()>,
}

/// Tells a service of the changes its store heard, while the service lives.
struct Heard(std::sync::Weak<Kms>);

impl ChangeListener for Heard {
    fn changed(&self, change: &Change) {
        if let Some(kms) = self.0.upgrade() {
            kms.heard(change);
        }
    }
}

/// Turns a store failure into `KMSInternalException`, keeping the source for the log.
pub(crate) fn store_failed(error: StoreError) -> KmsError {
    KmsError::internal("store", error)
}
