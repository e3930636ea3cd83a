//! Keys and their material versions: creation, updates, rotation, listing,
//! the maintenance queries and deletion with everything that hangs off a key.
//!
//! Where SQLite relies on its single writer between a read and a write of
//! one call (a replica needs a related key; the last Region's deletion takes
//! the material), the rows of the key id are locked first (`FOR UPDATE`),
//! so two nodes cannot interleave.

use deadpool_postgres::{Client, GenericClient};
use tokio_postgres::types::ToSql;
use tokio_postgres::Row;
use trent_core::clock::Timestamp;
use trent_core::id::{AccountId, KeyId, Region, Scope};
use trent_core::import::{ExpirationModel, ImportState};
use trent_core::key::{KeyManager, KeySpec, KeyState, KeyUsage, Origin, Tag};
use trent_core::sealed::SealedKeyMaterial;

use super::notify::notify;
use super::{
    changed_one, col, col_bool, col_opt_time, col_opt_u32, col_u32, corrupt, execute,
    limit_plus_one, not_found, query, query_opt, unavailable,
};
use crate::record::{
    ImportedMaterial, ImportedSummary, KeyRecord, MaterialInfo, MaterialRecord, Page, RotationType,
};
use crate::sqlite::page::paginate;
use crate::{Change, StoreResult};

/// Above this many keys, [`insert_keys`] tells the other nodes
/// [`Change::Everything`] rather than one change per key.
const NOTIFY_EACH_UP_TO: usize = 64;

pub(super) async fn insert_key(
    client: &mut Client,
    key: &KeyRecord,
    material: Option<&MaterialRecord>,
    tags: &[Tag],
) -> StoreResult<()> {
    let tx = client.transaction().await.map_err(unavailable)?;
    insert_key_rows(&tx, key, material).await?;
    super::tags::insert_tags(&tx, &key.key_id, &key.scope.region, tags).await?;
    notify(&tx, &Change::Key(key.key_id)).await?;
    tx.commit().await.map_err(unavailable)
}

pub(super) async fn insert_replica(
    client: &mut Client,
    key: &KeyRecord,
    tags: &[Tag],
) -> StoreResult<()> {
    let tx = client.transaction().await.map_err(unavailable)?;
    if lock_related(&tx, &key.key_id).await?.is_empty() {
        return Err(not_found());
    }
    insert_key_rows(&tx, key, None).await?;
    super::tags::insert_tags(&tx, &key.key_id, &key.scope.region, tags).await?;
    write_shared(&tx, key).await?;
    notify(&tx, &Change::Key(key.key_id)).await?;
    tx.commit().await.map_err(unavailable)
}

/// Locks every row of the key id until the transaction ends; answers their
/// Regions.
async fn lock_related(tx: &impl GenericClient, key_id: &KeyId) -> StoreResult<Vec<String>> {
    let rows = query(
        tx,
        "SELECT region FROM keys WHERE key_id = $1 FOR UPDATE",
        &[&key_id.to_string()],
    )
    .await?;
    rows.iter().map(|row| col(row, 0)).collect()
}

pub(super) async fn set_primary_region(
    client: &mut Client,
    key_id: &KeyId,
    region: &Region,
) -> StoreResult<()> {
    let tx = client.transaction().await.map_err(unavailable)?;
    let rows = execute(
        &tx,
        "UPDATE keys SET primary_region = $2 WHERE key_id = $1 AND multi_region = 1",
        &[&key_id.to_string(), &region.as_str()],
    )
    .await?;
    changed_one(rows)?;
    notify(&tx, &Change::Key(*key_id)).await?;
    tx.commit().await.map_err(unavailable)
}

pub(super) async fn insert_keys(
    client: &mut Client,
    keys: &[(KeyRecord, MaterialRecord)],
) -> StoreResult<()> {
    let tx = client.transaction().await.map_err(unavailable)?;
    for (key, material) in keys {
        insert_key_rows(&tx, key, Some(material)).await?;
    }
    if keys.len() > NOTIFY_EACH_UP_TO {
        notify(&tx, &Change::Everything).await?;
    } else {
        for (key, _) in keys {
            notify(&tx, &Change::Key(key.key_id)).await?;
        }
    }
    tx.commit().await.map_err(unavailable)
}

pub(super) async fn key(
    client: &impl GenericClient,
    key_id: &KeyId,
    region: &Region,
) -> StoreResult<Option<KeyRecord>> {
    let row = query_opt(
        client,
        &format!("SELECT {KEY_COLUMNS} FROM keys WHERE key_id = $1 AND region = $2"),
        &[&key_id.to_string(), &region.as_str()],
    )
    .await?;
    with_replicas(client, row).await
}

