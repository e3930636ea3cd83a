//! Durable storage of Trent.
//!
//! Owns the [`KeyStore`] trait, the record types it reads and writes, the
//! schema and its migrations, the embedded SQLite backend
//! ([`sqlite::SqliteStore`]) and the shared PostgreSQL backend
//! ([`postgres::PgStore`]), which also tells other nodes what changed. Every
//! write is one transaction, committed and synced before the call returns,
//! so whatever a caller acknowledges survives a crash. See
//! `docs/storage-schema.md`.
//!
//! It never holds unwrapped key material (only [`SealedKeyMaterial`]) and
//! knows nothing of the wire protocol, HTTP or policies.

#[cfg(test)]
mod conformance;
pub mod copy;
pub mod postgres;
pub mod record;
pub mod sqlite;

use trent_core::id::{AccountId, AliasName, KeyId, Region, Scope};
use trent_core::key::Tag;
use trent_core::sealed::SealedKeyMaterial;

use crate::record::{
    AccessKeyRecord, AliasRecord, GrantRecord, IdentityPolicyRecord, KeyRecord, MaterialInfo,
    MaterialRecord, Page, PrincipalKind, PrincipalRecord,
};

/// What went wrong in the store, as far as callers need to tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreErrorKind {
    /// The record to change does not exist.
    NotFound,
    /// A record with the same identity already exists.
    Conflict,
    /// The backend could not be reached or failed to write.
    Unavailable,
    /// A stored value could not be read back as a valid record.
    Corrupt,
}

/// A store failure: its kind and, for logs only, its source.
#[derive(Debug, thiserror::Error)]
#[error("store error: {kind:?}")]
pub struct StoreError {
    /// The kind of failure.
    pub kind: StoreErrorKind,
    /// The backend's own error, for the operator's log.
    #[source]
    pub source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl StoreError {
    /// An error of `kind` without a source.
    pub fn new(kind: StoreErrorKind) -> Self {
        Self { kind, source: None }
    }
}

/// Result of store calls.
pub type StoreResult<T> = Result<T, StoreError>;

/// Told how long each store call took, for example to export it as a metric.
///
/// A backend given an observer reports every [`KeyStore`] call once it
/// returns, whatever its outcome. `operation` is the name of the method
/// (`"insert_key"`): a closed set, fit for a metric label.
pub trait StoreObserver: Send + Sync {
    /// One call of `operation` took `elapsed`, including any wait for the
    /// store's lock and, for writes, the durable commit.
    fn observe(&self, operation: &'static str, elapsed: std::time::Duration);
}

/// A change committed to a shared store, as the caches of the nodes that
/// did not make it must hear of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Anything about a key id, in any Region: its records, material
    /// versions, tags, grants or deletion (drop everything cached about it,
    /// aliases pointing to it included).
    Key(KeyId),
    /// An alias of a scope was created, repointed or deleted.
    Alias(Scope, AliasName),
    /// Users, roles, access keys or identity policies changed.
    Identities,
    /// What was heard may be incomplete: drop every cache.
    Everything,
}

/// Told of the changes other nodes commit to a shared store.
pub trait ChangeListener: Send + Sync {
    /// `change` was committed by another node (or by this one: a listener
    /// may hear its own node's changes, which it has already applied).
    fn changed(&self, change: &Change);
}

/// A store-wide lock: held by one node at a time, released when its guard
/// drops or its node dies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreLock {
    /// Read-check-write sequences (state changes, alias, tag, grant and
    /// identity edits): one at a time across every node. Taking it also
    /// waits until every change committed before it was heard, so records
    /// cached on this node are current while it is held.
    Writes,
    /// A maintenance pass (deletions, rotations, expiries): one node does
    /// it; the others skip their turn.
    Maintenance,
}

/// Holds a [`StoreLock`] until dropped.
pub trait StoreGuard: Send {}

/// The guard of a store only one process uses: its own locks suffice.
#[derive(Debug)]
pub struct LocalGuard;

impl StoreGuard for LocalGuard {}

