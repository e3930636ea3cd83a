//! Keys and their material versions: creation, updates, rotation, listing,
//! the maintenance queries and deletion with everything that hangs off a key.

use rusqlite::{params, Connection, OptionalExtension, Row};
use trent_core::clock::Timestamp;
use trent_core::id::{AccountId, KeyId, Region, Scope};
use trent_core::import::{ExpirationModel, ImportState};
use trent_core::key::{KeyManager, KeySpec, KeyState, KeyUsage, Origin, Tag};
use trent_core::sealed::SealedKeyMaterial;

use super::page::paginate;
use super::{changed_one, corrupt, unavailable};
use crate::record::{
    ImportedMaterial, ImportedSummary, KeyRecord, MaterialInfo, MaterialRecord, Page, RotationType,
};
use crate::StoreResult;

pub(super) fn insert_key(
    connection: &mut Connection,
    key: &KeyRecord,
    material: Option<&MaterialRecord>,
    tags: &[Tag],
) -> StoreResult<()> {
    let tx = connection.transaction().map_err(unavailable)?;
    insert_key_rows(&tx, key, material)?;
    super::tags::insert_tags(&tx, &key.key_id, &key.scope.region, tags)?;
    tx.commit().map_err(unavailable)
}

pub(super) fn insert_replica(
    connection: &mut Connection,
    key: &KeyRecord,
    tags: &[Tag],
) -> StoreResult<()> {
    let tx = connection.transaction().map_err(unavailable)?;
    let related: bool = tx
        .prepare("SELECT 1 FROM keys WHERE key_id = ?1")
        .and_then(|mut statement| statement.exists([key.key_id.to_string()]))
        .map_err(unavailable)?;
    if !related {
        return Err(crate::StoreError::new(crate::StoreErrorKind::NotFound));
    }
    insert_key_rows(&tx, key, None)?;
    super::tags::insert_tags(&tx, &key.key_id, &key.scope.region, tags)?;
    write_shared(&tx, key)?;
    tx.commit().map_err(unavailable)
}

pub(super) fn set_primary_region(
    connection: &Connection,
    key_id: &KeyId,
    region: &Region,
) -> StoreResult<()> {
    let rows = connection
        .execute(
            "UPDATE keys SET primary_region = ?2 WHERE key_id = ?1 AND multi_region = 1",
            params![key_id.to_string(), region.as_str()],
        )
        .map_err(unavailable)?;
    if rows == 0 {
        return Err(crate::StoreError::new(crate::StoreErrorKind::NotFound));
    }
    Ok(())
}

pub(super) fn insert_keys(
    connection: &mut Connection,
    keys: &[(KeyRecord, MaterialRecord)],
) -> StoreResult<()> {
    let tx = connection.transaction().map_err(unavailable)?;
    for (key, material) in keys {
        insert_key_rows(&tx, key, Some(material))?;
    }
    tx.commit().map_err(unavailable)
}

pub(super) fn key(
    connection: &Connection,
    key_id: &KeyId,
    region: &Region,
) -> StoreResult<Option<KeyRecord>> {
    read_key(
        connection,
        "key_id = ?1 AND region = ?2",
        params![key_id.to_string(), region.as_str()],
    )
}

pub(super) fn any_region_key(
    connection: &Connection,
    key_id: &KeyId,
) -> StoreResult<Option<KeyRecord>> {
    read_key(
        connection,
        "key_id = ?1 ORDER BY seq LIMIT 1",
        params![key_id.to_string()],
    )
}

fn read_key(
    connection: &Connection,
    clause: &str,
    values: impl rusqlite::Params,
) -> StoreResult<Option<KeyRecord>> {
    let Some(mut record) = connection
        .query_row(
            &format!("SELECT {KEY_COLUMNS} FROM keys WHERE {clause}"),
            values,
            key_from_row,
        )
        .optional()
        .map_err(unavailable)?
        .transpose()?
    else {
        return Ok(None);
    };
    if let Some(primary) = &record.primary_region {
        let mut statement = connection
            .prepare("SELECT region FROM keys WHERE key_id = ?1 AND region != ?2 ORDER BY seq")
            .map_err(unavailable)?;
        let rows = statement
            .query_map(
                params![record.key_id.to_string(), primary.as_str()],
                |row| row.get::<_, String>(0),
            )
            .map_err(unavailable)?;
        for row in rows {
            let text = row.map_err(unavailable)?;
            record
                .replica_regions
                .push(Region::parse(&text).map_err(|_| corrupt())?);
        }
    }
    Ok(Some(record))
}

/// [`update_key`] in a transaction of its own.
pub(super) fn update_key_now(connection: &mut Connection, key: &KeyRecord) -> StoreResult<()> {
    let tx = connection.transaction().map_err(unavailable)?;
    update_key(&tx, key)?;
    tx.commit().map_err(unavailable)
}

