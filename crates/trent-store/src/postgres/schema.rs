//! The schema: [`MIGRATIONS`], applied in order on connect under an
//! advisory lock, and the version in the one-row `schema_version` table.
//!
//! Versions are those of the SQLite schema: the first migration creates
//! the version-6 layout at once, and a later change adds one migration to
//! each backend under the same number.

use deadpool_postgres::{Client, GenericClient};

use super::{col, corrupt, execute, query_opt, unavailable};
use crate::StoreResult;

/// The advisory lock (transaction-level) held while migrations run, so
/// nodes starting together on an empty database do not race.
pub(super) const MIGRATION_LOCK: i64 = 0x7472_656e_7400_0001;

/// Schema migrations, applied in order: each entry brings the database from
/// the version before it (0 for an empty database) to its own version.
pub const MIGRATIONS: &[(u32, &str)] = &[(6, VERSION_6)];

/// The SQLite layout of version 6, translated: BIGINT for INTEGER (0 and 1
/// for booleans, as there), BYTEA for BLOB, identity columns for
/// AUTOINCREMENT, text compared byte by byte (`COLLATE "C"`, SQLite's
/// BINARY), and `lower()` indexes for SQLite's NOCASE.
const VERSION_6: &str = r#"
CREATE TABLE schema_version (
    only_row BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (only_row),
    version  BIGINT NOT NULL
);
CREATE TABLE meta (
    name  TEXT COLLATE "C" PRIMARY KEY,
    value BYTEA NOT NULL
);
CREATE TABLE accounts (
    account_id TEXT COLLATE "C" PRIMARY KEY,
    created_at BIGINT NOT NULL
);
CREATE TABLE access_keys (
    access_key_id TEXT COLLATE "C" PRIMARY KEY,
    account_id    TEXT COLLATE "C" NOT NULL REFERENCES accounts(account_id),
    sealed_secret BYTEA NOT NULL,
    created_at    BIGINT NOT NULL,
    active        BIGINT NOT NULL,
    user_name     TEXT COLLATE "C"
);
CREATE INDEX access_keys_by_owner ON access_keys (account_id, lower(user_name));
CREATE TABLE principals (
    account_id   TEXT COLLATE "C" NOT NULL REFERENCES accounts(account_id),
    kind         TEXT COLLATE "C" NOT NULL,
    name         TEXT COLLATE "C" NOT NULL,
    id           TEXT COLLATE "C" NOT NULL UNIQUE,
    path         TEXT COLLATE "C" NOT NULL,
    created_at   BIGINT NOT NULL,
    trust_policy TEXT COLLATE "C",
    description  TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (account_id, kind, name)
);
CREATE UNIQUE INDEX principals_by_name ON principals (account_id, kind, lower(name));
CREATE TABLE identity_policies (
    account_id     TEXT COLLATE "C" NOT NULL,
    kind           TEXT COLLATE "C" NOT NULL,
    principal_name TEXT COLLATE "C" NOT NULL,
    policy_name    TEXT COLLATE "C" NOT NULL,
    document       TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (account_id, kind, principal_name, policy_name),
    FOREIGN KEY (account_id, kind, principal_name)
        REFERENCES principals (account_id, kind, name) ON DELETE CASCADE
);
CREATE TABLE keys (
    seq                      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key_id                   TEXT COLLATE "C" NOT NULL,
    account_id               TEXT COLLATE "C" NOT NULL REFERENCES accounts(account_id),
    region                   TEXT COLLATE "C" NOT NULL,
    created_at               BIGINT NOT NULL,
    description              TEXT COLLATE "C" NOT NULL,
    key_state                TEXT COLLATE "C" NOT NULL,
    key_spec                 TEXT COLLATE "C" NOT NULL,
    key_usage                TEXT COLLATE "C" NOT NULL,
    origin                   TEXT COLLATE "C" NOT NULL,
    key_manager              TEXT COLLATE "C" NOT NULL,
    multi_region             BIGINT NOT NULL,
    deletion_date            BIGINT,
    pending_window_days      BIGINT,
    policy                   TEXT COLLATE "C" NOT NULL,
    rotation_enabled         BIGINT NOT NULL,
    rotation_period_days     BIGINT,
    current_material_version BIGINT NOT NULL,
    next_rotation_at         BIGINT,
    expiration_model         TEXT COLLATE "C",
    valid_to                 BIGINT,
    current_key_material_id  TEXT COLLATE "C",
    primary_region           TEXT COLLATE "C",
    UNIQUE (key_id, region)
);
CREATE INDEX keys_by_scope ON keys (account_id, region, seq);
CREATE INDEX keys_due_deletion ON keys (deletion_date) WHERE deletion_date IS NOT NULL;
CREATE INDEX keys_due_rotation ON keys (next_rotation_at) WHERE next_rotation_at IS NOT NULL;
CREATE TABLE key_materials (
    key_id           TEXT COLLATE "C" NOT NULL,
    version          BIGINT NOT NULL,
    sealed           BYTEA NOT NULL,
    created_at       BIGINT NOT NULL,
    rotation_type    TEXT COLLATE "C",
    key_material_id  TEXT COLLATE "C",
    import_state     TEXT COLLATE "C",
    expiration_model TEXT COLLATE "C",
    valid_to         BIGINT,
    description      TEXT COLLATE "C",
    PRIMARY KEY (key_id, version)
);
CREATE INDEX key_materials_expiring ON key_materials (valid_to) WHERE valid_to IS NOT NULL;
CREATE TABLE import_tokens (
    token_id   TEXT COLLATE "C" PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
CREATE TABLE aliases (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id TEXT COLLATE "C" NOT NULL,
    region     TEXT COLLATE "C" NOT NULL,
    alias_name TEXT COLLATE "C" NOT NULL,
    target     TEXT COLLATE "C" NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (account_id, region, alias_name),
    FOREIGN KEY (target, region) REFERENCES keys (key_id, region)
);
CREATE TABLE tags (
    key_id    TEXT COLLATE "C" NOT NULL,
    region    TEXT COLLATE "C" NOT NULL,
    tag_key   TEXT COLLATE "C" NOT NULL,
    tag_value TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (key_id, region, tag_key),
    FOREIGN KEY (key_id, region) REFERENCES keys (key_id, region)
);
CREATE TABLE grants (
    grant_id           TEXT COLLATE "C" PRIMARY KEY,
    key_id             TEXT COLLATE "C" NOT NULL,
    region             TEXT COLLATE "C" NOT NULL,
    name               TEXT COLLATE "C",
    created_at         BIGINT NOT NULL,
    grantee            TEXT COLLATE "C" NOT NULL,
    retiring           TEXT COLLATE "C",
    issuing_account    TEXT COLLATE "C" NOT NULL,
    operations         TEXT COLLATE "C" NOT NULL,
    constraint_kind    TEXT COLLATE "C",
    constraint_context BYTEA,
    FOREIGN KEY (key_id, region) REFERENCES keys (key_id, region)
);
CREATE INDEX grants_by_key ON grants (key_id, region, created_at);
CREATE INDEX grants_by_retiring ON grants (retiring);
CREATE TABLE key_last_usage (
    key_id     TEXT COLLATE "C" NOT NULL,
    region     TEXT COLLATE "C" NOT NULL,
    operation  TEXT COLLATE "C" NOT NULL,
    used_at    BIGINT NOT NULL,
    event_id   TEXT COLLATE "C",
    request_id TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (key_id, region),
    FOREIGN KEY (key_id, region) REFERENCES keys (key_id, region)
);
"#;

/// The newest version this build knows.
pub(super) fn newest() -> u32 {
    MIGRATIONS.last().map_or(0, |(version, _)| *version)
}

/// Brings the database to the newest schema in one transaction, holding
/// [`MIGRATION_LOCK`]; refuses a database written by a newer Trent.
/// Refuses a PostgreSQL-compatible database known to lack what several
/// nodes rely on: CockroachDB answers `pg_advisory_lock` without locking
/// and has no `LISTEN`/`NOTIFY`, so nodes on it would neither exclude each
/// other nor hear each other's revocations.
pub(super) async fn check_engine(client: &impl GenericClient) -> StoreResult<()> {
    let row = query_opt(client, "SELECT version()", &[])
        .await?
        .ok_or_else(corrupt)?;
    let version: String = col(&row, 0)?;
    if unsuited(&version) {
        return Err(super::pg_error(super::PgError::Unsuited(
            "this database is CockroachDB, whose advisory locks do not lock and which has no LISTEN/NOTIFY: Trent nodes on it could not exclude or hear each other (use PostgreSQL)",
        )));
    }
    Ok(())
}

fn unsuited(version: &str) -> bool {
    version.contains("CockroachDB")
}

pub(super) async fn migrate(client: &mut Client) -> StoreResult<()> {
    let tx = client.transaction().await.map_err(unavailable)?;
    execute(&tx, "SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK]).await?;
    let current = version(&tx).await?;
    if current > newest() {
        // Written by a newer Trent: refuse rather than guess.
        return Err(corrupt());
    }
    if current == newest() {
        return Ok(());
    }
    for (_, sql) in MIGRATIONS.iter().filter(|(version, _)| *version > current) {
        tx.batch_execute(sql).await.map_err(unavailable)?;
    }
    execute(
        &tx,
        "INSERT INTO schema_version (only_row, version) VALUES (TRUE, $1)
         ON CONFLICT (only_row) DO UPDATE SET version = excluded.version",
        &[&i64::from(newest())],
    )
    .await?;
    tx.commit().await.map_err(unavailable)
}

/// The schema version of the database: 0 when it has none yet.
pub(super) async fn version(client: &impl GenericClient) -> StoreResult<u32> {
    let exists = query_opt(
        client,
        "SELECT 1 FROM pg_catalog.pg_tables
         WHERE schemaname = current_schema() AND tablename = 'schema_version'",
        &[],
    )
    .await?;
    if exists.is_none() {
        return Ok(0);
    }
    match query_opt(client, "SELECT version FROM schema_version", &[]).await? {
        None => Ok(0),
        Some(row) => u32::try_from(col::<i64>(&row, 0)?).map_err(|_| corrupt()),
    }
}

#[cfg(test)]
mod engine_tests {
    #[test]
    fn cockroachdb_is_refused_and_postgresql_is_not() {
        assert!(super::unsuited(
            "CockroachDB CCL v24.1.0 (x86_64-pc-linux-gnu, built 2024/05/15 21:28:29, go1.22.2)"
        ));
        assert!(!super::unsuited(
            "PostgreSQL 15.18 (Debian 15.18-0+deb12u1) on x86_64-pc-linux-gnu"
        ));
        assert!(!super::unsuited("PostgreSQL 15.12-YB-2025.2.3.0-b1"));
    }
}
