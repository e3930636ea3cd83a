//! CreateKey: a new key of any spec with fresh material, sealed under the root key.

use trent_core::error::{ImportProblem, KmsError, TagProblem};
use trent_core::id::{KeyId, Scope};
use trent_core::key::{KeyManager, KeySpec, KeyState, KeyUsage, Origin, Tag};
use trent_core::operation::Operation;
use trent_core::quota::MAX_TAGS_PER_KEY;
use trent_core::view::CreateKeyInput;
use trent_core::view::KeyMetadata;
use trent_store::record::{KeyRecord, MaterialRecord};

use crate::authorize::Facts;
use crate::metadata::key_metadata;
use crate::{store_failed, Caller, Kms};

impl Kms {
    /// CreateKey.
    pub fn create_key(
        &self,
        caller: &Caller,
        input: CreateKeyInput,
    ) -> Result<KeyMetadata, KmsError> {
        self.authorize_identity_only(
            caller,
            Operation::CreateKey.action(),
            Facts {
                request_tags: Some(&input.tags),
                bypass_lockout: Some(input.bypass_policy_lockout_safety_check),
                new_key: Some((input.spec, input.usage, input.origin, input.multi_region)),
                ..Facts::default()
            },
        )?;
        check_new_tags(&[], &input.tags)?;
        let scope = caller.scope();
        let key_id = if input.multi_region {
            new_multi_region_key_id()?
        } else {
            new_key_id()?
        };
        let policy = match input.policy {
            Some(policy) => {
                self.check_new_policy(
                    caller,
                    &scope.key_arn(&key_id),
                    &policy,
                    input.bypass_policy_lockout_safety_check,
                )?;
                policy
            }
            None => default_key_policy(&scope.root_arn()),
        };
        let shape = (input.spec, input.usage, input.origin);
        if input.origin == Origin::External {
            if !super::imported::importable(input.spec) {
                return Err(KmsError::Import(ImportProblem::Spec(input.spec)));
            }
            // No material until ImportKeyMaterial brings it.
            let mut record = self.new_key_record(key_id, scope, input.description, policy, shape);
            record.state = KeyState::PendingImport;
            record.current_material_version = 0;
            self.store
                .insert_key(&record, None, &input.tags)
                .map_err(store_failed)?;
            return Ok(key_metadata(&record));
        }
        // Generated first (RSA takes seconds), sealed and stored under the gate.
        let fresh = self.new_material(input.spec)?;
        let _sealing = self.sealing();
        let (mut record, material) =
            self.new_key(key_id, scope, input.description, policy, shape, &fresh)?;
        if input.multi_region {
            // A new multi-Region key is the primary, in the caller's Region.
            record.multi_region = true;
            record.primary_region = Some(scope.region.clone());
        }
        self.store
            .insert_key(&record, Some(&material), &input.tags)
            .map_err(store_failed)?;
        Ok(key_metadata(&record))
    }

    /// Creates `count` default symmetric keys for `caller` in batches of one
    /// transaction each: the records CreateKey writes, for load tests of
    /// large stores (`trent bench-seed`). Returns the number created.
    pub fn seed_keys(
        &self,
        caller: &Caller,
        count: usize,
        batch: usize,
    ) -> Result<usize, KmsError> {
        let scope = caller.scope();
        let policy = default_key_policy(&scope.root_arn());
        let shape = (
            KeySpec::SymmetricDefault,
            KeyUsage::EncryptDecrypt,
            Origin::AwsKms,
        );
        let mut created = 0;
        while created < count {
            let size = batch.max(1).min(count - created);
            let _sealing = self.sealing();
            let rows = (0..size)
                .map(|_| {
                    let fresh = self.new_material(shape.0)?;
                    self.new_key(
                        new_key_id()?,
                        scope,
                        String::new(),
                        policy.clone(),
                        shape,
                        &fresh,
                    )
                })
                .collect::<Result<Vec<_>, _>>()?;
            self.store.insert_keys(&rows).map_err(store_failed)?;
            created += size;
        }
        Ok(created)
    }

