//! Grants, with their encryption-context constraints.

use rusqlite::{params, Connection, Row};
use trent_core::clock::Timestamp;
use trent_core::id::{KeyId, Region};

use super::{changed_one, corrupt, unavailable};
use crate::record::{decode_pairs, encode_pairs, ConstraintKind, GrantRecord};
use crate::StoreResult;

pub(super) fn insert_grant(connection: &Connection, grant: &GrantRecord) -> StoreResult<()> {
    let (kind, context) = match &grant.constraint {
        None => (None, None),
        Some((ConstraintKind::Equals, pairs)) => (Some("equals"), Some(encode_pairs(pairs))),
        Some((ConstraintKind::Subset, pairs)) => (Some("subset"), Some(encode_pairs(pairs))),
    };
    connection
        .execute(
            &format!("INSERT INTO grants ({GRANT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"),
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
                context,
                grant.region.as_str(),
            ],
        )
        .map(drop)
        .map_err(unavailable)
}

pub(super) fn grants(
    connection: &Connection,
    key_id: &KeyId,
    region: &Region,
) -> StoreResult<Vec<GrantRecord>> {
    select(
        connection,
        "key_id = ?1 AND region = ?2 ORDER BY created_at, grant_id",
        &[&key_id.to_string(), region.as_str()],
    )
}

pub(super) fn grant(connection: &Connection, grant_id: &str) -> StoreResult<Option<GrantRecord>> {
    Ok(select(connection, "grant_id = ?1", &[grant_id])?
        .into_iter()
        .next())
}

pub(super) fn retirable_grants(
    connection: &Connection,
    retiring: &str,
) -> StoreResult<Vec<GrantRecord>> {
    select(
        connection,
        "retiring = ?1 ORDER BY created_at, grant_id",
        &[retiring],
    )
}

pub(super) fn delete_grant(connection: &Connection, grant_id: &str) -> StoreResult<()> {
    let rows = connection
        .execute("DELETE FROM grants WHERE grant_id = ?1", [grant_id])
        .map_err(unavailable)?;
    changed_one(rows)
}

fn select(connection: &Connection, clause: &str, values: &[&str]) -> StoreResult<Vec<GrantRecord>> {
    let mut statement = connection
        .prepare(&format!(
            "SELECT {GRANT_COLUMNS} FROM grants WHERE {clause}"
        ))
        .map_err(unavailable)?;
    let rows = statement
        .query_map(rusqlite::params_from_iter(values), grant_from_row)
        .map_err(unavailable)?;
    rows.map(|row| row.map_err(unavailable)?).collect()
}

const GRANT_COLUMNS: &str = "grant_id, key_id, name, created_at, grantee, retiring, \
    issuing_account, operations, constraint_kind, constraint_context, region";

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
    let Ok(region) = Region::parse(&row.get::<_, String>(10)?) else {
        return Ok(Err(corrupt()));
    };
    let Ok(constraint) = constraint else {
        return Ok(Err(corrupt()));
    };
    Ok(Ok(GrantRecord {
        grant_id: row.get(0)?,
        key_id,
        region,
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
