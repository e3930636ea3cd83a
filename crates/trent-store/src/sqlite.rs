//! The embedded backend: one SQLite file in the data folder.
//!
//! WAL journal with `synchronous=FULL`: a commit returns only after the log
//! is synced, so an acknowledged write survives `kill -9` and power loss.
//! One connection behind a mutex serializes access; the schema version lives
//! in `PRAGMA user_version` and [`MIGRATIONS`] bring older files forward.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use rusqlite::{params, Connection, OptionalExtension, Row};
use trent_core::clock::Timestamp;
use trent_core::id::{AccountId, AliasName, KeyId, Region, Scope};
use trent_core::key::{KeyManager, KeySpec, KeyState, KeyUsage, Origin, Tag};
use trent_core::sealed::SealedKeyMaterial;

use crate::record::{
    AccessKeyRecord, AliasRecord, ConstraintKind, GrantRecord, IdentityPolicyRecord, KeyRecord,
    MaterialInfo, MaterialRecord, Page, PrincipalKind, PrincipalRecord, RotationType,
};
use crate::{KeyStore, StoreError, StoreErrorKind, StoreResult};

/// Schema migrations, applied in order; entry `n` brings version `n` to `n + 1`.
pub const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE meta (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
) STRICT;
CREATE TABLE accounts (
    account_id TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL
) STRICT;
CREATE TABLE access_keys (
    access_key_id TEXT PRIMARY KEY,
    account_id    TEXT NOT NULL REFERENCES accounts(account_id),
    sealed_secret BLOB NOT NULL,
    created_at    INTEGER NOT NULL,
    active        INTEGER NOT NULL
) STRICT;
CREATE TABLE keys (
    seq                      INTEGER PRIMARY KEY AUTOINCREMENT,
    key_id                   TEXT NOT NULL UNIQUE,
    account_id               TEXT NOT NULL REFERENCES accounts(account_id),
    region                   TEXT NOT NULL,
    created_at               INTEGER NOT NULL,
    description              TEXT NOT NULL,
    key_state                TEXT NOT NULL,
    key_spec                 TEXT NOT NULL,
    key_usage                TEXT NOT NULL,
    origin                   TEXT NOT NULL,
    key_manager              TEXT NOT NULL,
    multi_region             INTEGER NOT NULL,
    deletion_date            INTEGER,
    pending_window_days      INTEGER,
    policy                   TEXT NOT NULL,
    rotation_enabled         INTEGER NOT NULL,
    rotation_period_days     INTEGER,
    current_material_version INTEGER NOT NULL
) STRICT;
CREATE INDEX keys_by_scope ON keys (account_id, region, seq);
CREATE TABLE key_materials (
    key_id     TEXT NOT NULL REFERENCES keys(key_id),
    version    INTEGER NOT NULL,
    sealed     BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (key_id, version)
) STRICT;
CREATE TABLE aliases (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id TEXT NOT NULL,
    region     TEXT NOT NULL,
    alias_name TEXT NOT NULL,
    target     TEXT NOT NULL REFERENCES keys(key_id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (account_id, region, alias_name)
) STRICT;
CREATE TABLE tags (
    key_id    TEXT NOT NULL REFERENCES keys(key_id),
    tag_key   TEXT NOT NULL,
    tag_value TEXT NOT NULL,
    PRIMARY KEY (key_id, tag_key)
) STRICT;
"#,
    r#"
ALTER TABLE access_keys ADD COLUMN user_name TEXT COLLATE NOCASE;
CREATE INDEX access_keys_by_owner ON access_keys (account_id, user_name);
CREATE TABLE principals (
    account_id   TEXT NOT NULL REFERENCES accounts(account_id),
    kind         TEXT NOT NULL,
    name         TEXT NOT NULL COLLATE NOCASE,
    id           TEXT NOT NULL UNIQUE,
    path         TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    trust_policy TEXT,
    description  TEXT NOT NULL,
    PRIMARY KEY (account_id, kind, name)
) STRICT;
CREATE TABLE identity_policies (
    account_id     TEXT NOT NULL,
    kind           TEXT NOT NULL,
    principal_name TEXT NOT NULL COLLATE NOCASE,
    policy_name    TEXT NOT NULL,
    document       TEXT NOT NULL,
    PRIMARY KEY (account_id, kind, principal_name, policy_name),
    FOREIGN KEY (account_id, kind, principal_name)
        REFERENCES principals (account_id, kind, name) ON DELETE CASCADE
) STRICT;
"#,
    r#"
ALTER TABLE keys ADD COLUMN next_rotation_at INTEGER;
ALTER TABLE key_materials ADD COLUMN rotation_type TEXT;
CREATE INDEX keys_due_deletion ON keys (deletion_date) WHERE deletion_date IS NOT NULL;
CREATE INDEX keys_due_rotation ON keys (next_rotation_at) WHERE next_rotation_at IS NOT NULL;
CREATE TABLE grants (
    grant_id           TEXT PRIMARY KEY,
    key_id             TEXT NOT NULL REFERENCES keys(key_id),
    name               TEXT,
    created_at         INTEGER NOT NULL,
    grantee            TEXT NOT NULL,
    retiring           TEXT,
    issuing_account    TEXT NOT NULL,
    operations         TEXT NOT NULL,
    constraint_kind    TEXT,
    constraint_context BLOB
) STRICT;
CREATE INDEX grants_by_key ON grants (key_id, created_at);
CREATE INDEX grants_by_retiring ON grants (retiring);
"#,
];

