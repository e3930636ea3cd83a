//! Store latency: a [`KeyStore`] that times every call of the one it wraps
//! into `trent_store_operation_duration_seconds{operation}`.

use std::sync::Arc;
use std::time::Instant;

use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use trent_core::id::{AccountId, AliasName, KeyId, Scope};
use trent_core::key::Tag;
use trent_core::sealed::SealedKeyMaterial;
use trent_store::record::{
    AccessKeyRecord, AliasRecord, GrantRecord, IdentityPolicyRecord, KeyRecord, MaterialInfo,
    MaterialRecord, Page, PrincipalKind, PrincipalRecord,
};
use trent_store::{KeyStore, StoreResult};

use crate::metrics::StoreLabels;

/// The wrapped store and the histograms its calls are timed into.
pub(crate) struct TimedStore {
    pub(crate) inner: Arc<dyn KeyStore>,
    pub(crate) latency: Family<StoreLabels, Histogram>,
}

impl TimedStore {
    fn time<T>(&self, operation: &'static str, call: impl FnOnce() -> T) -> T {
        let started = Instant::now();
        let result = call();
        self.latency
            .get_or_create(&StoreLabels { operation })
            .observe(started.elapsed().as_secs_f64());
        result
    }
}

/// Implements every method of [`KeyStore`] as a timed call of the inner one.
macro_rules! timed {
    ($(fn $name:ident(&self $(, $arg:ident: $ty:ty)*) -> $ret:ty;)*) => {
        impl KeyStore for TimedStore {
            $(
                fn $name(&self $(, $arg: $ty)*) -> $ret {
                    self.time(stringify!($name), || self.inner.$name($($arg),*))
                }
            )*
        }
    };
}

timed! {
    fn meta(&self, name: &str) -> StoreResult<Option<Vec<u8>>>;
    fn set_meta(&self, name: &str, value: &[u8]) -> StoreResult<()>;
    fn insert_account(&self, account: &AccountId, created_at: trent_core::clock::Timestamp) -> StoreResult<()>;
    fn accounts(&self) -> StoreResult<Vec<AccountId>>;
    fn insert_access_key(&self, record: &AccessKeyRecord) -> StoreResult<()>;
    fn access_key(&self, access_key_id: &str) -> StoreResult<Option<AccessKeyRecord>>;
    fn access_keys(&self, account: &AccountId, user: Option<&str>) -> StoreResult<Vec<AccessKeyRecord>>;
    fn set_access_key_active(&self, access_key_id: &str, active: bool) -> StoreResult<()>;
    fn delete_access_key(&self, access_key_id: &str) -> StoreResult<()>;
    fn insert_principal(&self, record: &PrincipalRecord) -> StoreResult<()>;
    fn principal(&self, account: &AccountId, kind: PrincipalKind, name: &str) -> StoreResult<Option<PrincipalRecord>>;
    fn principals(&self, account: &AccountId, kind: PrincipalKind) -> StoreResult<Vec<PrincipalRecord>>;
    fn update_principal(&self, record: &PrincipalRecord) -> StoreResult<()>;
    fn delete_principal(&self, account: &AccountId, kind: PrincipalKind, name: &str) -> StoreResult<()>;
    fn put_identity_policy(&self, account: &AccountId, kind: PrincipalKind, principal: &str, policy: &IdentityPolicyRecord) -> StoreResult<()>;
    fn identity_policies(&self, account: &AccountId, kind: PrincipalKind, principal: &str) -> StoreResult<Vec<IdentityPolicyRecord>>;
    fn delete_identity_policy(&self, account: &AccountId, kind: PrincipalKind, principal: &str, policy_name: &str) -> StoreResult<()>;
    fn insert_key(&self, key: &KeyRecord, material: &MaterialRecord, tags: &[Tag]) -> StoreResult<()>;
    fn insert_keys(&self, keys: &[(KeyRecord, MaterialRecord)]) -> StoreResult<()>;
    fn key(&self, key_id: &KeyId) -> StoreResult<Option<KeyRecord>>;
    fn update_key(&self, key: &KeyRecord) -> StoreResult<()>;
    fn list_keys(&self, scope: &Scope, after: Option<i64>, limit: u32) -> StoreResult<Page<KeyId>>;
    fn key_material(&self, key_id: &KeyId, version: u32) -> StoreResult<Option<SealedKeyMaterial>>;
    fn add_material(&self, key: &KeyRecord, material: &MaterialRecord) -> StoreResult<()>;
    fn materials(&self, key_id: &KeyId) -> StoreResult<Vec<MaterialInfo>>;
    fn delete_key(&self, key_id: &KeyId) -> StoreResult<()>;
    fn count_keys_by_state(&self) -> StoreResult<Vec<(trent_core::key::KeyState, u64)>>;
    fn keys_due(&self, now: trent_core::clock::Timestamp) -> StoreResult<Vec<KeyId>>;
    fn insert_grant(&self, grant: &GrantRecord) -> StoreResult<()>;
    fn grants(&self, key_id: &KeyId) -> StoreResult<Vec<GrantRecord>>;
    fn grant(&self, grant_id: &str) -> StoreResult<Option<GrantRecord>>;
    fn retirable_grants(&self, retiring: &str) -> StoreResult<Vec<GrantRecord>>;
    fn delete_grant(&self, grant_id: &str) -> StoreResult<()>;
    fn alias(&self, scope: &Scope, name: &AliasName) -> StoreResult<Option<AliasRecord>>;
    fn insert_alias(&self, alias: &AliasRecord) -> StoreResult<()>;
    fn update_alias(&self, alias: &AliasRecord) -> StoreResult<()>;
    fn delete_alias(&self, scope: &Scope, name: &AliasName) -> StoreResult<()>;
    fn list_aliases(&self, scope: &Scope, target: Option<&KeyId>, after: Option<i64>, limit: u32) -> StoreResult<Page<AliasRecord>>;
    fn tags(&self, key_id: &KeyId) -> StoreResult<Vec<Tag>>;
    fn put_tags(&self, key_id: &KeyId, tags: &[Tag]) -> StoreResult<()>;
    fn remove_tags(&self, key_id: &KeyId, tag_keys: &[String]) -> StoreResult<()>;
}