pub(super) async fn any_region_key(
    client: &impl GenericClient,
    key_id: &KeyId,
) -> StoreResult<Option<KeyRecord>> {
    let row = query_opt(
        client,
        &format!("SELECT {KEY_COLUMNS} FROM keys WHERE key_id = $1 ORDER BY seq LIMIT 1"),
        &[&key_id.to_string()],
    )
    .await?;
    with_replicas(client, row).await
}

/// The record of `row`, with the Regions of its replicas when it is a
/// multi-Region key.
async fn with_replicas(
    client: &impl GenericClient,
    row: Option<Row>,
) -> StoreResult<Option<KeyRecord>> {
    let Some(row) = row else {
        return Ok(None);
    };
    let mut record = key_record(&row)?;
    if let Some(primary) = &record.primary_region {
        let rows = query(
            client,
            "SELECT region FROM keys WHERE key_id = $1 AND region != $2 ORDER BY seq",
            &[&record.key_id.to_string(), &primary.as_str()],
        )
        .await?;
        for row in &rows {
            let region = Region::parse(&col::<String>(row, 0)?).map_err(|_| corrupt())?;
            record.replica_regions.push(region);
        }
    }
    Ok(Some(record))
}

/// [`update_key`] in a transaction of its own.
pub(super) async fn update_key_now(client: &mut Client, key: &KeyRecord) -> StoreResult<()> {
    let tx = client.transaction().await.map_err(unavailable)?;
    update_key(&tx, key).await?;
    notify(&tx, &Change::Key(key.key_id)).await?;
    tx.commit().await.map_err(unavailable)
}

/// Writes the key's own row, then what it shares with related keys into
/// every row of its id; callers run it inside a transaction.
async fn update_key(tx: &impl GenericClient, key: &KeyRecord) -> StoreResult<()> {
    let rows = execute(
        tx,
        "UPDATE keys SET description = $3, key_state = $4, deletion_date = $5,
            pending_window_days = $6, policy = $7
         WHERE key_id = $1 AND region = $2",
        &[
            &key.key_id.to_string(),
            &key.scope.region.as_str(),
            &key.description,
            &key.state.as_str(),
            &key.deletion_date.map(Timestamp::as_millis),
            &key.pending_window_days.map(i64::from),
            &key.policy,
        ],
    )
    .await?;
    changed_one(rows)?;
    write_shared(tx, key).await
}

/// What related multi-Region keys share, written to every row of the id.
async fn write_shared(tx: &impl GenericClient, key: &KeyRecord) -> StoreResult<()> {
    execute(
        tx,
        "UPDATE keys SET rotation_enabled = $2, rotation_period_days = $3,
            current_material_version = $4, next_rotation_at = $5, expiration_model = $6,
            valid_to = $7, current_key_material_id = $8, primary_region = $9
         WHERE key_id = $1",
        &[
            &key.key_id.to_string(),
            &i64::from(key.rotation_enabled),
            &key.rotation_period_days.map(i64::from),
            &i64::from(key.current_material_version),
            &key.next_rotation_at.map(Timestamp::as_millis),
            &key.imported.expiration_model.map(ExpirationModel::as_str),
            &key.imported.valid_to.map(Timestamp::as_millis),
            &key.imported.current_material_id,
            &key.primary_region.as_ref().map(Region::as_str),
        ],
    )
    .await
    .map(drop)
}

pub(super) async fn put_material(
    client: &mut Client,
    key: &KeyRecord,
    material: &MaterialRecord,
    token: Option<(&str, Timestamp)>,
) -> StoreResult<()> {
    let tx = client.transaction().await.map_err(unavailable)?;
    if let Some((token_id, expires_at)) = token {
        let inserted = execute(
            &tx,
            "INSERT INTO import_tokens (token_id, expires_at) VALUES ($1, $2)
             ON CONFLICT (token_id) DO NOTHING",
            &[&token_id, &expires_at.as_millis()],
        )
        .await?;
        if inserted == 0 {
            return Err(crate::StoreError::new(crate::StoreErrorKind::Conflict));
        }
    }
    let key_id = key.key_id.to_string();
    execute(
        &tx,
        "DELETE FROM key_materials WHERE key_id = $1 AND version = $2",
        &[&key_id, &i64::from(material.version)],
    )
    .await?;
    insert_material_row(&tx, &key_id, material).await?;
    update_key(&tx, key).await?;
    notify(&tx, &Change::Key(key.key_id)).await?;
    tx.commit().await.map_err(unavailable)
}