/// The storage contract every backend fulfils.
///
/// Each method is atomic and durable: when it returns `Ok`, the change is on
/// disk. Listing methods page by an opaque position (`after`) that the
/// previous page returned.
pub trait KeyStore: Send + Sync {
    /// A value of the store's metadata table.
    fn meta(&self, name: &str) -> StoreResult<Option<Vec<u8>>>;
    /// Sets a metadata value.
    fn set_meta(&self, name: &str, value: &[u8]) -> StoreResult<()>;
    /// Sets (`Some`) and removes (`None`) metadata values in one transaction.
    fn update_meta(&self, changes: &[(&str, Option<&[u8]>)]) -> StoreResult<()>;
    /// Sets a metadata value unless one is set, and answers the value now
    /// stored: `value`, or what another writer (another node) set first.
    fn insert_meta(&self, name: &str, value: &[u8]) -> StoreResult<Vec<u8>>;

    /// The values sealed under the root key that records hold (key
    /// materials, then access key secrets; not metadata), in a fixed order,
    /// after `after`, at most `limit`.
    fn sealed_values(
        &self,
        after: Option<&record::SealedPlace>,
        limit: u32,
    ) -> StoreResult<Vec<record::SealedValue>>;
    /// How many values [`KeyStore::sealed_values`] walks.
    fn count_sealed_values(&self) -> StoreResult<u64>;
    /// Replaces each sealed value that still holds what the change expects,
    /// in one transaction, and returns how many were replaced: a value that
    /// changed or is gone is left alone, so a re-seal never overwrites a
    /// newer write.
    fn replace_sealed(&self, changes: &[record::SealedChange]) -> StoreResult<u64>;

    /// Creates an account; `Conflict` if it exists.
    fn insert_account(
        &self,
        account: &AccountId,
        created_at: trent_core::clock::Timestamp,
    ) -> StoreResult<()>;
    /// All accounts, oldest first.
    fn accounts(&self) -> StoreResult<Vec<AccountId>>;
    /// Stores an access key; `Conflict` if its id exists.
    fn insert_access_key(&self, record: &AccessKeyRecord) -> StoreResult<()>;
    /// Reads an access key by id.
    fn access_key(&self, access_key_id: &str) -> StoreResult<Option<AccessKeyRecord>>;
    /// The access keys of a user (or, with `None`, of the account root), oldest first.
    fn access_keys(
        &self,
        account: &AccountId,
        user: Option<&str>,
    ) -> StoreResult<Vec<AccessKeyRecord>>;
    /// Activates or deactivates an access key; `NotFound` if absent.
    fn set_access_key_active(&self, access_key_id: &str, active: bool) -> StoreResult<()>;
    /// Deletes an access key; `NotFound` if absent.
    fn delete_access_key(&self, access_key_id: &str) -> StoreResult<()>;

    /// Creates a user or role; `Conflict` if the name is taken (names compare
    /// without regard to case, as in IAM).
    fn insert_principal(&self, record: &PrincipalRecord) -> StoreResult<()>;
    /// Reads a user or role by name (any case).
    fn principal(
        &self,
        account: &AccountId,
        kind: PrincipalKind,
        name: &str,
    ) -> StoreResult<Option<PrincipalRecord>>;
    /// The users or roles of an account, by name.
    fn principals(
        &self,
        account: &AccountId,
        kind: PrincipalKind,
    ) -> StoreResult<Vec<PrincipalRecord>>;
    /// Replaces a role's trust policy and description; `NotFound` if absent.
    fn update_principal(&self, record: &PrincipalRecord) -> StoreResult<()>;
    /// Deletes a user or role with its inline policies; `NotFound` if absent.
    fn delete_principal(
        &self,
        account: &AccountId,
        kind: PrincipalKind,
        name: &str,
    ) -> StoreResult<()>;
    /// Adds or replaces an inline policy of a user or role.
    fn put_identity_policy(
        &self,
        account: &AccountId,
        kind: PrincipalKind,
        principal: &str,
        policy: &IdentityPolicyRecord,
    ) -> StoreResult<()>;
    /// The inline policies of a user or role, by name.
    fn identity_policies(
        &self,
        account: &AccountId,
        kind: PrincipalKind,
        principal: &str,
    ) -> StoreResult<Vec<IdentityPolicyRecord>>;
    /// Deletes an inline policy; `NotFound` if absent.
    fn delete_identity_policy(
        &self,
        account: &AccountId,
        kind: PrincipalKind,
        principal: &str,
        policy_name: &str,
    ) -> StoreResult<()>;

