//! The store conformance suite: checks written against [`KeyStore`] alone,
//! run by each backend's tests on fresh stores (the rustls
//! `rustls-test/tests/api.rs` instantiation pattern).

use trent_core::clock::Timestamp;
use trent_core::id::{AccountId, AliasName, KeyId, Region, Scope};
use trent_core::key::{KeyManager, KeySpec, KeyState, KeyUsage, Origin, Tag};
use trent_core::sealed::SealedKeyMaterial;

use crate::record::{
    AccessKeyRecord, AliasRecord, ConstraintKind, GrantRecord, IdentityPolicyRecord, KeyRecord,
    KeyUsageRecord, MaterialRecord, PrincipalKind, PrincipalRecord, RotationType,
};
use crate::{KeyStore, StoreErrorKind};

pub(crate) fn scope() -> Scope {
    Scope {
        account: AccountId::parse("111122223333").unwrap(),
        region: Region::parse("us-east-1").unwrap(),
    }
}

pub(crate) fn key(n: u8) -> KeyRecord {
    KeyRecord {
        key_id: KeyId::from_bytes([n; 16]),
        scope: scope(),
        created_at: Timestamp::from_millis(1_700_000_000_000 + i64::from(n)),
        description: format!("key {n}"),
        state: KeyState::Enabled,
        spec: KeySpec::SymmetricDefault,
        usage: KeyUsage::EncryptDecrypt,
        origin: Origin::AwsKms,
        manager: KeyManager::Customer,
        multi_region: false,
        deletion_date: None,
        pending_window_days: None,
        policy: "{}".into(),
        rotation_enabled: false,
        rotation_period_days: None,
        current_material_version: 1,
        next_rotation_at: None,
        imported: Default::default(),
        primary_region: None,
        replica_regions: Vec::new(),
    }
}

pub(crate) fn us() -> Region {
    scope().region
}

pub(crate) fn tag(key: &str, value: &str) -> Tag {
    Tag {
        key: key.into(),
        value: value.into(),
    }
}

pub(crate) fn material() -> MaterialRecord {
    MaterialRecord {
        version: 1,
        sealed: SealedKeyMaterial::from_bytes(vec![1, 2, 3]),
        created_at: Timestamp::from_millis(5),
        rotation: None,
        import: None,
    }
}

pub(crate) fn seeded(store: &dyn KeyStore) {
    store
        .insert_account(&scope().account, Timestamp::from_millis(0))
        .unwrap();
}

fn keys_round_trip_field_by_field(store: &dyn KeyStore) {
    seeded(store);
    let mut record = key(1);
    let tags = [Tag {
        key: "Name".into(),
        value: "rds_kms".into(),
    }];
    store.insert_key(&record, Some(&material()), &tags).unwrap();
    assert_eq!(store.key(&record.key_id, &us()).unwrap().unwrap(), record);
    assert_eq!(store.tags(&record.key_id, &us()).unwrap(), tags);
    assert_eq!(
        store.key_material(&record.key_id, 1).unwrap().unwrap(),
        material().sealed
    );
    assert_eq!(store.key_material(&record.key_id, 2).unwrap(), None);

    record.state = KeyState::PendingDeletion;
    record.deletion_date = Some(Timestamp::from_millis(99));
    record.pending_window_days = Some(7);
    record.description = "changed".into();
    store.update_key(&record).unwrap();
    assert_eq!(store.key(&record.key_id, &us()).unwrap().unwrap(), record);

    let err = store
        .insert_key(&record, Some(&material()), &[])
        .unwrap_err();
    assert_eq!(err.kind, StoreErrorKind::Conflict);
    let err = store.update_key(&key(9)).unwrap_err();
    assert_eq!(err.kind, StoreErrorKind::NotFound);
}

fn listing_pages_in_creation_order(store: &dyn KeyStore) {
    seeded(store);
    for n in 1..=5 {
        store.insert_key(&key(n), Some(&material()), &[]).unwrap();
    }
    let first = store.list_keys(&scope(), None, 2).unwrap();
    assert_eq!(first.items, vec![key(1).key_id, key(2).key_id]);
    let second = store.list_keys(&scope(), first.next, 2).unwrap();
    assert_eq!(second.items, vec![key(3).key_id, key(4).key_id]);
    let last = store.list_keys(&scope(), second.next, 2).unwrap();
    assert_eq!(last.items, vec![key(5).key_id]);
    assert_eq!(last.next, None);
    let other = Scope {
        region: Region::parse("eu-west-1").unwrap(),
        ..scope()
    };
    assert!(store.list_keys(&other, None, 10).unwrap().items.is_empty());
}

