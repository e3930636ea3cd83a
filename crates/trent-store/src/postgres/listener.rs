//! The change listener: one task on the store's runtime with a connection
//! of its own (`application_name=trent-listener`) that LISTENs on the
//! changes channel and tells the store's [`ChangeListener`]s what it hears.
//!
//! Every [`PING_EVERY`] (or at once when a lock asks) it sends a ping, a
//! notification of its own on the channel, and once it hears it back it
//! records the instant the ping was sent as confirmed: notifications are
//! delivered in commit order and the connection's task hands each one to
//! the listeners before it reads on, so every change committed before that
//! instant has been heard. Hearing its own ping (not merely an answer to a
//! query) is what proves notifications reach it: behind a pooler in
//! transaction mode, which breaks LISTEN, pings are not heard and the node
//! fails closed. [`Hearing::hearing`] is whether the last confirmation is
//! younger than [`HEARING_BOUND`].
//!
//! A lost connection is retried every [`PING_EVERY`]. After every LISTEN,
//! the first included, the task tells the listeners [`Change::Everything`]
//! (what was committed before it took effect was not heard), then carries on.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Instant;

use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;

use super::notify::{decode, parse_ping, ping, CHANNEL};
use super::{pg_error, unavailable, PgError, Shared};
use crate::{Change, ChangeListener, StoreError, StoreResult, HEARING_BOUND};

/// How often the listener confirms it hears, and retries a lost connection.
pub(super) const PING_EVERY: std::time::Duration = std::time::Duration::from_millis(250);

/// What the listener task and the store share.
pub(super) struct Hearing {
    watching: AtomicBool,
    listeners: RwLock<Vec<Arc<dyn ChangeListener>>>,
    /// The send instant of the newest confirmed `SELECT 1`.
    confirmed: watch::Sender<Option<Instant>>,
    /// Asks the task for a confirmation now rather than at its next tick.
    ping_now: Notify,
    /// Set when the database stopped answering in time (a confirmation or
    /// a reconnection timed out), cleared by the next confirmation: while
    /// set, store calls fail at once, and calls under way give up.
    unresponsive: watch::Sender<bool>,
    task: std::sync::Mutex<Option<JoinHandle<()>>>,
}

impl Default for Hearing {
    fn default() -> Self {
        Self {
            watching: AtomicBool::new(false),
            listeners: RwLock::new(Vec::new()),
            confirmed: watch::Sender::new(None),
            ping_now: Notify::new(),
            unresponsive: watch::Sender::new(false),
            task: std::sync::Mutex::new(None),
        }
    }
}

impl Hearing {
    /// Whether every change committed up to [`HEARING_BOUND`] ago was
    /// heard; true while nothing is watched.
    pub(super) fn hearing(&self) -> bool {
        if !self.watching() {
            return true;
        }
        self.confirmed
            .borrow()
            .is_some_and(|confirmed| confirmed.elapsed() < HEARING_BOUND)
    }

    /// Whether the database was found not answering in time and has not
    /// answered since (never while nothing is watched).
    pub(super) fn unresponsive(&self) -> bool {
        self.watching() && *self.unresponsive.borrow()
    }

    /// Resolves once the database is found not answering in time.
    pub(super) async fn until_unresponsive(&self) {
        let mut unresponsive = self.unresponsive.subscribe();
        let _ = unresponsive.wait_for(|down| *down).await;
    }

    fn timed_out(&self) -> StoreError {
        self.unresponsive.send_replace(true);
        pg_error(PgError::Timeout)
    }

    /// Whether a listener task runs.
    pub(super) fn watching(&self) -> bool {
        self.watching.load(Ordering::Acquire)
    }

    /// Waits until a confirmation whose query was sent at or after `since`
    /// arrives, asking for one at once.
    pub(super) async fn confirmed_since(&self, since: Instant) -> StoreResult<()> {
        let mut confirmed = self.confirmed.subscribe();
        self.ping_now.notify_one();
        confirmed
            .wait_for(|confirmed| confirmed.is_some_and(|at| at >= since))
            .await
            .map(drop)
            .map_err(|_| pg_error(PgError::NotHearing))
    }

    /// Stops the listener task, if any.
    pub(super) fn stop(&self) {
        let task = self
            .task
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        if let Some(task) = task {
            task.abort();
        }
    }