/// Read connections per store: WAL readers never wait for the writer.
const READERS: usize = 4;

/// The SQLite store: one writer connection and a few reader connections.
pub struct SqliteStore {
    connection: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    next_reader: std::sync::atomic::AtomicUsize,
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
        migrate(&mut connection)?;
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
        })
    }

    /// The schema version of the open file.
    pub fn schema_version(&self) -> StoreResult<u32> {
        self.lock()
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .map_err(unavailable)
    }

    /// Checkpoints the log into the database file; called on clean shutdown.
    pub fn close(&self) -> StoreResult<()> {
        self.lock()
            .execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
            .map_err(unavailable)
    }

    fn grants_where(&self, clause: &str, value: &str) -> StoreResult<Vec<GrantRecord>> {
        let connection = self.read();
        let mut statement = connection
            .prepare(&format!(
                "SELECT {GRANT_COLUMNS} FROM grants WHERE {clause}"
            ))
            .map_err(unavailable)?;
        let rows = statement
            .query_map([value], grant_from_row)
            .map_err(unavailable)?;
        rows.map(|row| row.map_err(unavailable)?).collect()
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

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite half-written: each
        // call is one transaction, rolled back if not committed.
        self.connection.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn migrate(connection: &mut Connection) -> StoreResult<()> {
    let current: usize = connection
        .query_row("PRAGMA user_version", [], |row| row.get::<_, i64>(0))
        .map_err(unavailable)?
        .try_into()
        .map_err(|_| corrupt())?;
    if current > MIGRATIONS.len() {
        // Written by a newer Trent: refuse rather than guess.
        return Err(corrupt());
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(current) {
        let tx = connection.transaction().map_err(unavailable)?;
        tx.execute_batch(sql).map_err(unavailable)?;
        tx.pragma_update(None, "user_version", (index + 1) as i64)
            .map_err(unavailable)?;
        tx.commit().map_err(unavailable)?;
    }
    Ok(())
}

fn changed_one(rows: usize) -> StoreResult<()> {
    if rows == 0 {
        Err(StoreError::new(StoreErrorKind::NotFound))
    } else {
        Ok(())
    }
}

const ACCESS_KEY_COLUMNS: &str =
    "access_key_id, account_id, sealed_secret, created_at, active, user_name";

type AccessKeyRow = (String, String, Vec<u8>, i64, bool, Option<String>);

fn access_key_row(row: &Row<'_>) -> rusqlite::Result<AccessKeyRow> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
    ))
}

fn access_key_record(
    (access_key_id, account, sealed_secret, created_at, active, user): AccessKeyRow,
) -> StoreResult<AccessKeyRecord> {
    Ok(AccessKeyRecord {
        access_key_id,
        account: AccountId::parse(&account).map_err(|_| corrupt())?,
        user,
        sealed_secret,
        created_at: Timestamp::from_millis(created_at),
        active,
    })
}

const PRINCIPAL_COLUMNS: &str =
    "account_id, kind, name, id, path, created_at, trust_policy, description";

type PrincipalRow = (
    String,
    String,
    String,
    String,
    String,
    i64,
    Option<String>,
    String,
);

fn principal_row(row: &Row<'_>) -> rusqlite::Result<PrincipalRow> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
        row.get(6)?,
        row.get(7)?,
    ))
}

fn principal_record(
    (account, kind, name, id, path, created_at, trust_policy, description): PrincipalRow,
) -> StoreResult<PrincipalRecord> {
    Ok(PrincipalRecord {
        account: AccountId::parse(&account).map_err(|_| corrupt())?,
        kind: PrincipalKind::parse(&kind).ok_or_else(corrupt)?,
        name,
        id,
        path,
        created_at: Timestamp::from_millis(created_at),
        trust_policy,
        description,
    })
}

const KEY_COLUMNS: &str =
    "key_id, account_id, region, created_at, description, key_state, key_spec, \
    key_usage, origin, key_manager, multi_region, deletion_date, pending_window_days, policy, \
    rotation_enabled, rotation_period_days, current_material_version, next_rotation_at";