fn aliases_are_unique_per_scope(store: &dyn KeyStore) {
    seeded(store);
    store.insert_key(&key(1), Some(&material()), &[]).unwrap();
    store.insert_key(&key(2), Some(&material()), &[]).unwrap();
    let mut alias = AliasRecord {
        scope: scope(),
        name: AliasName::parse("alias/demo").unwrap(),
        target: key(1).key_id,
        created_at: Timestamp::from_millis(1),
        updated_at: Timestamp::from_millis(1),
    };
    store.insert_alias(&alias).unwrap();
    assert_eq!(
        store.insert_alias(&alias).unwrap_err().kind,
        StoreErrorKind::Conflict
    );
    alias.target = key(2).key_id;
    alias.updated_at = Timestamp::from_millis(2);
    store.update_alias(&alias).unwrap();
    assert_eq!(store.alias(&scope(), &alias.name).unwrap().unwrap(), alias);
    let only_key_two = store
        .list_aliases(&scope(), Some(&key(2).key_id), None, 10)
        .unwrap();
    assert_eq!(only_key_two.items, vec![alias.clone()]);
    assert!(store
        .list_aliases(&scope(), Some(&key(1).key_id), None, 10)
        .unwrap()
        .items
        .is_empty());
    store.delete_alias(&scope(), &alias.name).unwrap();
    assert_eq!(
        store.delete_alias(&scope(), &alias.name).unwrap_err().kind,
        StoreErrorKind::NotFound
    );
}

fn tags_upsert_and_remove(store: &dyn KeyStore) {
    seeded(store);
    let id = key(1).key_id;
    store.insert_key(&key(1), Some(&material()), &[]).unwrap();
    let tag = |k: &str, v: &str| Tag {
        key: k.into(),
        value: v.into(),
    };
    store
        .put_tags(&id, &us(), &[tag("b", "1"), tag("a", "2")])
        .unwrap();
    store.put_tags(&id, &us(), &[tag("b", "3")]).unwrap();
    assert_eq!(
        store.tags(&id, &us()).unwrap(),
        vec![tag("a", "2"), tag("b", "3")]
    );
    store
        .remove_tags(&id, &us(), &["a".into(), "absent".into()])
        .unwrap();
    assert_eq!(store.tags(&id, &us()).unwrap(), vec![tag("b", "3")]);
}

fn access_keys_and_meta(store: &dyn KeyStore) {
    seeded(store);
    let record = AccessKeyRecord {
        access_key_id: "AKIAEXAMPLE".into(),
        account: scope().account,
        user: None,
        sealed_secret: vec![4, 5],
        created_at: Timestamp::from_millis(3),
        active: true,
    };
    store.insert_access_key(&record).unwrap();
    assert_eq!(store.access_key("AKIAEXAMPLE").unwrap().unwrap(), record);
    assert_eq!(store.access_key("AKIAOTHER").unwrap(), None);
    assert!(!format!("{record:?}").contains("sealed_secret"));
    assert_eq!(store.meta("x").unwrap(), None);
    store.set_meta("x", b"1").unwrap();
    store.set_meta("x", b"2").unwrap();
    assert_eq!(store.meta("x").unwrap().unwrap(), b"2");
    // The first writer wins; a later one is told what is stored.
    assert_eq!(store.insert_meta("y", b"first").unwrap(), b"first");
    assert_eq!(store.insert_meta("y", b"second").unwrap(), b"first");
    assert_eq!(store.meta("y").unwrap().unwrap(), b"first");
    assert_eq!(store.accounts().unwrap(), vec![scope().account]);
}