pub(super) async fn rotate_to_material(
    client: &mut Client,
    key: &KeyRecord,
    version: u32,
    rotation: RotationType,
    at: Timestamp,
) -> StoreResult<()> {
    let tx = client.transaction().await.map_err(unavailable)?;
    let rows = execute(
        &tx,
        "UPDATE key_materials SET rotation_type = $3, created_at = $4
         WHERE key_id = $1 AND version = $2",
        &[
            &key.key_id.to_string(),
            &i64::from(version),
            &rotation.as_str(),
            &at.as_millis(),
        ],
    )
    .await?;
    changed_one(rows)?;
    update_key(&tx, key).await?;
    notify(&tx, &Change::Key(key.key_id)).await?;
    tx.commit().await.map_err(unavailable)
}

pub(super) async fn delete_material(
    client: &mut Client,
    key: &KeyRecord,
    version: u32,
) -> StoreResult<()> {
    let tx = client.transaction().await.map_err(unavailable)?;
    let rows = execute(
        &tx,
        "DELETE FROM key_materials WHERE key_id = $1 AND version = $2",
        &[&key.key_id.to_string(), &i64::from(version)],
    )
    .await?;
    changed_one(rows)?;
    update_key(&tx, key).await?;
    notify(&tx, &Change::Key(key.key_id)).await?;
    tx.commit().await.map_err(unavailable)
}

pub(super) async fn forget_import_tokens(
    client: &impl GenericClient,
    now: Timestamp,
) -> StoreResult<u64> {
    execute(
        client,
        "DELETE FROM import_tokens WHERE expires_at < $1",
        &[&now.as_millis()],
    )
    .await
}

pub(super) async fn list_keys(
    client: &impl GenericClient,
    scope: &Scope,
    after: Option<i64>,
    limit: u32,
) -> StoreResult<Page<KeyId>> {
    let rows = query(
        client,
        "SELECT seq, key_id FROM keys WHERE account_id = $1 AND region = $2 AND seq > $3
         ORDER BY seq LIMIT $4",
        &[
            &scope.account.as_str(),
            &scope.region.as_str(),
            &after.unwrap_or(0),
            &limit_plus_one(limit),
        ],
    )
    .await?;
    let entries = rows
        .iter()
        .map(|row| {
            let key_id = KeyId::parse(&col::<String>(row, 1)?).map_err(|_| corrupt())?;
            Ok((col::<i64>(row, 0)?, key_id))
        })
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(paginate(entries, limit))
}

pub(super) async fn key_material(
    client: &impl GenericClient,
    key_id: &KeyId,
    version: u32,
) -> StoreResult<Option<SealedKeyMaterial>> {
    query_opt(
        client,
        "SELECT sealed FROM key_materials
         WHERE key_id = $1 AND version = $2 AND octet_length(sealed) > 0",
        &[&key_id.to_string(), &i64::from(version)],
    )
    .await?
    .map(|row| col::<Vec<u8>>(&row, 0).map(SealedKeyMaterial::from_bytes))
    .transpose()
}

pub(super) async fn add_material(
    client: &mut Client,
    key: &KeyRecord,
    material: &MaterialRecord,
) -> StoreResult<()> {
    let tx = client.transaction().await.map_err(unavailable)?;
    let key_id = key.key_id.to_string();
    insert_material_row(&tx, &key_id, material).await?;
    // Every related key of a multi-Region key moves to the new version.
    let rows = execute(
        &tx,
        "UPDATE keys SET current_material_version = $2, next_rotation_at = $3
         WHERE key_id = $1",
        &[
            &key_id,
            &i64::from(key.current_material_version),
            &key.next_rotation_at.map(Timestamp::as_millis),
        ],
    )
    .await?;
    changed_one(rows)?;
    notify(&tx, &Change::Key(key.key_id)).await?;
    tx.commit().await.map_err(unavailable)
}

pub(super) async fn materials(
    client: &impl GenericClient,
    key_id: &KeyId,
) -> StoreResult<Vec<MaterialInfo>> {
    let rows = query(
        client,
        "SELECT version, created_at, rotation_type, key_material_id, import_state,
            expiration_model, valid_to, description
         FROM key_materials WHERE key_id = $1 ORDER BY version",
        &[&key_id.to_string()],
    )
    .await?;
    rows.iter()
        .map(|row| {
            let rotation = match col::<Option<String>>(row, 2)? {
                None => None,
                Some(text) => Some(RotationType::parse(&text).ok_or_else(corrupt)?),
            };
            Ok(MaterialInfo {
                version: col_u32(row, 0)?,
                created_at: Timestamp::from_millis(col(row, 1)?),
                rotation,
                import: imported_from_row(row, 3)?,
            })
        })
        .collect()
}

