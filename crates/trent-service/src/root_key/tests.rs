use std::sync::Arc;

use trent_core::algorithm::{EncryptionAlgorithm, MacAlgorithm};
use trent_core::clock::{ManualClock, Timestamp};
use trent_core::context::EncryptionContext;
use trent_core::id::{AccountId, KeyReference, Region};
use trent_core::key::{KeySpec, KeyUsage, Origin};
use trent_core::secret::Plaintext;
use trent_core::view::{CreateKeyInput, DecryptInput, EncryptInput, MacInput};
use trent_crypto::root_key::{FileRootKeyProvider, RootKeyProvider, RootKeys};
use trent_store::sqlite::SqliteStore;
use trent_store::KeyStore;

use super::*;
use crate::Caller;

fn file_key(dir: &std::path::Path, name: &str) -> Arc<dyn RootKeyProvider> {
    Arc::new(FileRootKeyProvider::open_or_create(&dir.join(name), true).unwrap())
}

fn root() -> Caller {
    Caller::account_root(
        AccountId::parse("111122223333").unwrap(),
        Region::parse("us-east-1").unwrap(),
    )
}

fn kms(store: &Arc<SqliteStore>, keys: RootKeys) -> Kms {
    let clock = Arc::new(ManualClock::new(Timestamp::from_millis(1_800_000_000_000)));
    let store: Arc<dyn KeyStore> = store.clone();
    Kms::with_root_keys(store, Arc::new(keys), clock)
}

fn create(kms: &Kms, spec: KeySpec, usage: KeyUsage) -> KeyReference {
    let metadata = kms
        .create_key(
            &root(),
            CreateKeyInput {
                description: String::new(),
                policy: None,
                tags: Vec::new(),
                spec,
                usage,
                origin: Origin::AwsKms,
                bypass_policy_lockout_safety_check: false,
                multi_region: false,
            },
        )
        .unwrap();
    KeyReference::parse(&metadata.key_id.to_string()).unwrap()
}

fn mac(kms: &Kms, key: &KeyReference) -> Vec<u8> {
    kms.generate_mac(
        &root(),
        &MacInput {
            key: key.clone(),
            message: Plaintext::copy_from(b"message"),
            algorithm: MacAlgorithm::HmacSha256,
            dry_run: false,
        },
    )
    .unwrap()
    .mac
}

fn decrypt(kms: &Kms, ciphertext: &[u8]) -> Result<Vec<u8>, trent_core::error::KmsError> {
    kms.decrypt(
        &root(),
        &DecryptInput {
            ciphertext: ciphertext.to_vec(),
            context: EncryptionContext::default(),
            key: None,
            algorithm: None,
            dry_run: false,
        },
    )
    .map(|decrypted| decrypted.plaintext.expose().to_vec())
}

/// A data folder with a symmetric key rotated once, an HMAC key, an ECC
/// key, an access key and the sealed metadata, all under `old`.
struct Folder {
    _dir: tempfile::TempDir,
    store: Arc<SqliteStore>,
    old: Arc<dyn RootKeyProvider>,
    new: Arc<dyn RootKeyProvider>,
    ciphertexts: Vec<Vec<u8>>,
    hmac: KeyReference,
    tag: Vec<u8>,
    grant_token: String,
}

fn folder() -> Folder {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(&dir.path().join("trent.db")).unwrap());
    let (old, new) = (file_key(dir.path(), "old"), file_key(dir.path(), "new"));
    let kms = kms(&store, RootKeys::new(old.clone()));
    kms.check_root_key().unwrap();
    kms.record_root_key().unwrap();
    kms.bootstrap(Some(root().account().clone()), |_, _, _| Ok(()))
        .unwrap();
    kms.audit_signer().unwrap();
    let symmetric = create(&kms, KeySpec::SymmetricDefault, KeyUsage::EncryptDecrypt);
    let encrypt = |kms: &Kms| {
        kms.encrypt(
            &root(),
            &EncryptInput {
                key: symmetric.clone(),
                plaintext: Plaintext::copy_from(b"secret"),
                context: EncryptionContext::default(),
                algorithm: EncryptionAlgorithm::SymmetricDefault,
                dry_run: false,
            },
        )
        .unwrap()
        .ciphertext
    };
    let first = encrypt(&kms);
    kms.rotate_key_on_demand(&root(), &symmetric).unwrap();
    let second = encrypt(&kms);
    create(&kms, KeySpec::EccNistP256, KeyUsage::SignVerify);
    let hmac = create(&kms, KeySpec::Hmac256, KeyUsage::GenerateVerifyMac);
    let tag = mac(&kms, &hmac);
    let grant_token = kms
        .create_grant(
            &root(),
            &symmetric,
            trent_core::view::CreateGrantInput {
                grantee: "arn:aws:iam::111122223333:user/app".into(),
                operations: vec!["Decrypt".into()],
                ..Default::default()
            },
        )
        .unwrap()
        .grant_token;
    Folder {
        _dir: dir,
        store,
        old,
        new,
        ciphertexts: vec![first, second],
        hmac,
        tag,
        grant_token,
    }
}

