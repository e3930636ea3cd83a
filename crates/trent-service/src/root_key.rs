//! Which root key seals a data folder, and moving every sealed value to
//! another one while the server keeps serving.
//!
//! The store records the root key (`root_key`: its id and where it is) and,
//! during a rotation, the move (`root_key_rotation`: from, to, since when).
//! A rotation is written down before anything is sealed under the new key,
//! so a start after a crash knows both keys and resumes; it is settled (the
//! record names the new key, the move record is gone, in one transaction)
//! only after a walk of every sealed value found none left under the old
//! key. Each value names the key that sealed it, so the walk is idempotent:
//! what was moved is skipped.

use std::sync::Arc;

use trent_core::clock::Timestamp;
use trent_core::key::KeySpec;
use trent_crypto::root_key::{reseal_key_material, RootKeyId, RootKeyProvider, RootKeys, SealedBy};
use trent_crypto::sealed_key;
use trent_store::record::{SealedChange, SealedPlace, SealedValue};
use trent_store::KeyStore;

use crate::Kms;

const RECORD: &str = "root_key";
const ROTATION: &str = "root_key_rotation";
/// How many values one step of the walk re-seals (one store page).
const STEP: u32 = 256;

/// The metadata values sealed under the root key, with their labels.
pub(crate) const SEALED_META: &[(&str, &[u8])] = &[
    (
        crate::bootstrap::ROOT_KEY_CHECK,
        crate::bootstrap::ROOT_KEY_CHECK_LABEL,
    ),
    (
        crate::bootstrap::AUDIT_SIGNING_KEY,
        crate::bootstrap::AUDIT_SIGNING_KEY_LABEL,
    ),
    (
        crate::bootstrap::TOKEN_KEY,
        crate::bootstrap::TOKEN_KEY_LABEL,
    ),
];

/// A root key as the store records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RootKeyRecord {
    /// Its id, as it prefixes what it sealed.
    pub id: RootKeyId,
    /// Where it is: a file path or a PKCS#11 URI (never a PIN).
    pub location: String,
}

impl RootKeyRecord {
    /// The record of `provider`.
    pub fn of(provider: &dyn RootKeyProvider) -> Self {
        Self {
            id: provider.id(),
            location: provider.location(),
        }
    }
}

/// A root-key rotation under way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotationRecord {
    /// The key being retired.
    pub from: RootKeyRecord,
    /// The key that seals from now on.
    pub to: RootKeyRecord,
    /// When it began.
    pub started_at: Timestamp,
}

/// What a data folder says of its root key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RootKeyState {
    /// Nothing yet: a new folder, or one from before root keys were recorded.
    Unrecorded,
    /// This key seals everything.
    Settled(RootKeyRecord),
    /// A rotation is moving every value between two keys.
    Rotating(RotationRecord),
}

/// Why a root-key rotation could not start or go on.
#[derive(Debug, thiserror::Error)]
pub enum RootKeyError {
    /// The store is shared by several nodes, which all hold the current
    /// root key in memory: one node's walk would re-seal values the others
    /// could no longer open.
    #[error("the store is shared by several nodes: its root key cannot be rotated online yet (the other nodes would not hold the new key); migrate the store to SQLite, rotate it offline, and migrate it back")]
    SharedStore,
    /// Another rotation has not finished.
    #[error("a root-key rotation to {to} is under way; wait for it to finish")]
    AlreadyRotating {
        /// Where it goes.
        to: String,
    },
    /// The new key is the current one.
    #[error("{location} is already this data folder's root key")]
    SameKey {
        /// The key asked for.
        location: String,
    },
    /// The new key does not seal and open.
    #[error("the new root key at {location} does not work: {reason}")]
    NotWorking {
        /// The key asked for.
        location: String,
        /// What failed.
        reason: String,
    },
    /// A location that cannot be recorded.
    #[error("a root key location must be one line: {0:?}")]
    Location(String),
    /// A value could not be opened or sealed, or the store failed.
    #[error("{context}: {source}")]
    Failed {
        /// What was being done.
        context: String,
        /// The cause, free of secrets.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The keys held are not the two the rotation record names.
    #[error("the root keys held are not those of the rotation from {from} to {to}; restart to resume it")]
    Mismatch {
        /// The record's previous key.
        from: String,
        /// The record's new key.
        to: String,
    },
    /// The stored record is unreadable.
    #[error("the data folder's root key record is damaged")]
    Damaged,
}

/// What was being done, and why it failed.
fn failed(
    context: impl Into<String>,
    source: impl std::error::Error + Send + Sync + 'static,
) -> RootKeyError {
    RootKeyError::Failed {
        context: context.into(),
        source: Box::new(source),
    }
}

/// Progress of a walk: values looked at, and how many there are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RotationProgress {
    /// Values looked at so far (moved or found moved).
    pub done: u64,
    /// Values re-sealed by this walk.
    pub resealed: u64,
    /// All values (key materials, access keys, sealed metadata).
    pub total: u64,
}

