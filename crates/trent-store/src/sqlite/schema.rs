//! The schema: [`MIGRATIONS`], applied in order on open, and the version in
//! `PRAGMA user_version` that records how many have run.

use rusqlite::Connection;

use super::{corrupt, unavailable};
use crate::StoreResult;

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
    r#"
CREATE TABLE key_last_usage (
    key_id     TEXT PRIMARY KEY REFERENCES keys(key_id),
    operation  TEXT NOT NULL,
    used_at    INTEGER NOT NULL,
    event_id   TEXT,
    request_id TEXT NOT NULL
) STRICT;
"#,
    r#"
ALTER TABLE keys ADD COLUMN expiration_model TEXT;
ALTER TABLE keys ADD COLUMN valid_to INTEGER;
ALTER TABLE keys ADD COLUMN current_key_material_id TEXT;
ALTER TABLE key_materials ADD COLUMN key_material_id TEXT;
ALTER TABLE key_materials ADD COLUMN import_state TEXT;
ALTER TABLE key_materials ADD COLUMN expiration_model TEXT;
ALTER TABLE key_materials ADD COLUMN valid_to INTEGER;
ALTER TABLE key_materials ADD COLUMN description TEXT;
CREATE INDEX key_materials_expiring ON key_materials (valid_to) WHERE valid_to IS NOT NULL;
CREATE TABLE import_tokens (
    token_id   TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
) STRICT;
"#,
    // v6: one `keys` row per (key id, Region), for multi-Region keys and
    // their replicas; what the related keys share (material, rotation, the
    // primary Region) is written to every row of the id at once. Tags,
    // grants, aliases and last usage belong to one Regional key. Tables are
    // rebuilt as SQLite's "generalized ALTER TABLE" procedure says (foreign
    // keys off around the transaction, checked before it commits).
    r#"
CREATE TABLE keys_v6 (
    seq                      INTEGER PRIMARY KEY AUTOINCREMENT,
    key_id                   TEXT NOT NULL,
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
    current_material_version INTEGER NOT NULL,
    next_rotation_at         INTEGER,
    expiration_model         TEXT,
    valid_to                 INTEGER,
    current_key_material_id  TEXT,
    primary_region           TEXT,
    UNIQUE (key_id, region)
) STRICT;
INSERT INTO keys_v6 (seq, key_id, account_id, region, created_at, description, key_state,
    key_spec, key_usage, origin, key_manager, multi_region, deletion_date, pending_window_days,
    policy, rotation_enabled, rotation_period_days, current_material_version, next_rotation_at,
    expiration_model, valid_to, current_key_material_id, primary_region)
SELECT seq, key_id, account_id, region, created_at, description, key_state,
    key_spec, key_usage, origin, key_manager, multi_region, deletion_date, pending_window_days,
    policy, rotation_enabled, rotation_period_days, current_material_version, next_rotation_at,
    expiration_model, valid_to, current_key_material_id,
    CASE WHEN multi_region = 1 THEN region END
FROM keys;

CREATE TABLE key_materials_v6 (
    key_id           TEXT NOT NULL,
    version          INTEGER NOT NULL,
    sealed           BLOB NOT NULL,
    created_at       INTEGER NOT NULL,
    rotation_type    TEXT,
    key_material_id  TEXT,
    import_state     TEXT,
    expiration_model TEXT,
    valid_to         INTEGER,
    description      TEXT,
    PRIMARY KEY (key_id, version)
) STRICT;
INSERT INTO key_materials_v6 SELECT key_id, version, sealed, created_at, rotation_type,
    key_material_id, import_state, expiration_model, valid_to, description FROM key_materials;

CREATE TABLE aliases_v6 (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id TEXT NOT NULL,
    region     TEXT NOT NULL,
    alias_name TEXT NOT NULL,
    target     TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (account_id, region, alias_name),
    FOREIGN KEY (target, region) REFERENCES keys (key_id, region)
) STRICT;
INSERT INTO aliases_v6 SELECT seq, account_id, region, alias_name, target, created_at, updated_at
FROM aliases;

CREATE TABLE tags_v6 (
    key_id    TEXT NOT NULL,
    region    TEXT NOT NULL,
    tag_key   TEXT NOT NULL,
    tag_value TEXT NOT NULL,
    PRIMARY KEY (key_id, region, tag_key),
    FOREIGN KEY (key_id, region) REFERENCES keys (key_id, region)
) STRICT;
INSERT INTO tags_v6 SELECT tags.key_id, keys.region, tag_key, tag_value
FROM tags JOIN keys USING (key_id);