#[test]
fn a_rotation_moves_every_sealed_value_and_the_old_key_can_go() {
    let folder = folder();
    let kms = kms(&folder.store, RootKeys::new(folder.old.clone()));
    assert_eq!(
        kms.root_key_state().unwrap(),
        RootKeyState::Settled(RootKeyRecord::of(folder.old.as_ref()))
    );
    // Four material versions of three keys, one access key, three sealed
    // metadata values (root-key check, audit signing key, token key).
    let before = kms.sealed_by_counts().unwrap();
    assert_eq!(before, vec![(Some(folder.old.id()), 8)]);

    let rotation = kms.begin_root_key_rotation(folder.new.clone()).unwrap();
    assert_eq!(rotation.to, RootKeyRecord::of(folder.new.as_ref()));
    assert!(matches!(
        kms.root_key_state().unwrap(),
        RootKeyState::Rotating(ref r) if *r == rotation
    ));
    assert!(matches!(
        kms.begin_root_key_rotation(folder.new.clone()),
        Err(RootKeyError::AlreadyRotating { .. })
    ));
    // Both keys open during the move; new values are sealed under the new key.
    assert_eq!(decrypt(&kms, &folder.ciphertexts[0]).unwrap(), b"secret");
    create(&kms, KeySpec::SymmetricDefault, KeyUsage::EncryptDecrypt);
    let mut reports = Vec::new();
    let done = kms
        .reseal_all(&mut |progress| reports.push(progress))
        .unwrap();
    assert_eq!(done.resealed, 8);
    assert_eq!(done.total, 9);
    assert!(!reports.is_empty());
    assert_eq!(
        kms.sealed_by_counts().unwrap(),
        vec![(Some(folder.new.id()), 9)]
    );
    assert_eq!(
        kms.root_key_state().unwrap(),
        RootKeyState::Settled(RootKeyRecord::of(folder.new.as_ref()))
    );
    assert!(kms.root_keys().previous().unwrap().is_none());

    // A service holding only the new key opens everything.
    let fresh = self::kms(&folder.store, RootKeys::new(folder.new.clone()));
    fresh.check_root_key().unwrap();
    fresh.audit_signer().unwrap();
    for ciphertext in &folder.ciphertexts {
        assert_eq!(decrypt(&fresh, ciphertext).unwrap(), b"secret");
    }
    assert_eq!(mac(&fresh, &folder.hmac), folder.tag);
    // A token a caller holds was sealed by the token key, which moved.
    fresh
        .check_grant_tokens(std::slice::from_ref(&folder.grant_token))
        .unwrap();
    let (access_key, _) = fresh
        .store
        .sealed_values(None, 100)
        .unwrap()
        .into_iter()
        .find_map(|v| match v.place {
            trent_store::record::SealedPlace::AccessKey { access_key_id } => {
                Some((access_key_id, ()))
            }
            _ => None,
        })
        .unwrap();
    assert!(fresh
        .credentials(&access_key, None, Region::parse("us-east-1").unwrap())
        .unwrap()
        .is_some());
    // And the old one alone opens nothing.
    let stale = self::kms(&folder.store, RootKeys::new(folder.old.clone()));
    assert!(stale.check_root_key().is_err());
    assert!(decrypt(&stale, &folder.ciphertexts[0]).is_err());
    // Rotating to the key in use is refused.
    assert!(matches!(
        fresh.begin_root_key_rotation(folder.new.clone()),
        Err(RootKeyError::SameKey { .. })
    ));
}