fn sealed_values_are_walked_in_order_and_replaced_only_if_unchanged(store: &dyn KeyStore) {
    use crate::record::SealedPlace;
    seeded(store);
    for n in [2, 1] {
        store.insert_key(&key(n), Some(&material()), &[]).unwrap();
    }
    let mut rotated = key(1);
    rotated.current_material_version = 2;
    let second = MaterialRecord {
        version: 2,
        sealed: SealedKeyMaterial::from_bytes(vec![7]),
        ..material()
    };
    store.add_material(&rotated, &second).unwrap();
    for id in ["AKIAB", "AKIAA"] {
        store
            .insert_access_key(&AccessKeyRecord {
                access_key_id: id.into(),
                account: scope().account,
                user: None,
                sealed_secret: id.as_bytes().to_vec(),
                created_at: Timestamp::from_millis(3),
                active: true,
            })
            .unwrap();
    }
    let material_at = |n: u8, version| SealedPlace::KeyMaterial {
        key_id: KeyId::from_bytes([n; 16]),
        version,
    };
    let access_key = |id: &str| SealedPlace::AccessKey {
        access_key_id: id.into(),
    };
    let expected = [
        material_at(1, 1),
        material_at(1, 2),
        material_at(2, 1),
        access_key("AKIAA"),
        access_key("AKIAB"),
    ];
    assert_eq!(store.count_sealed_values().unwrap(), 5);
    // Walked two at a time, each page continuing after the last place.
    let mut walked = Vec::new();
    let mut after = None;
    loop {
        let page = store.sealed_values(after.as_ref(), 2).unwrap();
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 2);
        after = page.last().map(|value| value.place.clone());
        walked.extend(page);
    }
    let places: Vec<_> = walked.iter().map(|value| value.place.clone()).collect();
    assert_eq!(places, expected);
    assert_eq!(walked[1].sealed, vec![7]);
    assert_eq!(walked[3].sealed, b"AKIAA".to_vec());
    assert!(
        !format!("{:?}", walked[3]).contains("65"),
        "no bytes in Debug"
    );

    // Replaced only while it holds what the caller read.
    let change = |place: &SealedPlace, expected: &[u8], sealed: &[u8]| {
        store
            .replace_sealed(&[crate::record::SealedChange {
                place: place.clone(),
                expected: expected.to_vec(),
                sealed: sealed.to_vec(),
            }])
            .unwrap()
            == 1
    };
    assert!(change(&material_at(1, 2), &[7], &[8]));
    assert!(!change(&material_at(1, 2), &[7], &[9]));
    assert_eq!(
        store
            .key_material(&KeyId::from_bytes([1; 16]), 2)
            .unwrap()
            .unwrap(),
        SealedKeyMaterial::from_bytes(vec![8])
    );
    assert!(change(&access_key("AKIAA"), b"AKIAA", b"new"));
    assert_eq!(
        store.access_key("AKIAA").unwrap().unwrap().sealed_secret,
        b"new"
    );
    assert!(!change(&access_key("AKIAZ"), b"x", b"y"));
    store.set_meta("m", b"old").unwrap();
    let meta = SealedPlace::Meta { name: "m".into() };
    assert!(!change(&meta, b"other", b"new"));
    assert!(change(&meta, b"old", b"new"));
    // Several in one call: the stale one is skipped, the others land.
    let several = [
        (material_at(2, 1), vec![1, 2, 3], vec![4]),
        (material_at(1, 1), vec![0], vec![5]),
        (access_key("AKIAB"), b"AKIAB".to_vec(), b"b2".to_vec()),
    ]
    .map(|(place, expected, sealed)| crate::record::SealedChange {
        place,
        expected,
        sealed,
    });
    assert_eq!(store.replace_sealed(&several).unwrap(), 2);
    assert_eq!(
        store
            .key_material(&KeyId::from_bytes([2; 16]), 1)
            .unwrap()
            .unwrap(),
        SealedKeyMaterial::from_bytes(vec![4])
    );
    assert_eq!(store.meta("m").unwrap().unwrap(), b"new");

    // Several metadata changes land together.
    store
        .update_meta(&[("m", None), ("n", Some(b"1")), ("o", Some(b"2"))])
        .unwrap();
    assert_eq!(store.meta("m").unwrap(), None);
    assert_eq!(store.meta("n").unwrap().unwrap(), b"1");
    assert_eq!(store.meta("o").unwrap().unwrap(), b"2");
}

fn bulk_insert_is_all_or_nothing(store: &dyn KeyStore) {
    seeded(store);
    let batch: Vec<_> = (1..=3).map(|n| (key(n), material())).collect();
    store.insert_keys(&batch).unwrap();
    assert_eq!(store.list_keys(&scope(), None, 10).unwrap().items.len(), 3);
    // A batch with one duplicate writes nothing.
    let bad: Vec<_> = [4, 1].iter().map(|n| (key(*n), material())).collect();
    assert_eq!(
        store.insert_keys(&bad).unwrap_err().kind,
        StoreErrorKind::Conflict
    );
    assert_eq!(store.key(&key(4).key_id, &us()).unwrap(), None);
}

pub(crate) fn principal(kind: PrincipalKind, name: &str) -> PrincipalRecord {
    PrincipalRecord {
        account: scope().account,
        kind,
        name: name.into(),
        id: format!("AIDA{}", name.to_ascii_uppercase()),
        path: "/".into(),
        created_at: Timestamp::from_millis(9),
        trust_policy: (kind == PrincipalKind::Role).then(|| "{}".to_owned()),
        description: String::new(),
    }
}

