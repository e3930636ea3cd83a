//! In-memory caches of key records, alias targets and opened key material,
//! so that Encrypt, Decrypt and DescribeKey do not read the store.
//!
//! Every write goes through [`crate::Kms`], which invalidates the entries it
//! changes before acknowledging, so reads reflect writes immediately on this
//! node. A generation counter keeps a reader that loaded a record before a
//! concurrent write from caching the stale copy. Opened key material is kept
//! in zeroize-on-drop values; a version's material never changes, so it is
//! only dropped when the cache is full. Each map is bounded: when full it is
//! emptied and refills from the store.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use trent_core::id::{AliasName, KeyId, Region, Scope};
use trent_crypto::asymmetric::{PrivateKey, PublicKey};
use trent_crypto::mac::HmacKey;
use trent_crypto::material::KeyMaterial;
use trent_policy::document::PolicyDocument;
use trent_store::record::KeyRecord;

/// Entries per map before it is emptied.
const CAPACITY: usize = 65_536;

pub(crate) struct Cache {
    generation: AtomicU64,
    /// Key records and policies by id, then Region (related multi-Region
    /// keys share an id): found without allocating, dropped for every
    /// Region of an id at once.
    keys: RwLock<HashMap<KeyId, Regional<Arc<KeyRecord>>>>,
    aliases: RwLock<HashMap<(Scope, AliasName), KeyId>>,
    /// Material is shared by the related keys of every Region.
    materials: RwLock<HashMap<(KeyId, u32), Arc<KeyMaterial>>>,
    opened: RwLock<HashMap<KeyId, Arc<OpenedKey>>>,
    /// Parsed key policies with the text they were parsed from: a policy
    /// is only served for a record holding that same text, so a request
    /// that read a record before a PutKeyPolicy can never cache the old
    /// policy for the records read after it.
    policies: RwLock<HashMap<KeyId, Regional<SourcedPolicy>>>,
}

/// A parsed key policy and the text it was parsed from.
type SourcedPolicy = (Arc<str>, Arc<PolicyDocument>);

/// One value per Region of a key id: almost always one.
type Regional<T> = Vec<(Region, T)>;

fn regional<'a, T>(entries: Option<&'a Regional<T>>, region: &Region) -> Option<&'a T> {
    entries?
        .iter()
        .find(|(at, _)| at == region)
        .map(|(_, value)| value)
}

fn insert_regional<T>(
    map: &mut HashMap<KeyId, Regional<T>>,
    key_id: KeyId,
    region: &Region,
    value: T,
) {
    if map.len() >= CAPACITY {
        map.clear();
    }
    let entries = map.entry(key_id).or_default();
    match entries.iter_mut().find(|(at, _)| at == region) {
        Some((_, slot)) => *slot = value,
        None => entries.push((region.clone(), value)),
    }
}

/// The opened material of an asymmetric or HMAC key (one version each:
/// such keys do not rotate), zeroized as it drops.
#[expect(
    clippy::large_enum_variant,
    reason = "each lives once per key behind an Arc; boxing would add a second allocation"
)]
pub(crate) enum OpenedKey {
    /// A key pair, with its public key derived once.
    Pair {
        /// The private key.
        private: PrivateKey,
        /// Its public key.
        public: PublicKey,
    },
    /// An HMAC key.
    Hmac(HmacKey),
}

impl OpenedKey {
    /// The key pair; an HMAC key here means the store is inconsistent.
    pub(crate) fn pair(&self) -> Result<(&PrivateKey, &PublicKey), trent_core::error::KmsError> {
        match self {
            Self::Pair { private, public } => Ok((private, public)),
            Self::Hmac(_) => Err(trent_core::error::KmsError::internal_text(
                "an asymmetric key opened as an HMAC key",
            )),
        }
    }

    /// The HMAC key; a key pair here means the store is inconsistent.
    pub(crate) fn hmac(&self) -> Result<&HmacKey, trent_core::error::KmsError> {
        match self {
            Self::Hmac(key) => Ok(key),
            Self::Pair { .. } => Err(trent_core::error::KmsError::internal_text(
                "an HMAC key opened as a key pair",
            )),
        }
    }
}

fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|p| p.into_inner())
}

fn write<T>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(|p| p.into_inner())
}

fn insert_bounded<K: Eq + Hash, V>(map: &mut HashMap<K, V>, key: K, value: V) {
    if map.len() >= CAPACITY {
        map.clear();
    }
    map.insert(key, value);
}

impl Cache {
    pub(crate) fn new() -> Self {
        Self {
            generation: AtomicU64::new(0),
            keys: RwLock::new(HashMap::new()),
            aliases: RwLock::new(HashMap::new()),
            materials: RwLock::new(HashMap::new()),
            opened: RwLock::new(HashMap::new()),
            policies: RwLock::new(HashMap::new()),
        }
    }

    /// Read before loading from the store; pass to the `insert_*` call after.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    pub(crate) fn key(&self, key_id: &KeyId, region: &Region) -> Option<Arc<KeyRecord>> {
        regional(read(&self.keys).get(key_id), region).cloned()
    }

    /// Caches a record loaded from the store, unless a write happened since `seen`.
    pub(crate) fn insert_key(&self, seen: u64, record: Arc<KeyRecord>) {
        let mut keys = write(&self.keys);
        if self.generation() == seen {
            let (key_id, region) = (record.key_id, record.scope.region.clone());
            insert_regional(&mut keys, key_id, &region, record);
        }
    }

    /// Drops the records and policies of every Region of the id: what
    /// related keys share (rotation, the primary, the replica list) may
    /// have changed with any of them.
    pub(crate) fn invalidate_key(&self, key_id: &KeyId) {
        let mut keys = write(&self.keys);
        let mut policies = write(&self.policies);
        self.generation.fetch_add(1, Ordering::SeqCst);
        keys.remove(key_id);
        policies.remove(key_id);
    }

    pub(crate) fn policy(
        &self,
        key_id: &KeyId,
        region: &Region,
        source: &str,
    ) -> Option<Arc<PolicyDocument>> {
        regional(read(&self.policies).get(key_id), region)
            .filter(|(text, _)| **text == *source)
            .map(|(_, policy)| policy.clone())
    }

    /// Caches a key's parsed policy, unless a write happened since `seen`.
    pub(crate) fn insert_policy(
        &self,
        seen: u64,
        key_id: KeyId,
        region: &Region,
        source: &str,
        policy: Arc<PolicyDocument>,
    ) {
        let _keys = write(&self.keys);
        let mut policies = write(&self.policies);
        if self.generation() == seen {
            insert_regional(&mut policies, key_id, region, (Arc::from(source), policy));
        }
    }

    pub(crate) fn alias(&self, scope: &Scope, name: &AliasName) -> Option<KeyId> {
        read(&self.aliases)
            .get(&(scope.clone(), name.clone()))
            .copied()
    }

    pub(crate) fn insert_alias(&self, seen: u64, scope: Scope, name: AliasName, target: KeyId) {
        let mut aliases = write(&self.aliases);
        if self.generation() == seen {
            insert_bounded(&mut aliases, (scope, name), target);
        }
    }

    pub(crate) fn invalidate_alias(&self, scope: &Scope, name: &AliasName) {
        let mut aliases = write(&self.aliases);
        self.generation.fetch_add(1, Ordering::SeqCst);
        aliases.remove(&(scope.clone(), name.clone()));
    }

    pub(crate) fn material(&self, key_id: &KeyId, version: u32) -> Option<Arc<KeyMaterial>> {
        read(&self.materials).get(&(*key_id, version)).cloned()
    }

    /// Caches opened material, unless a write (such as the key's deletion)
    /// happened since `seen`.
    pub(crate) fn insert_material(
        &self,
        seen: u64,
        key_id: KeyId,
        version: u32,
        material: Arc<KeyMaterial>,
    ) {
        let mut materials = write(&self.materials);
        if self.generation() == seen {
            insert_bounded(&mut materials, (key_id, version), material);
        }
    }

    pub(crate) fn opened(&self, key_id: &KeyId) -> Option<Arc<OpenedKey>> {
        read(&self.opened).get(key_id).cloned()
    }

    /// Caches an opened asymmetric or HMAC key, unless a write happened since `seen`.
    pub(crate) fn insert_opened(&self, seen: u64, key_id: KeyId, key: Arc<OpenedKey>) {
        let mut opened = write(&self.opened);
        if self.generation() == seen {
            insert_bounded(&mut opened, key_id, key);
        }
    }

    /// Drops everything cached about a deleted key: its record, policy,
    /// opened material (zeroized as it drops) and the aliases pointing to it.
    pub(crate) fn forget_key(&self, key_id: &KeyId) {
        let mut keys = write(&self.keys);
        let mut policies = write(&self.policies);
        let mut aliases = write(&self.aliases);
        let mut materials = write(&self.materials);
        let mut opened = write(&self.opened);
        self.generation.fetch_add(1, Ordering::SeqCst);
        keys.remove(key_id);
        policies.remove(key_id);
        aliases.retain(|_, target| target != key_id);
        materials.retain(|(id, _), _| id != key_id);
        opened.remove(key_id);
    }

    /// Drops everything: what another node changed may be anything, a
    /// key's deletion included (whose material must not stay in memory).
    pub(crate) fn clear(&self) {
        let mut keys = write(&self.keys);
        let mut policies = write(&self.policies);
        let mut aliases = write(&self.aliases);
        let mut materials = write(&self.materials);
        let mut opened = write(&self.opened);
        self.generation.fetch_add(1, Ordering::SeqCst);
        keys.clear();
        policies.clear();
        aliases.clear();
        materials.clear();
        opened.clear();
    }

    /// Drops what is cached about a deleted key of one Region whose
    /// related keys elsewhere live on (so the shared material stays): the
    /// aliases of that Region pointing to it, and the records and policies
    /// of every Region of the id (their replica lists changed).
    pub(crate) fn forget_region(&self, key_id: &KeyId, region: &Region) {
        let mut keys = write(&self.keys);
        let mut policies = write(&self.policies);
        let mut aliases = write(&self.aliases);
        self.generation.fetch_add(1, Ordering::SeqCst);
        keys.remove(key_id);
        policies.remove(key_id);
        aliases.retain(|(scope, _), target| target != key_id || scope.region != *region);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_policy_is_served_only_for_the_text_it_was_parsed_from() {
        let cache = Cache::new();
        let key_id = KeyId::from_bytes([2; 16]);
        let (us, eu) = (
            Region::parse("us-east-1").unwrap(),
            Region::parse("eu-west-1").unwrap(),
        );
        let old = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"}]}"#;
        let parsed = Arc::new(
            PolicyDocument::parse(old, trent_policy::document::PolicyKind::Resource).unwrap(),
        );
        // A request that read its record before a PutKeyPolicy caches the
        // old text; records read after it hold the new text and miss.
        cache.insert_policy(cache.generation(), key_id, &us, old, parsed);
        assert!(cache.policy(&key_id, &us, old).is_some());
        assert!(cache.policy(&key_id, &us, "{\"new\": 1}").is_none());
        // Each Region has its own.
        assert!(cache.policy(&key_id, &eu, old).is_none());
        cache.forget_region(&key_id, &us);
        assert!(cache.policy(&key_id, &us, old).is_none());
    }

    #[test]
    fn a_record_loaded_before_a_write_is_not_cached() {
        let cache = Cache::new();
        let key_id = KeyId::from_bytes([1; 16]);
        let alias = AliasName::parse("alias/a").unwrap();
        let scope = Scope {
            account: trent_core::id::AccountId::parse("111122223333").unwrap(),
            region: trent_core::id::Region::parse("us-east-1").unwrap(),
        };
        let seen = cache.generation();
        cache.invalidate_alias(&scope, &alias);
        cache.insert_alias(seen, scope.clone(), alias.clone(), key_id);
        assert_eq!(cache.alias(&scope, &alias), None);
        let seen = cache.generation();
        cache.insert_alias(seen, scope.clone(), alias.clone(), key_id);
        assert_eq!(cache.alias(&scope, &alias), Some(key_id));
        cache.invalidate_alias(&scope, &alias);
        assert_eq!(cache.alias(&scope, &alias), None);
    }
}