CREATE TABLE grants_v6 (
    grant_id           TEXT PRIMARY KEY,
    key_id             TEXT NOT NULL,
    region             TEXT NOT NULL,
    name               TEXT,
    created_at         INTEGER NOT NULL,
    grantee            TEXT NOT NULL,
    retiring           TEXT,
    issuing_account    TEXT NOT NULL,
    operations         TEXT NOT NULL,
    constraint_kind    TEXT,
    constraint_context BLOB,
    FOREIGN KEY (key_id, region) REFERENCES keys (key_id, region)
) STRICT;
INSERT INTO grants_v6 SELECT grant_id, grants.key_id, keys.region, name, grants.created_at,
    grantee, retiring, issuing_account, operations, constraint_kind, constraint_context
FROM grants JOIN keys USING (key_id);

CREATE TABLE key_last_usage_v6 (
    key_id     TEXT NOT NULL,
    region     TEXT NOT NULL,
    operation  TEXT NOT NULL,
    used_at    INTEGER NOT NULL,
    event_id   TEXT,
    request_id TEXT NOT NULL,
    PRIMARY KEY (key_id, region),
    FOREIGN KEY (key_id, region) REFERENCES keys (key_id, region)
) STRICT;
INSERT INTO key_last_usage_v6 SELECT key_last_usage.key_id, keys.region, operation, used_at,
    event_id, request_id
FROM key_last_usage JOIN keys USING (key_id);

-- List markers are seqs: the counters carry over, so no seq is ever reused.
DELETE FROM sqlite_sequence WHERE name IN ('keys_v6', 'aliases_v6');
INSERT INTO sqlite_sequence (name, seq)
    SELECT name || '_v6', seq FROM sqlite_sequence WHERE name IN ('keys', 'aliases');

DROP TABLE key_last_usage;
DROP TABLE grants;
DROP TABLE tags;
DROP TABLE aliases;
DROP TABLE key_materials;
DROP TABLE keys;
ALTER TABLE keys_v6 RENAME TO keys;
ALTER TABLE key_materials_v6 RENAME TO key_materials;
ALTER TABLE aliases_v6 RENAME TO aliases;
ALTER TABLE tags_v6 RENAME TO tags;
ALTER TABLE grants_v6 RENAME TO grants;
ALTER TABLE key_last_usage_v6 RENAME TO key_last_usage;

CREATE INDEX keys_by_scope ON keys (account_id, region, seq);
CREATE INDEX keys_due_deletion ON keys (deletion_date) WHERE deletion_date IS NOT NULL;
CREATE INDEX keys_due_rotation ON keys (next_rotation_at) WHERE next_rotation_at IS NOT NULL;
CREATE INDEX key_materials_expiring ON key_materials (valid_to) WHERE valid_to IS NOT NULL;
CREATE INDEX grants_by_key ON grants (key_id, region, created_at);
CREATE INDEX grants_by_retiring ON grants (retiring);
"#,
];

/// Brings the file at `connection` to the newest schema, one transaction per
/// migration; refuses a file written by a newer Trent.
pub(super) fn migrate(connection: &mut Connection) -> StoreResult<()> {
    let current: usize = connection
        .query_row("PRAGMA user_version", [], |row| row.get::<_, i64>(0))
        .map_err(unavailable)?
        .try_into()
        .map_err(|_| corrupt())?;
    if current > MIGRATIONS.len() {
        // Written by a newer Trent: refuse rather than guess.
        return Err(corrupt());
    }
    if current == MIGRATIONS.len() {
        return Ok(());
    }
    // Migrations may rebuild tables that others refer to: foreign keys are
    // off while they run (a pragma that only takes effect outside a
    // transaction) and checked before each commits.
    connection
        .execute_batch("PRAGMA foreign_keys = OFF;")
        .map_err(unavailable)?;
    let result = apply(connection, current);
    connection
        .execute_batch("PRAGMA foreign_keys = ON;")
        .map_err(unavailable)?;
    result
}

fn apply(connection: &mut Connection, current: usize) -> StoreResult<()> {
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(current) {
        let tx = connection.transaction().map_err(unavailable)?;
        tx.execute_batch(sql).map_err(unavailable)?;
        let dangling: bool = tx
            .prepare("PRAGMA foreign_key_check")
            .and_then(|mut statement| statement.exists([]))
            .map_err(unavailable)?;
        if dangling {
            return Err(corrupt());
        }
        tx.pragma_update(None, "user_version", (index + 1) as i64)
            .map_err(unavailable)?;
        tx.commit().map_err(unavailable)?;
    }
    Ok(())
}

/// The schema version of the file.
pub(super) fn version(connection: &Connection) -> StoreResult<u32> {
    connection
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(unavailable)
}
