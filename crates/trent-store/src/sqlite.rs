//! The embedded backend: one SQLite file in the data folder.
//!
//! WAL journal with `synchronous=FULL`: a commit returns only after the log
//! is synced, so an acknowledged write survives `kill -9` and power loss.
//! One connection behind a mutex serializes access; the schema version lives
//! in `PRAGMA user_version` and [`MIGRATIONS`] bring older files forward.
//!
//! This root owns the connections and, for each [`KeyStore`] call, picks the
//! writer or a reader; the SQL lives in one file per aggregate (`keys`,
//! `aliases`, `tags`, `grants`, `identities`, `meta`), the schema and its
//! migrations in `schema`, and paging in `page`.

mod aliases;
mod grants;
mod identities;
mod keys;
mod meta;
pub(crate) mod page;
mod rows;
mod schema;
mod sealed;
mod tags;
mod usage;

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use rusqlite::Connection;
use trent_core::clock::Timestamp;
use trent_core::id::{AccountId, AliasName, KeyId, Region, Scope};
use trent_core::key::{KeyState, Tag};
use trent_core::sealed::SealedKeyMaterial;

use crate::record::{
    AccessKeyRecord, AliasRecord, GrantRecord, IdentityPolicyRecord, KeyRecord, KeyUsageRecord,
    MaterialInfo, MaterialRecord, Page, PrincipalKind, PrincipalRecord,
};
use crate::{KeyStore, StoreError, StoreErrorKind, StoreObserver, StoreResult};

pub use schema::MIGRATIONS;

/// Read connections per store: WAL readers never wait for the writer.
const READERS: usize = 4;

/// The SQLite store: one writer connection and a few reader connections.
pub struct SqliteStore {
    connection: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    next_reader: std::sync::atomic::AtomicUsize,
    observer: Option<Arc<dyn StoreObserver>>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SqliteStore")
    }
}

fn unavailable(error: rusqlite::Error) -> StoreError {
    let kind = match &error {
        rusqlite::Error::SqliteFailure(code, _)
            if code.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            StoreErrorKind::Conflict
        }
        _ => StoreErrorKind::Unavailable,
    };
    StoreError {
        kind,
        source: Some(Box::new(error)),
    }
}

