//! Accounts, principals (users and roles), their access keys and their
//! inline identity policies.
//!
//! Names of users and roles compare without regard to case (SQLite's
//! NOCASE): through `lower()`, with a unique index on it. An inline policy
//! row names its principal as the principal's row spells it, so its foreign
//! key (and cascade) works exactly.

use deadpool_postgres::{Client, GenericClient};
use tokio_postgres::Row;
use trent_core::clock::Timestamp;
use trent_core::id::AccountId;

use super::notify::notify;
use super::{changed_one, col, col_bool, corrupt, execute, query, query_opt, unavailable};
use crate::record::{AccessKeyRecord, IdentityPolicyRecord, PrincipalKind, PrincipalRecord};
use crate::{Change, StoreError, StoreErrorKind, StoreResult};

pub(super) async fn insert_account(
    client: &impl GenericClient,
    account: &AccountId,
    created_at: Timestamp,
) -> StoreResult<()> {
    execute(
        client,
        "INSERT INTO accounts (account_id, created_at) VALUES ($1, $2)",
        &[&account.as_str(), &created_at.as_millis()],
    )
    .await
    .map(drop)
}

pub(super) async fn accounts(client: &impl GenericClient) -> StoreResult<Vec<AccountId>> {
    let rows = query(
        client,
        "SELECT account_id FROM accounts ORDER BY created_at, account_id",
        &[],
    )
    .await?;
    rows.iter()
        .map(|row| AccountId::parse(&col::<String>(row, 0)?).map_err(|_| corrupt()))
        .collect()
}

pub(super) async fn insert_access_key(
    client: &mut Client,
    record: &AccessKeyRecord,
) -> StoreResult<()> {
    let tx = client.transaction().await.map_err(unavailable)?;
    execute(
        &tx,
        "INSERT INTO access_keys
         (access_key_id, account_id, sealed_secret, created_at, active, user_name)
         VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            &record.access_key_id,
            &record.account.as_str(),
            &record.sealed_secret,
            &record.created_at.as_millis(),
            &i64::from(record.active),
            &record.user,
        ],
    )
    .await?;
    notify(&tx, &Change::Identities).await?;
    tx.commit().await.map_err(unavailable)
}

pub(super) async fn access_key(
    client: &impl GenericClient,
    access_key_id: &str,
) -> StoreResult<Option<AccessKeyRecord>> {
    query_opt(
        client,
        &format!("SELECT {ACCESS_KEY_COLUMNS} FROM access_keys WHERE access_key_id = $1"),
        &[&access_key_id],
    )
    .await?
    .map(|row| access_key_record(&row))
    .transpose()
}

pub(super) async fn access_keys(
    client: &impl GenericClient,
    account: &AccountId,
    user: Option<&str>,
) -> StoreResult<Vec<AccessKeyRecord>> {
    let rows = query(
        client,
        &format!(
            "SELECT {ACCESS_KEY_COLUMNS} FROM access_keys
             WHERE account_id = $1 AND lower(user_name) IS NOT DISTINCT FROM lower($2::text)
             ORDER BY created_at, access_key_id"
        ),
        &[&account.as_str(), &user],
    )
    .await?;
    rows.iter().map(access_key_record).collect()
}

pub(super) async fn set_access_key_active(
    client: &mut Client,
    access_key_id: &str,
    active: bool,
) -> StoreResult<()> {
    let tx = client.transaction().await.map_err(unavailable)?;
    let rows = execute(
        &tx,
        "UPDATE access_keys SET active = $2 WHERE access_key_id = $1",
        &[&access_key_id, &i64::from(active)],
    )
    .await?;
    changed_one(rows)?;
    notify(&tx, &Change::Identities).await?;
    tx.commit().await.map_err(unavailable)
}

pub(super) async fn delete_access_key(client: &mut Client, access_key_id: &str) -> StoreResult<()> {
    let tx = client.transaction().await.map_err(unavailable)?;
    let rows = execute(
        &tx,
        "DELETE FROM access_keys WHERE access_key_id = $1",
        &[&access_key_id],
    )
    .await?;
    changed_one(rows)?;
    notify(&tx, &Change::Identities).await?;
    tx.commit().await.map_err(unavailable)
}

