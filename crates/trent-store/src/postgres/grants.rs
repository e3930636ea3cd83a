//! Grants, with their encryption-context constraints.

use deadpool_postgres::{Client, GenericClient};
use tokio_postgres::Row;
use trent_core::clock::Timestamp;
use trent_core::id::{KeyId, Region};

use super::notify::notify;
use super::{changed_one, col, corrupt, execute, query, query_opt, unavailable};
use crate::record::{decode_pairs, encode_pairs, ConstraintKind, GrantRecord};
use crate::{Change, StoreResult};

const GRANT_COLUMNS: &str = "grant_id, key_id, name, created_at, grantee, retiring, \
    issuing_account, operations, constraint_kind, constraint_context, region";

pub(super) async fn insert_grant(client: &mut Client, grant: &GrantRecord) -> StoreResult<()> {
    let (kind, context) = match &grant.constraint {
        None => (None, None),
        Some((ConstraintKind::Equals, pairs)) => (Some("equals"), Some(encode_pairs(pairs))),
        Some((ConstraintKind::Subset, pairs)) => (Some("subset"), Some(encode_pairs(pairs))),
    };
    let tx = client.transaction().await.map_err(unavailable)?;
    execute(
        &tx,
        &format!(
            "INSERT INTO grants ({GRANT_COLUMNS})
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
        ),
        &[
            &grant.grant_id,
            &grant.key_id.to_string(),
            &grant.name,
            &grant.created_at.as_millis(),
            &grant.grantee,
            &grant.retiring,
            &grant.issuing_account,
            &grant.operations.join(","),
            &kind,
            &context,
            &grant.region.as_str(),
        ],
    )
    .await?;
    notify(&tx, &Change::Key(grant.key_id)).await?;
    tx.commit().await.map_err(unavailable)
}

pub(super) async fn grants(
    client: &impl GenericClient,
    key_id: &KeyId,
    region: &Region,
) -> StoreResult<Vec<GrantRecord>> {
    let rows = query(
        client,
        &format!(
            "SELECT {GRANT_COLUMNS} FROM grants WHERE key_id = $1 AND region = $2
             ORDER BY created_at, grant_id"
        ),
        &[&key_id.to_string(), &region.as_str()],
    )
    .await?;
    rows.iter().map(grant_record).collect()
}

pub(super) async fn grant(
    client: &impl GenericClient,
    grant_id: &str,
) -> StoreResult<Option<GrantRecord>> {
    query_opt(
        client,
        &format!("SELECT {GRANT_COLUMNS} FROM grants WHERE grant_id = $1"),
        &[&grant_id],
    )
    .await?
    .map(|row| grant_record(&row))
    .transpose()
}

pub(super) async fn retirable_grants(
    client: &impl GenericClient,
    retiring: &str,
) -> StoreResult<Vec<GrantRecord>> {
    let rows = query(
        client,
        &format!(
            "SELECT {GRANT_COLUMNS} FROM grants WHERE retiring = $1 ORDER BY created_at, grant_id"
        ),
        &[&retiring],
    )
    .await?;
    rows.iter().map(grant_record).collect()
}

pub(super) async fn delete_grant(client: &mut Client, grant_id: &str) -> StoreResult<()> {
    let tx = client.transaction().await.map_err(unavailable)?;
    let Some(row) = query_opt(
        &tx,
        "DELETE FROM grants WHERE grant_id = $1 RETURNING key_id",
        &[&grant_id],
    )
    .await?
    else {
        return changed_one(0);
    };
    let key_id = KeyId::parse(&col::<String>(&row, 0)?).map_err(|_| corrupt())?;
    notify(&tx, &Change::Key(key_id)).await?;
    tx.commit().await.map_err(unavailable)
}

fn grant_record(row: &Row) -> StoreResult<GrantRecord> {
    let kind: Option<String> = col(row, 8)?;
    let context: Option<Vec<u8>> = col(row, 9)?;
    let constraint = match (kind.as_deref(), context) {
        (None, _) => None,
        (Some("equals"), Some(bytes)) => Some((
            ConstraintKind::Equals,
            decode_pairs(&bytes).ok_or_else(corrupt)?,
        )),
        (Some("subset"), Some(bytes)) => Some((
            ConstraintKind::Subset,
            decode_pairs(&bytes).ok_or_else(corrupt)?,
        )),
        _ => return Err(corrupt()),
    };
    let operations: String = col(row, 7)?;
    Ok(GrantRecord {
        grant_id: col(row, 0)?,
        key_id: KeyId::parse(&col::<String>(row, 1)?).map_err(|_| corrupt())?,
        region: Region::parse(&col::<String>(row, 10)?).map_err(|_| corrupt())?,
        name: col(row, 2)?,
        created_at: Timestamp::from_millis(col(row, 3)?),
        grantee: col(row, 4)?,
        retiring: col(row, 5)?,
        issuing_account: col(row, 6)?,
        operations: operations
            .split(',')
            .filter(|op| !op.is_empty())
            .map(str::to_owned)
            .collect(),
        constraint,
    })
}