fn users_roles_and_their_policies(store: &dyn KeyStore) {
    seeded(store);
    let account = scope().account;
    let alice = principal(PrincipalKind::User, "alice");
    store.insert_principal(&alice).unwrap();
    // IAM names are unique without regard to case, per kind.
    assert_eq!(
        store
            .insert_principal(&PrincipalRecord {
                id: "AIDAOTHER".into(),
                ..principal(PrincipalKind::User, "ALICE")
            })
            .unwrap_err()
            .kind,
        StoreErrorKind::Conflict
    );
    let role = PrincipalRecord {
        id: "AROAALICE".into(),
        ..principal(PrincipalKind::Role, "alice")
    };
    store.insert_principal(&role).unwrap();
    assert_eq!(
        store
            .principal(&account, PrincipalKind::User, "Alice")
            .unwrap()
            .unwrap(),
        alice
    );
    assert_eq!(
        store.principals(&account, PrincipalKind::Role).unwrap(),
        vec![role.clone()]
    );
    let mut changed = role.clone();
    changed.trust_policy = Some("{\"Version\":\"2012-10-17\"}".into());
    changed.description = "d".into();
    store.update_principal(&changed).unwrap();
    assert_eq!(
        store
            .principal(&account, PrincipalKind::Role, "alice")
            .unwrap()
            .unwrap(),
        changed
    );

    let policy = |name: &str, document: &str| IdentityPolicyRecord {
        name: name.into(),
        document: document.into(),
    };
    store
        .put_identity_policy(&account, PrincipalKind::User, "alice", &policy("b", "1"))
        .unwrap();
    store
        .put_identity_policy(&account, PrincipalKind::User, "alice", &policy("a", "2"))
        .unwrap();
    store
        .put_identity_policy(&account, PrincipalKind::User, "alice", &policy("b", "3"))
        .unwrap();
    assert_eq!(
        store
            .identity_policies(&account, PrincipalKind::User, "alice")
            .unwrap(),
        vec![policy("a", "2"), policy("b", "3")]
    );
    // A policy for a principal that does not exist is refused.
    assert!(store
        .put_identity_policy(&account, PrincipalKind::User, "nobody", &policy("a", "1"))
        .is_err());
    assert!(store
        .identity_policies(&account, PrincipalKind::Role, "alice")
        .unwrap()
        .is_empty());
    store
        .delete_identity_policy(&account, PrincipalKind::User, "alice", "a")
        .unwrap();
    assert_eq!(
        store
            .delete_identity_policy(&account, PrincipalKind::User, "alice", "a")
            .unwrap_err()
            .kind,
        StoreErrorKind::NotFound
    );
    // Deleting the user deletes its policies.
    store
        .delete_principal(&account, PrincipalKind::User, "alice")
        .unwrap();
    assert_eq!(
        store
            .principal(&account, PrincipalKind::User, "alice")
            .unwrap(),
        None
    );
    store.insert_principal(&alice).unwrap();
    assert!(store
        .identity_policies(&account, PrincipalKind::User, "alice")
        .unwrap()
        .is_empty());
}

fn access_keys_of_users(store: &dyn KeyStore) {
    seeded(store);
    let account = scope().account;
    let key = |id: &str, user: Option<&str>, at: i64| AccessKeyRecord {
        access_key_id: id.into(),
        account: account.clone(),
        user: user.map(str::to_owned),
        sealed_secret: vec![1],
        created_at: Timestamp::from_millis(at),
        active: true,
    };
    store.insert_access_key(&key("AKIAROOT", None, 1)).unwrap();
    store
        .insert_access_key(&key("AKIAB", Some("bob"), 3))
        .unwrap();
    store
        .insert_access_key(&key("AKIAA", Some("bob"), 2))
        .unwrap();
    let ids = |user| {
        store
            .access_keys(&account, user)
            .unwrap()
            .into_iter()
            .map(|k| k.access_key_id)
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(Some("bob")), ["AKIAA", "AKIAB"]);
    assert_eq!(ids(None), ["AKIAROOT"]);
    store.set_access_key_active("AKIAA", false).unwrap();
    assert!(!store.access_key("AKIAA").unwrap().unwrap().active);
    store.delete_access_key("AKIAA").unwrap();
    assert_eq!(store.access_key("AKIAA").unwrap(), None);
    assert_eq!(
        store.delete_access_key("AKIAA").unwrap_err().kind,
        StoreErrorKind::NotFound
    );
    assert_eq!(
        store.set_access_key_active("AKIAA", true).unwrap_err().kind,
        StoreErrorKind::NotFound
    );
}