pub(super) async fn delete_key(
    client: &mut Client,
    key_id: &KeyId,
    region: &Region,
) -> StoreResult<bool> {
    let tx = client.transaction().await.map_err(unavailable)?;
    // Two Regions deleted at once must not each leave the material to the
    // other: the rows of the id are taken in turn.
    let regions = lock_related(&tx, key_id).await?;
    if !regions.iter().any(|held| held == region.as_str()) {
        return Err(not_found());
    }
    let id = key_id.to_string();
    for sql in [
        "DELETE FROM key_last_usage WHERE key_id = $1 AND region = $2",
        "DELETE FROM tags WHERE key_id = $1 AND region = $2",
        "DELETE FROM grants WHERE key_id = $1 AND region = $2",
        "DELETE FROM aliases WHERE target = $1 AND region = $2",
    ] {
        execute(&tx, sql, &[&id, &region.as_str()]).await?;
    }
    let rows = execute(
        &tx,
        "DELETE FROM keys WHERE key_id = $1 AND region = $2",
        &[&id, &region.as_str()],
    )
    .await?;
    changed_one(rows)?;
    let last = regions.len() == 1;
    if last {
        execute(&tx, "DELETE FROM key_materials WHERE key_id = $1", &[&id]).await?;
    }
    notify(&tx, &Change::Key(*key_id)).await?;
    tx.commit().await.map_err(unavailable)?;
    Ok(last)
}

pub(super) async fn count_keys_by_state(
    client: &impl GenericClient,
) -> StoreResult<Vec<(KeyState, u64)>> {
    let rows = query(
        client,
        "SELECT key_state, count(*) FROM keys GROUP BY key_state ORDER BY key_state",
        &[],
    )
    .await?;
    rows.iter()
        .map(|row| {
            let state = KeyState::parse(&col::<String>(row, 0)?).ok_or_else(corrupt)?;
            Ok((state, u64::try_from(col::<i64>(row, 1)?).unwrap_or(0)))
        })
        .collect()
}

pub(super) async fn keys_due(
    client: &impl GenericClient,
    now: Timestamp,
) -> StoreResult<Vec<(KeyId, Region)>> {
    let rows = query(
        client,
        "SELECT key_id, region FROM keys AS k
         WHERE (key_state = 'PendingDeletion' AND deletion_date <= $1)
            OR (rotation_enabled = 1 AND key_state = 'Enabled' AND next_rotation_at <= $1
                AND (primary_region IS NULL OR primary_region = region))
            OR key_id IN (SELECT key_id FROM key_materials
                          WHERE valid_to <= $1 AND import_state = 'IMPORTED')
            OR (key_state = 'PendingReplicaDeletion' AND NOT EXISTS
                (SELECT 1 FROM keys AS r WHERE r.key_id = k.key_id AND r.region != k.region))
         ORDER BY seq",
        &[&now.as_millis()],
    )
    .await?;
    rows.iter()
        .map(|row| {
            Ok((
                KeyId::parse(&col::<String>(row, 0)?).map_err(|_| corrupt())?,
                Region::parse(&col::<String>(row, 1)?).map_err(|_| corrupt())?,
            ))
        })
        .collect()
}

const KEY_COLUMNS: &str =
    "key_id, account_id, region, created_at, description, key_state, key_spec, \
    key_usage, origin, key_manager, multi_region, deletion_date, pending_window_days, policy, \
    rotation_enabled, rotation_period_days, current_material_version, next_rotation_at, \
    expiration_model, valid_to, current_key_material_id, primary_region";