/// Writes the key's own row, then what it shares with related keys into
/// every row of its id; callers run it inside a transaction.
pub(super) fn update_key(connection: &Connection, key: &KeyRecord) -> StoreResult<()> {
    let rows = connection
        .execute(
            "UPDATE keys SET description = ?3, key_state = ?4, deletion_date = ?5,
                pending_window_days = ?6, policy = ?7
             WHERE key_id = ?1 AND region = ?2",
            params![
                key.key_id.to_string(),
                key.scope.region.as_str(),
                key.description,
                key.state.as_str(),
                key.deletion_date.map(Timestamp::as_millis),
                key.pending_window_days,
                key.policy,
            ],
        )
        .map_err(unavailable)?;
    changed_one(rows)?;
    write_shared(connection, key)
}

/// What related multi-Region keys share, written to every row of the id.
fn write_shared(connection: &Connection, key: &KeyRecord) -> StoreResult<()> {
    connection
        .execute(
            "UPDATE keys SET rotation_enabled = ?2, rotation_period_days = ?3,
                current_material_version = ?4, next_rotation_at = ?5, expiration_model = ?6,
                valid_to = ?7, current_key_material_id = ?8, primary_region = ?9
             WHERE key_id = ?1",
            params![
                key.key_id.to_string(),
                key.rotation_enabled,
                key.rotation_period_days,
                key.current_material_version,
                key.next_rotation_at.map(Timestamp::as_millis),
                key.imported.expiration_model.map(ExpirationModel::as_str),
                key.imported.valid_to.map(Timestamp::as_millis),
                key.imported.current_material_id,
                key.primary_region.as_ref().map(Region::as_str),
            ],
        )
        .map(drop)
        .map_err(unavailable)
}

pub(super) fn put_material(
    connection: &mut Connection,
    key: &KeyRecord,
    material: &MaterialRecord,
    token: Option<(&str, Timestamp)>,
) -> StoreResult<()> {
    let tx = connection.transaction().map_err(unavailable)?;
    if let Some((token_id, expires_at)) = token {
        let inserted = tx
            .execute(
                "INSERT OR IGNORE INTO import_tokens (token_id, expires_at) VALUES (?1, ?2)",
                params![token_id, expires_at.as_millis()],
            )
            .map_err(unavailable)?;
        if inserted == 0 {
            return Err(crate::StoreError::new(crate::StoreErrorKind::Conflict));
        }
    }
    let key_id = key.key_id.to_string();
    tx.execute(
        "DELETE FROM key_materials WHERE key_id = ?1 AND version = ?2",
        params![key_id, material.version],
    )
    .map_err(unavailable)?;
    insert_material_row(&tx, &key_id, material)?;
    update_key(&tx, key)?;
    tx.commit().map_err(unavailable)?;
    if material.sealed.as_bytes().is_empty() {
        // The material's pages must not stay readable in the write-ahead log.
        let _ = connection.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);");
    }
    Ok(())
}

pub(super) fn rotate_to_material(
    connection: &mut Connection,
    key: &KeyRecord,
    version: u32,
    rotation: RotationType,
    at: Timestamp,
) -> StoreResult<()> {
    let tx = connection.transaction().map_err(unavailable)?;
    let rows = tx
        .execute(
            "UPDATE key_materials SET rotation_type = ?3, created_at = ?4
             WHERE key_id = ?1 AND version = ?2",
            params![
                key.key_id.to_string(),
                version,
                rotation.as_str(),
                at.as_millis()
            ],
        )
        .map_err(unavailable)?;
    changed_one(rows)?;
    update_key(&tx, key)?;
    tx.commit().map_err(unavailable)
}

pub(super) fn delete_material(
    connection: &mut Connection,
    key: &KeyRecord,
    version: u32,
) -> StoreResult<()> {
    let tx = connection.transaction().map_err(unavailable)?;
    let rows = tx
        .execute(
            "DELETE FROM key_materials WHERE key_id = ?1 AND version = ?2",
            params![key.key_id.to_string(), version],
        )
        .map_err(unavailable)?;
    changed_one(rows)?;
    update_key(&tx, key)?;
    tx.commit().map_err(unavailable)?;
    let _ = connection.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);");
    Ok(())
}

pub(super) fn forget_import_tokens(connection: &Connection, now: Timestamp) -> StoreResult<u64> {
    connection
        .execute(
            "DELETE FROM import_tokens WHERE expires_at < ?1",
            [now.as_millis()],
        )
        .map(|rows| rows as u64)
        .map_err(unavailable)
}