    /// Creates a key with its first material version (none for a key
    /// waiting for imported material) and its tags, atomically.
    fn insert_key(
        &self,
        key: &KeyRecord,
        material: Option<&MaterialRecord>,
        tags: &[Tag],
    ) -> StoreResult<()>;
    /// Creates many keys (each with its first material version, no tags) in
    /// one transaction: bulk creation for load tests and imports.
    fn insert_keys(&self, keys: &[(KeyRecord, MaterialRecord)]) -> StoreResult<()>;
    /// Reads the key of an id in a Region, in any account.
    fn key(&self, key_id: &KeyId, region: &Region) -> StoreResult<Option<KeyRecord>>;
    /// A key of the id in the first Region it was made in: for what related
    /// multi-Region keys share (spec, origin, material versions).
    fn any_region_key(&self, key_id: &KeyId) -> StoreResult<Option<KeyRecord>>;
    /// Replaces the mutable fields of an existing key (its Region's row),
    /// and writes what related multi-Region keys share (rotation, current
    /// material, primary Region) to each of them, atomically; `NotFound` if
    /// absent.
    fn update_key(&self, key: &KeyRecord) -> StoreResult<()>;
    /// Creates a replica of a multi-Region key: a key of the same id in
    /// another Region, sharing the material already stored, with its tags;
    /// `Conflict` if the id already has a key in that Region.
    fn insert_replica(&self, key: &KeyRecord, tags: &[Tag]) -> StoreResult<()>;
    /// Makes `region` the primary Region of every key of the id.
    fn set_primary_region(&self, key_id: &KeyId, region: &Region) -> StoreResult<()>;
    /// Keys of a scope in creation order.
    fn list_keys(&self, scope: &Scope, after: Option<i64>, limit: u32) -> StoreResult<Page<KeyId>>;
    /// One sealed version of a key's material; `None` when absent or when
    /// its imported material is deleted.
    fn key_material(&self, key_id: &KeyId, version: u32) -> StoreResult<Option<SealedKeyMaterial>>;
    /// Adds a material version (a rotation) and saves the key record that
    /// now points at it, atomically.
    fn add_material(&self, key: &KeyRecord, material: &MaterialRecord) -> StoreResult<()>;
    /// Writes one material version (inserted, or replacing the version of
    /// the same number) and saves the key record, atomically. With `token`
    /// (an import token's id and expiry), the token is consumed in the same
    /// transaction: `Conflict`, and nothing written, if it was used before.
    fn put_material(
        &self,
        key: &KeyRecord,
        material: &MaterialRecord,
        token: Option<(&str, trent_core::clock::Timestamp)>,
    ) -> StoreResult<()>;
    /// Makes version `version` current as a rotation made `at` says
    /// (its rotation type and date), and saves the key record that points
    /// at it, atomically, without touching its sealed bytes; `NotFound` if
    /// the version is absent.
    fn rotate_to_material(
        &self,
        key: &KeyRecord,
        version: u32,
        rotation: record::RotationType,
        at: trent_core::clock::Timestamp,
    ) -> StoreResult<()>;
    /// Removes one material version (imported material never used: pending
    /// rotation) and saves the key record, atomically; `NotFound` if absent.
    fn delete_material(&self, key: &KeyRecord, version: u32) -> StoreResult<()>;
    /// Forgets consumed import tokens that expired before `now` (they can
    /// no longer be presented); returns how many.
    fn forget_import_tokens(&self, now: trent_core::clock::Timestamp) -> StoreResult<u64>;
    /// The material versions of a key, oldest first, without their secrets.
    fn materials(&self, key_id: &KeyId) -> StoreResult<Vec<MaterialInfo>>;
    /// Deletes a key of a Region irrecoverably: its tags, grants, last use,
    /// the aliases pointing to it and its record, and, when no related key
    /// is left in another Region, every material version, in one
    /// transaction. Answers whether the material went too.
    fn delete_key(&self, key_id: &KeyId, region: &Region) -> StoreResult<bool>;
    /// The last use of a key persisted by [`KeyStore::record_key_usage`].
    fn key_last_usage(
        &self,
        key_id: &KeyId,
        region: &Region,
    ) -> StoreResult<Option<record::KeyUsageRecord>>;
    /// Saves the last use of each key named, replacing older ones, in one
    /// transaction; uses of keys that no longer exist are dropped.
    fn record_key_usage(&self, usages: &[record::KeyUsageRecord]) -> StoreResult<()>;
    /// How many keys are in each state (states with none left out).
    fn count_keys_by_state(&self) -> StoreResult<Vec<(trent_core::key::KeyState, u64)>>;
    /// Keys with work due at `now`: pending deletion whose date has passed,
    /// primaries (or single-Region keys) enabled with automatic rotation
    /// due, imported material past its expiry, and primaries pending
    /// replica deletion with no replica left.
    fn keys_due(&self, now: trent_core::clock::Timestamp) -> StoreResult<Vec<(KeyId, Region)>>;