fn key_record(row: &Row) -> StoreResult<KeyRecord> {
    let text = |index| col::<String>(row, index);
    let expiration_model = match col::<Option<String>>(row, 18)? {
        Some(text) => Some(ExpirationModel::parse(&text).ok_or_else(corrupt)?),
        None => None,
    };
    let primary_region = match col::<Option<String>>(row, 21)? {
        Some(text) => Some(Region::parse(&text).map_err(|_| corrupt())?),
        None => None,
    };
    Ok(KeyRecord {
        key_id: KeyId::parse(&text(0)?).map_err(|_| corrupt())?,
        scope: Scope {
            account: AccountId::parse(&text(1)?).map_err(|_| corrupt())?,
            region: Region::parse(&text(2)?).map_err(|_| corrupt())?,
        },
        created_at: Timestamp::from_millis(col(row, 3)?),
        description: text(4)?,
        state: KeyState::parse(&text(5)?).ok_or_else(corrupt)?,
        spec: KeySpec::parse(&text(6)?).ok_or_else(corrupt)?,
        usage: KeyUsage::parse(&text(7)?).ok_or_else(corrupt)?,
        origin: Origin::parse(&text(8)?).ok_or_else(corrupt)?,
        manager: KeyManager::parse(&text(9)?).ok_or_else(corrupt)?,
        multi_region: col_bool(row, 10)?,
        deletion_date: col_opt_time(row, 11)?,
        pending_window_days: col_opt_u32(row, 12)?,
        policy: text(13)?,
        rotation_enabled: col_bool(row, 14)?,
        rotation_period_days: col_opt_u32(row, 15)?,
        current_material_version: col_u32(row, 16)?,
        next_rotation_at: col_opt_time(row, 17)?,
        imported: ImportedSummary {
            expiration_model,
            valid_to: col_opt_time(row, 19)?,
            current_material_id: col(row, 20)?,
        },
        primary_region,
        replica_regions: Vec::new(),
    })
}

async fn insert_key_rows(
    tx: &impl GenericClient,
    key: &KeyRecord,
    material: Option<&MaterialRecord>,
) -> StoreResult<()> {
    let key_id = key.key_id.to_string();
    let params: [&(dyn ToSql + Sync); 22] = [
        &key_id,
        &key.scope.account.as_str(),
        &key.scope.region.as_str(),
        &key.created_at.as_millis(),
        &key.description,
        &key.state.as_str(),
        &key.spec.as_str(),
        &key.usage.as_str(),
        &key.origin.as_str(),
        &key.manager.as_str(),
        &i64::from(key.multi_region),
        &key.deletion_date.map(Timestamp::as_millis),
        &key.pending_window_days.map(i64::from),
        &key.policy,
        &i64::from(key.rotation_enabled),
        &key.rotation_period_days.map(i64::from),
        &i64::from(key.current_material_version),
        &key.next_rotation_at.map(Timestamp::as_millis),
        &key.imported.expiration_model.map(ExpirationModel::as_str),
        &key.imported.valid_to.map(Timestamp::as_millis),
        &key.imported.current_material_id,
        &key.primary_region.as_ref().map(Region::as_str),
    ];
    execute(
        tx,
        &format!(
            "INSERT INTO keys ({KEY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, \
             $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)"
        ),
        &params,
    )
    .await?;
    match material {
        Some(material) => insert_material_row(tx, &key_id, material).await,
        None => Ok(()),
    }
}

async fn insert_material_row(
    tx: &impl GenericClient,
    key_id: &str,
    material: &MaterialRecord,
) -> StoreResult<()> {
    let import = material.import.as_ref();
    execute(
        tx,
        "INSERT INTO key_materials (key_id, version, sealed, created_at, rotation_type,
            key_material_id, import_state, expiration_model, valid_to, description)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        &[
            &key_id,
            &i64::from(material.version),
            &material.sealed.as_bytes(),
            &material.created_at.as_millis(),
            &material.rotation.map(RotationType::as_str),
            &import.map(|import| import.material_id.as_str()),
            &import.map(|import| import.state.as_str()),
            &import.map(|import| import.expiration_model.as_str()),
            &import.and_then(|import| import.valid_to.map(Timestamp::as_millis)),
            &import.map(|import| import.description.as_str()),
        ],
    )
    .await
    .map(drop)
}

/// The import facts in columns `first..first + 5` (`key_material_id`,
/// `import_state`, `expiration_model`, `valid_to`, `description`): `None`
/// for generated material.
fn imported_from_row(row: &Row, first: usize) -> StoreResult<Option<ImportedMaterial>> {
    let Some(material_id) = col::<Option<String>>(row, first)? else {
        return Ok(None);
    };
    let state: Option<String> = col(row, first + 1)?;
    let model: Option<String> = col(row, first + 2)?;
    let description: Option<String> = col(row, first + 4)?;
    Ok(Some(ImportedMaterial {
        material_id,
        state: ImportState::parse(state.as_deref().ok_or_else(corrupt)?).ok_or_else(corrupt)?,
        expiration_model: ExpirationModel::parse(model.as_deref().ok_or_else(corrupt)?)
            .ok_or_else(corrupt)?,
        valid_to: col_opt_time(row, first + 3)?,
        description: description.unwrap_or_default(),
    }))
}
