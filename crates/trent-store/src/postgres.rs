//! The shared backend: a PostgreSQL database that several Trent nodes use
//! at once.
//!
//! The [`KeyStore`] trait is synchronous and is called from tokio worker
//! threads as well as plain threads, so the store never blocks on a runtime
//! of the caller's: it owns a small runtime of its own (threads named
//! `trent-pg`) and a connection pool, spawns each call there and waits for
//! its answer on a channel. Every call is one transaction, bounded by
//! [`STORE_TIMEOUT`]; a call that runs out of time is `Unavailable`, never a
//! hang.
//!
//! Each write tells the other nodes what it changed with `pg_notify` inside
//! its own transaction (so only committed changes are heard); `watch`
//! listens on a dedicated connection and confirms every 250 ms that it
//! still hears (see `listener`). Store-wide locks are session advisory
//! locks on dedicated connections (see `locks`).
//!
//! This root owns the runtime, the pool and the bridge; the SQL lives in one
//! file per aggregate, as in the SQLite backend, the schema and its
//! migrations in `schema`, connection settings and TLS in `connect`.

mod aliases;
mod connect;
mod grants;
mod identities;
mod keys;
mod listener;
mod locks;
mod meta;
mod notify;
mod rows;
mod schema;
mod sealed;
mod tags;
mod usage;

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use deadpool_postgres::{Client, GenericClient};
use tokio_postgres::types::{FromSql, ToSql};
use tokio_postgres::Row;
use trent_core::clock::Timestamp;
use trent_core::id::{AccountId, AliasName, KeyId, Region, Scope};
use trent_core::key::{KeyState, Tag};
use trent_core::sealed::SealedKeyMaterial;

use crate::record::{
    AccessKeyRecord, AliasRecord, GrantRecord, IdentityPolicyRecord, KeyRecord, KeyUsageRecord,
    MaterialInfo, MaterialRecord, Page, PrincipalKind, PrincipalRecord, RotationType, SealedChange,
    SealedPlace, SealedValue,
};
use crate::{
    ChangeListener, KeyStore, StoreError, StoreErrorKind, StoreGuard, StoreLock, StoreObserver,
    StoreResult,
};

pub use schema::MIGRATIONS;

/// How long any one store call may take before it is `Unavailable`.
pub const STORE_TIMEOUT: Duration = Duration::from_secs(5);

/// How long [`KeyStore::ping`] waits for the database.
const PING_TIMEOUT: Duration = Duration::from_secs(1);

/// Connections in the pool.
const POOL_SIZE: usize = 16;

/// Worker threads of the store's own runtime.
const WORKERS: usize = 2;

/// The PostgreSQL store: a pool of connections driven by a runtime of its
/// own, plus the dedicated connections of the listener and the locks.
pub struct PgStore {
    shared: Arc<Shared>,
    runtime: Option<tokio::runtime::Runtime>,
    handle: tokio::runtime::Handle,
    observer: Option<Arc<dyn StoreObserver>>,
}

/// What the store's tasks share.
struct Shared {
    pool: deadpool_postgres::Pool,
    settings: connect::Settings,
    hearing: listener::Hearing,
    locks: locks::Slots,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PgStore")
    }
}