/// Opens a root key from its location (a path or a PKCS#11 URI): the
/// binary supplies it, so the service knows no provider but the trait.
pub struct RootKeyOpener(Box<OpenRootKey>);

type OpenRootKey = dyn Fn(&str) -> Result<Arc<dyn RootKeyProvider>, String> + Send + Sync;

impl RootKeyOpener {
    /// An opener calling `open` with the location; its error is shown to the operator.
    pub fn new(
        open: impl Fn(&str) -> Result<Arc<dyn RootKeyProvider>, String> + Send + Sync + 'static,
    ) -> Self {
        Self(Box::new(open))
    }

    /// Opens the root key at `location` (creating it if absent).
    pub fn open(&self, location: &str) -> Result<Arc<dyn RootKeyProvider>, String> {
        (self.0)(location)
    }
}

impl std::fmt::Debug for RootKeyOpener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RootKeyOpener")
    }
}

/// The background walk of a rotation, as the admin API reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Walk {
    /// A walk is running.
    pub running: bool,
    /// Its progress so far.
    pub progress: RotationProgress,
    /// The last failure, retried after a pause.
    pub last_error: Option<String>,
}

/// Pause before a failed walk (a token gone, the store unreachable) is
/// tried again.
const RETRY: std::time::Duration = std::time::Duration::from_secs(2);

/// Reads what `store` says of its root key.
pub fn root_key_state(store: &dyn KeyStore) -> Result<RootKeyState, RootKeyError> {
    let read = |name| {
        store
            .meta(name)
            .map_err(|error| failed("reading the root key record", error))
    };
    if let Some(bytes) = read(ROTATION)? {
        return decode_rotation(&bytes).map(RootKeyState::Rotating);
    }
    match read(RECORD)? {
        Some(bytes) => decode_record(&bytes).map(RootKeyState::Settled),
        None => Ok(RootKeyState::Unrecorded),
    }
}

fn encode_record(record: &RootKeyRecord) -> String {
    format!("v1\n{}\n{}", record.id, record.location)
}

fn decode_record(bytes: &[u8]) -> Result<RootKeyRecord, RootKeyError> {
    let text = std::str::from_utf8(bytes).map_err(|_| RootKeyError::Damaged)?;
    match text.split('\n').collect::<Vec<_>>().as_slice() {
        ["v1", id, location] => Ok(RootKeyRecord {
            id: RootKeyId::parse(id).ok_or(RootKeyError::Damaged)?,
            location: (*location).to_owned(),
        }),
        _ => Err(RootKeyError::Damaged),
    }
}

fn encode_rotation(rotation: &RotationRecord) -> String {
    format!(
        "v1\n{}\n{}\n{}\n{}\n{}",
        rotation.from.id,
        rotation.from.location,
        rotation.to.id,
        rotation.to.location,
        rotation.started_at.as_millis()
    )
}

