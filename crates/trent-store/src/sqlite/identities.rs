//! Accounts, principals (users and roles), their access keys and their
//! inline identity policies.

use rusqlite::{params, Connection, OptionalExtension, Row};
use trent_core::clock::Timestamp;
use trent_core::id::AccountId;

use super::{changed_one, corrupt, unavailable};
use crate::record::{AccessKeyRecord, IdentityPolicyRecord, PrincipalKind, PrincipalRecord};
use crate::StoreResult;

pub(super) fn insert_account(
    connection: &Connection,
    account: &AccountId,
    created_at: Timestamp,
) -> StoreResult<()> {
    connection
        .execute(
            "INSERT INTO accounts (account_id, created_at) VALUES (?1, ?2)",
            params![account.as_str(), created_at.as_millis()],
        )
        .map(drop)
        .map_err(unavailable)
}

pub(super) fn accounts(connection: &Connection) -> StoreResult<Vec<AccountId>> {
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

pub(super) fn insert_access_key(
    connection: &Connection,
    record: &AccessKeyRecord,
) -> StoreResult<()> {
    connection
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

pub(super) fn access_key(
    connection: &Connection,
    access_key_id: &str,
) -> StoreResult<Option<AccessKeyRecord>> {
    connection
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

pub(super) fn access_keys(
    connection: &Connection,
    account: &AccountId,
    user: Option<&str>,
) -> StoreResult<Vec<AccessKeyRecord>> {
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

pub(super) fn set_access_key_active(
    connection: &Connection,
    access_key_id: &str,
    active: bool,
) -> StoreResult<()> {
    let rows = connection
        .execute(
            "UPDATE access_keys SET active = ?2 WHERE access_key_id = ?1",
            params![access_key_id, active],
        )
        .map_err(unavailable)?;
    changed_one(rows)
}

pub(super) fn delete_access_key(connection: &Connection, access_key_id: &str) -> StoreResult<()> {
    let rows = connection
        .execute(
            "DELETE FROM access_keys WHERE access_key_id = ?1",
            [access_key_id],
        )
        .map_err(unavailable)?;
    changed_one(rows)
}

pub(super) fn insert_principal(
    connection: &Connection,
    record: &PrincipalRecord,
) -> StoreResult<()> {
    connection
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

pub(super) fn principal(
    connection: &Connection,
    account: &AccountId,
    kind: PrincipalKind,
    name: &str,
) -> StoreResult<Option<PrincipalRecord>> {
    connection
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

pub(super) fn principals(
    connection: &Connection,
    account: &AccountId,
    kind: PrincipalKind,
) -> StoreResult<Vec<PrincipalRecord>> {
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

pub(super) fn update_principal(
    connection: &Connection,
    record: &PrincipalRecord,
) -> StoreResult<()> {
    let rows = connection
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

pub(super) fn delete_principal(
    connection: &Connection,
    account: &AccountId,
    kind: PrincipalKind,
    name: &str,
) -> StoreResult<()> {
    let rows = connection
        .execute(
            "DELETE FROM principals WHERE account_id = ?1 AND kind = ?2 AND name = ?3",
            params![account.as_str(), kind.as_str(), name],
        )
        .map_err(unavailable)?;
    changed_one(rows)
}

pub(super) fn put_identity_policy(
    connection: &Connection,
    account: &AccountId,
    kind: PrincipalKind,
    principal: &str,
    policy: &IdentityPolicyRecord,
) -> StoreResult<()> {
    connection
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

pub(super) fn identity_policies(
    connection: &Connection,
    account: &AccountId,
    kind: PrincipalKind,
    principal: &str,
) -> StoreResult<Vec<IdentityPolicyRecord>> {
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

pub(super) fn delete_identity_policy(
    connection: &Connection,
    account: &AccountId,
    kind: PrincipalKind,
    principal: &str,
    policy_name: &str,
) -> StoreResult<()> {
    let rows = connection
        .execute(
            "DELETE FROM identity_policies
             WHERE account_id = ?1 AND kind = ?2 AND principal_name = ?3 AND policy_name = ?4",
            params![account.as_str(), kind.as_str(), principal, policy_name],
        )
        .map_err(unavailable)?;
    changed_one(rows)
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