/// Why the PostgreSQL store failed, besides the database's own errors: the
/// source of a [`StoreError`], for the operator's log.
#[derive(Debug, thiserror::Error)]
enum PgError {
    /// The connection URL could not be understood (the URL itself is not
    /// repeated: it may hold a password).
    #[error("invalid PostgreSQL connection url")]
    InvalidUrl,
    /// The root certificates for TLS could not be loaded.
    #[error("no root certificates for TLS to PostgreSQL: {0}")]
    TlsRoots(String),
    /// The store's own runtime could not be started.
    #[error("the PostgreSQL store's runtime did not start")]
    Runtime(#[source] std::io::Error),
    /// No connection could be had from the pool.
    #[error("no PostgreSQL connection: {0}")]
    Pool(String),
    /// The call ran out of time.
    #[error("PostgreSQL did not answer in time")]
    Timeout,
    /// The listener did not confirm it hears in time.
    #[error("the change listener did not confirm in time")]
    NotHearing,
    /// The store is shutting down.
    #[error("the PostgreSQL store is closed")]
    Closed,
    /// The database stopped answering in time: calls fail at once until it
    /// answers again.
    #[error("PostgreSQL is not answering in time")]
    Unresponsive,
    /// A PostgreSQL-compatible database that lacks what several nodes need.
    #[error("{0}")]
    Unsuited(&'static str),
}

fn pg_error(error: PgError) -> StoreError {
    StoreError {
        kind: StoreErrorKind::Unavailable,
        source: Some(Box::new(error)),
    }
}

/// A database error: integrity constraint violations (class 23: unique,
/// foreign key, not null, check) are `Conflict`, as SQLite's constraint
/// violations are; the rest is `Unavailable`.
fn unavailable(error: tokio_postgres::Error) -> StoreError {
    let kind = match error.code() {
        Some(code) if code.code().starts_with("23") => StoreErrorKind::Conflict,
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

fn not_found() -> StoreError {
    StoreError::new(StoreErrorKind::NotFound)
}

fn changed_one(rows: u64) -> StoreResult<()> {
    if rows == 0 {
        Err(not_found())
    } else {
        Ok(())
    }
}

impl PgStore {
    /// Connects to the database at `url` (a `postgres://` URL or key-value
    /// connection string) and brings its schema to the newest version.
    ///
    /// The password comes from the URL, else `password`, else the
    /// `PGPASSWORD` environment variable. TLS follows the URL's `sslmode`:
    /// `disable` connects in clear, `prefer` (the default) and `require` use
    /// rustls with the system's root certificates, or those of the PEM file
    /// named by `sslrootcert`.
    pub fn connect(url: &str, password: Option<&str>) -> StoreResult<Self> {
        let settings = connect::Settings::parse(url, password)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(WORKERS)
            .thread_name("trent-pg")
            .enable_all()
            .build()
            .map_err(|error| pg_error(PgError::Runtime(error)))?;
        let pool = settings.pool(POOL_SIZE)?;
        let store = Self {
            shared: Arc::new(Shared {
                pool,
                settings,
                hearing: listener::Hearing::default(),
                locks: locks::Slots::default(),
            }),
            handle: runtime.handle().clone(),
            runtime: Some(runtime),
            observer: None,
        };
        store.call_untimed(|client| async move { schema::check_engine(&client).await })?;
        store.call_untimed(|mut client| async move { schema::migrate(&mut client).await })?;
        Ok(store)
    }

    /// This store, reporting how long each of its [`KeyStore`] calls takes to
    /// `observer`.
    pub fn with_observer(mut self, observer: Arc<dyn StoreObserver>) -> Self {
        self.observer = Some(observer);
        self
    }

    /// How many Trent nodes listen on this database now (their listener
    /// sessions): a copy must not run while any does.
    pub fn listening_nodes(&self) -> StoreResult<u64> {
        self.call_untimed(|client| async move {
            let row = query_opt(
                &client,
                "SELECT count(*) FROM pg_stat_activity
                 WHERE datname = current_database() AND application_name = 'trent-listener'",
                &[],
            )
            .await?
            .ok_or_else(corrupt)?;
            u64::try_from(col::<i64>(&row, 0)?).map_err(|_| corrupt())
        })
    }

    /// The schema version of the database.
    pub fn schema_version(&self) -> StoreResult<u32> {
        self.call_untimed(|client| async move { schema::version(&client).await })
    }

    /// Stops the listener, closes every connection and the runtime; called
    /// on clean shutdown. Later calls are `Unavailable`.
    pub fn close(&self) -> StoreResult<()> {
        self.shared.pool.close();
        self.shared.hearing.stop();
        Ok(())
    }

    /// Runs `future` on the store's runtime and waits for its answer on
    /// this thread (never through the caller's runtime, if any).
    fn block<T: Send + 'static>(
        &self,
        future: impl Future<Output = StoreResult<T>> + Send + 'static,
    ) -> StoreResult<T> {
        let (sender, receiver) = std::sync::mpsc::sync_channel(1);
        self.handle.spawn(async move {
            let _ = sender.send(future.await);
        });
        // The future bounds itself; this bound only guards against a stalled
        // runtime. A task that panicked drops its sender: `Unavailable` too.
        match receiver.recv_timeout(STORE_TIMEOUT + Duration::from_secs(2)) {
            Ok(result) => result,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => Err(pg_error(PgError::Timeout)),
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => Err(pg_error(PgError::Closed)),
        }
    }

    /// Runs `work` with a pooled connection, within [`STORE_TIMEOUT`].
    fn call_untimed<T, F, Fut>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(Client) -> Fut + Send + 'static,
        Fut: Future<Output = StoreResult<T>> + Send + 'static,
    {
        // A database found not answering fails calls at once, and calls
        // under way give up, rather than each waiting out its timeout
        // (on an async worker, for reads).
        if self.shared.hearing.unresponsive() {
            return Err(pg_error(PgError::Unresponsive));
        }
        let shared = self.shared.clone();
        self.block(async move {
            let pool = shared.pool.clone();
            let attempt = async move {
                let client = pool
                    .get()
                    .await
                    .map_err(|error| pg_error(PgError::Pool(error.to_string())))?;
                work(client).await
            };
            tokio::select! {
                result = tokio::time::timeout(STORE_TIMEOUT, attempt) => match result {
                    Ok(result) => result,
                    Err(_) => Err(pg_error(PgError::Timeout)),
                },
                () = shared.hearing.until_unresponsive() => Err(pg_error(PgError::Unresponsive)),
            }
        })
    }

    /// One [`KeyStore`] call: [`Self::call_untimed`], reported to the
    /// observer as `operation`.
    fn call<T, F, Fut>(&self, operation: &'static str, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(Client) -> Fut + Send + 'static,
        Fut: Future<Output = StoreResult<T>> + Send + 'static,
    {
        let Some(observer) = &self.observer else {
            return self.call_untimed(work);
        };
        let started = Instant::now();
        let result = self.call_untimed(work);
        observer.observe(operation, started.elapsed());
        result
    }
}

impl Drop for PgStore {
    fn drop(&mut self) {
        self.shared.hearing.stop();
        // A runtime may not be dropped (which waits) inside another
        // runtime, where the store may well be dropped: let it go instead.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// Prepares (once per connection) and runs a statement; answers how many
/// rows it changed.
async fn execute(
    client: &impl GenericClient,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> StoreResult<u64> {
    let statement = client.prepare_cached(sql).await.map_err(unavailable)?;
    client
        .execute(&statement, params)
        .await
        .map_err(unavailable)
}

/// Prepares (once per connection) and runs a query.
async fn query(
    client: &impl GenericClient,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> StoreResult<Vec<Row>> {
    let statement = client.prepare_cached(sql).await.map_err(unavailable)?;
    client.query(&statement, params).await.map_err(unavailable)
}

/// Prepares (once per connection) and runs a query of at most one row.
async fn query_opt(
    client: &impl GenericClient,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> StoreResult<Option<Row>> {
    let statement = client.prepare_cached(sql).await.map_err(unavailable)?;
    client
        .query_opt(&statement, params)
        .await
        .map_err(unavailable)
}

/// Column `index` of `row`; `Corrupt` if it does not hold a `T`.
fn col<'a, T: FromSql<'a>>(row: &'a Row, index: usize) -> StoreResult<T> {
    row.try_get(index).map_err(|_| corrupt())
}

/// A BIGINT column holding a `u32`.
fn col_u32(row: &Row, index: usize) -> StoreResult<u32> {
    u32::try_from(col::<i64>(row, index)?).map_err(|_| corrupt())
}

/// A nullable BIGINT column holding a `u32`.
fn col_opt_u32(row: &Row, index: usize) -> StoreResult<Option<u32>> {
    col::<Option<i64>>(row, index)?
        .map(|value| u32::try_from(value).map_err(|_| corrupt()))
        .transpose()
}

/// A BIGINT column holding a boolean as 0 or 1 (the SQLite layout's).
fn col_bool(row: &Row, index: usize) -> StoreResult<bool> {
    Ok(col::<i64>(row, index)? != 0)
}

/// A nullable BIGINT column of milliseconds.
fn col_opt_time(row: &Row, index: usize) -> StoreResult<Option<Timestamp>> {
    Ok(col::<Option<i64>>(row, index)?.map(Timestamp::from_millis))
}

/// A LIMIT for `limit` items and one more (to tell whether a page follows).
fn limit_plus_one(limit: u32) -> i64 {
    i64::from(limit) + 1
}

impl KeyStore for PgStore {
    fn meta(&self, name: &str) -> StoreResult<Option<Vec<u8>>> {
        let name = name.to_owned();
        self.call("meta", move |client| async move {
            meta::meta(&client, &name).await
        })
    }

    fn set_meta(&self, name: &str, value: &[u8]) -> StoreResult<()> {
        let (name, value) = (name.to_owned(), value.to_vec());
        self.call("set_meta", move |client| async move {
            meta::set_meta(&client, &name, &value).await
        })
    }

    fn insert_meta(&self, name: &str, value: &[u8]) -> StoreResult<Vec<u8>> {
        let (name, value) = (name.to_owned(), value.to_vec());
        self.call("insert_meta", move |mut client| async move {
            meta::insert_meta(&mut client, &name, &value).await
        })
    }

    fn update_meta(&self, changes: &[(&str, Option<&[u8]>)]) -> StoreResult<()> {
        let changes: Vec<(String, Option<Vec<u8>>)> = changes
            .iter()
            .map(|(name, value)| ((*name).to_owned(), value.map(<[u8]>::to_vec)))
            .collect();
        self.call("update_meta", move |mut client| async move {
            meta::update_meta(&mut client, &changes).await
        })
    }

    fn sealed_values(
        &self,
        after: Option<&SealedPlace>,
        limit: u32,
    ) -> StoreResult<Vec<SealedValue>> {
        let after = after.cloned();
        self.call("sealed_values", move |client| async move {
            sealed::sealed_values(&client, after.as_ref(), limit).await
        })
    }

    fn count_sealed_values(&self) -> StoreResult<u64> {
        self.call("count_sealed_values", move |client| async move {
            sealed::count_sealed_values(&client).await
        })
    }

    fn replace_sealed(&self, changes: &[SealedChange]) -> StoreResult<u64> {
        let changes = changes.to_vec();
        self.call("replace_sealed", move |mut client| async move {
            sealed::replace_sealed(&mut client, &changes).await
        })
    }

    fn insert_account(&self, account: &AccountId, created_at: Timestamp) -> StoreResult<()> {
        let account = account.clone();
        self.call("insert_account", move |client| async move {
            identities::insert_account(&client, &account, created_at).await
        })
    }

    fn accounts(&self) -> StoreResult<Vec<AccountId>> {
        self.call("accounts", move |client| async move {
            identities::accounts(&client).await
        })
    }

    fn insert_access_key(&self, record: &AccessKeyRecord) -> StoreResult<()> {
        let record = record.clone();
        self.call("insert_access_key", move |mut client| async move {
            identities::insert_access_key(&mut client, &record).await
        })
    }

    fn access_key(&self, access_key_id: &str) -> StoreResult<Option<AccessKeyRecord>> {
        let access_key_id = access_key_id.to_owned();
        self.call("access_key", move |client| async move {
            identities::access_key(&client, &access_key_id).await
        })
    }

    fn access_keys(
        &self,
        account: &AccountId,
        user: Option<&str>,
    ) -> StoreResult<Vec<AccessKeyRecord>> {
        let (account, user) = (account.clone(), user.map(str::to_owned));
        self.call("access_keys", move |client| async move {
            identities::access_keys(&client, &account, user.as_deref()).await
        })
    }

    fn set_access_key_active(&self, access_key_id: &str, active: bool) -> StoreResult<()> {
        let access_key_id = access_key_id.to_owned();
        self.call("set_access_key_active", move |mut client| async move {
            identities::set_access_key_active(&mut client, &access_key_id, active).await
        })
    }

    fn delete_access_key(&self, access_key_id: &str) -> StoreResult<()> {
        let access_key_id = access_key_id.to_owned();
        self.call("delete_access_key", move |mut client| async move {
            identities::delete_access_key(&mut client, &access_key_id).await
        })
    }

    fn insert_principal(&self, record: &PrincipalRecord) -> StoreResult<()> {
        let record = record.clone();
        self.call("insert_principal", move |mut client| async move {
            identities::insert_principal(&mut client, &record).await
        })
    }

    fn principal(
        &self,
        account: &AccountId,
        kind: PrincipalKind,
        name: &str,
    ) -> StoreResult<Option<PrincipalRecord>> {
        let (account, name) = (account.clone(), name.to_owned());
        self.call("principal", move |client| async move {
            identities::principal(&client, &account, kind, &name).await
        })
    }

    fn principals(
        &self,
        account: &AccountId,
        kind: PrincipalKind,
    ) -> StoreResult<Vec<PrincipalRecord>> {
        let account = account.clone();
        self.call("principals", move |client| async move {
            identities::principals(&client, &account, kind).await
        })
    }

    fn update_principal(&self, record: &PrincipalRecord) -> StoreResult<()> {
        let record = record.clone();
        self.call("update_principal", move |mut client| async move {
            identities::update_principal(&mut client, &record).await
        })
    }

    fn delete_principal(
        &self,
        account: &AccountId,
        kind: PrincipalKind,
        name: &str,
    ) -> StoreResult<()> {
        let (account, name) = (account.clone(), name.to_owned());
        self.call("delete_principal", move |mut client| async move {
            identities::delete_principal(&mut client, &account, kind, &name).await
        })
    }

    fn put_identity_policy(
        &self,
        account: &AccountId,
        kind: PrincipalKind,
        principal: &str,
        policy: &IdentityPolicyRecord,
    ) -> StoreResult<()> {
        let (account, principal, policy) = (account.clone(), principal.to_owned(), policy.clone());
        self.call("put_identity_policy", move |mut client| async move {
            identities::put_identity_policy(&mut client, &account, kind, &principal, &policy).await
        })
    }

    fn identity_policies(
        &self,
        account: &AccountId,
        kind: PrincipalKind,
        principal: &str,
    ) -> StoreResult<Vec<IdentityPolicyRecord>> {
        let (account, principal) = (account.clone(), principal.to_owned());
        self.call("identity_policies", move |client| async move {
            identities::identity_policies(&client, &account, kind, &principal).await
        })
    }

    fn delete_identity_policy(
        &self,
        account: &AccountId,
        kind: PrincipalKind,
        principal: &str,
        policy_name: &str,
    ) -> StoreResult<()> {
        let (account, principal, policy_name) = (
            account.clone(),
            principal.to_owned(),
            policy_name.to_owned(),
        );
        self.call("delete_identity_policy", move |mut client| async move {
            identities::delete_identity_policy(
                &mut client,
                &account,
                kind,
                &principal,
                &policy_name,
            )
            .await
        })
    }

    fn insert_key(
        &self,
        key: &KeyRecord,
        material: Option<&MaterialRecord>,
        tags: &[Tag],
    ) -> StoreResult<()> {
        let (key, material, tags) = (key.clone(), material.cloned(), tags.to_vec());
        self.call("insert_key", move |mut client| async move {
            keys::insert_key(&mut client, &key, material.as_ref(), &tags).await
        })
    }

    fn insert_keys(&self, keys: &[(KeyRecord, MaterialRecord)]) -> StoreResult<()> {
        let keys = keys.to_vec();
        self.call("insert_keys", move |mut client| async move {
            keys::insert_keys(&mut client, &keys).await
        })
    }

    fn key(&self, key_id: &KeyId, region: &Region) -> StoreResult<Option<KeyRecord>> {
        let (key_id, region) = (*key_id, region.clone());
        self.call("key", move |client| async move {
            keys::key(&client, &key_id, &region).await
        })
    }

    fn any_region_key(&self, key_id: &KeyId) -> StoreResult<Option<KeyRecord>> {
        let key_id = *key_id;
        self.call("any_region_key", move |client| async move {
            keys::any_region_key(&client, &key_id).await
        })
    }

    fn update_key(&self, key: &KeyRecord) -> StoreResult<()> {
        let key = key.clone();
        self.call("update_key", move |mut client| async move {
            keys::update_key_now(&mut client, &key).await
        })
    }

    fn insert_replica(&self, key: &KeyRecord, tags: &[Tag]) -> StoreResult<()> {
        let (key, tags) = (key.clone(), tags.to_vec());
        self.call("insert_replica", move |mut client| async move {
            keys::insert_replica(&mut client, &key, &tags).await
        })
    }

    fn set_primary_region(&self, key_id: &KeyId, region: &Region) -> StoreResult<()> {
        let (key_id, region) = (*key_id, region.clone());
        self.call("set_primary_region", move |mut client| async move {
            keys::set_primary_region(&mut client, &key_id, &region).await
        })
    }

    fn list_keys(&self, scope: &Scope, after: Option<i64>, limit: u32) -> StoreResult<Page<KeyId>> {
        let scope = scope.clone();
        self.call("list_keys", move |client| async move {
            keys::list_keys(&client, &scope, after, limit).await
        })
    }

    fn key_material(&self, key_id: &KeyId, version: u32) -> StoreResult<Option<SealedKeyMaterial>> {
        let key_id = *key_id;
        self.call("key_material", move |client| async move {
            keys::key_material(&client, &key_id, version).await
        })
    }

    fn add_material(&self, key: &KeyRecord, material: &MaterialRecord) -> StoreResult<()> {
        let (key, material) = (key.clone(), material.clone());
        self.call("add_material", move |mut client| async move {
            keys::add_material(&mut client, &key, &material).await
        })
    }

    fn put_material(
        &self,
        key: &KeyRecord,
        material: &MaterialRecord,
        token: Option<(&str, Timestamp)>,
    ) -> StoreResult<()> {
        let (key, material) = (key.clone(), material.clone());
        let token = token.map(|(id, expires_at)| (id.to_owned(), expires_at));
        self.call("put_material", move |mut client| async move {
            let token = token.as_ref().map(|(id, at)| (id.as_str(), *at));
            keys::put_material(&mut client, &key, &material, token).await
        })
    }

    fn rotate_to_material(
        &self,
        key: &KeyRecord,
        version: u32,
        rotation: RotationType,
        at: Timestamp,
    ) -> StoreResult<()> {
        let key = key.clone();
        self.call("rotate_to_material", move |mut client| async move {
            keys::rotate_to_material(&mut client, &key, version, rotation, at).await
        })
    }

    fn delete_material(&self, key: &KeyRecord, version: u32) -> StoreResult<()> {
        let key = key.clone();
        self.call("delete_material", move |mut client| async move {
            keys::delete_material(&mut client, &key, version).await
        })
    }

    fn forget_import_tokens(&self, now: Timestamp) -> StoreResult<u64> {
        self.call("forget_import_tokens", move |client| async move {
            keys::forget_import_tokens(&client, now).await
        })
    }

    fn materials(&self, key_id: &KeyId) -> StoreResult<Vec<MaterialInfo>> {
        let key_id = *key_id;
        self.call("materials", move |client| async move {
            keys::materials(&client, &key_id).await
        })
    }

    fn delete_key(&self, key_id: &KeyId, region: &Region) -> StoreResult<bool> {
        let (key_id, region) = (*key_id, region.clone());
        self.call("delete_key", move |mut client| async move {
            keys::delete_key(&mut client, &key_id, &region).await
        })
    }

    fn key_last_usage(
        &self,
        key_id: &KeyId,
        region: &Region,
    ) -> StoreResult<Option<KeyUsageRecord>> {
        let (key_id, region) = (*key_id, region.clone());
        self.call("key_last_usage", move |client| async move {
            usage::key_last_usage(&client, &key_id, &region).await
        })
    }

    fn record_key_usage(&self, usages: &[KeyUsageRecord]) -> StoreResult<()> {
        let usages = usages.to_vec();
        self.call("record_key_usage", move |mut client| async move {
            usage::record_key_usage(&mut client, &usages).await
        })
    }

    fn count_keys_by_state(&self) -> StoreResult<Vec<(KeyState, u64)>> {
        self.call("count_keys_by_state", move |client| async move {
            keys::count_keys_by_state(&client).await
        })
    }

    fn keys_due(&self, now: Timestamp) -> StoreResult<Vec<(KeyId, Region)>> {
        self.call("keys_due", move |client| async move {
            keys::keys_due(&client, now).await
        })
    }

    fn insert_grant(&self, grant: &GrantRecord) -> StoreResult<()> {
        let grant = grant.clone();
        self.call("insert_grant", move |mut client| async move {
            grants::insert_grant(&mut client, &grant).await
        })
    }

    fn grants(&self, key_id: &KeyId, region: &Region) -> StoreResult<Vec<GrantRecord>> {
        let (key_id, region) = (*key_id, region.clone());
        self.call("grants", move |client| async move {
            grants::grants(&client, &key_id, &region).await
        })
    }

    fn grant(&self, grant_id: &str) -> StoreResult<Option<GrantRecord>> {
        let grant_id = grant_id.to_owned();
        self.call("grant", move |client| async move {
            grants::grant(&client, &grant_id).await
        })
    }

    fn retirable_grants(&self, retiring: &str) -> StoreResult<Vec<GrantRecord>> {
        let retiring = retiring.to_owned();
        self.call("retirable_grants", move |client| async move {
            grants::retirable_grants(&client, &retiring).await
        })
    }

    fn delete_grant(&self, grant_id: &str) -> StoreResult<()> {
        let grant_id = grant_id.to_owned();
        self.call("delete_grant", move |mut client| async move {
            grants::delete_grant(&mut client, &grant_id).await
        })
    }

    fn alias(&self, scope: &Scope, name: &AliasName) -> StoreResult<Option<AliasRecord>> {
        let (scope, name) = (scope.clone(), name.clone());
        self.call("alias", move |client| async move {
            aliases::alias(&client, &scope, &name).await
        })
    }

    fn insert_alias(&self, alias: &AliasRecord) -> StoreResult<()> {
        let alias = alias.clone();
        self.call("insert_alias", move |mut client| async move {
            aliases::insert_alias(&mut client, &alias).await
        })
    }

    fn update_alias(&self, alias: &AliasRecord) -> StoreResult<()> {
        let alias = alias.clone();
        self.call("update_alias", move |mut client| async move {
            aliases::update_alias(&mut client, &alias).await
        })
    }

    fn delete_alias(&self, scope: &Scope, name: &AliasName) -> StoreResult<()> {
        let (scope, name) = (scope.clone(), name.clone());
        self.call("delete_alias", move |mut client| async move {
            aliases::delete_alias(&mut client, &scope, &name).await
        })
    }

    fn list_aliases(
        &self,
        scope: &Scope,
        target: Option<&KeyId>,
        after: Option<i64>,
        limit: u32,
    ) -> StoreResult<Page<AliasRecord>> {
        let (scope, target) = (scope.clone(), target.copied());
        self.call("list_aliases", move |client| async move {
            aliases::list_aliases(&client, &scope, target.as_ref(), after, limit).await
        })
    }

    fn tags(&self, key_id: &KeyId, region: &Region) -> StoreResult<Vec<Tag>> {
        let (key_id, region) = (*key_id, region.clone());
        self.call("tags", move |client| async move {
            tags::tags(&client, &key_id, &region).await
        })
    }

    fn put_tags(&self, key_id: &KeyId, region: &Region, tags: &[Tag]) -> StoreResult<()> {
        let (key_id, region, tags) = (*key_id, region.clone(), tags.to_vec());
        self.call("put_tags", move |mut client| async move {
            tags::put_tags(&mut client, &key_id, &region, &tags).await
        })
    }

    fn remove_tags(&self, key_id: &KeyId, region: &Region, tag_keys: &[String]) -> StoreResult<()> {
        let (key_id, region, tag_keys) = (*key_id, region.clone(), tag_keys.to_vec());
        self.call("remove_tags", move |mut client| async move {
            tags::remove_tags(&mut client, &key_id, &region, &tag_keys).await
        })
    }

    fn watch(&self, listener: Arc<dyn ChangeListener>) -> StoreResult<bool> {
        listener::watch(&self.shared, &self.handle, listener);
        Ok(true)
    }

    fn hearing(&self) -> bool {
        self.shared.hearing.hearing()
    }

    fn lock(&self, lock: StoreLock) -> StoreResult<Option<Box<dyn StoreGuard>>> {
        if self.shared.hearing.unresponsive() {
            return Err(pg_error(PgError::Unresponsive));
        }
        let shared = self.shared.clone();
        let handle = self.handle.clone();
        match lock {
            StoreLock::Writes => self
                .block(async move { locks::writes(shared, handle).await })
                .map(|guard| Some(Box::new(guard) as Box<dyn StoreGuard>)),
            StoreLock::Maintenance => self
                .block(async move { locks::maintenance(shared, handle).await })
                .map(|guard| guard.map(|guard| Box::new(guard) as Box<dyn StoreGuard>)),
        }
    }

    fn ping(&self) -> StoreResult<()> {
        if self.shared.hearing.unresponsive() {
            return Err(pg_error(PgError::Unresponsive));
        }
        let pool = self.shared.pool.clone();
        self.block(async move {
            let attempt = async move {
                let client = pool
                    .get()
                    .await
                    .map_err(|error| pg_error(PgError::Pool(error.to_string())))?;
                query(&client, "SELECT 1", &[]).await.map(drop)
            };
            match tokio::time::timeout(PING_TIMEOUT, attempt).await {
                Ok(result) => result,
                Err(_) => Err(pg_error(PgError::Timeout)),
            }
        })
    }
}

#[cfg(test)]
mod tests;
