//! The metadata table: named values the service keeps about the store
//! itself.

use deadpool_postgres::{Client, GenericClient};

use super::{col, execute, query_opt, unavailable};
use crate::StoreResult;

const SET: &str = "INSERT INTO meta (name, value) VALUES ($1, $2)
     ON CONFLICT (name) DO UPDATE SET value = excluded.value";

pub(super) async fn meta(client: &impl GenericClient, name: &str) -> StoreResult<Option<Vec<u8>>> {
    query_opt(client, "SELECT value FROM meta WHERE name = $1", &[&name])
        .await?
        .map(|row| col(&row, 0))
        .transpose()
}

pub(super) async fn set_meta(
    client: &impl GenericClient,
    name: &str,
    value: &[u8],
) -> StoreResult<()> {
    execute(client, SET, &[&name, &value]).await.map(drop)
}

/// Sets a value unless one is set; answers the value stored. A concurrent
/// insert of the same name makes this one wait for its commit, then the
/// read (a new statement, so a new snapshot) sees its value.
pub(super) async fn insert_meta(
    client: &mut Client,
    name: &str,
    value: &[u8],
) -> StoreResult<Vec<u8>> {
    let tx = client.transaction().await.map_err(unavailable)?;
    execute(
        &tx,
        "INSERT INTO meta (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        &[&name, &value],
    )
    .await?;
    let stored = query_opt(&tx, "SELECT value FROM meta WHERE name = $1", &[&name])
        .await?
        .ok_or_else(super::corrupt)?;
    let stored = col(&stored, 0)?;
    tx.commit().await.map_err(unavailable)?;
    Ok(stored)
}

/// Sets (`Some`) and removes (`None`) metadata values in one transaction.
pub(super) async fn update_meta(
    client: &mut Client,
    changes: &[(String, Option<Vec<u8>>)],
) -> StoreResult<()> {
    let tx = client.transaction().await.map_err(unavailable)?;
    for (name, value) in changes {
        match value {
            Some(value) => execute(&tx, SET, &[name, value]).await?,
            None => execute(&tx, "DELETE FROM meta WHERE name = $1", &[name]).await?,
        };
    }
    tx.commit().await.map_err(unavailable)
}