pub(super) fn list_keys(
    connection: &Connection,
    scope: &Scope,
    after: Option<i64>,
    limit: u32,
) -> StoreResult<Page<KeyId>> {
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

pub(super) fn key_material(
    connection: &Connection,
    key_id: &KeyId,
    version: u32,
) -> StoreResult<Option<SealedKeyMaterial>> {
    connection
        .query_row(
            "SELECT sealed FROM key_materials
             WHERE key_id = ?1 AND version = ?2 AND length(sealed) > 0",
            params![key_id.to_string(), version],
            |row| row.get::<_, Vec<u8>>(0),
        )
        .optional()
        .map(|found| found.map(SealedKeyMaterial::from_bytes))
        .map_err(unavailable)
}

pub(super) fn add_material(
    connection: &mut Connection,
    key: &KeyRecord,
    material: &MaterialRecord,
) -> StoreResult<()> {
    let tx = connection.transaction().map_err(unavailable)?;
    let key_id = key.key_id.to_string();
    insert_material_row(&tx, &key_id, material)?;
    // Every related key of a multi-Region key moves to the new version.
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
    if rows == 0 {
        return Err(crate::StoreError::new(crate::StoreErrorKind::NotFound));
    }
    tx.commit().map_err(unavailable)
}

pub(super) fn materials(connection: &Connection, key_id: &KeyId) -> StoreResult<Vec<MaterialInfo>> {
    let mut statement = connection
        .prepare(
            "SELECT version, created_at, rotation_type, key_material_id, import_state,
                expiration_model, valid_to, description
             FROM key_materials WHERE key_id = ?1 ORDER BY version",
        )
        .map_err(unavailable)?;
    let rows = statement
        .query_map([key_id.to_string()], |row| {
            Ok((
                row.get::<_, u32>(0)?,
                row.get::<_, i64>(1)?,
                row.get::<_, Option<String>>(2)?,
                imported_from_row(row, 3)?,
            ))
        })
        .map_err(unavailable)?;
    rows.map(|row| {
        let (version, created_at, rotation, import) = row.map_err(unavailable)?;
        let rotation = match rotation {
            None => None,
            Some(text) => Some(RotationType::parse(&text).ok_or_else(corrupt)?),
        };
        Ok(MaterialInfo {
            version,
            created_at: Timestamp::from_millis(created_at),
            rotation,
            import: import?,
        })
    })
    .collect()
}

pub(super) fn delete_key(
    connection: &mut Connection,
    key_id: &KeyId,
    region: &Region,
) -> StoreResult<bool> {
    let tx = connection.transaction().map_err(unavailable)?;
    let id = key_id.to_string();
    for sql in [
        "DELETE FROM key_last_usage WHERE key_id = ?1 AND region = ?2",
        "DELETE FROM tags WHERE key_id = ?1 AND region = ?2",
        "DELETE FROM grants WHERE key_id = ?1 AND region = ?2",
        "DELETE FROM aliases WHERE target = ?1 AND region = ?2",
    ] {
        tx.execute(sql, params![id, region.as_str()])
            .map_err(unavailable)?;
    }
    let rows = tx
        .execute(
            "DELETE FROM keys WHERE key_id = ?1 AND region = ?2",
            params![id, region.as_str()],
        )
        .map_err(unavailable)?;
    changed_one(rows)?;
    let related: bool = tx
        .prepare("SELECT 1 FROM keys WHERE key_id = ?1")
        .and_then(|mut statement| statement.exists([&id]))
        .map_err(unavailable)?;
    if !related {
        tx.execute("DELETE FROM key_materials WHERE key_id = ?1", [&id])
            .map_err(unavailable)?;
    }
    tx.commit().map_err(unavailable)?;
    if !related {
        // Material rows are gone from the database; make sure their pages
        // are not left readable in the write-ahead log either.
        let _ = connection.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);");
    }
    Ok(!related)
}

pub(super) fn count_keys_by_state(connection: &Connection) -> StoreResult<Vec<(KeyState, u64)>> {
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

pub(super) fn keys_due(
    connection: &Connection,
    now: Timestamp,
) -> StoreResult<Vec<(KeyId, Region)>> {
    let mut statement = connection
        .prepare(
            "SELECT key_id, region FROM keys AS k
             WHERE (key_state = 'PendingDeletion' AND deletion_date <= ?1)
                OR (rotation_enabled = 1 AND key_state = 'Enabled' AND next_rotation_at <= ?1
                    AND (primary_region IS NULL OR primary_region = region))
                OR key_id IN (SELECT key_id FROM key_materials
                              WHERE valid_to <= ?1 AND import_state = 'IMPORTED')
                OR (key_state = 'PendingReplicaDeletion' AND NOT EXISTS
                    (SELECT 1 FROM keys AS r WHERE r.key_id = k.key_id AND r.region != k.region))
             ORDER BY seq",
        )
        .map_err(unavailable)?;
    let rows = statement
        .query_map([now.as_millis()], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
        })
        .map_err(unavailable)?;
    rows.map(|row| {
        let (key_id, region) = row.map_err(unavailable)?;
        Ok((
            KeyId::parse(&key_id).map_err(|_| corrupt())?,
            Region::parse(&region).map_err(|_| corrupt())?,
        ))
    })
    .collect()
}