    /// Stores a grant; `Conflict` if its id exists.
    fn insert_grant(&self, grant: &GrantRecord) -> StoreResult<()>;
    /// The grants of a key of a Region, oldest first.
    fn grants(&self, key_id: &KeyId, region: &Region) -> StoreResult<Vec<GrantRecord>>;
    /// A grant by id.
    fn grant(&self, grant_id: &str) -> StoreResult<Option<GrantRecord>>;
    /// Grants a principal may retire, oldest first.
    fn retirable_grants(&self, retiring: &str) -> StoreResult<Vec<GrantRecord>>;
    /// Deletes a grant; `NotFound` if absent.
    fn delete_grant(&self, grant_id: &str) -> StoreResult<()>;

    /// Reads an alias.
    fn alias(&self, scope: &Scope, name: &AliasName) -> StoreResult<Option<AliasRecord>>;
    /// Creates an alias; `Conflict` if the name is taken in the scope.
    fn insert_alias(&self, alias: &AliasRecord) -> StoreResult<()>;
    /// Points an existing alias at another key; `NotFound` if absent.
    fn update_alias(&self, alias: &AliasRecord) -> StoreResult<()>;
    /// Deletes an alias; `NotFound` if absent.
    fn delete_alias(&self, scope: &Scope, name: &AliasName) -> StoreResult<()>;
    /// Aliases of a scope by name, optionally only those of one key.
    fn list_aliases(
        &self,
        scope: &Scope,
        target: Option<&KeyId>,
        after: Option<i64>,
        limit: u32,
    ) -> StoreResult<Page<AliasRecord>>;

    /// Tags of a key of a Region, ordered by tag key.
    fn tags(&self, key_id: &KeyId, region: &Region) -> StoreResult<Vec<Tag>>;
    /// Adds or replaces tags of a key, atomically.
    fn put_tags(&self, key_id: &KeyId, region: &Region, tags: &[Tag]) -> StoreResult<()>;
    /// Removes tags of a key by tag key, atomically; absent keys are ignored.
    fn remove_tags(&self, key_id: &KeyId, region: &Region, tag_keys: &[String]) -> StoreResult<()>;

    /// Starts telling `listener` of the changes other nodes commit. A
    /// store only one process uses hears nothing and answers `false`.
    fn watch(&self, listener: std::sync::Arc<dyn ChangeListener>) -> StoreResult<bool> {
        let _ = listener;
        Ok(false)
    }

    /// Whether this node has heard every change committed up to a bound
    /// ago ([`HEARING_BOUND`]): when it has not (its notifications
    /// stopped), cached records and authorization inputs must not be
    /// served. Always true for a store only one process uses.
    fn hearing(&self) -> bool {
        true
    }

    /// Takes `lock`. For [`StoreLock::Writes`] it waits (up to the store's
    /// timeout: then `Unavailable`); for [`StoreLock::Maintenance`] it
    /// answers `None` at once when another node holds it.
    fn lock(&self, lock: StoreLock) -> StoreResult<Option<Box<dyn StoreGuard>>> {
        let _ = lock;
        Ok(Some(Box::new(LocalGuard)))
    }

    /// Whether the backend answers now (`/readyz`): `Unavailable` if not.
    fn ping(&self) -> StoreResult<()> {
        Ok(())
    }
}

/// How long a node may go without confirming it hears a shared store's
/// changes before it stops serving from its caches.
pub const HEARING_BOUND: std::time::Duration = std::time::Duration::from_secs(1);