#[test]
fn an_interrupted_rotation_resumes_from_either_key_and_skips_what_moved() {
    let folder = folder();
    let kms = kms(&folder.store, RootKeys::new(folder.old.clone()));
    kms.begin_root_key_rotation(folder.new.clone()).unwrap();
    // Move a few values by hand, as a walk cut off midway would have.
    let page = folder.store.sealed_values(None, 2).unwrap();
    for value in &page {
        if let trent_store::record::SealedPlace::KeyMaterial { key_id, version } = &value.place {
            let record = folder
                .store
                .key(key_id, &trent_core::id::Region::parse("us-east-1").unwrap())
                .unwrap()
                .unwrap();
            let sealed = trent_core::sealed::SealedKeyMaterial::from_bytes(value.sealed.clone());
            let moved = if record.spec == KeySpec::SymmetricDefault {
                reseal_key_material(kms.root_keys(), key_id, *version, &sealed)
            } else {
                sealed_key::reseal(kms.root_keys(), key_id, *version, record.spec, &sealed)
            }
            .unwrap()
            .unwrap();
            let change = trent_store::record::SealedChange {
                place: value.place.clone(),
                expected: value.sealed.clone(),
                sealed: moved.as_bytes().to_vec(),
            };
            assert_eq!(folder.store.replace_sealed(&[change]).unwrap(), 1);
        }
    }
    drop(kms);
    // The process died. A start given the new key finds the old one in the record.
    let resumed = self::kms(
        &folder.store,
        RootKeys::moving(folder.new.clone(), folder.old.clone()),
    );
    assert_eq!(
        decrypt(&resumed, &folder.ciphertexts[1]).unwrap(),
        b"secret"
    );
    let done = resumed.reseal_all(&mut |_| {}).unwrap();
    assert_eq!(done.resealed, 8 - page.len() as u64);
    let fresh = self::kms(&folder.store, RootKeys::new(folder.new.clone()));
    for ciphertext in &folder.ciphertexts {
        assert_eq!(decrypt(&fresh, ciphertext).unwrap(), b"secret");
    }
    assert_eq!(mac(&fresh, &folder.hmac), folder.tag);
}

#[test]
fn a_new_root_key_that_does_not_work_is_refused_before_anything_moves() {
    #[derive(Debug)]
    struct Broken;
    impl RootKeyProvider for Broken {
        fn id(&self) -> RootKeyId {
            RootKeyId([9; 8])
        }
        fn kind(&self) -> trent_crypto::root_key::RootKeyKind {
            trent_crypto::root_key::RootKeyKind::Pkcs11
        }
        fn location(&self) -> String {
            "pkcs11:token=gone".into()
        }
        fn seal(&self, _: &[u8], _: &[u8]) -> Result<Vec<u8>, trent_crypto::CryptoError> {
            Err(trent_crypto::CryptoError::RootKeyUnavailable)
        }
        fn open(
            &self,
            _: &[u8],
            _: &[u8],
        ) -> Result<zeroize::Zeroizing<Vec<u8>>, trent_crypto::CryptoError> {
            Err(trent_crypto::CryptoError::RootKeyUnavailable)
        }
    }
    let folder = folder();
    let kms = kms(&folder.store, RootKeys::new(folder.old.clone()));
    let error = kms.begin_root_key_rotation(Arc::new(Broken)).unwrap_err();
    assert!(error.to_string().contains("pkcs11:token=gone"), "{error}");
    assert!(matches!(
        kms.root_key_state().unwrap(),
        RootKeyState::Settled(_)
    ));
    assert_eq!(decrypt(&kms, &folder.ciphertexts[0]).unwrap(), b"secret");
}

#[test]
fn records_read_back_and_damage_is_reported() {
    let record = RootKeyRecord {
        id: RootKeyId([1; 8]),
        location: "/etc/trent/root-key".into(),
    };
    assert_eq!(
        decode_record(encode_record(&record).as_bytes()).unwrap(),
        record
    );
    let rotation = RotationRecord {
        from: record.clone(),
        to: RootKeyRecord {
            id: RootKeyId([2; 8]),
            location: "pkcs11:token=t;object=o?module-path=/m.so".into(),
        },
        started_at: Timestamp::from_millis(5),
    };
    assert_eq!(
        decode_rotation(encode_rotation(&rotation).as_bytes()).unwrap(),
        rotation
    );
    assert!(matches!(
        decode_record(b"v2\nx\ny"),
        Err(RootKeyError::Damaged)
    ));
    assert!(matches!(
        decode_rotation(b"v1\n00"),
        Err(RootKeyError::Damaged)
    ));
    assert!(one_line("a\nb").is_err());
}