pub(super) async fn insert_principal(
    client: &mut Client,
    record: &PrincipalRecord,
) -> StoreResult<()> {
    let tx = client.transaction().await.map_err(unavailable)?;
    execute(
        &tx,
        &format!(
            "INSERT INTO principals ({PRINCIPAL_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        ),
        &[
            &record.account.as_str(),
            &record.kind.as_str(),
            &record.name,
            &record.id,
            &record.path,
            &record.created_at.as_millis(),
            &record.trust_policy,
            &record.description,
        ],
    )
    .await?;
    notify(&tx, &Change::Identities).await?;
    tx.commit().await.map_err(unavailable)
}

pub(super) async fn principal(
    client: &impl GenericClient,
    account: &AccountId,
    kind: PrincipalKind,
    name: &str,
) -> StoreResult<Option<PrincipalRecord>> {
    query_opt(
        client,
        &format!(
            "SELECT {PRINCIPAL_COLUMNS} FROM principals
             WHERE account_id = $1 AND kind = $2 AND lower(name) = lower($3::text)"
        ),
        &[&account.as_str(), &kind.as_str(), &name],
    )
    .await?
    .map(|row| principal_record(&row))
    .transpose()
}

pub(super) async fn principals(
    client: &impl GenericClient,
    account: &AccountId,
    kind: PrincipalKind,
) -> StoreResult<Vec<PrincipalRecord>> {
    let rows = query(
        client,
        &format!(
            "SELECT {PRINCIPAL_COLUMNS} FROM principals
             WHERE account_id = $1 AND kind = $2 ORDER BY lower(name)"
        ),
        &[&account.as_str(), &kind.as_str()],
    )
    .await?;
    rows.iter().map(principal_record).collect()
}

pub(super) async fn update_principal(
    client: &mut Client,
    record: &PrincipalRecord,
) -> StoreResult<()> {
    let tx = client.transaction().await.map_err(unavailable)?;
    let rows = execute(
        &tx,
        "UPDATE principals SET trust_policy = $4, description = $5
         WHERE account_id = $1 AND kind = $2 AND lower(name) = lower($3::text)",
        &[
            &record.account.as_str(),
            &record.kind.as_str(),
            &record.name,
            &record.trust_policy,
            &record.description,
        ],
    )
    .await?;
    changed_one(rows)?;
    notify(&tx, &Change::Identities).await?;
    tx.commit().await.map_err(unavailable)
}

pub(super) async fn delete_principal(
    client: &mut Client,
    account: &AccountId,
    kind: PrincipalKind,
    name: &str,
) -> StoreResult<()> {
    let tx = client.transaction().await.map_err(unavailable)?;
    let rows = execute(
        &tx,
        "DELETE FROM principals WHERE account_id = $1 AND kind = $2 AND lower(name) = lower($3::text)",
        &[&account.as_str(), &kind.as_str(), &name],
    )
    .await?;
    changed_one(rows)?;
    notify(&tx, &Change::Identities).await?;
    tx.commit().await.map_err(unavailable)
}

pub(super) async fn put_identity_policy(
    client: &mut Client,
    account: &AccountId,
    kind: PrincipalKind,
    principal: &str,
    policy: &IdentityPolicyRecord,
) -> StoreResult<()> {
    let tx = client.transaction().await.map_err(unavailable)?;
    // The principal's own spelling of its name; the foreign key check locks
    // its row, so it cannot be deleted before this commits.
    let rows = execute(
        &tx,
        "INSERT INTO identity_policies
         (account_id, kind, principal_name, policy_name, document)
         SELECT account_id, kind, name, $4::text, $5::text FROM principals
         WHERE account_id = $1 AND kind = $2 AND lower(name) = lower($3::text)
         ON CONFLICT (account_id, kind, principal_name, policy_name)
         DO UPDATE SET document = excluded.document",
        &[
            &account.as_str(),
            &kind.as_str(),
            &principal,
            &policy.name,
            &policy.document,
        ],
    )
    .await?;
    if rows == 0 {
        // What SQLite's foreign key refuses: a policy of no principal.
        return Err(StoreError::new(StoreErrorKind::Conflict));
    }
    notify(&tx, &Change::Identities).await?;
    tx.commit().await.map_err(unavailable)
}

pub(super) async fn identity_policies(
    client: &impl GenericClient,
    account: &AccountId,
    kind: PrincipalKind,
    principal: &str,
) -> StoreResult<Vec<IdentityPolicyRecord>> {
    let rows = query(
        client,
        "SELECT policy_name, document FROM identity_policies
         WHERE account_id = $1 AND kind = $2 AND lower(principal_name) = lower($3::text)
         ORDER BY policy_name",
        &[&account.as_str(), &kind.as_str(), &principal],
    )
    .await?;
    rows.iter()
        .map(|row| {
            Ok(IdentityPolicyRecord {
                name: col(row, 0)?,
                document: col(row, 1)?,
            })
        })
        .collect()
}

pub(super) async fn delete_identity_policy(
    client: &mut Client,
    account: &AccountId,
    kind: PrincipalKind,
    principal: &str,
    policy_name: &str,
) -> StoreResult<()> {
    let tx = client.transaction().await.map_err(unavailable)?;
    let rows = execute(
        &tx,
        "DELETE FROM identity_policies
         WHERE account_id = $1 AND kind = $2 AND lower(principal_name) = lower($3::text)
             AND policy_name = $4",
        &[&account.as_str(), &kind.as_str(), &principal, &policy_name],
    )
    .await?;
    changed_one(rows)?;
    notify(&tx, &Change::Identities).await?;
    tx.commit().await.map_err(unavailable)
}

const ACCESS_KEY_COLUMNS: &str =
    "access_key_id, account_id, sealed_secret, created_at, active, user_name";

fn access_key_record(row: &Row) -> StoreResult<AccessKeyRecord> {
    Ok(AccessKeyRecord {
        access_key_id: col(row, 0)?,
        account: AccountId::parse(&col::<String>(row, 1)?).map_err(|_| corrupt())?,
        sealed_secret: col(row, 2)?,
        created_at: Timestamp::from_millis(col(row, 3)?),
        active: col_bool(row, 4)?,
        user: col(row, 5)?,
    })
}

const PRINCIPAL_COLUMNS: &str =
    "account_id, kind, name, id, path, created_at, trust_policy, description";

fn principal_record(row: &Row) -> StoreResult<PrincipalRecord> {
    Ok(PrincipalRecord {
        account: AccountId::parse(&col::<String>(row, 0)?).map_err(|_| corrupt())?,
        kind: PrincipalKind::parse(&col::<String>(row, 1)?).ok_or_else(corrupt)?,
        name: col(row, 2)?,
        id: col(row, 3)?,
        path: col(row, 4)?,
        created_at: Timestamp::from_millis(col(row, 5)?),
        trust_policy: col(row, 6)?,
        description: col(row, 7)?,
    })
}