fn key_from_row(row: &Row<'_>) -> rusqlite::Result<StoreResult<KeyRecord>> {
    let key_id: String = row.get(0)?;
    let account: String = row.get(1)?;
    let region: String = row.get(2)?;
    let state: String = row.get(5)?;
    let spec: String = row.get(6)?;
    let usage: String = row.get(7)?;
    let origin: String = row.get(8)?;
    let manager: String = row.get(9)?;
    let build = || -> Option<KeyRecord> {
        Some(KeyRecord {
            key_id: KeyId::parse(&key_id).ok()?,
            scope: Scope {
                account: AccountId::parse(&account).ok()?,
                region: Region::parse(&region).ok()?,
            },
            created_at: Timestamp::from_millis(row.get(3).ok()?),
            description: row.get(4).ok()?,
            state: KeyState::parse(&state)?,
            spec: KeySpec::parse(&spec)?,
            usage: KeyUsage::parse(&usage)?,
            origin: Origin::parse(&origin)?,
            manager: KeyManager::parse(&manager)?,
            multi_region: row.get(10).ok()?,
            deletion_date: row
                .get::<_, Option<i64>>(11)
                .ok()?
                .map(Timestamp::from_millis),
            pending_window_days: row.get(12).ok()?,
            policy: row.get(13).ok()?,
            rotation_enabled: row.get(14).ok()?,
            rotation_period_days: row.get(15).ok()?,
            current_material_version: row.get(16).ok()?,
            next_rotation_at: row
                .get::<_, Option<i64>>(17)
                .ok()?
                .map(Timestamp::from_millis),
        })
    };
    Ok(build().ok_or_else(corrupt))
}

fn alias_from_row(row: &Row<'_>) -> rusqlite::Result<StoreResult<AliasRecord>> {
    let account: String = row.get(0)?;
    let region: String = row.get(1)?;
    let name: String = row.get(2)?;
    let target: String = row.get(3)?;
    let created_at: i64 = row.get(4)?;
    let updated_at: i64 = row.get(5)?;
    let build = || -> Option<AliasRecord> {
        Some(AliasRecord {
            scope: Scope {
                account: AccountId::parse(&account).ok()?,
                region: Region::parse(&region).ok()?,
            },
            name: AliasName::parse(&name).ok()?,
            target: KeyId::parse(&target).ok()?,
            created_at: Timestamp::from_millis(created_at),
            updated_at: Timestamp::from_millis(updated_at),
        })
    };
    Ok(build().ok_or_else(corrupt))
}

impl KeyStore for SqliteStore {
    fn meta(&self, name: &str) -> StoreResult<Option<Vec<u8>>> {
        self.read()
            .query_row("SELECT value FROM meta WHERE name = ?1", [name], |row| {
                row.get(0)
            })
            .optional()
            .map_err(unavailable)
    }

    fn set_meta(&self, name: &str, value: &[u8]) -> StoreResult<()> {
        self.lock()
            .execute(
                "INSERT INTO meta (name, value) VALUES (?1, ?2)
                 ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                params![name, value],
            )
            .map(drop)
            .map_err(unavailable)
    }

    fn insert_account(&self, account: &AccountId, created_at: Timestamp) -> StoreResult<()> {
        self.lock()
            .execute(
                "INSERT INTO accounts (account_id, created_at) VALUES (?1, ?2)",
                params![account.as_str(), created_at.as_millis()],
            )
            .map(drop)
            .map_err(unavailable)
    }

    fn accounts(&self) -> StoreResult<Vec<AccountId>> {
        let connection = self.read();
        let mut statement = connection
            .prepare("SELECT account_id FROM accounts ORDER BY created_at, account_id")
            .map_err(unavailable)?;
        let rows = statement
            .query_map([], |row| row.get::<_, String>(0))
            .map_err(unavailable)?;
        rows.map(|row| {
            row.map_err(unavailable)
                .and_then(|text| AccountId::parse(&text).map_err(|_| corrupt()))
        })
        .collect()
    }

