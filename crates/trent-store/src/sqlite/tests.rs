//! Tests of the SQLite backend: the conformance suite, and what only a
//! file has (reopening, migrations of older files).

use super::*;
use crate::conformance::{key, material, principal, scope, seeded, tag, us};

#[test]
fn sqlite_passes_the_conformance_suite() {
    crate::conformance::run_all(|_name, check| {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("trent.db")).unwrap();
        check(&store);
    });
}

#[test]
fn data_survives_reopening_and_schema_is_versioned() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trent.db");
    {
        let store = SqliteStore::open(&path).unwrap();
        seeded(&store);
        store.insert_key(&key(1), Some(&material()), &[]).unwrap();
        store.close().unwrap();
    }
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), MIGRATIONS.len() as u32);
    assert_eq!(store.key(&key(1).key_id, &us()).unwrap().unwrap(), key(1));
}

#[test]
fn a_file_from_a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trent.db");
    drop(SqliteStore::open(&path).unwrap());
    let connection = Connection::open(&path).unwrap();
    connection.pragma_update(None, "user_version", 99).unwrap();
    drop(connection);
    assert_eq!(
        SqliteStore::open(&path).unwrap_err().kind,
        StoreErrorKind::Corrupt
    );
}

#[test]
fn a_version_1_file_is_migrated_with_its_access_keys_kept_as_roots() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trent.db");
    {
        let connection = Connection::open(&path).unwrap();
        connection.execute_batch(MIGRATIONS[0]).unwrap();
        connection.pragma_update(None, "user_version", 1).unwrap();
        connection
            .execute(
                "INSERT INTO accounts (account_id, created_at) VALUES ('111122223333', 0)",
                [],
            )
            .unwrap();
        connection
            .execute(
                "INSERT INTO access_keys (access_key_id, account_id, sealed_secret, created_at, active)
                 VALUES ('AKIAOLD', '111122223333', x'01', 1, 1)",
                [],
            )
            .unwrap();
    }
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), MIGRATIONS.len() as u32);
    let key = store.access_key("AKIAOLD").unwrap().unwrap();
    assert_eq!(key.user, None);
    assert!(key.active);
    assert_eq!(store.access_keys(&scope().account, None).unwrap().len(), 1);
    store
        .insert_principal(&principal(PrincipalKind::User, "new"))
        .unwrap();
}