fn decode_rotation(bytes: &[u8]) -> Result<RotationRecord, RootKeyError> {
    let text = std::str::from_utf8(bytes).map_err(|_| RootKeyError::Damaged)?;
    match text.split('\n').collect::<Vec<_>>().as_slice() {
        ["v1", from_id, from_location, to_id, to_location, started] => Ok(RotationRecord {
            from: RootKeyRecord {
                id: RootKeyId::parse(from_id).ok_or(RootKeyError::Damaged)?,
                location: (*from_location).to_owned(),
            },
            to: RootKeyRecord {
                id: RootKeyId::parse(to_id).ok_or(RootKeyError::Damaged)?,
                location: (*to_location).to_owned(),
            },
            started_at: Timestamp::from_millis(started.parse().map_err(|_| RootKeyError::Damaged)?),
        }),
        _ => Err(RootKeyError::Damaged),
    }
}

fn one_line(location: &str) -> Result<(), RootKeyError> {
    if location.contains(['\n', '\r']) {
        return Err(RootKeyError::Location(location.to_owned()));
    }
    Ok(())
}

impl Kms {
    /// The root keys this service seals and opens with.
    pub fn root_keys(&self) -> &Arc<RootKeys> {
        &self.root_key
    }

    /// What the store says of its root key.
    pub fn root_key_state(&self) -> Result<RootKeyState, RootKeyError> {
        root_key_state(self.store.as_ref())
    }

    /// Records the current root key in a folder that has no record yet
    /// (call after [`Kms::check_root_key`] passed).
    pub fn record_root_key(&self) -> Result<(), RootKeyError> {
        if self.root_key_state()? != RootKeyState::Unrecorded {
            return Ok(());
        }
        let current = self.current_root_key()?;
        let record = RootKeyRecord::of(current.as_ref());
        one_line(&record.location)?;
        let encoded = encode_record(&record);
        // Nodes starting together on a new shared store: the first record
        // stands, and the state read back checks this node's key against it.
        self.store
            .insert_meta(RECORD, encoded.as_bytes())
            .map_err(|error| failed("recording the root key", error))?;
        match self.root_key_state()? {
            RootKeyState::Settled(stored) if stored.id == record.id => Ok(()),
            RootKeyState::Unrecorded => Err(RootKeyError::Damaged),
            _ => Err(failed(
                "recording the root key",
                std::io::Error::other("another node recorded another root key first"),
            )),
        }
    }

    /// The key that seals now.
    pub fn current_root_key_record(&self) -> Result<RootKeyRecord, RootKeyError> {
        Ok(RootKeyRecord::of(self.current_root_key()?.as_ref()))
    }

    fn current_root_key(&self) -> Result<Arc<dyn RootKeyProvider>, RootKeyError> {
        self.root_key
            .current()
            .map_err(|error| failed("reading the root keys", error))
    }

    /// Starts moving every sealed value to `next`: records the move, then
    /// seals everything new under `next`. The walk is [`Kms::reseal_all`].
    pub fn begin_root_key_rotation(
        &self,
        next: Arc<dyn RootKeyProvider>,
    ) -> Result<RotationRecord, RootKeyError> {
        if self.shared_store() {
            return Err(RootKeyError::SharedStore);
        }
        let _writing = self
            .writing()
            .map_err(|error| failed("taking the write lock", error))?;
        let current = self.current_root_key()?;
        let from = match self.root_key_state()? {
            RootKeyState::Rotating(rotation) => {
                return Err(RootKeyError::AlreadyRotating {
                    to: rotation.to.location,
                })
            }
            RootKeyState::Settled(record) => record,
            RootKeyState::Unrecorded => RootKeyRecord::of(current.as_ref()),
        };
        let to = RootKeyRecord::of(next.as_ref());
        one_line(&to.location)?;
        if to.id == from.id {
            return Err(RootKeyError::SameKey {
                location: to.location,
            });
        }
        // The new key must seal and open before anything depends on it.
        let not_working = |reason: String| RootKeyError::NotWorking {
            location: to.location.clone(),
            reason,
        };
        let probe = next
            .seal(b"trent/root-key-probe/v1", b"probe")
            .map_err(|error| not_working(error.to_string()))?;
        match next.open(b"trent/root-key-probe/v1", &probe) {
            Ok(opened) if opened.as_slice() == b"probe" => {}
            Ok(_) => return Err(not_working("it opened another value".into())),
            Err(error) => return Err(not_working(error.to_string())),
        }
        let rotation = RotationRecord {
            from,
            to,
            started_at: self.clock.now(),
        };
        self.store
            .set_meta(ROTATION, encode_rotation(&rotation).as_bytes())
            .map_err(|error| failed("recording the rotation", error))?;
        // Wait out every value sealed under the current key and not yet
        // stored, then switch: the walk will see all of them.
        let _switching = self.sealing.write().unwrap_or_else(|p| p.into_inner());
        if let Err(error) = self.root_key.begin_rotation(next) {
            // Nothing was sealed under the new key: the record goes too.
            let _ = self.store.update_meta(&[(ROTATION, None)]);
            return Err(failed("switching root keys", error));
        }
        tracing::info!(
            from = %rotation.from.location,
            to = %rotation.to.location,
            "root-key rotation started"
        );
        Ok(rotation)
    }