    fn insert_access_key(&self, record: &AccessKeyRecord) -> StoreResult<()> {
        self.lock()
            .execute(
                "INSERT INTO access_keys
                 (access_key_id, account_id, sealed_secret, created_at, active, user_name)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    record.access_key_id,
                    record.account.as_str(),
                    record.sealed_secret,
                    record.created_at.as_millis(),
                    record.active,
                    record.user
                ],
            )
            .map(drop)
            .map_err(unavailable)
    }

    fn access_key(&self, access_key_id: &str) -> StoreResult<Option<AccessKeyRecord>> {
        self.read()
            .query_row(
                &format!("SELECT {ACCESS_KEY_COLUMNS} FROM access_keys WHERE access_key_id = ?1"),
                [access_key_id],
                access_key_row,
            )
            .optional()
            .map_err(unavailable)?
            .map(access_key_record)
            .transpose()
    }

    fn access_keys(
        &self,
        account: &AccountId,
        user: Option<&str>,
    ) -> StoreResult<Vec<AccessKeyRecord>> {
        let connection = self.read();
        let mut statement = connection
            .prepare(&format!(
                "SELECT {ACCESS_KEY_COLUMNS} FROM access_keys
                 WHERE account_id = ?1 AND user_name IS ?2 ORDER BY created_at, access_key_id"
            ))
            .map_err(unavailable)?;
        let rows = statement
            .query_map(params![account.as_str(), user], access_key_row)
            .map_err(unavailable)?;
        rows.map(|row| access_key_record(row.map_err(unavailable)?))
            .collect()
    }

    fn set_access_key_active(&self, access_key_id: &str, active: bool) -> StoreResult<()> {
        let rows = self
            .lock()
            .execute(
                "UPDATE access_keys SET active = ?2 WHERE access_key_id = ?1",
                params![access_key_id, active],
            )
            .map_err(unavailable)?;
        changed_one(rows)
    }

    fn delete_access_key(&self, access_key_id: &str) -> StoreResult<()> {
        let rows = self
            .lock()
            .execute(
                "DELETE FROM access_keys WHERE access_key_id = ?1",
                [access_key_id],
            )
            .map_err(unavailable)?;
        changed_one(rows)
    }

    fn insert_principal(&self, record: &PrincipalRecord) -> StoreResult<()> {
        self.lock()
            .execute(
                &format!(
                    "INSERT INTO principals ({PRINCIPAL_COLUMNS})
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
                ),
                params![
                    record.account.as_str(),
                    record.kind.as_str(),
                    record.name,
                    record.id,
                    record.path,
                    record.created_at.as_millis(),
                    record.trust_policy,
                    record.description
                ],
            )
            .map(drop)
            .map_err(unavailable)
    }

    fn principal(
        &self,
        account: &AccountId,
        kind: PrincipalKind,
        name: &str,
    ) -> StoreResult<Option<PrincipalRecord>> {
        self.read()
            .query_row(
                &format!(
                    "SELECT {PRINCIPAL_COLUMNS} FROM principals
                     WHERE account_id = ?1 AND kind = ?2 AND name = ?3"
                ),
                params![account.as_str(), kind.as_str(), name],
                principal_row,
            )
            .optional()
            .map_err(unavailable)?
            .map(principal_record)
            .transpose()
    }

    fn principals(
        &self,
        account: &AccountId,
        kind: PrincipalKind,
    ) -> StoreResult<Vec<PrincipalRecord>> {
        let connection = self.read();
        let mut statement = connection
            .prepare(&format!(
                "SELECT {PRINCIPAL_COLUMNS} FROM principals
                 WHERE account_id = ?1 AND kind = ?2 ORDER BY name"
            ))
            .map_err(unavailable)?;
        let rows = statement
            .query_map(params![account.as_str(), kind.as_str()], principal_row)
            .map_err(unavailable)?;
        rows.map(|row| principal_record(row.map_err(unavailable)?))
            .collect()
    }

    fn update_principal(&self, record: &PrincipalRecord) -> StoreResult<()> {
        let rows = self
            .lock()
            .execute(
                "UPDATE principals SET trust_policy = ?4, description = ?5
                 WHERE account_id = ?1 AND kind = ?2 AND name = ?3",
                params![
                    record.account.as_str(),
                    record.kind.as_str(),
                    record.name,
                    record.trust_policy,
                    record.description
                ],
            )
            .map_err(unavailable)?;
        changed_one(rows)
    }

    fn delete_principal(
        &self,
        account: &AccountId,
        kind: PrincipalKind,
        name: &str,
    ) -> StoreResult<()> {
        let rows = self
            .lock()
            .execute(
                "DELETE FROM principals WHERE account_id = ?1 AND kind = ?2 AND name = ?3",
                params![account.as_str(), kind.as_str(), name],
            )
            .map_err(unavailable)?;
        changed_one(rows)
    }

    fn put_identity_policy(
        &self,
        account: &AccountId,
        kind: PrincipalKind,
        principal: &str,
        policy: &IdentityPolicyRecord,
    ) -> StoreResult<()> {
        self.lock()
            .execute(
                "INSERT INTO identity_policies
                 (account_id, kind, principal_name, policy_name, document)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (account_id, kind, principal_name, policy_name)
                 DO UPDATE SET document = excluded.document",
                params![
                    account.as_str(),
                    kind.as_str(),
                    principal,
                    policy.name,
                    policy.document
                ],
            )
            .map(drop)
            .map_err(unavailable)
    }

    fn identity_policies(
        &self,
        account: &AccountId,
        kind: PrincipalKind,
        principal: &str,
    ) -> StoreResult<Vec<IdentityPolicyRecord>> {
        let connection = self.read();
        let mut statement = connection
            .prepare(
                "SELECT policy_name, document FROM identity_policies
                 WHERE account_id = ?1 AND kind = ?2 AND principal_name = ?3
                 ORDER BY policy_name",
            )
            .map_err(unavailable)?;
        let rows = statement
            .query_map(params![account.as_str(), kind.as_str(), principal], |row| {
                Ok(IdentityPolicyRecord {
                    name: row.get(0)?,
                    document: row.get(1)?,
                })
            })
            .map_err(unavailable)?;
        rows.map(|row| row.map_err(unavailable)).collect()
    }

    fn delete_identity_policy(
        &self,
        account: &AccountId,
        kind: PrincipalKind,
        principal: &str,
        policy_name: &str,
    ) -> StoreResult<()> {
        let rows = self
            .lock()
            .execute(
                "DELETE FROM identity_policies
                 WHERE account_id = ?1 AND kind = ?2 AND principal_name = ?3 AND policy_name = ?4",
                params![account.as_str(), kind.as_str(), principal, policy_name],
            )
            .map_err(unavailable)?;
        changed_one(rows)
    }

    fn insert_key(
        &self,
        key: &KeyRecord,
        material: &MaterialRecord,
        tags: &[Tag],
    ) -> StoreResult<()> {
        let mut connection = self.lock();
        let tx = connection.transaction().map_err(unavailable)?;
        insert_key_rows(&tx, key, material)?;
        let key_id = key.key_id.to_string();
        for tag in tags {
            tx.execute(
                "INSERT INTO tags (key_id, tag_key, tag_value) VALUES (?1, ?2, ?3)",
                params![key_id, tag.key, tag.value],
            )
            .map_err(unavailable)?;
        }
        tx.commit().map_err(unavailable)
    }

    fn insert_keys(&self, keys: &[(KeyRecord, MaterialRecord)]) -> StoreResult<()> {
        let mut connection = self.lock();
        let tx = connection.transaction().map_err(unavailable)?;
        for (key, material) in keys {
            insert_key_rows(&tx, key, material)?;
        }
        tx.commit().map_err(unavailable)
    }

    fn key(&self, key_id: &KeyId) -> StoreResult<Option<KeyRecord>> {
        self.read()
            .query_row(
                &format!("SELECT {KEY_COLUMNS} FROM keys WHERE key_id = ?1"),
                [key_id.to_string()],
                key_from_row,
            )
            .optional()
            .map_err(unavailable)?
            .transpose()
    }

    fn update_key(&self, key: &KeyRecord) -> StoreResult<()> {
        let rows = self
            .lock()
            .execute(
                "UPDATE keys SET description = ?2, key_state = ?3, deletion_date = ?4,
                    pending_window_days = ?5, policy = ?6, rotation_enabled = ?7,
                    rotation_period_days = ?8, current_material_version = ?9,
                    next_rotation_at = ?10
                 WHERE key_id = ?1",
                params![
                    key.key_id.to_string(),
                    key.description,
                    key.state.as_str(),
                    key.deletion_date.map(Timestamp::as_millis),
                    key.pending_window_days,
                    key.policy,
                    key.rotation_enabled,
                    key.rotation_period_days,
                    key.current_material_version,
                    key.next_rotation_at.map(Timestamp::as_millis),
                ],
            )
            .map_err(unavailable)?;
        changed_one(rows)
    }

    fn add_material(&self, key: &KeyRecord, material: &MaterialRecord) -> StoreResult<()> {
        let mut connection = self.lock();
        let tx = connection.transaction().map_err(unavailable)?;
        let key_id = key.key_id.to_string();
        insert_material_row(&tx, &key_id, material)?;
        let rows = tx
            .execute(
                "UPDATE keys SET current_material_version = ?2, next_rotation_at = ?3
                 WHERE key_id = ?1",
                params![
                    key_id,
                    key.current_material_version,
                    key.next_rotation_at.map(Timestamp::as_millis)
                ],
            )
            .map_err(unavailable)?;
        changed_one(rows)?;
        tx.commit().map_err(unavailable)
    }

    fn materials(&self, key_id: &KeyId) -> StoreResult<Vec<MaterialInfo>> {
        let connection = self.read();
        let mut statement = connection
            .prepare(
                "SELECT version, created_at, rotation_type FROM key_materials
                 WHERE key_id = ?1 ORDER BY version",
            )
            .map_err(unavailable)?;
        let rows = statement
            .query_map([key_id.to_string()], |row| {
                Ok((
                    row.get::<_, u32>(0)?,
                    row.get::<_, i64>(1)?,
                    row.get::<_, Option<String>>(2)?,
                ))
            })
            .map_err(unavailable)?;
        rows.map(|row| {
            let (version, created_at, rotation) = row.map_err(unavailable)?;
            let rotation = match rotation {
                None => None,
                Some(text) => Some(RotationType::parse(&text).ok_or_else(corrupt)?),
            };
            Ok(MaterialInfo {
                version,
                created_at: Timestamp::from_millis(created_at),
                rotation,
            })
        })
        .collect()
    }

    fn delete_key(&self, key_id: &KeyId) -> StoreResult<()> {
        let mut connection = self.lock();
        let tx = connection.transaction().map_err(unavailable)?;
        let id = key_id.to_string();
        for sql in [
            "DELETE FROM key_materials WHERE key_id = ?1",
            "DELETE FROM tags WHERE key_id = ?1",
            "DELETE FROM grants WHERE key_id = ?1",
            "DELETE FROM aliases WHERE target = ?1",
        ] {
            tx.execute(sql, [&id]).map_err(unavailable)?;
        }
        let rows = tx
            .execute("DELETE FROM keys WHERE key_id = ?1", [&id])
            .map_err(unavailable)?;
        changed_one(rows)?;
        tx.commit().map_err(unavailable)?;
        // Material rows are gone from the database; make sure their pages
        // are not left readable in the write-ahead log either.
        let _ = connection.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);");
        Ok(())
    }

    fn count_keys_by_state(&self) -> StoreResult<Vec<(KeyState, u64)>> {
        let connection = self.read();
        let mut statement = connection
            .prepare("SELECT key_state, count(*) FROM keys GROUP BY key_state ORDER BY key_state")
            .map_err(unavailable)?;
        let rows = statement
            .query_map([], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
            })
            .map_err(unavailable)?;
        rows.map(|row| {
            let (state, count) = row.map_err(unavailable)?;
            Ok((
                KeyState::parse(&state).ok_or_else(corrupt)?,
                u64::try_from(count).unwrap_or(0),
            ))
        })
        .collect()
    }

    fn keys_due(&self, now: Timestamp) -> StoreResult<Vec<KeyId>> {
        let connection = self.read();
        let mut statement = connection
            .prepare(
                "SELECT key_id FROM keys
                 WHERE (key_state = 'PendingDeletion' AND deletion_date <= ?1)
                    OR (rotation_enabled = 1 AND key_state = 'Enabled' AND next_rotation_at <= ?1)
                 ORDER BY seq",
            )
            .map_err(unavailable)?;
        let rows = statement
            .query_map([now.as_millis()], |row| row.get::<_, String>(0))
            .map_err(unavailable)?;
        rows.map(|row| KeyId::parse(&row.map_err(unavailable)?).map_err(|_| corrupt()))
            .collect()
    }

    fn insert_grant(&self, grant: &GrantRecord) -> StoreResult<()> {
        let (kind, context) = match &grant.constraint {
            None => (None, None),
            Some((ConstraintKind::Equals, pairs)) => (Some("equals"), Some(encode_pairs(pairs))),
            Some((ConstraintKind::Subset, pairs)) => (Some("subset"), Some(encode_pairs(pairs))),
        };
        self.lock()
            .execute(
                &format!("INSERT INTO grants ({GRANT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"),
                params![
                    grant.grant_id,
                    grant.key_id.to_string(),
                    grant.name,
                    grant.created_at.as_millis(),
                    grant.grantee,
                    grant.retiring,
                    grant.issuing_account,
                    grant.operations.join(","),
                    kind,
                    context
                ],
            )
            .map(drop)
            .map_err(unavailable)
    }

    fn grants(&self, key_id: &KeyId) -> StoreResult<Vec<GrantRecord>> {
        self.grants_where(
            "key_id = ?1 ORDER BY created_at, grant_id",
            &key_id.to_string(),
        )
    }

    fn grant(&self, grant_id: &str) -> StoreResult<Option<GrantRecord>> {
        Ok(self
            .grants_where("grant_id = ?1", grant_id)?
            .into_iter()
            .next())
    }

    fn retirable_grants(&self, retiring: &str) -> StoreResult<Vec<GrantRecord>> {
        self.grants_where("retiring = ?1 ORDER BY created_at, grant_id", retiring)
    }

    fn delete_grant(&self, grant_id: &str) -> StoreResult<()> {
        let rows = self
            .lock()
            .execute("DELETE FROM grants WHERE grant_id = ?1", [grant_id])
            .map_err(unavailable)?;
        changed_one(rows)
    }

    fn list_keys(&self, scope: &Scope, after: Option<i64>, limit: u32) -> StoreResult<Page<KeyId>> {
        let connection = self.read();
        let mut statement = connection
            .prepare(
                "SELECT seq, key_id FROM keys WHERE account_id = ?1 AND region = ?2 AND seq > ?3
                 ORDER BY seq LIMIT ?4",
            )
            .map_err(unavailable)?;
        let rows = statement
            .query_map(
                params![
                    scope.account.as_str(),
                    scope.region.as_str(),
                    after.unwrap_or(0),
                    i64::from(limit) + 1
                ],
                |row| Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?)),
            )
            .map_err(unavailable)?;
        let mut entries = Vec::new();
        for row in rows {
            let (seq, text) = row.map_err(unavailable)?;
            entries.push((seq, KeyId::parse(&text).map_err(|_| corrupt())?));
        }
        Ok(paginate(entries, limit))
    }

    fn key_material(&self, key_id: &KeyId, version: u32) -> StoreResult<Option<SealedKeyMaterial>> {
        self.read()
            .query_row(
                "SELECT sealed FROM key_materials WHERE key_id = ?1 AND version = ?2",
                params![key_id.to_string(), version],
                |row| row.get::<_, Vec<u8>>(0),
            )
            .optional()
            .map(|found| found.map(SealedKeyMaterial::from_bytes))
            .map_err(unavailable)
    }

    fn alias(&self, scope: &Scope, name: &AliasName) -> StoreResult<Option<AliasRecord>> {
        self.read()
            .query_row(
                "SELECT account_id, region, alias_name, target, created_at, updated_at FROM aliases
                 WHERE account_id = ?1 AND region = ?2 AND alias_name = ?3",
                params![scope.account.as_str(), scope.region.as_str(), name.as_str()],
                alias_from_row,
            )
            .optional()
            .map_err(unavailable)?
            .transpose()
    }

    fn insert_alias(&self, alias: &AliasRecord) -> StoreResult<()> {
        self.lock()
            .execute(
                "INSERT INTO aliases (account_id, region, alias_name, target, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    alias.scope.account.as_str(),
                    alias.scope.region.as_str(),
                    alias.name.as_str(),
                    alias.target.to_string(),
                    alias.created_at.as_millis(),
                    alias.updated_at.as_millis()
                ],
            )
            .map(drop)
            .map_err(unavailable)
    }

    fn update_alias(&self, alias: &AliasRecord) -> StoreResult<()> {
        let rows = self
            .lock()
            .execute(
                "UPDATE aliases SET target = ?4, updated_at = ?5
                 WHERE account_id = ?1 AND region = ?2 AND alias_name = ?3",
                params![
                    alias.scope.account.as_str(),
                    alias.scope.region.as_str(),
                    alias.name.as_str(),
                    alias.target.to_string(),
                    alias.updated_at.as_millis()
                ],
            )
            .map_err(unavailable)?;
        changed_one(rows)
    }

    fn delete_alias(&self, scope: &Scope, name: &AliasName) -> StoreResult<()> {
        let rows = self
            .lock()
            .execute(
                "DELETE FROM aliases WHERE account_id = ?1 AND region = ?2 AND alias_name = ?3",
                params![scope.account.as_str(), scope.region.as_str(), name.as_str()],
            )
            .map_err(unavailable)?;
        changed_one(rows)
    }

    fn list_aliases(
        &self,
        scope: &Scope,
        target: Option<&KeyId>,
        after: Option<i64>,
        limit: u32,
    ) -> StoreResult<Page<AliasRecord>> {
        let connection = self.read();
        let mut statement = connection
            .prepare(
                "SELECT account_id, region, alias_name, target, created_at, updated_at, seq FROM aliases
                 WHERE account_id = ?1 AND region = ?2 AND seq > ?3 AND (?4 IS NULL OR target = ?4)
                 ORDER BY seq LIMIT ?5",
            )
            .map_err(unavailable)?;
        let rows = statement
            .query_map(
                params![
                    scope.account.as_str(),
                    scope.region.as_str(),
                    after.unwrap_or(0),
                    target.map(KeyId::to_string),
                    i64::from(limit) + 1
                ],
                |row| Ok((row.get::<_, i64>(6)?, alias_from_row(row)?)),
            )
            .map_err(unavailable)?;
        let mut entries = Vec::new();
        for row in rows {
            let (seq, alias) = row.map_err(unavailable)?;
            entries.push((seq, alias?));
        }
        Ok(paginate(entries, limit))
    }

    fn tags(&self, key_id: &KeyId) -> StoreResult<Vec<Tag>> {
        let connection = self.read();
        let mut statement = connection
            .prepare("SELECT tag_key, tag_value FROM tags WHERE key_id = ?1 ORDER BY tag_key")
            .map_err(unavailable)?;
        let rows = statement
            .query_map([key_id.to_string()], |row| {
                Ok(Tag {
                    key: row.get(0)?,
                    value: row.get(1)?,
                })
            })
            .map_err(unavailable)?;
        rows.map(|row| row.map_err(unavailable)).collect()
    }

    fn put_tags(&self, key_id: &KeyId, tags: &[Tag]) -> StoreResult<()> {
        let mut connection = self.lock();
        let tx = connection.transaction().map_err(unavailable)?;
        for tag in tags {
            tx.execute(
                "INSERT INTO tags (key_id, tag_key, tag_value) VALUES (?1, ?2, ?3)
                 ON CONFLICT (key_id, tag_key) DO UPDATE SET tag_value = excluded.tag_value",
                params![key_id.to_string(), tag.key, tag.value],
            )
            .map_err(unavailable)?;
        }
        tx.commit().map_err(unavailable)
    }

    fn remove_tags(&self, key_id: &KeyId, tag_keys: &[String]) -> StoreResult<()> {
        let mut connection = self.lock();
        let tx = connection.transaction().map_err(unavailable)?;
        for tag_key in tag_keys {
            tx.execute(
                "DELETE FROM tags WHERE key_id = ?1 AND tag_key = ?2",
                params![key_id.to_string(), tag_key],
            )
            .map_err(unavailable)?;
        }
        tx.commit().map_err(unavailable)
    }
}

