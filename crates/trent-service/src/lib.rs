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
pub mod metadata;
pub mod op;
mod resolve;

use std::sync::{Arc, Mutex, MutexGuard};

use trent_core::clock::Clock;
use trent_core::error::KmsError;
use trent_core::id::{AccountId, Region, Scope};
use trent_crypto::root_key::RootKeyProvider;
use trent_store::{KeyStore, StoreError};

/// The authenticated caller of a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    /// The caller's account, and the region named in the request's credential scope.
    scope: Scope,
    /// The caller's principal ARN (until identities land, the account root).
    principal_arn: String,
}

impl Caller {
    /// The root of `account`, calling in `region`.
    pub fn account_root(account: AccountId, region: Region) -> Self {
        let scope = Scope { account, region };
        Self {
            principal_arn: scope.root_arn(),
            scope,
        }
    }

    /// The account and region the caller's keys live in.
    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    /// The caller's account.
    pub fn account(&self) -> &AccountId {
        &self.scope.account
    }

    /// The region of the request.
    pub fn region(&self) -> &Region {
        &self.scope.region
    }

    /// The caller's principal ARN.
    pub fn principal_arn(&self) -> &str {
        &self.principal_arn
    }
}

/// The KMS service: store, root key and clock, shared by every request.
pub struct Kms {
    store: Arc<dyn KeyStore>,
    root_key: Arc<dyn RootKeyProvider>,
    clock: Arc<dyn Clock>,
    /// Serializes read-check-write sequences (state changes, alias and tag
    /// edits) so two requests never act on the same stale read. Reads and
    /// cryptographic operations do not take it.
    write_lock: Mutex<()>,
    cache: cache::Cache,
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
        Self {
            store,
            root_key,
            clock,
            write_lock: Mutex::new(()),
            cache: cache::Cache::new(),
        }
    }

    /// The clock the service reads.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    fn writing(&self) -> MutexGuard<'_, ()> {
        self.write_lock.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Writes a changed key record and drops its cached copy before returning.
    fn save_key(&self, record: &trent_store::record::KeyRecord) -> Result<(), KmsError> {
        let result = self.store.update_key(record).map_err(store_failed);
        self.cache.invalidate_key(&record.key_id);
        result
    }
}

/// Turns a store failure into `KMSInternalException`, keeping the source for the log.
pub(crate) fn store_failed(error: StoreError) -> KmsError {
    KmsError::internal("store", error)
}