    /// Re-seals every value still under the previous root key, then settles
    /// the rotation: the record names the new key and the previous one is
    /// retired. Resumable: values already moved are skipped. `progress` is
    /// told after each step.
    pub fn reseal_all(
        &self,
        progress: &mut dyn FnMut(RotationProgress),
    ) -> Result<RotationProgress, RootKeyError> {
        let RootKeyState::Rotating(rotation) = self.root_key_state()? else {
            // Settled (perhaps by a walk whose settle reported an error):
            // nothing to move, and the previous key opens nothing.
            self.root_key
                .retire_previous()
                .map_err(|error| failed("retiring the previous root key", error))?;
            return Ok(RotationProgress::default());
        };
        // The keys held must be the two the record names, or the walk
        // would settle a record naming a key that seals nothing.
        let current = self.current_root_key()?.id();
        let previous = self
            .root_key
            .previous()
            .map_err(|error| failed("reading the root keys", error))?
            .map(|key| key.id());
        if current != rotation.to.id || previous != Some(rotation.from.id) {
            return Err(RootKeyError::Mismatch {
                from: rotation.from.location,
                to: rotation.to.location,
            });
        }
        let count = self
            .store
            .count_sealed_values()
            .map_err(|error| failed("counting sealed values", error))?;
        let mut state = RotationProgress {
            total: count + SEALED_META.len() as u64,
            ..RotationProgress::default()
        };
        // Walk until a whole pass moves nothing: a value written with the
        // previous key while the walk ran is caught by the next pass.
        loop {
            let before = state.resealed;
            state.done = 0;
            self.reseal_pass(&mut state, progress)?;
            if state.resealed == before {
                break;
            }
        }
        let record = encode_record(&rotation.to);
        self.store
            .update_meta(&[(RECORD, Some(record.as_bytes())), (ROTATION, None)])
            .map_err(|error| failed("settling the rotation", error))?;
        self.root_key
            .retire_previous()
            .map_err(|error| failed("retiring the previous root key", error))?;
        tracing::info!(
            to = %rotation.to.location,
            resealed = state.resealed,
            "root-key rotation finished"
        );
        Ok(state)
    }

    fn reseal_pass(
        &self,
        state: &mut RotationProgress,
        progress: &mut dyn FnMut(RotationProgress),
    ) -> Result<(), RootKeyError> {
        let mut changes = Vec::new();
        for (name, label) in SEALED_META {
            let sealed = self
                .store
                .meta(name)
                .map_err(|error| failed("reading sealed metadata", error))?;
            if let Some(sealed) = sealed {
                let place = SealedPlace::Meta {
                    name: (*name).to_owned(),
                };
                let moved = self.root_key.reseal(label, &sealed);
                changes.extend(change(place, sealed, moved)?);
            }
            state.done += 1;
        }
        self.replace(&changes, state)?;
        self.walk_sealed(&mut |page| {
            let mut changes = Vec::with_capacity(page.len());
            for (value, spec) in page {
                changes.extend(self.reseal_value(value, spec)?);
                state.done += 1;
            }
            // One transaction per page.
            self.replace(&changes, state)?;
            progress(*state);
            Ok(())
        })
    }