fn rotations_and_deletion(store: &dyn KeyStore) {
    seeded(store);
    let mut record = key(1);
    store
        .insert_key(
            &record,
            Some(&material()),
            &[Tag {
                key: "a".into(),
                value: "b".into(),
            }],
        )
        .unwrap();
    store.insert_key(&key(2), Some(&material()), &[]).unwrap();
    let alias = AliasRecord {
        scope: scope(),
        name: AliasName::parse("alias/one").unwrap(),
        target: record.key_id,
        created_at: Timestamp::from_millis(1),
        updated_at: Timestamp::from_millis(1),
    };
    store.insert_alias(&alias).unwrap();
    // Rotation: a new version and the key pointing at it, together.
    record.current_material_version = 2;
    record.rotation_enabled = true;
    record.rotation_period_days = Some(90);
    record.next_rotation_at = Some(Timestamp::from_millis(1_000));
    store.update_key(&record).unwrap();
    store
        .add_material(
            &record,
            &MaterialRecord {
                version: 2,
                sealed: SealedKeyMaterial::from_bytes(vec![9]),
                created_at: Timestamp::from_millis(50),
                rotation: Some(RotationType::OnDemand),
                import: None,
            },
        )
        .unwrap();
    assert_eq!(store.key(&record.key_id, &us()).unwrap().unwrap(), record);
    let versions = store.materials(&record.key_id).unwrap();
    assert_eq!(
        versions
            .iter()
            .map(|m| (m.version, m.rotation))
            .collect::<Vec<_>>(),
        vec![(1, None), (2, Some(RotationType::OnDemand))]
    );
    assert_eq!(
        store.count_keys_by_state().unwrap(),
        vec![(KeyState::Enabled, 2)]
    );
    // Due work.
    assert_eq!(store.keys_due(Timestamp::from_millis(999)).unwrap(), vec![]);
    assert_eq!(
        store.keys_due(Timestamp::from_millis(1_000)).unwrap(),
        vec![(record.key_id, us())]
    );
    let mut pending = key(2);
    pending.state = KeyState::PendingDeletion;
    pending.deletion_date = Some(Timestamp::from_millis(2_000));
    store.update_key(&pending).unwrap();
    assert_eq!(
        store.keys_due(Timestamp::from_millis(2_000)).unwrap(),
        vec![(record.key_id, us()), (pending.key_id, us())]
    );
    // Deletion takes everything of the key with it.
    store.delete_key(&record.key_id, &us()).unwrap();
    assert_eq!(store.key(&record.key_id, &us()).unwrap(), None);
    assert_eq!(store.key_material(&record.key_id, 1).unwrap(), None);
    assert_eq!(store.key_material(&record.key_id, 2).unwrap(), None);
    assert!(store.tags(&record.key_id, &us()).unwrap().is_empty());
    assert_eq!(store.alias(&scope(), &alias.name).unwrap(), None);
    assert_eq!(
        store.delete_key(&record.key_id, &us()).unwrap_err().kind,
        StoreErrorKind::NotFound
    );
    assert!(store.key(&pending.key_id, &us()).unwrap().is_some());
}

