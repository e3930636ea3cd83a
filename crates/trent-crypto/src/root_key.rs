//! The root key that wraps every key's material, and the seam to replace it.
//!
//! A [`RootKeyProvider`] seals and opens small secrets (key material, access
//! key secrets) under a label that names what the secret is, so a sealed
//! value moved to another record does not open. The default provider keeps a
//! random 256-bit key in a file (mode 0600); an HSM provider (`trent-pkcs11`)
//! can take its place.
//!
//! [`RootKeys`] is what the service seals with: one current provider and,
//! while a root-key rotation moves every record, the previous one. Each value
//! it seals names the root key that sealed it (see `docs/key-material-format.md`),
//! so both keys open during the move and a record is re-sealed exactly once.

use std::fmt;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use trent_core::id::KeyId;
use trent_core::sealed::SealedKeyMaterial;
use zeroize::Zeroizing;

use crate::aead::{self, fill_random, KEY_LEN};
use crate::material::KeyMaterial;
use crate::CryptoError;

/// The first byte of what [`FileRootKeyProvider`] seals, and of every value
/// sealed before root keys had ids (which the file provider sealed).
const SEALED_VERSION: u8 = 0x01;
/// The first byte of a value sealed through [`RootKeys`]: `0x02 || root key
/// id (8 bytes) || what that key's provider sealed`.
const NAMED_VERSION: u8 = 0x02;

/// Names a root key without revealing it: stored in front of every value it
/// seals. A file key's id is derived from the key (HMAC-SHA-256 of a fixed
/// label, first 8 bytes); an HSM key's is the `CKA_ID` it was made with.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RootKeyId(pub [u8; 8]);

impl RootKeyId {
    /// Reads the 16-hex-digit form [`fmt::Display`] writes.
    pub fn parse(text: &str) -> Option<Self> {
        if text.len() != 16 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let mut bytes = [0u8; 8];
        for (i, byte) in bytes.iter_mut().enumerate() {
            *byte = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
        }
        Some(Self(bytes))
    }
}

impl fmt::Display for RootKeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl fmt::Debug for RootKeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RootKeyId({self})")
    }
}

/// What kind of provider holds a root key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RootKeyKind {
    /// [`FileRootKeyProvider`]: 32 bytes in a file.
    File,
    /// A key inside a PKCS#11 token (`trent-pkcs11`).
    Pkcs11,
}

/// Seals and opens secrets under a root key that never leaves the provider.
pub trait RootKeyProvider: Send + Sync + std::fmt::Debug {
    /// Which key this is; stored in front of what [`RootKeys`] seals with it.
    fn id(&self) -> RootKeyId;
    /// What holds the key.
    fn kind(&self) -> RootKeyKind;
    /// Where the key is, as `--root-key` takes it (a path, or a PKCS#11 URI
    /// without any PIN): recorded in the store and shown in messages.
    fn location(&self) -> String;
    /// Encrypts `secret`, binding `label` as additional authenticated data.
    fn seal(&self, label: &[u8], secret: &[u8]) -> Result<Vec<u8>, CryptoError>;
    /// Decrypts what [`RootKeyProvider::seal`] returned for the same label.
    /// [`CryptoError::RootKeyUnavailable`] when the key cannot be reached
    /// (a token gone), [`CryptoError::Failed`] when the value does not open.
    fn open(&self, label: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError>;
}

/// Which root key sealed a stored value, read from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SealedBy {
    /// Sealed before root keys had ids: by a file root key.
    Unnamed,
    /// Sealed by the root key with this id.
    Key(RootKeyId),
}

impl SealedBy {
    /// Reads the root key a sealed value names; `None` if it is not a value
    /// any provider sealed.
    pub fn of(sealed: &[u8]) -> Option<Self> {
        match *sealed.first()? {
            SEALED_VERSION => Some(Self::Unnamed),
            NAMED_VERSION => {
                let id: [u8; 8] = sealed.get(1..9)?.try_into().ok()?;
                Some(Self::Key(RootKeyId(id)))
            }
            _ => None,
        }
    }
}

/// The root keys the service seals and opens with: the current one, which
/// seals, and while a rotation moves the records, the previous one, which
/// still opens what it sealed.
#[derive(Debug)]
pub struct RootKeys {
    ring: RwLock<Ring>,
}

#[derive(Debug, Clone)]
struct Ring {
    current: Arc<dyn RootKeyProvider>,
    previous: Option<Arc<dyn RootKeyProvider>>,
}

impl RootKeys {
    /// One root key, sealing and opening.
    pub fn new(current: Arc<dyn RootKeyProvider>) -> Self {
        Self {
            ring: RwLock::new(Ring {
                current,
                previous: None,
            }),
        }
    }