    /// Hands `visit` each page of the values the store holds sealed, each
    /// key material with its key's spec (those of keys deleted meanwhile
    /// left out).
    fn walk_sealed(
        &self,
        visit: &mut dyn FnMut(Vec<WithSpec>) -> Result<(), RootKeyError>,
    ) -> Result<(), RootKeyError> {
        let mut after = None;
        let mut last_key: Option<(trent_core::id::KeyId, Option<KeySpec>)> = None;
        loop {
            let page = self
                .store
                .sealed_values(after.as_ref(), STEP)
                .map_err(|error| failed("walking sealed values", error))?;
            let Some(last) = page.last() else {
                return Ok(());
            };
            after = Some(last.place.clone());
            let mut with_specs = Vec::with_capacity(page.len());
            for value in page {
                let SealedPlace::KeyMaterial { key_id, .. } = &value.place else {
                    with_specs.push((value, None));
                    continue;
                };
                let spec = match &last_key {
                    Some((id, spec)) if id == key_id => *spec,
                    _ => {
                        let spec = self
                            .store
                            .any_region_key(key_id)
                            .map_err(|error| failed("reading a key record", error))?
                            .map(|record| record.spec);
                        last_key = Some((*key_id, spec));
                        spec
                    }
                };
                if spec.is_some() {
                    with_specs.push((value, spec));
                }
            }
            visit(with_specs)?;
        }
    }

    fn reseal_value(
        &self,
        value: SealedValue,
        spec: Option<KeySpec>,
    ) -> Result<Option<SealedChange>, RootKeyError> {
        let moved = match (&value.place, spec) {
            (SealedPlace::KeyMaterial { key_id, version }, Some(spec)) => {
                let sealed =
                    trent_core::sealed::SealedKeyMaterial::from_bytes(value.sealed.clone());
                let moved = if spec == KeySpec::SymmetricDefault {
                    reseal_key_material(&self.root_key, key_id, *version, &sealed)
                } else {
                    sealed_key::reseal(&self.root_key, key_id, *version, spec, &sealed)
                };
                moved.map(|moved| moved.map(|moved| moved.as_bytes().to_vec()))
            }
            (SealedPlace::AccessKey { access_key_id }, _) => self.root_key.reseal(
                crate::bootstrap::access_key_label(access_key_id).as_bytes(),
                &value.sealed,
            ),
            _ => return Ok(None),
        };
        change(value.place, value.sealed, moved)
    }

    fn replace(
        &self,
        changes: &[SealedChange],
        state: &mut RotationProgress,
    ) -> Result<(), RootKeyError> {
        if changes.is_empty() {
            return Ok(());
        }
        // A value changed or deleted since it was read is left alone: its
        // new value was sealed under the new key.
        state.resealed += self
            .store
            .replace_sealed(changes)
            .map_err(|error| failed("storing re-sealed values", error))?;
        Ok(())
    }

    /// Starts a rotation to `next` and walks it in a background thread,
    /// retried until it finishes; the server keeps serving meanwhile.
    pub fn rotate_root_key_in_background(
        self: &Arc<Self>,
        next: Arc<dyn RootKeyProvider>,
    ) -> Result<RotationRecord, RootKeyError> {
        self.check_can_rotate()?;
        let rotation = self.begin_root_key_rotation(next)?;
        self.resume_root_key_rotation();
        Ok(rotation)
    }

    /// Refuses a rotation while another is under way (before the new key is
    /// opened, so a refused call creates none).
    pub fn check_can_rotate(&self) -> Result<(), RootKeyError> {
        if let RootKeyState::Rotating(rotation) = self.root_key_state()? {
            return Err(RootKeyError::AlreadyRotating {
                to: rotation.to.location,
            });
        }
        if self.walk().running {
            return Err(RootKeyError::AlreadyRotating {
                to: "another key".into(),
            });
        }
        Ok(())
    }

