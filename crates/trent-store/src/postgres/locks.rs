//! Store-wide locks: session advisory locks, each on a connection the store
//! keeps for it (outside the pool), so a node that dies releases them with
//! its sessions.
//!
//! A connection whose lock wait failed, or whose unlock failed, is
//! discarded (closed), so no lock can linger on a session nobody tracks.
//! One guard of each lock per process at a time: the local mutex that
//! holds the connection is held by the guard.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Mutex, OwnedMutexGuard};
use tokio::time::Instant;

use super::connect::Dedicated;
use super::{col, pg_error, unavailable, PgError, Shared, STORE_TIMEOUT};
use crate::{StoreGuard, StoreResult};

/// The advisory lock of [`crate::StoreLock::Writes`].
pub(super) const WRITES_LOCK: i64 = 0x7472_656e_7400_0002;
/// The advisory lock of [`crate::StoreLock::Maintenance`].
pub(super) const MAINTENANCE_LOCK: i64 = 0x7472_656e_7400_0003;

/// How long an unlock may take before its connection is discarded instead.
const UNLOCK_TIMEOUT: Duration = Duration::from_secs(1);

/// The connections of the locks, each behind the mutex its guard holds.
#[derive(Default)]
pub(super) struct Slots {
    writes: Arc<Mutex<Option<Dedicated>>>,
    maintenance: Arc<Mutex<Option<Dedicated>>>,
}

type Slot = OwnedMutexGuard<Option<Dedicated>>;

/// Holds an advisory lock until dropped; the drop unlocks it (waiting up
/// to [`UNLOCK_TIMEOUT`]) or, failing that, closes its connection.
pub(super) struct PgGuard {
    slot: Option<Slot>,
    lock_id: i64,
    handle: tokio::runtime::Handle,
}

impl StoreGuard for PgGuard {}

impl std::fmt::Debug for PgGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PgGuard({:#x})", self.lock_id)
    }
}

impl Drop for PgGuard {
    fn drop(&mut self) {
        let Some(mut slot) = self.slot.take() else {
            return;
        };
        let lock_id = self.lock_id;
        let (sender, receiver) = std::sync::mpsc::sync_channel(1);
        self.handle.spawn(async move {
            release(&mut slot, lock_id).await;
            drop(slot);
            let _ = sender.send(());
        });
        // Waiting makes the release visible to whatever the caller does
        // next; a store shut down meanwhile closed the connection anyway.
        let _ = receiver.recv_timeout(UNLOCK_TIMEOUT + Duration::from_millis(500));
    }
}

/// Takes the writes lock, waiting up to [`STORE_TIMEOUT`], then waits until
/// the listener (if watching) has heard every change committed before.
pub(super) async fn writes(
    shared: Arc<Shared>,
    handle: tokio::runtime::Handle,
) -> StoreResult<PgGuard> {
    let deadline = Instant::now() + STORE_TIMEOUT;
    let mut slot = tokio::time::timeout_at(deadline, shared.locks.writes.clone().lock_owned())
        .await
        .map_err(|_| pg_error(PgError::Timeout))?;
    let connection = connection(&shared, &mut slot, deadline).await?;
    // The connection is out of its slot while the lock is awaited: if the
    // wait fails or this future is dropped, it closes with its session.
    tokio::time::timeout_at(
        deadline,
        connection
            .client
            .execute("SELECT pg_advisory_lock($1)", &[&WRITES_LOCK]),
    )
    .await
    .map_err(|_| pg_error(PgError::Timeout))?
    .map_err(unavailable)?;
    let taken = std::time::Instant::now();
    *slot = Some(connection);
    if shared.hearing.watching() {
        let heard = tokio::select! {
            heard = tokio::time::timeout_at(deadline, shared.hearing.confirmed_since(taken)) => {
                matches!(heard, Ok(Ok(())))
            }
            () = shared.hearing.until_unresponsive() => false,
        };
        if !heard {
            release(&mut slot, WRITES_LOCK).await;
            return Err(pg_error(PgError::NotHearing));
        }
    }
    Ok(PgGuard {
        slot: Some(slot),
        lock_id: WRITES_LOCK,
        handle,
    })
}

/// Takes the maintenance lock if no other session (or guard of this
/// process) holds it.
pub(super) async fn maintenance(
    shared: Arc<Shared>,
    handle: tokio::runtime::Handle,
) -> StoreResult<Option<PgGuard>> {
    let deadline = Instant::now() + STORE_TIMEOUT;
    let Ok(mut slot) = shared.locks.maintenance.clone().try_lock_owned() else {
        return Ok(None);
    };
    let connection = connection(&shared, &mut slot, deadline).await?;
    let row = tokio::time::timeout_at(
        deadline,
        connection
            .client
            .query_one("SELECT pg_try_advisory_lock($1)", &[&MAINTENANCE_LOCK]),
    )
    .await
    .map_err(|_| pg_error(PgError::Timeout))?
    .map_err(unavailable)?;
    let taken: bool = col(&row, 0)?;
    *slot = Some(connection);
    if !taken {
        return Ok(None);
    }
    Ok(Some(PgGuard {
        slot: Some(slot),
        lock_id: MAINTENANCE_LOCK,
        handle,
    }))
}

/// The slot's connection, taken out of it, or a new one if it has none or
/// its connection ended.
async fn connection(shared: &Shared, slot: &mut Slot, deadline: Instant) -> StoreResult<Dedicated> {
    if let Some(connection) = slot.take() {
        if !connection.is_closed() {
            return Ok(connection);
        }
    }
    let connect = async {
        let connection = shared.settings.dedicated("trent-lock", None).await?;
        // The server gives up on a lock wait by itself too. And it finds a
        // lock holder whose machine or network went away in seconds, not
        // the system's two hours of TCP keepalive, ending its session and so
        // freeing the lock (a holder whose process hangs while its kernel
        // still answers keeps it: a known limit).
        let bound = format!(
            "SET lock_timeout = '{}ms'; SET tcp_keepalives_idle = 5; SET tcp_keepalives_interval = 2;
             SET tcp_keepalives_count = 3; SET tcp_user_timeout = 10000",
            STORE_TIMEOUT.as_millis()
        );
        connection
            .client
            .batch_execute(&bound)
            .await
            .map_err(unavailable)?;
        Ok(connection)
    };
    tokio::time::timeout_at(deadline, connect)
        .await
        .map_err(|_| pg_error(PgError::Timeout))?
}

/// Unlocks `lock_id` on the slot's connection; discards the connection if
/// that fails, so its session's end releases the lock instead.
async fn release(slot: &mut Slot, lock_id: i64) {
    let Some(connection) = slot.as_ref() else {
        return;
    };
    let unlocked = tokio::time::timeout(
        UNLOCK_TIMEOUT,
        connection
            .client
            .query_one("SELECT pg_advisory_unlock($1)", &[&lock_id]),
    )
    .await;
    let released = matches!(unlocked, Ok(Ok(row)) if row.try_get::<_, bool>(0).unwrap_or(false));
    if !released {
        **slot = None;
    }
}