#[test]
fn a_version_5_file_is_rebuilt_per_region_with_every_row_and_counter_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trent.db");
    let (kept, gone) = (key(1), key(2));
    {
        let mut connection = Connection::open(&path).unwrap();
        for sql in &MIGRATIONS[..5] {
            connection.execute_batch(sql).unwrap();
        }
        connection.pragma_update(None, "user_version", 5).unwrap();
        // Rows as schema v5 wrote them, by the code of that version.
        connection
            .execute(
                "INSERT INTO accounts (account_id, created_at) VALUES ('111122223333', 0)",
                [],
            )
            .unwrap();
        let columns = "key_id, account_id, region, created_at, description, key_state, key_spec, \
            key_usage, origin, key_manager, multi_region, policy, rotation_enabled, \
            current_material_version";
        for (record, multi_region) in [(&kept, 1), (&gone, 0)] {
            connection
                .execute(
                    &format!(
                        "INSERT INTO keys ({columns}) VALUES (?1, '111122223333', 'us-east-1', 7, \
                         'old', 'Enabled', 'SYMMETRIC_DEFAULT', 'ENCRYPT_DECRYPT', 'AWS_KMS', \
                         'CUSTOMER', ?2, '{{}}', 0, 1)"
                    ),
                    rusqlite::params![record.key_id.to_string(), multi_region],
                )
                .unwrap();
        }
        let id = kept.key_id.to_string();
        let tx = connection.transaction().unwrap();
        for sql in [
            "INSERT INTO key_materials (key_id, version, sealed, created_at) VALUES (?1, 1, x'0102', 5)",
            "INSERT INTO tags (key_id, tag_key, tag_value) VALUES (?1, 'team', 'db')",
            "INSERT INTO grants (grant_id, key_id, created_at, grantee, issuing_account, operations)
             VALUES ('g1', ?1, 3, 'arn:aws:iam::111122223333:user/a', 'arn:aws:iam::111122223333:root', 'Encrypt')",
            "INSERT INTO aliases (account_id, region, alias_name, target, created_at, updated_at)
             VALUES ('111122223333', 'us-east-1', 'alias/db', ?1, 1, 1)",
            "INSERT INTO key_last_usage (key_id, operation, used_at, request_id)
             VALUES (?1, 'Encrypt', 9, 'r1')",
        ] {
            tx.execute(sql, [&id]).unwrap();
        }
        // The newest key is deleted: its seq must still never come back.
        tx.execute(
            "DELETE FROM keys WHERE key_id = ?1",
            [gone.key_id.to_string()],
        )
        .unwrap();
        tx.commit().unwrap();
    }
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), MIGRATIONS.len() as u32);
    let record = store.key(&kept.key_id, &us()).unwrap().unwrap();
    assert_eq!(
        record.primary_region,
        Some(us()),
        "a v5 multi-Region key is a primary"
    );
    assert!(record.replica_regions.is_empty());
    assert_eq!(record.description, "old");
    assert!(store.key_material(&kept.key_id, 1).unwrap().is_some());
    assert_eq!(
        store.tags(&kept.key_id, &us()).unwrap(),
        [tag("team", "db")]
    );
    let grants = store.grants(&kept.key_id, &us()).unwrap();
    assert_eq!((grants.len(), &grants[0].region), (1, &us()));
    let alias = AliasName::parse("alias/db").unwrap();
    assert_eq!(
        store.alias(&scope(), &alias).unwrap().unwrap().target,
        kept.key_id
    );
    assert_eq!(
        store
            .key_last_usage(&kept.key_id, &us())
            .unwrap()
            .unwrap()
            .request_id,
        "r1"
    );
    // Counters continue past every seq ever given, the deleted key's too.
    let first = store.list_keys(&scope(), None, 10).unwrap();
    store.insert_key(&key(3), Some(&material()), &[]).unwrap();
    let after = store.list_keys(&scope(), None, 10).unwrap();
    assert_eq!(first.items.len() + 1, after.items.len());
    let connection = Connection::open(&path).unwrap();
    let seq: i64 = connection
        .query_row(
            "SELECT seq FROM keys WHERE key_id = ?1",
            [key(3).key_id.to_string()],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(seq, 3);
    // Foreign keys hold: a tag of a key that is not there is refused.
    drop(connection);
    assert!(store
        .put_tags(&key(9).key_id, &us(), &[tag("a", "b")])
        .is_err());
}

/// Records the operations it is told of.
#[derive(Default)]
struct Recorder(Mutex<Vec<&'static str>>);

impl StoreObserver for Recorder {
    fn observe(&self, operation: &'static str, _elapsed: std::time::Duration) {
        self.0.lock().unwrap().push(operation);
    }
}

#[test]
fn an_observer_is_told_of_every_call_by_method_name_whatever_its_outcome() {
    let dir = tempfile::tempdir().unwrap();
    let recorder = Arc::new(Recorder::default());
    let store = SqliteStore::open(&dir.path().join("trent.db"))
        .unwrap()
        .with_observer(recorder.clone());
    // Opening and the store's own methods are not KeyStore calls.
    assert_eq!(store.schema_version().unwrap(), MIGRATIONS.len() as u32);
    assert!(recorder.0.lock().unwrap().is_empty());

    seeded(&store);
    store.insert_key(&key(1), Some(&material()), &[]).unwrap();
    store.update_key(&key(1)).unwrap();
    assert_eq!(
        store.update_key(&key(2)).unwrap_err().kind,
        StoreErrorKind::NotFound
    );
    assert!(store.key(&key(1).key_id, &us()).unwrap().is_some());
    assert_eq!(
        *recorder.0.lock().unwrap(),
        [
            "insert_account",
            "insert_key",
            "update_key",
            "update_key",
            "key"
        ]
    );
}