    /// Walks an unfinished rotation in a background thread (at start, after
    /// a crash), retried until it finishes. Does nothing when none is under
    /// way or a walk already runs.
    pub fn resume_root_key_rotation(self: &Arc<Self>) {
        {
            let mut walk = self.rotation.lock().unwrap_or_else(|p| p.into_inner());
            if walk.running || !matches!(self.root_key_state(), Ok(RootKeyState::Rotating(_))) {
                return;
            }
            *walk = Walk {
                running: true,
                ..Walk::default()
            };
        }
        let kms = self.clone();
        let spawned = std::thread::Builder::new()
            .name("trent-root-key-rotation".into())
            .spawn(move || loop {
                let result = kms.reseal_all(&mut |progress| {
                    kms.rotation
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .progress = progress;
                });
                let mut walk = kms.rotation.lock().unwrap_or_else(|p| p.into_inner());
                match result {
                    Ok(progress) => {
                        *walk = Walk {
                            running: false,
                            progress,
                            last_error: None,
                        };
                        return;
                    }
                    Err(error) => {
                        tracing::error!(%error, "root-key rotation failed; retrying");
                        walk.last_error = Some(error.to_string());
                    }
                }
                drop(walk);
                std::thread::sleep(RETRY);
            });
        if let Err(error) = spawned {
            let mut walk = self.rotation.lock().unwrap_or_else(|p| p.into_inner());
            walk.running = false;
            walk.last_error = Some(format!("starting the rotation thread: {error}"));
        }
    }

    /// The background walk's state.
    pub fn walk(&self) -> Walk {
        self.rotation
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// How many values each root key seals, for status reports.
    pub fn sealed_by_counts(&self) -> Result<Vec<(Option<RootKeyId>, u64)>, RootKeyError> {
        let mut counts: std::collections::BTreeMap<Option<RootKeyId>, u64> = Default::default();
        let mut count = |by: Option<SealedBy>| {
            let id = match by {
                Some(SealedBy::Key(id)) => Some(id),
                _ => None,
            };
            *counts.entry(id).or_default() += 1;
        };
        for (name, _) in SEALED_META {
            if let Some(sealed) = self
                .store
                .meta(name)
                .map_err(|error| failed("reading sealed metadata", error))?
            {
                count(SealedBy::of(&sealed));
            }
        }
        self.walk_sealed(&mut |page| {
            for (value, spec) in page {
                count(match (&value.place, spec) {
                    (SealedPlace::KeyMaterial { .. }, Some(spec))
                        if spec != KeySpec::SymmetricDefault =>
                    {
                        sealed_key::sealed_by(&trent_core::sealed::SealedKeyMaterial::from_bytes(
                            value.sealed,
                        ))
                    }
                    _ => SealedBy::of(&value.sealed),
                });
            }
            Ok(())
        })?;
        Ok(counts.into_iter().collect())
    }
}

/// A sealed value and, for key material, its key's spec.
type WithSpec = (SealedValue, Option<KeySpec>);

/// The change that stores `moved` in place of `sealed`, if it moved.
fn change(
    place: SealedPlace,
    sealed: Vec<u8>,
    moved: Result<Option<Vec<u8>>, trent_crypto::CryptoError>,
) -> Result<Option<SealedChange>, RootKeyError> {
    match moved {
        Ok(Some(moved)) => Ok(Some(SealedChange {
            place,
            expected: sealed,
            sealed: moved,
        })),
        Ok(None) => Ok(None),
        Err(error) => Err(failed(format!("re-sealing {}", describe(&place)), error)),
    }
}

fn describe(place: &SealedPlace) -> String {
    match place {
        SealedPlace::KeyMaterial { key_id, version } => {
            format!("version {version} of key {key_id}")
        }
        SealedPlace::AccessKey { access_key_id } => format!("access key {access_key_id}"),
        SealedPlace::Meta { name } => format!("the {name} record"),
    }
}

#[cfg(test)]
mod tests;