    /// A rotation under way: `current` seals, `previous` still opens.
    pub fn moving(current: Arc<dyn RootKeyProvider>, previous: Arc<dyn RootKeyProvider>) -> Self {
        Self {
            ring: RwLock::new(Ring {
                current,
                previous: Some(previous),
            }),
        }
    }

    fn ring(&self) -> Result<Ring, CryptoError> {
        self.ring
            .read()
            .map(|ring| ring.clone())
            .map_err(|_| CryptoError::RootKeyUnavailable)
    }

    /// The key that seals.
    pub fn current(&self) -> Result<Arc<dyn RootKeyProvider>, CryptoError> {
        Ok(self.ring()?.current)
    }

    /// The key a rotation is moving away from, if one is under way.
    pub fn previous(&self) -> Result<Option<Arc<dyn RootKeyProvider>>, CryptoError> {
        Ok(self.ring()?.previous)
    }

    /// Starts a rotation: `next` seals from now on, the current key still
    /// opens. Refused while another rotation is under way.
    pub fn begin_rotation(&self, next: Arc<dyn RootKeyProvider>) -> Result<(), CryptoError> {
        let mut ring = self
            .ring
            .write()
            .map_err(|_| CryptoError::RootKeyUnavailable)?;
        if ring.previous.is_some() {
            return Err(CryptoError::InvalidInput);
        }
        let previous = std::mem::replace(&mut ring.current, next);
        ring.previous = Some(previous);
        Ok(())
    }

    /// Ends a rotation: the previous key no longer opens anything.
    pub fn retire_previous(&self) -> Result<(), CryptoError> {
        self.ring
            .write()
            .map_err(|_| CryptoError::RootKeyUnavailable)?
            .previous = None;
        Ok(())
    }

    /// Re-seals `sealed` under the current key; `None` when it already is.
    pub fn reseal(&self, label: &[u8], sealed: &[u8]) -> Result<Option<Vec<u8>>, CryptoError> {
        let ring = self.ring()?;
        if SealedBy::of(sealed) == Some(SealedBy::Key(ring.current.id())) {
            return Ok(None);
        }
        let secret = open_with(&ring, label, sealed)?;
        seal_with(&*ring.current, label, &secret).map(Some)
    }
}

fn seal_with(
    provider: &dyn RootKeyProvider,
    label: &[u8],
    secret: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let inner = provider.seal(label, secret)?;
    let mut out = Vec::with_capacity(9 + inner.len());
    out.push(NAMED_VERSION);
    out.extend_from_slice(&provider.id().0);
    out.extend_from_slice(&inner);
    Ok(out)
}

fn open_with(ring: &Ring, label: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    let keys = std::iter::once(&ring.current).chain(ring.previous.as_ref());
    match SealedBy::of(sealed).ok_or(CryptoError::Failed)? {
        SealedBy::Key(id) => {
            let provider = keys
                .into_iter()
                .find(|key| key.id() == id)
                .ok_or(CryptoError::RootKeyUnavailable)?;
            provider.open(label, sealed.get(9..).ok_or(CryptoError::Failed)?)
        }
        // Only a file key sealed unnamed values; try each file key held.
        SealedBy::Unnamed => keys
            .filter(|key| key.kind() == RootKeyKind::File)
            .find_map(|key| key.open(label, sealed).ok())
            .ok_or(CryptoError::Failed),
    }
}

impl RootKeyProvider for RootKeys {
    fn id(&self) -> RootKeyId {
        self.ring()
            .map(|ring| ring.current.id())
            .unwrap_or(RootKeyId([0; 8]))
    }

    fn kind(&self) -> RootKeyKind {
        self.ring()
            .map(|ring| ring.current.kind())
            .unwrap_or(RootKeyKind::File)
    }

    fn location(&self) -> String {
        self.ring()
            .map(|ring| ring.current.location())
            .unwrap_or_default()
    }

    fn seal(&self, label: &[u8], secret: &[u8]) -> Result<Vec<u8>, CryptoError> {
        seal_with(&*self.ring()?.current, label, secret)
    }

    fn open(&self, label: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        open_with(&self.ring()?, label, sealed)
    }
}

/// Seals one version of a key's material under the root key.
pub fn seal_key_material(
    provider: &dyn RootKeyProvider,
    key_id: &KeyId,
    version: u32,
    material: &KeyMaterial,
) -> Result<SealedKeyMaterial, CryptoError> {
    provider
        .seal(&material_label(key_id, version), material.secret())
        .map(SealedKeyMaterial::from_bytes)
}

/// Opens one version of a key's material.
pub fn open_key_material(
    provider: &dyn RootKeyProvider,
    key_id: &KeyId,
    version: u32,
    sealed: &SealedKeyMaterial,
) -> Result<KeyMaterial, CryptoError> {
    let bytes = provider.open(&material_label(key_id, version), sealed.as_bytes())?;
    KeyMaterial::from_slice(&bytes)
}