const KEY_COLUMNS: &str =
    "key_id, account_id, region, created_at, description, key_state, key_spec, \
    key_usage, origin, key_manager, multi_region, deletion_date, pending_window_days, policy, \
    rotation_enabled, rotation_period_days, current_material_version, next_rotation_at, \
    expiration_model, valid_to, current_key_material_id, primary_region";

fn key_from_row(row: &Row<'_>) -> rusqlite::Result<StoreResult<KeyRecord>> {
    let key_id: String = row.get(0)?;
    let account: String = row.get(1)?;
    let region: String = row.get(2)?;
    let state: String = row.get(5)?;
    let spec: String = row.get(6)?;
    let usage: String = row.get(7)?;
    let origin: String = row.get(8)?;
    let manager: String = row.get(9)?;
    let expiration_model: Option<String> = row.get(18)?;
    let primary_region: Option<String> = row.get(21)?;
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
            imported: ImportedSummary {
                expiration_model: match &expiration_model {
                    Some(text) => Some(ExpirationModel::parse(text)?),
                    None => None,
                },
                valid_to: row
                    .get::<_, Option<i64>>(19)
                    .ok()?
                    .map(Timestamp::from_millis),
                current_material_id: row.get(20).ok()?,
            },
            primary_region: match &primary_region {
                Some(text) => Some(Region::parse(text).ok()?),
                None => None,
            },
            replica_regions: Vec::new(),
        })
    };
    Ok(build().ok_or_else(corrupt))
}

fn insert_key_rows(
    tx: &rusqlite::Transaction<'_>,
    key: &KeyRecord,
    material: Option<&MaterialRecord>,
) -> StoreResult<()> {
    let key_id = key.key_id.to_string();
    tx.execute(
            &format!("INSERT INTO keys ({KEY_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22)"),
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
                key.imported.expiration_model.map(ExpirationModel::as_str),
                key.imported.valid_to.map(Timestamp::as_millis),
                key.imported.current_material_id,
                key.primary_region.as_ref().map(Region::as_str),
            ],
        )
        .map_err(unavailable)?;
    match material {
        Some(material) => insert_material_row(tx, &key_id, material),
        None => Ok(()),
    }
}

fn insert_material_row(
    tx: &rusqlite::Transaction<'_>,
    key_id: &str,
    material: &MaterialRecord,
) -> StoreResult<()> {
    let import = material.import.as_ref();
    tx.execute(
        "INSERT INTO key_materials (key_id, version, sealed, created_at, rotation_type,
            key_material_id, import_state, expiration_model, valid_to, description)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            key_id,
            material.version,
            material.sealed.as_bytes(),
            material.created_at.as_millis(),
            material.rotation.map(RotationType::as_str),
            import.map(|import| import.material_id.as_str()),
            import.map(|import| import.state.as_str()),
            import.map(|import| import.expiration_model.as_str()),
            import.and_then(|import| import.valid_to.map(Timestamp::as_millis)),
            import.map(|import| import.description.as_str()),
        ],
    )
    .map_err(unavailable)?;
    Ok(())
}

/// The import facts in columns `first..first + 5` (`key_material_id`,
/// `import_state`, `expiration_model`, `valid_to`, `description`): `None`
/// for generated material.
fn imported_from_row(
    row: &Row<'_>,
    first: usize,
) -> rusqlite::Result<StoreResult<Option<ImportedMaterial>>> {
    let Some(material_id) = row.get::<_, Option<String>>(first)? else {
        return Ok(Ok(None));
    };
    let state: Option<String> = row.get(first + 1)?;
    let model: Option<String> = row.get(first + 2)?;
    let valid_to: Option<i64> = row.get(first + 3)?;
    let description: Option<String> = row.get(first + 4)?;
    let build = || -> Option<ImportedMaterial> {
        Some(ImportedMaterial {
            material_id,
            state: ImportState::parse(state.as_deref()?)?,
            expiration_model: ExpirationModel::parse(model.as_deref()?)?,
            valid_to: valid_to.map(Timestamp::from_millis),
            description: description.unwrap_or_default(),
        })
    };
    Ok(build().map(Some).ok_or_else(corrupt))
}