fn corrupt() -> StoreError {
    StoreError::new(StoreErrorKind::Corrupt)
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and migrates it.
    pub fn open(path: &Path) -> StoreResult<Self> {
        let mut connection = Connection::open(path).map_err(unavailable)?;
        connection
            .execute_batch(
                "PRAGMA journal_mode = WAL;
                 PRAGMA synchronous = FULL;
                 PRAGMA foreign_keys = ON;
                 PRAGMA secure_delete = ON;
                 PRAGMA busy_timeout = 5000;",
            )
            .map_err(unavailable)?;
        schema::migrate(&mut connection)?;
        let mut readers = Vec::with_capacity(READERS);
        for _ in 0..READERS {
            let reader = Connection::open_with_flags(
                path,
                rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
                    | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .map_err(unavailable)?;
            reader
                .execute_batch("PRAGMA busy_timeout = 5000;")
                .map_err(unavailable)?;
            readers.push(Mutex::new(reader));
        }
        Ok(Self {
            connection: Mutex::new(connection),
            readers,
            next_reader: std::sync::atomic::AtomicUsize::new(0),
            observer: None,
        })
    }

    /// This store, reporting how long each of its [`KeyStore`] calls takes to
    /// `observer`.
    pub fn with_observer(mut self, observer: Arc<dyn StoreObserver>) -> Self {
        self.observer = Some(observer);
        self
    }

    /// The schema version of the open file.
    pub fn schema_version(&self) -> StoreResult<u32> {
        schema::version(&self.lock())
    }

    /// Checkpoints the log into the database file; called on clean shutdown.
    pub fn close(&self) -> StoreResult<()> {
        self.lock()
            .execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
            .map_err(unavailable)
    }

    /// A reader connection: a free one if any, else the next in turn.
    fn read(&self) -> MutexGuard<'_, Connection> {
        for reader in &self.readers {
            if let Ok(guard) = reader.try_lock() {
                return guard;
            }
        }
        let turn = self
            .next_reader
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            % self.readers.len();
        self.readers[turn].lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs one [`KeyStore`] call, reporting its duration to the observer.
    fn timed<T>(&self, operation: &'static str, call: impl FnOnce() -> T) -> T {
        let Some(observer) = &self.observer else {
            return call();
        };
        let started = Instant::now();
        let result = call();
        observer.observe(operation, started.elapsed());
        result
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite half-written: each
        // call is one transaction, rolled back if not committed.
        self.connection.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn changed_one(rows: usize) -> StoreResult<()> {
    if rows == 0 {
        Err(StoreError::new(StoreErrorKind::NotFound))
    } else {
        Ok(())
    }
}

impl KeyStore for SqliteStore {
    fn meta(&self, name: &str) -> StoreResult<Option<Vec<u8>>> {
        self.timed("meta", || meta::meta(&self.read(), name))
    }

    fn set_meta(&self, name: &str, value: &[u8]) -> StoreResult<()> {
        self.timed("set_meta", || meta::set_meta(&self.lock(), name, value))
    }

    fn insert_meta(&self, name: &str, value: &[u8]) -> StoreResult<Vec<u8>> {
        self.timed("insert_meta", || {
            meta::insert_meta(&mut self.lock(), name, value)
        })
    }

    fn update_meta(&self, changes: &[(&str, Option<&[u8]>)]) -> StoreResult<()> {
        self.timed("update_meta", || {
            meta::update_meta(&mut self.lock(), changes)
        })
    }

    fn sealed_values(
        &self,
        after: Option<&crate::record::SealedPlace>,
        limit: u32,
    ) -> StoreResult<Vec<crate::record::SealedValue>> {
        self.timed("sealed_values", || {
            sealed::sealed_values(&self.read(), after, limit)
        })
    }

    fn count_sealed_values(&self) -> StoreResult<u64> {
        self.timed("count_sealed_values", || {
            sealed::count_sealed_values(&self.read())
        })
    }

    fn replace_sealed(&self, changes: &[crate::record::SealedChange]) -> StoreResult<u64> {
        self.timed("replace_sealed", || {
            sealed::replace_sealed(&mut self.lock(), changes)
        })
    }

    fn insert_account(&self, account: &AccountId, created_at: Timestamp) -> StoreResult<()> {
        self.timed("insert_account", || {
            identities::insert_account(&self.lock(), account, created_at)
        })
    }

    fn accounts(&self) -> StoreResult<Vec<AccountId>> {
        self.timed("accounts", || identities::accounts(&self.read()))
    }

    fn insert_access_key(&self, record: &AccessKeyRecord) -> StoreResult<()> {
        self.timed("insert_access_key", || {
            identities::insert_access_key(&self.lock(), record)
        })
    }

    fn access_key(&self, access_key_id: &str) -> StoreResult<Option<AccessKeyRecord>> {
        self.timed("access_key", || {
            identities::access_key(&self.read(), access_key_id)
        })
    }

    fn access_keys(
        &self,
        account: &AccountId,
        user: Option<&str>,
    ) -> StoreResult<Vec<AccessKeyRecord>> {
        self.timed("access_keys", || {
            identities::access_keys(&self.read(), account, user)
        })
    }

    fn set_access_key_active(&self, access_key_id: &str, active: bool) -> StoreResult<()> {
        self.timed("set_access_key_active", || {
            identities::set_access_key_active(&self.lock(), access_key_id, active)
        })
    }

    fn delete_access_key(&self, access_key_id: &str) -> StoreResult<()> {
        self.timed("delete_access_key", || {
            identities::delete_access_key(&self.lock(), access_key_id)
        })
    }

    fn insert_principal(&self, record: &PrincipalRecord) -> StoreResult<()> {
        self.timed("insert_principal", || {
            identities::insert_principal(&self.lock(), record)
        })
    }

    fn principal(
        &self,
        account: &AccountId,
        kind: PrincipalKind,
        name: &str,
    ) -> StoreResult<Option<PrincipalRecord>> {
        self.timed("principal", || {
            identities::principal(&self.read(), account, kind, name)
        })
    }

    fn principals(
        &self,
        account: &AccountId,
        kind: PrincipalKind,
    ) -> StoreResult<Vec<PrincipalRecord>> {
        self.timed("principals", || {
            identities::principals(&self.read(), account, kind)
        })
    }

    fn update_principal(&self, record: &PrincipalRecord) -> StoreResult<()> {
        self.timed("update_principal", || {
            identities::update_principal(&self.lock(), record)
        })
    }

    fn delete_principal(
        &self,
        account: &AccountId,
        kind: PrincipalKind,
        name: &str,
    ) -> StoreResult<()> {
        self.timed("delete_principal", || {
            identities::delete_principal(&self.lock(), account, kind, name)
        })
    }

    fn put_identity_policy(
        &self,
        account: &AccountId,
        kind: PrincipalKind,
        principal: &str,
        policy: &IdentityPolicyRecord,
    ) -> StoreResult<()> {
        self.timed("put_identity_policy", || {
            identities::put_identity_policy(&self.lock(), account, kind, principal, policy)
        })
    }

    fn identity_policies(
        &self,
        account: &AccountId,
        kind: PrincipalKind,
        principal: &str,
    ) -> StoreResult<Vec<IdentityPolicyRecord>> {
        self.timed("identity_policies", || {
            identities::identity_policies(&self.read(), account, kind, principal)
        })
    }

    fn delete_identity_policy(
        &self,
        account: &AccountId,
        kind: PrincipalKind,
        principal: &str,
        policy_name: &str,
    ) -> StoreResult<()> {
        self.timed("delete_identity_policy", || {
            identities::delete_identity_policy(&self.lock(), account, kind, principal, policy_name)
        })
    }

    fn insert_key(
        &self,
        key: &KeyRecord,
        material: Option<&MaterialRecord>,
        tags: &[Tag],
    ) -> StoreResult<()> {
        self.timed("insert_key", || {
            keys::insert_key(&mut self.lock(), key, material, tags)
        })
    }

    fn insert_keys(&self, keys: &[(KeyRecord, MaterialRecord)]) -> StoreResult<()> {
        self.timed("insert_keys", || keys::insert_keys(&mut self.lock(), keys))
    }

    fn key(&self, key_id: &KeyId, region: &Region) -> StoreResult<Option<KeyRecord>> {
        self.timed("key", || keys::key(&self.read(), key_id, region))
    }

    fn any_region_key(&self, key_id: &KeyId) -> StoreResult<Option<KeyRecord>> {
        self.timed("any_region_key", || {
            keys::any_region_key(&self.read(), key_id)
        })
    }

    fn update_key(&self, key: &KeyRecord) -> StoreResult<()> {
        self.timed("update_key", || keys::update_key_now(&mut self.lock(), key))
    }

    fn insert_replica(&self, key: &KeyRecord, tags: &[Tag]) -> StoreResult<()> {
        self.timed("insert_replica", || {
            keys::insert_replica(&mut self.lock(), key, tags)
        })
    }

    fn set_primary_region(&self, key_id: &KeyId, region: &Region) -> StoreResult<()> {
        self.timed("set_primary_region", || {
            keys::set_primary_region(&self.lock(), key_id, region)
        })
    }

    fn put_material(
        &self,
        key: &KeyRecord,
        material: &MaterialRecord,
        token: Option<(&str, trent_core::clock::Timestamp)>,
    ) -> StoreResult<()> {
        self.timed("put_material", || {
            keys::put_material(&mut self.lock(), key, material, token)
        })
    }

    fn rotate_to_material(
        &self,
        key: &KeyRecord,
        version: u32,
        rotation: crate::record::RotationType,
        at: trent_core::clock::Timestamp,
    ) -> StoreResult<()> {
        self.timed("rotate_to_material", || {
            keys::rotate_to_material(&mut self.lock(), key, version, rotation, at)
        })
    }

    fn delete_material(&self, key: &KeyRecord, version: u32) -> StoreResult<()> {
        self.timed("delete_material", || {
            keys::delete_material(&mut self.lock(), key, version)
        })
    }

    fn forget_import_tokens(&self, now: trent_core::clock::Timestamp) -> StoreResult<u64> {
        self.timed("forget_import_tokens", || {
            keys::forget_import_tokens(&self.lock(), now)
        })
    }

    fn add_material(&self, key: &KeyRecord, material: &MaterialRecord) -> StoreResult<()> {
        self.timed("add_material", || {
            keys::add_material(&mut self.lock(), key, material)
        })
    }

    fn materials(&self, key_id: &KeyId) -> StoreResult<Vec<MaterialInfo>> {
        self.timed("materials", || keys::materials(&self.read(), key_id))
    }

    fn delete_key(&self, key_id: &KeyId, region: &Region) -> StoreResult<bool> {
        self.timed("delete_key", || {
            keys::delete_key(&mut self.lock(), key_id, region)
        })
    }

    fn key_last_usage(
        &self,
        key_id: &KeyId,
        region: &Region,
    ) -> StoreResult<Option<KeyUsageRecord>> {
        self.timed("key_last_usage", || {
            usage::key_last_usage(&self.read(), key_id, region)
        })
    }

    fn record_key_usage(&self, usages: &[KeyUsageRecord]) -> StoreResult<()> {
        self.timed("record_key_usage", || {
            usage::record_key_usage(&mut self.lock(), usages)
        })
    }

    fn count_keys_by_state(&self) -> StoreResult<Vec<(KeyState, u64)>> {
        self.timed("count_keys_by_state", || {
            keys::count_keys_by_state(&self.read())
        })
    }

    fn keys_due(&self, now: Timestamp) -> StoreResult<Vec<(KeyId, Region)>> {
        self.timed("keys_due", || keys::keys_due(&self.read(), now))
    }

    fn insert_grant(&self, grant: &GrantRecord) -> StoreResult<()> {
        self.timed("insert_grant", || grants::insert_grant(&self.lock(), grant))
    }

    fn grants(&self, key_id: &KeyId, region: &Region) -> StoreResult<Vec<GrantRecord>> {
        self.timed("grants", || grants::grants(&self.read(), key_id, region))
    }

    fn grant(&self, grant_id: &str) -> StoreResult<Option<GrantRecord>> {
        self.timed("grant", || grants::grant(&self.read(), grant_id))
    }

    fn retirable_grants(&self, retiring: &str) -> StoreResult<Vec<GrantRecord>> {
        self.timed("retirable_grants", || {
            grants::retirable_grants(&self.read(), retiring)
        })
    }

    fn delete_grant(&self, grant_id: &str) -> StoreResult<()> {
        self.timed("delete_grant", || {
            grants::delete_grant(&self.lock(), grant_id)
        })
    }

    fn list_keys(&self, scope: &Scope, after: Option<i64>, limit: u32) -> StoreResult<Page<KeyId>> {
        self.timed("list_keys", || {
            keys::list_keys(&self.read(), scope, after, limit)
        })
    }

    fn key_material(&self, key_id: &KeyId, version: u32) -> StoreResult<Option<SealedKeyMaterial>> {
        self.timed("key_material", || {
            keys::key_material(&self.read(), key_id, version)
        })
    }

    fn alias(&self, scope: &Scope, name: &AliasName) -> StoreResult<Option<AliasRecord>> {
        self.timed("alias", || aliases::alias(&self.read(), scope, name))
    }

    fn insert_alias(&self, alias: &AliasRecord) -> StoreResult<()> {
        self.timed("insert_alias", || {
            aliases::insert_alias(&self.lock(), alias)
        })
    }

    fn update_alias(&self, alias: &AliasRecord) -> StoreResult<()> {
        self.timed("update_alias", || {
            aliases::update_alias(&self.lock(), alias)
        })
    }

    fn delete_alias(&self, scope: &Scope, name: &AliasName) -> StoreResult<()> {
        self.timed("delete_alias", || {
            aliases::delete_alias(&self.lock(), scope, name)
        })
    }

    fn list_aliases(
        &self,
        scope: &Scope,
        target: Option<&KeyId>,
        after: Option<i64>,
        limit: u32,
    ) -> StoreResult<Page<AliasRecord>> {
        self.timed("list_aliases", || {
            aliases::list_aliases(&self.read(), scope, target, after, limit)
        })
    }

    fn tags(&self, key_id: &KeyId, region: &Region) -> StoreResult<Vec<Tag>> {
        self.timed("tags", || tags::tags(&self.read(), key_id, region))
    }

    fn put_tags(&self, key_id: &KeyId, region: &Region, tags: &[Tag]) -> StoreResult<()> {
        self.timed("put_tags", || {
            tags::put_tags(&mut self.lock(), key_id, region, tags)
        })
    }

    fn remove_tags(&self, key_id: &KeyId, region: &Region, tag_keys: &[String]) -> StoreResult<()> {
        self.timed("remove_tags", || {
            tags::remove_tags(&mut self.lock(), key_id, region, tag_keys)
        })
    }
}

#[cfg(test)]
mod tests;