fn insert_key_rows(
    tx: &rusqlite::Transaction<'_>,
    key: &KeyRecord,
    material: &MaterialRecord,
) -> StoreResult<()> {
    let key_id = key.key_id.to_string();
    tx.execute(
            &format!("INSERT INTO keys ({KEY_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)"),
            params![
                key_id,
                key.scope.account.as_str(),
                key.scope.region.as_str(),
                key.created_at.as_millis(),
                key.description,
                key.state.as_str(),
                key.spec.as_str(),
                key.usage.as_str(),
                key.origin.as_str(),
                key.manager.as_str(),
                key.multi_region,
                key.deletion_date.map(Timestamp::as_millis),
                key.pending_window_days,
                key.policy,
                key.rotation_enabled,
                key.rotation_period_days,
                key.current_material_version,
                key.next_rotation_at.map(Timestamp::as_millis),
            ],
        )
        .map_err(unavailable)?;
    insert_material_row(tx, &key_id, material)
}

fn insert_material_row(
    tx: &rusqlite::Transaction<'_>,
    key_id: &str,
    material: &MaterialRecord,
) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO key_materials (key_id, version, sealed, created_at, rotation_type)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            key_id,
            material.version,
            material.sealed.as_bytes(),
            material.created_at.as_millis(),
            material.rotation.map(RotationType::as_str),
        ],
    )
    .map_err(unavailable)?;
    Ok(())
}

