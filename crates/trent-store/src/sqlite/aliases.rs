//! Aliases: names for keys, unique per scope.

use rusqlite::{params, Connection, OptionalExtension, Row};
use trent_core::clock::Timestamp;
use trent_core::id::{AccountId, AliasName, KeyId, Region, Scope};

use super::page::paginate;
use super::{changed_one, corrupt, unavailable};
use crate::record::{AliasRecord, Page};
use crate::StoreResult;

pub(super) fn alias(
    connection: &Connection,
    scope: &Scope,
    name: &AliasName,
) -> StoreResult<Option<AliasRecord>> {
    connection
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

pub(super) fn insert_alias(connection: &Connection, alias: &AliasRecord) -> StoreResult<()> {
    connection
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

pub(super) fn update_alias(connection: &Connection, alias: &AliasRecord) -> StoreResult<()> {
    let rows = connection
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

pub(super) fn delete_alias(
    connection: &Connection,
    scope: &Scope,
    name: &AliasName,
) -> StoreResult<()> {
    let rows = connection
        .execute(
            "DELETE FROM aliases WHERE account_id = ?1 AND region = ?2 AND alias_name = ?3",
            params![scope.account.as_str(), scope.region.as_str(), name.as_str()],
        )
        .map_err(unavailable)?;
    changed_one(rows)
}

pub(super) fn list_aliases(
    connection: &Connection,
    scope: &Scope,
    target: Option<&KeyId>,
    after: Option<i64>,
    limit: u32,
) -> StoreResult<Page<AliasRecord>> {
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