    /// A new enabled key with fresh material sealed under the root key.
    fn new_key(
        &self,
        key_id: KeyId,
        scope: &Scope,
        description: String,
        policy: String,
        shape: (KeySpec, KeyUsage, Origin),
        fresh: &super::material::FreshMaterial,
    ) -> Result<(KeyRecord, MaterialRecord), KmsError> {
        let sealed = self.seal_material(&key_id, 1, fresh)?;
        let record = self.new_key_record(key_id, scope, description, policy, shape);
        let material = MaterialRecord {
            version: 1,
            sealed,
            created_at: record.created_at,
            rotation: None,
            import: None,
        };
        Ok((record, material))
    }

    /// A new enabled key's record, with material version 1.
    fn new_key_record(
        &self,
        key_id: KeyId,
        scope: &Scope,
        description: String,
        policy: String,
        (spec, usage, origin): (KeySpec, KeyUsage, Origin),
    ) -> KeyRecord {
        KeyRecord {
            key_id,
            scope: scope.clone(),
            created_at: self.clock.now(),
            description,
            state: KeyState::Enabled,
            spec,
            usage,
            origin,
            manager: KeyManager::Customer,
            multi_region: false,
            deletion_date: None,
            pending_window_days: None,
            policy,
            rotation_enabled: false,
            rotation_period_days: None,
            current_material_version: 1,
            next_rotation_at: None,
            imported: Default::default(),
            primary_region: None,
            replica_regions: Vec::new(),
        }
    }
}

/// A fresh random (version 4) key id.
fn new_key_id() -> Result<KeyId, KmsError> {
    let mut bytes = [0u8; 16];
    trent_crypto::aead::fill_random(&mut bytes)
        .map_err(|error| KmsError::internal("generating a key id", error))?;
    Ok(KeyId::from_bytes(
        *uuid::Builder::from_random_bytes(bytes).as_uuid().as_bytes(),
    ))
}

/// A fresh random multi-Region key id: a version-8 UUID, written `mrk-`
/// and 32 hex digits (`docs/ciphertext-format.md`).
fn new_multi_region_key_id() -> Result<KeyId, KmsError> {
    let mut bytes = [0u8; 16];
    trent_crypto::aead::fill_random(&mut bytes)
        .map_err(|error| KmsError::internal("generating a key id", error))?;
    let key_id = KeyId::from_bytes(*uuid::Builder::from_custom_bytes(bytes).as_uuid().as_bytes());
    debug_assert!(key_id.is_multi_region());
    Ok(key_id)
}

/// The key policy AWS gives a key created without one: the account root may
/// do everything, which delegates access to the account's identity policies.
pub(crate) fn default_key_policy(root_arn: &str) -> String {
    format!(
        r#"{{
  "Version" : "2012-10-17",
  "Id" : "key-default-1",
  "Statement" : [ {{
    "Sid" : "Enable IAM User Permissions",
    "Effect" : "Allow",
    "Principal" : {{
      "AWS" : "{root_arn}"
    }},
    "Action" : "kms:*",
    "Resource" : "*"
  }} ]
}}"#
    )
}

/// Refuses tags that AWS refuses: reserved `aws:` keys, duplicates within the
/// request, and more than 50 tags on the key once applied.
pub(crate) fn check_new_tags(existing: &[Tag], new: &[Tag]) -> Result<(), KmsError> {
    // AWS's order: duplicates in the request, then the count, then each
    // key's prefix; all three are `TagException`s.
    let mut seen = std::collections::BTreeSet::new();
    if !new.iter().all(|tag| seen.insert(tag.key.as_str())) {
        return Err(KmsError::Tag(TagProblem::DuplicateKey));
    }
    let added = new
        .iter()
        .filter(|tag| !existing.iter().any(|old| old.key == tag.key))
        .count();
    if existing.len() + added > MAX_TAGS_PER_KEY {
        return Err(KmsError::Tag(TagProblem::TooMany));
    }
    // `AWS:key1` is as reserved as `aws:key1`.
    let reserved = |key: &str| {
        key.get(..4)
            .is_some_and(|prefix| prefix.eq_ignore_ascii_case("aws:"))
    };
    if new.iter().any(|tag| reserved(&tag.key)) {
        return Err(KmsError::Tag(TagProblem::ReservedPrefix));
    }
    Ok(())
}