    fn deliver(&self, change: &Change) {
        let listeners = self
            .listeners
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        for listener in listeners.iter() {
            listener.changed(change);
        }
    }

    fn confirm(&self, sent: Instant) {
        self.unresponsive
            .send_if_modified(|down| std::mem::replace(down, false));
        self.confirmed.send_modify(|confirmed| {
            if confirmed.is_none_or(|at| at < sent) {
                *confirmed = Some(sent);
            }
        });
    }
}

/// Adds `listener`, and starts the listener task if it does not run yet.
pub(super) fn watch(
    shared: &Arc<Shared>,
    handle: &tokio::runtime::Handle,
    listener: Arc<dyn ChangeListener>,
) {
    let hearing = &shared.hearing;
    hearing
        .listeners
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .push(listener);
    if hearing.watching.swap(true, Ordering::AcqRel) {
        return;
    }
    let task = handle.spawn(run(shared.clone()));
    *hearing
        .task
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(task);
}

/// Listens for as long as the store lives, reconnecting as needed.
async fn run(shared: Arc<Shared>) {
    loop {
        // A session ends only on failure: what follows may miss changes.
        let _ = session(&shared).await;
        tokio::time::sleep(PING_EVERY).await;
    }
}

/// One connection's life: LISTEN, then confirm until it fails.
async fn session(shared: &Arc<Shared>) -> StoreResult<()> {
    // This session's pings: a number no other session uses, and the last
    // of them heard back.
    let session_id = {
        use std::hash::{BuildHasher, Hasher};
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u32(std::process::id());
        hasher.finish()
    };
    let pings_heard = Arc::new(watch::Sender::new(0u64));
    let deliver = {
        let shared = shared.clone();
        let pings_heard = pings_heard.clone();
        Arc::new(move |payload: &str| match parse_ping(payload) {
            Some((session, n)) if session == session_id => {
                pings_heard.send_if_modified(|heard| {
                    let newer = n > *heard;
                    if newer {
                        *heard = n;
                    }
                    newer
                });
            }
            // Another node's ping.
            Some(_) => {}
            None => shared.hearing.deliver(&decode(payload)),
        })
    };
    let hearing = &shared.hearing;
    // A connection takes several round trips (TCP, TLS, authentication):
    // slow is not unresponsive, and hearing is false meanwhile anyway.
    let connection = tokio::time::timeout(
        super::STORE_TIMEOUT,
        shared.settings.dedicated("trent-listener", Some(deliver)),
    )
    .await
    .map_err(|_| pg_error(PgError::Timeout))??;
    // Pings need no durability: their commits need not wait for the WAL
    // to reach the disk (a notification commits a transaction).
    let listen = format!("SET synchronous_commit = off; LISTEN {CHANNEL}");
    tokio::time::timeout(HEARING_BOUND, connection.client.batch_execute(&listen))
        .await
        .map_err(|_| hearing.timed_out())?
        .map_err(unavailable)?;
    // What was committed before the LISTEN took effect was not heard:
    // after a reconnect, and at the first LISTEN too (caches may have been
    // filled before it), every cache is dropped.
    hearing.deliver(&Change::Everything);
    let mut tick = tokio::time::interval(PING_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut heard = pings_heard.subscribe();
    for n in 1u64.. {
        tokio::select! {
            _ = tick.tick() => {}
            () = hearing.ping_now.notified() => {}
        }
        let sent = Instant::now();
        let notify = format!("SELECT pg_notify('{CHANNEL}', '{}')", ping(session_id, n));
        tokio::time::timeout(HEARING_BOUND, connection.client.simple_query(&notify))
            .await
            .map_err(|_| hearing.timed_out())?
            .map_err(unavailable)?;
        // Heard back by the time its query is answered, normally; a ping
        // not heard at all means notifications do not reach this session:
        // start again (and drop every cache) rather than claim to hear.
        tokio::time::timeout(HEARING_BOUND, heard.wait_for(|last| *last >= n))
            .await
            .map_err(|_| pg_error(PgError::NotHearing))?
            .map_err(|_| pg_error(PgError::NotHearing))?;
        hearing.confirm(sent);
    }
    Ok(())
}
