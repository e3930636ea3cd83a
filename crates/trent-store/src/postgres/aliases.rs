//! Aliases: names for keys, unique per scope.

use deadpool_postgres::{Client, GenericClient};
use tokio_postgres::Row;
use trent_core::clock::Timestamp;
use trent_core::id::{AccountId, AliasName, KeyId, Region, Scope};

use super::notify::notify;
use super::{changed_one, col, corrupt, execute, limit_plus_one, query, query_opt, unavailable};
use crate::record::{AliasRecord, Page};
use crate::sqlite::page::paginate;
use crate::{Change, StoreResult};

const ALIAS_COLUMNS: &str = "account_id, region, alias_name, target, created_at, updated_at";

pub(super) async fn alias(
    client: &impl GenericClient,
    scope: &Scope,
    name: &AliasName,
) -> StoreResult<Option<AliasRecord>> {
    query_opt(
        client,
        &format!(
            "SELECT {ALIAS_COLUMNS} FROM aliases
             WHERE account_id = $1 AND region = $2 AND alias_name = $3"
        ),
        &[
            &scope.account.as_str(),
            &scope.region.as_str(),
            &name.as_str(),
        ],
    )
    .await?
    .map(|row| alias_record(&row))
    .transpose()
}

pub(super) async fn insert_alias(client: &mut Client, alias: &AliasRecord) -> StoreResult<()> {
    let tx = client.transaction().await.map_err(unavailable)?;
    execute(
        &tx,
        &format!("INSERT INTO aliases ({ALIAS_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)"),
        &[
            &alias.scope.account.as_str(),
            &alias.scope.region.as_str(),
            &alias.name.as_str(),
            &alias.target.to_string(),
            &alias.created_at.as_millis(),
            &alias.updated_at.as_millis(),
        ],
    )
    .await?;
    notify(&tx, &Change::Alias(alias.scope.clone(), alias.name.clone())).await?;
    tx.commit().await.map_err(unavailable)
}

pub(super) async fn update_alias(client: &mut Client, alias: &AliasRecord) -> StoreResult<()> {
    let tx = client.transaction().await.map_err(unavailable)?;
    let rows = execute(
        &tx,
        "UPDATE aliases SET target = $4, updated_at = $5
         WHERE account_id = $1 AND region = $2 AND alias_name = $3",
        &[
            &alias.scope.account.as_str(),
            &alias.scope.region.as_str(),
            &alias.name.as_str(),
            &alias.target.to_string(),
            &alias.updated_at.as_millis(),
        ],
    )
    .await?;
    changed_one(rows)?;
    notify(&tx, &Change::Alias(alias.scope.clone(), alias.name.clone())).await?;
    tx.commit().await.map_err(unavailable)
}

pub(super) async fn delete_alias(
    client: &mut Client,
    scope: &Scope,
    name: &AliasName,
) -> StoreResult<()> {
    let tx = client.transaction().await.map_err(unavailable)?;
    let rows = execute(
        &tx,
        "DELETE FROM aliases WHERE account_id = $1 AND region = $2 AND alias_name = $3",
        &[
            &scope.account.as_str(),
            &scope.region.as_str(),
            &name.as_str(),
        ],
    )
    .await?;
    changed_one(rows)?;
    notify(&tx, &Change::Alias(scope.clone(), name.clone())).await?;
    tx.commit().await.map_err(unavailable)
}

pub(super) async fn list_aliases(
    client: &impl GenericClient,
    scope: &Scope,
    target: Option<&KeyId>,
    after: Option<i64>,
    limit: u32,
) -> StoreResult<Page<AliasRecord>> {
    let rows = query(
        client,
        &format!(
            "SELECT {ALIAS_COLUMNS}, seq FROM aliases
             WHERE account_id = $1 AND region = $2 AND seq > $3
                 AND ($4::text IS NULL OR target = $4::text)
             ORDER BY seq LIMIT $5"
        ),
        &[
            &scope.account.as_str(),
            &scope.region.as_str(),
            &after.unwrap_or(0),
            &target.map(KeyId::to_string),
            &limit_plus_one(limit),
        ],
    )
    .await?;
    let entries = rows
        .iter()
        .map(|row| Ok((col::<i64>(row, 6)?, alias_record(row)?)))
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(paginate(entries, limit))
}

fn alias_record(row: &Row) -> StoreResult<AliasRecord> {
    let text = |index| col::<String>(row, index);
    Ok(AliasRecord {
        scope: Scope {
            account: AccountId::parse(&text(0)?).map_err(|_| corrupt())?,
            region: Region::parse(&text(1)?).map_err(|_| corrupt())?,
        },
        name: AliasName::parse(&text(2)?).map_err(|_| corrupt())?,
        target: KeyId::parse(&text(3)?).map_err(|_| corrupt())?,
        created_at: Timestamp::from_millis(col(row, 4)?),
        updated_at: Timestamp::from_millis(col(row, 5)?),
    })
}