/// Re-seals one version of a symmetric key's material under the current
/// root key; `None` when it already is.
pub fn reseal_key_material(
    keys: &RootKeys,
    key_id: &KeyId,
    version: u32,
    sealed: &SealedKeyMaterial,
) -> Result<Option<SealedKeyMaterial>, CryptoError> {
    Ok(keys
        .reseal(&material_label(key_id, version), sealed.as_bytes())?
        .map(SealedKeyMaterial::from_bytes))
}

fn material_label(key_id: &KeyId, version: u32) -> Vec<u8> {
    format!("trent/key-material/v1/{key_id}/{version}").into_bytes()
}

/// A 256-bit root key held in memory, zeroized on drop.
pub struct RootKey(Zeroizing<[u8; KEY_LEN]>);

impl std::fmt::Debug for RootKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RootKey(AES-256, redacted)")
    }
}

/// The default provider: a root key read from a file.
#[derive(Debug)]
pub struct FileRootKeyProvider {
    key: RootKey,
    path: PathBuf,
    id: RootKeyId,
}

/// A file key's id: the first 8 bytes of HMAC-SHA-256 under the key of a
/// fixed label, which says nothing of the key but tells two keys apart.
fn file_key_id(key: &[u8; KEY_LEN]) -> RootKeyId {
    use aws_lc_rs::hmac;
    let tag = hmac::sign(
        &hmac::Key::new(hmac::HMAC_SHA256, key),
        b"trent/root-key-id/v1",
    );
    let mut id = [0u8; 8];
    id.copy_from_slice(&tag.as_ref()[..8]);
    RootKeyId(id)
}

impl FileRootKeyProvider {
    /// Opens the root key file at `path`, or creates it with a fresh random
    /// key (mode 0600, written and synced before it is used) when it does not
    /// exist and `create` is true.
    pub fn open_or_create(path: &Path, create: bool) -> Result<Self, CryptoError> {
        match fs::read(path) {
            Ok(bytes) => {
                let array: [u8; KEY_LEN] = bytes
                    .as_slice()
                    .try_into()
                    .map_err(|_| CryptoError::RootKeyUnavailable)?;
                let mut bytes = bytes;
                zeroize::Zeroize::zeroize(&mut bytes);
                let key = Zeroizing::new(array);
                Ok(Self {
                    id: file_key_id(&key),
                    key: RootKey(key),
                    path: absolute(path),
                })
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound && create => {
                let mut key = Zeroizing::new([0u8; KEY_LEN]);
                fill_random(key.as_mut())?;
                write_new_secret_file(path, key.as_ref())
                    .map_err(|_| CryptoError::RootKeyUnavailable)?;
                Ok(Self {
                    id: file_key_id(&key),
                    key: RootKey(key),
                    path: absolute(path),
                })
            }
            Err(_) => Err(CryptoError::RootKeyUnavailable),
        }
    }

    /// Where the root key file is.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned())
}

/// Writes `bytes` to a new file with mode 0600, syncing the file and its folder.
/// Fails if the file already exists.
pub fn write_new_secret_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    if let Some(parent) = path.parent() {
        if let Ok(dir) = fs::File::open(parent) {
            dir.sync_all()?;
        }
    }
    Ok(())
}

impl RootKeyProvider for FileRootKeyProvider {
    fn id(&self) -> RootKeyId {
        self.id
    }

    fn kind(&self) -> RootKeyKind {
        RootKeyKind::File
    }

    fn location(&self) -> String {
        self.path.display().to_string()
    }

    fn seal(&self, label: &[u8], secret: &[u8]) -> Result<Vec<u8>, CryptoError> {
        aead::seal_framed(&self.key.0, SEALED_VERSION, label, secret)
    }

