//! What the service's unit tests share: a `Kms` over a fresh SQLite store
//! and root key file, a manual clock, and an account root caller.

use std::sync::Arc;

use trent_core::clock::{ManualClock, Timestamp};
use trent_core::id::{AccountId, Region};
use trent_crypto::root_key::FileRootKeyProvider;
use trent_store::sqlite::SqliteStore;

use crate::{Caller, Kms};

/// A service under test and what drives it.
pub(crate) struct Harness {
    pub(crate) _dir: tempfile::TempDir,
    pub(crate) clock: Arc<ManualClock>,
    pub(crate) kms: Kms,
    pub(crate) root: Caller,
}

/// A fresh service with account `111122223333` in `us-east-1`.
pub(crate) fn harness() -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(&dir.path().join("trent.db")).unwrap());
    let root_key = FileRootKeyProvider::open_or_create(&dir.path().join("root-key"), true).unwrap();
    let clock = Arc::new(ManualClock::new(Timestamp::from_millis(1_800_000_000_000)));
    let kms = Kms::new(store, Arc::new(root_key), clock.clone());
    let account = AccountId::parse("111122223333").unwrap();
    kms.ensure_account(&account).unwrap();
    let root = Caller::account_root(account, Region::parse("us-east-1").unwrap());
    Harness {
        _dir: dir,
        clock,
        kms,
        root,
    }
}