/// An encryption context for a grant constraint: pairs, each as two
/// length-prefixed (u32, big-endian) UTF-8 strings.
fn encode_pairs(pairs: &[(String, String)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (key, value) in pairs {
        for text in [key, value] {
            out.extend_from_slice(&(text.len() as u32).to_be_bytes());
            out.extend_from_slice(text.as_bytes());
        }
    }
    out
}

fn decode_pairs(mut bytes: &[u8]) -> Option<Vec<(String, String)>> {
    fn text(bytes: &mut &[u8]) -> Option<String> {
        let (length, rest) = bytes.split_first_chunk::<4>()?;
        let length = u32::from_be_bytes(*length) as usize;
        let value = rest.get(..length)?;
        *bytes = &rest[length..];
        String::from_utf8(value.to_vec()).ok()
    }
    let mut pairs = Vec::new();
    while !bytes.is_empty() {
        let key = text(&mut bytes)?;
        pairs.push((key, text(&mut bytes)?));
    }
    Some(pairs)
}

const GRANT_COLUMNS: &str = "grant_id, key_id, name, created_at, grantee, retiring, \
    issuing_account, operations, constraint_kind, constraint_context";

fn grant_from_row(row: &Row<'_>) -> rusqlite::Result<StoreResult<GrantRecord>> {
    let key_id: String = row.get(1)?;
    let operations: String = row.get(7)?;
    let kind: Option<String> = row.get(8)?;
    let context: Option<Vec<u8>> = row.get(9)?;
    let constraint = match (kind.as_deref(), context) {
        (None, _) => Ok(None),
        (Some("equals"), Some(bytes)) => decode_pairs(&bytes)
            .map(|p| Some((ConstraintKind::Equals, p)))
            .ok_or(()),
        (Some("subset"), Some(bytes)) => decode_pairs(&bytes)
            .map(|p| Some((ConstraintKind::Subset, p)))
            .ok_or(()),
        _ => Err(()),
    };
    let Ok(key_id) = KeyId::parse(&key_id) else {
        return Ok(Err(corrupt()));
    };
    let Ok(constraint) = constraint else {
        return Ok(Err(corrupt()));
    };
    Ok(Ok(GrantRecord {
        grant_id: row.get(0)?,
        key_id,
        name: row.get(2)?,
        created_at: Timestamp::from_millis(row.get(3)?),
        grantee: row.get(4)?,
        retiring: row.get(5)?,
        issuing_account: row.get(6)?,
        operations: operations
            .split(',')
            .filter(|op| !op.is_empty())
            .map(str::to_owned)
            .collect(),
        constraint,
    }))
}

/// Cuts a `limit + 1` query result into a page and the position after it.
fn paginate<T>(mut entries: Vec<(i64, T)>, limit: u32) -> Page<T> {
    let more = entries.len() > limit as usize;
    entries.truncate(limit as usize);
    let next = if more {
        entries.last().map(|(seq, _)| *seq)
    } else {
        None
    };
    Page {
        items: entries.into_iter().map(|(_, item)| item).collect(),
        next,
    }
}

#[cfg(test)]
mod tests;