    fn open(&self, label: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        aead::open_framed(&self.key.0, SEALED_VERSION, label, sealed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_key_file_is_created_private_and_reopened() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("root-key");
        assert_eq!(
            FileRootKeyProvider::open_or_create(&path, false).unwrap_err(),
            CryptoError::RootKeyUnavailable
        );
        let first = FileRootKeyProvider::open_or_create(&path, true).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let sealed = first.seal(b"label", b"secret").unwrap();
        let second = FileRootKeyProvider::open_or_create(&path, true).unwrap();
        assert_eq!(&second.open(b"label", &sealed).unwrap()[..], b"secret");
        assert!(second.open(b"other label", &sealed).is_err());
        assert_eq!(format!("{:?}", second.key), "RootKey(AES-256, redacted)");
    }

    #[test]
    fn sealed_material_opens_only_for_its_key_and_version() {
        let dir = tempfile::tempdir().unwrap();
        let provider = FileRootKeyProvider::open_or_create(&dir.path().join("k"), true).unwrap();
        let key_id = KeyId::from_bytes([1; 16]);
        let material = KeyMaterial::generate().unwrap();
        let sealed = seal_key_material(&provider, &key_id, 1, &material).unwrap();
        assert!(!sealed
            .as_bytes()
            .windows(32)
            .any(|w| w == material.secret()));
        let opened = open_key_material(&provider, &key_id, 1, &sealed).unwrap();
        assert_eq!(opened.secret(), material.secret());
        assert!(open_key_material(&provider, &key_id, 2, &sealed).is_err());
        assert!(open_key_material(&provider, &KeyId::from_bytes([2; 16]), 1, &sealed).is_err());
    }

    #[test]
    fn a_truncated_root_key_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("root-key");
        fs::write(&path, [0u8; 31]).unwrap();
        assert!(FileRootKeyProvider::open_or_create(&path, true).is_err());
    }

    fn file_key(dir: &Path, name: &str) -> Arc<dyn RootKeyProvider> {
        Arc::new(FileRootKeyProvider::open_or_create(&dir.join(name), true).unwrap())
    }

    #[test]
    fn root_key_ids_tell_keys_apart_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let a = file_key(dir.path(), "a");
        let b = file_key(dir.path(), "b");
        assert_ne!(a.id(), b.id());
        let again = FileRootKeyProvider::open_or_create(&dir.path().join("a"), false).unwrap();
        assert_eq!(again.id(), a.id());
        assert_eq!(RootKeyId::parse(&a.id().to_string()), Some(a.id()));
        assert_eq!(RootKeyId::parse("00112233445566"), None);
        assert_eq!(RootKeyId::parse("001122334455667g"), None);
        assert!(a.location().ends_with("/a") && Path::new(&a.location()).is_absolute());
    }

    #[test]
    fn values_name_the_key_that_sealed_them_and_unnamed_ones_still_open() {
        let dir = tempfile::tempdir().unwrap();
        let a = file_key(dir.path(), "a");
        let keys = RootKeys::new(a.clone());
        let sealed = keys.seal(b"label", b"secret").unwrap();
        assert_eq!(SealedBy::of(&sealed), Some(SealedBy::Key(a.id())));
        assert_eq!(&keys.open(b"label", &sealed).unwrap()[..], b"secret");
        assert_eq!(
            keys.open(b"other", &sealed).unwrap_err(),
            CryptoError::Failed
        );
        // What the provider sealed directly (every value before ids) opens too.
        let unnamed = a.seal(b"label", b"old").unwrap();
        assert_eq!(SealedBy::of(&unnamed), Some(SealedBy::Unnamed));
        assert_eq!(&keys.open(b"label", &unnamed).unwrap()[..], b"old");
        assert_eq!(SealedBy::of(&[0x07, 1, 2]), None);
        assert!(keys.open(b"label", &[0x02, 1, 2]).is_err());
    }

    #[test]
    fn a_rotation_opens_with_both_keys_then_only_the_new_one() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (file_key(dir.path(), "a"), file_key(dir.path(), "b"));
        let keys = RootKeys::new(a.clone());
        let old = keys.seal(b"l", b"one").unwrap();
        let unnamed = a.seal(b"l", b"two").unwrap();
        keys.begin_rotation(b.clone()).unwrap();
        assert!(
            keys.begin_rotation(b.clone()).is_err(),
            "one rotation at a time"
        );
        assert_eq!(keys.id(), b.id());
        let new = keys.seal(b"l", b"three").unwrap();
        assert_eq!(SealedBy::of(&new), Some(SealedBy::Key(b.id())));
        assert_eq!(&keys.open(b"l", &old).unwrap()[..], b"one");
        assert_eq!(keys.reseal(b"l", &new).unwrap(), None);
        let moved = keys.reseal(b"l", &old).unwrap().unwrap();
        let moved_unnamed = keys.reseal(b"l", &unnamed).unwrap().unwrap();
        assert!(keys.reseal(b"wrong label", &old).is_err());
        keys.retire_previous().unwrap();
        assert_eq!(
            keys.open(b"l", &old).unwrap_err(),
            CryptoError::RootKeyUnavailable
        );
        assert!(keys.open(b"l", &unnamed).is_err());
        assert_eq!(&keys.open(b"l", &moved).unwrap()[..], b"one");
        assert_eq!(&keys.open(b"l", &moved_unnamed).unwrap()[..], b"two");
        // The new key alone opens what was moved, from a fresh start.
        let fresh = RootKeys::new(file_key(dir.path(), "b"));
        assert_eq!(&fresh.open(b"l", &moved).unwrap()[..], b"one");
    }
}