fn imported_material_round_trips_and_tokens_are_used_once(store: &dyn KeyStore) {
    use crate::record::{ImportedMaterial, ImportedSummary};
    use trent_core::import::{ExpirationModel, ImportState};
    seeded(store);
    let mut record = key(1);
    record.origin = Origin::External;
    record.state = KeyState::PendingImport;
    record.current_material_version = 0;
    // A key waiting for material has no material row.
    store.insert_key(&record, None, &[]).unwrap();
    assert!(store.materials(&record.key_id).unwrap().is_empty());
    let imported = |state, sealed: Vec<u8>| MaterialRecord {
        version: 1,
        sealed: SealedKeyMaterial::from_bytes(sealed),
        created_at: Timestamp::from_millis(10),
        rotation: None,
        import: Some(ImportedMaterial {
            material_id: "ab".repeat(32),
            state,
            expiration_model: ExpirationModel::KeyMaterialExpires,
            valid_to: Some(Timestamp::from_millis(5_000)),
            description: "first".into(),
        }),
    };
    record.state = KeyState::Enabled;
    record.current_material_version = 1;
    record.imported = ImportedSummary {
        expiration_model: Some(ExpirationModel::KeyMaterialExpires),
        valid_to: Some(Timestamp::from_millis(5_000)),
        current_material_id: Some("ab".repeat(32)),
    };
    let token = Some(("token-1", Timestamp::from_millis(9_000)));
    store
        .put_material(&record, &imported(ImportState::Imported, vec![7, 7]), token)
        .unwrap();
    assert_eq!(store.key(&record.key_id, &us()).unwrap().unwrap(), record);
    assert_eq!(
        store.key_material(&record.key_id, 1).unwrap(),
        Some(SealedKeyMaterial::from_bytes(vec![7, 7]))
    );
    let listed = store.materials(&record.key_id).unwrap();
    assert_eq!(
        listed[0].import,
        imported(ImportState::Imported, vec![]).import
    );
    // The same token again: refused, and nothing written.
    let mut other = record.clone();
    other.description = "changed".into();
    assert_eq!(
        store
            .put_material(&other, &imported(ImportState::Imported, vec![8]), token)
            .unwrap_err()
            .kind,
        StoreErrorKind::Conflict
    );
    assert_eq!(store.key(&record.key_id, &us()).unwrap().unwrap(), record);
    // Expiry is due work.
    assert_eq!(
        store.keys_due(Timestamp::from_millis(4_999)).unwrap(),
        vec![]
    );
    assert_eq!(
        store.keys_due(Timestamp::from_millis(5_000)).unwrap(),
        vec![(record.key_id, us())]
    );
    // Deleted material: the row stays (its id, for a re-import), its bytes
    // go, and neither reads nor the root-key walk see them.
    let walked_before = store.count_sealed_values().unwrap();
    record.state = KeyState::PendingImport;
    store
        .put_material(&record, &imported(ImportState::PendingImport, vec![]), None)
        .unwrap();
    assert_eq!(store.key_material(&record.key_id, 1).unwrap(), None);
    assert_eq!(store.count_sealed_values().unwrap(), walked_before - 1);
    assert!(store
        .sealed_values(None, 100)
        .unwrap()
        .iter()
        .all(|value| !value.sealed.is_empty()));
    assert_eq!(
        store.keys_due(Timestamp::from_millis(6_000)).unwrap(),
        vec![]
    );
    assert_eq!(
        store.materials(&record.key_id).unwrap()[0]
            .import
            .as_ref()
            .map(|import| import.state),
        Some(ImportState::PendingImport)
    );
    // A pending version becomes current without its sealed bytes rewritten.
    let mut pending = imported(ImportState::Imported, vec![5]);
    pending.version = 2;
    store.put_material(&record, &pending, None).unwrap();
    let mut rotated = record.clone();
    rotated.current_material_version = 2;
    store
        .rotate_to_material(
            &rotated,
            2,
            RotationType::OnDemand,
            Timestamp::from_millis(77),
        )
        .unwrap();
    assert_eq!(store.key(&record.key_id, &us()).unwrap().unwrap(), rotated);
    let second = &store.materials(&record.key_id).unwrap()[1];
    assert_eq!(
        (second.rotation, second.created_at),
        (Some(RotationType::OnDemand), Timestamp::from_millis(77))
    );
    assert_eq!(
        store.key_material(&record.key_id, 2).unwrap(),
        Some(SealedKeyMaterial::from_bytes(vec![5]))
    );
    assert_eq!(
        store
            .rotate_to_material(
                &rotated,
                9,
                RotationType::OnDemand,
                Timestamp::from_millis(77)
            )
            .unwrap_err()
            .kind,
        StoreErrorKind::NotFound
    );
    store.update_key(&record).unwrap();
    // A pending version can be removed outright.
    store.delete_material(&record, 2).unwrap();
    assert_eq!(store.materials(&record.key_id).unwrap().len(), 1);
    assert_eq!(
        store.delete_material(&record, 2).unwrap_err().kind,
        StoreErrorKind::NotFound
    );
    // Used tokens are forgotten once they have expired.
    assert_eq!(
        store
            .forget_import_tokens(Timestamp::from_millis(9_000))
            .unwrap(),
        0
    );
    assert_eq!(
        store
            .forget_import_tokens(Timestamp::from_millis(9_001))
            .unwrap(),
        1
    );
}

fn grants_round_trip(store: &dyn KeyStore) {
    seeded(store);
    store.insert_key(&key(1), Some(&material()), &[]).unwrap();
    let grant = |id: &str, at: i64, constraint| GrantRecord {
        grant_id: id.into(),
        key_id: key(1).key_id,
        region: us(),
        name: Some("n".into()),
        created_at: Timestamp::from_millis(at),
        grantee: "arn:aws:iam::111122223333:user/a".into(),
        retiring: Some("arn:aws:iam::111122223333:role/r".into()),
        issuing_account: "arn:aws:iam::111122223333:root".into(),
        operations: vec!["Encrypt".into(), "Decrypt".into()],
        constraint,
    };
    let second = grant(
        "g2",
        2,
        Some((
            ConstraintKind::Subset,
            vec![("k".into(), "v".into()), ("".into(), "é".into())],
        )),
    );
    store.insert_grant(&second).unwrap();
    store.insert_grant(&grant("g1", 1, None)).unwrap();
    assert_eq!(
        store.insert_grant(&grant("g1", 1, None)).unwrap_err().kind,
        StoreErrorKind::Conflict
    );
    assert_eq!(store.grant("g2").unwrap().unwrap(), second);
    let ids = |grants: Vec<GrantRecord>| grants.into_iter().map(|g| g.grant_id).collect::<Vec<_>>();
    assert_eq!(
        ids(store.grants(&key(1).key_id, &us()).unwrap()),
        ["g1", "g2"]
    );
    assert_eq!(
        ids(store
            .retirable_grants("arn:aws:iam::111122223333:role/r")
            .unwrap()),
        ["g1", "g2"]
    );
    store.delete_grant("g1").unwrap();
    assert_eq!(store.grant("g1").unwrap(), None);
    assert_eq!(
        store.delete_grant("g1").unwrap_err().kind,
        StoreErrorKind::NotFound
    );
    store.delete_key(&key(1).key_id, &us()).unwrap();
    assert_eq!(store.grant("g2").unwrap(), None);
}

fn key_usage_keeps_the_newest_and_goes_with_its_key(store: &dyn KeyStore) {
    seeded(store);
    store.insert_key(&key(1), Some(&material()), &[]).unwrap();
    let id = key(1).key_id;
    let usage = |at: i64, operation: &str| KeyUsageRecord {
        key_id: id,
        region: us(),
        operation: operation.into(),
        used_at: Timestamp::from_millis(at),
        event_id: Some(format!("event-{at}")),
        request_id: format!("request-{at}"),
    };
    assert_eq!(store.key_last_usage(&id, &us()).unwrap(), None);
    store.record_key_usage(&[usage(10, "Encrypt")]).unwrap();
    assert_eq!(
        store.key_last_usage(&id, &us()).unwrap(),
        Some(usage(10, "Encrypt"))
    );
    // A newer use replaces it; an older one (a late batch) does not.
    store.record_key_usage(&[usage(20, "Decrypt")]).unwrap();
    store.record_key_usage(&[usage(15, "ReEncrypt")]).unwrap();
    assert_eq!(
        store.key_last_usage(&id, &us()).unwrap(),
        Some(usage(20, "Decrypt"))
    );
    // A use of a key that does not exist leaves nothing behind.
    let ghost = KeyUsageRecord {
        key_id: key(9).key_id,
        ..usage(30, "Encrypt")
    };
    store.record_key_usage(&[ghost]).unwrap();
    assert_eq!(store.key_last_usage(&key(9).key_id, &us()).unwrap(), None);
    // Deleting the key deletes its last use.
    store.delete_key(&id, &us()).unwrap();
    assert_eq!(store.key_last_usage(&id, &us()).unwrap(), None);
}

fn replicas_share_material_and_keep_their_own_rows(store: &dyn KeyStore) {
    seeded(store);
    let europe = Region::parse("eu-west-1").unwrap();
    let asia = Region::parse("ap-southeast-2").unwrap();
    let mut primary = key(1);
    primary.multi_region = true;
    primary.primary_region = Some(us());
    store
        .insert_key(&primary, Some(&material()), &[tag("Region", "us")])
        .unwrap();
    let replica_of = |region: &Region| {
        let mut replica = primary.clone();
        replica.scope.region = region.clone();
        replica.description = format!("in {region}");
        replica.policy = format!("{{\"in\": \"{region}\"}}");
        replica
    };
    let replica = replica_of(&europe);
    store
        .insert_replica(&replica, &[tag("Region", "eu")])
        .unwrap();
    // One key per Region; a replica needs a key to replicate.
    assert_eq!(
        store.insert_replica(&replica, &[]).unwrap_err().kind,
        StoreErrorKind::Conflict
    );
    let mut stranger = replica_of(&europe);
    stranger.key_id = KeyId::from_bytes([7; 16]);
    assert_eq!(
        store.insert_replica(&stranger, &[]).unwrap_err().kind,
        StoreErrorKind::NotFound
    );
    store.insert_replica(&replica_of(&asia), &[]).unwrap();
    // Each Region reads its own row, and the primary lists the replicas.
    let read = |region: &Region| store.key(&primary.key_id, region).unwrap().unwrap();
    assert_eq!(read(&us()).replica_regions, [europe.clone(), asia.clone()]);
    assert_eq!(read(&europe).description, "in eu-west-1");
    assert_eq!(
        read(&europe).replica_regions,
        [europe.clone(), asia.clone()]
    );
    assert!(read(&us()).is_primary());
    assert!(!read(&europe).is_primary());
    assert_eq!(
        store.tags(&primary.key_id, &us()).unwrap(),
        [tag("Region", "us")]
    );
    assert_eq!(
        store.tags(&primary.key_id, &europe).unwrap(),
        [tag("Region", "eu")]
    );
    // A rotation of the primary is every Region's; a Regional change is not.
    let mut rotated = read(&us());
    rotated.current_material_version = 2;
    rotated.rotation_enabled = true;
    rotated.rotation_period_days = Some(90);
    rotated.next_rotation_at = Some(Timestamp::from_millis(9_000));
    store
        .add_material(
            &rotated,
            &MaterialRecord {
                version: 2,
                ..material()
            },
        )
        .unwrap();
    store.update_key(&rotated).unwrap();
    let mut disabled = read(&europe);
    assert_eq!(disabled.current_material_version, 2);
    assert!(disabled.rotation_enabled);
    disabled.state = KeyState::Disabled;
    store.update_key(&disabled).unwrap();
    assert_eq!(read(&us()).state, KeyState::Enabled);
    assert_eq!(read(&europe).state, KeyState::Disabled);
    // Rotation is due on the primary only.
    assert_eq!(
        store.keys_due(Timestamp::from_millis(9_000)).unwrap(),
        [(primary.key_id, us())]
    );
    store.set_primary_region(&primary.key_id, &europe).unwrap();
    assert!(read(&europe).is_primary());
    assert_eq!(read(&europe).replica_regions, [us(), asia.clone()]);
    // Deleting a replica keeps the material; deleting the last Region takes it.
    assert!(!store.delete_key(&primary.key_id, &asia).unwrap());
    assert!(!store.delete_key(&primary.key_id, &us()).unwrap());
    assert_eq!(store.key(&primary.key_id, &us()).unwrap(), None);
    assert!(store.key_material(&primary.key_id, 2).unwrap().is_some());
    assert!(store.delete_key(&primary.key_id, &europe).unwrap());
    assert_eq!(store.key_material(&primary.key_id, 1).unwrap(), None);
    assert_eq!(store.key_material(&primary.key_id, 2).unwrap(), None);
}

fn a_primary_pending_replica_deletion_alone_is_due(store: &dyn KeyStore) {
    seeded(store);
    let mut primary = key(1);
    primary.multi_region = true;
    primary.primary_region = Some(us());
    primary.state = KeyState::PendingReplicaDeletion;
    primary.pending_window_days = Some(7);
    store.insert_key(&primary, Some(&material()), &[]).unwrap();
    let mut replica = primary.clone();
    replica.scope.region = Region::parse("eu-west-1").unwrap();
    replica.state = KeyState::Enabled;
    replica.pending_window_days = None;
    store.insert_replica(&replica, &[]).unwrap();
    assert_eq!(store.keys_due(Timestamp::from_millis(0)).unwrap(), []);
    store
        .delete_key(&replica.key_id, &replica.scope.region)
        .unwrap();
    assert_eq!(
        store.keys_due(Timestamp::from_millis(0)).unwrap(),
        [(primary.key_id, us())]
    );
}

/// One check of the suite, given a fresh store.
pub(crate) type Check = fn(&dyn KeyStore);
const SUITE: &[(&str, Check)] = &[
    (
        "keys_round_trip_field_by_field",
        keys_round_trip_field_by_field,
    ),
    (
        "listing_pages_in_creation_order",
        listing_pages_in_creation_order,
    ),
    ("aliases_are_unique_per_scope", aliases_are_unique_per_scope),
    ("tags_upsert_and_remove", tags_upsert_and_remove),
    ("access_keys_and_meta", access_keys_and_meta),
    (
        "bulk_insert_is_all_or_nothing",
        bulk_insert_is_all_or_nothing,
    ),
    (
        "users_roles_and_their_policies",
        users_roles_and_their_policies,
    ),
    ("access_keys_of_users", access_keys_of_users),
    ("rotations_and_deletion", rotations_and_deletion),
    (
        "imported_material_round_trips_and_tokens_are_used_once",
        imported_material_round_trips_and_tokens_are_used_once,
    ),
    ("grants_round_trip", grants_round_trip),
    (
        "key_usage_keeps_the_newest_and_goes_with_its_key",
        key_usage_keeps_the_newest_and_goes_with_its_key,
    ),
    (
        "sealed_values_are_walked_in_order_and_replaced_only_if_unchanged",
        sealed_values_are_walked_in_order_and_replaced_only_if_unchanged,
    ),
    (
        "replicas_share_material_and_keep_their_own_rows",
        replicas_share_material_and_keep_their_own_rows,
    ),
    (
        "a_primary_pending_replica_deletion_alone_is_due",
        a_primary_pending_replica_deletion_alone_is_due,
    ),
];

/// Runs every check: `with_fresh_store` is given each check's name and the
/// check, and runs it on a store of its own.
pub(crate) fn run_all(mut with_fresh_store: impl FnMut(&'static str, Check)) {
    for (name, check) in SUITE {
        with_fresh_store(name, *check);
    }
}
