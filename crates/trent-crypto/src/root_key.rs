//! The root key that wraps every key's material, and the seam to replace it.
//!
//! A [`RootKeyProvider`] seals and opens small secrets (key material, access
//! key secrets) under a label that names what the secret is, so a sealed
//! value moved to another record does not open. The default provider keeps a
//! random 256-bit key in a file (mode 0600); an HSM provider can take its place.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use trent_core::id::KeyId;
use trent_core::sealed::SealedKeyMaterial;
use zeroize::Zeroizing;

use crate::aead::{self, fill_random, IV_LEN, KEY_LEN};
use crate::material::KeyMaterial;
use crate::CryptoError;

const SEALED_VERSION: u8 = 0x01;

/// Seals and opens secrets under a root key that never leaves the provider.
pub trait RootKeyProvider: Send + Sync + std::fmt::Debug {
    /// Encrypts `secret`, binding `label` as additional authenticated data.
    fn seal(&self, label: &[u8], secret: &[u8]) -> Result<Vec<u8>, CryptoError>;
    /// Decrypts what [`RootKeyProvider::seal`] returned for the same label.
    fn open(&self, label: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError>;
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
                Ok(Self {
                    key: RootKey(Zeroizing::new(array)),
                    path: path.to_owned(),
                })
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound && create => {
                let mut key = Zeroizing::new([0u8; KEY_LEN]);
                fill_random(key.as_mut())?;
                write_new_secret_file(path, key.as_ref())
                    .map_err(|_| CryptoError::RootKeyUnavailable)?;
                Ok(Self {
                    key: RootKey(key),
                    path: path.to_owned(),
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
    fn seal(&self, label: &[u8], secret: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let (iv, sealed) = aead::seal(&self.key.0, label, secret)?;
        let mut out = Vec::with_capacity(1 + IV_LEN + sealed.len());
        out.push(SEALED_VERSION);
        out.extend_from_slice(&iv);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    fn open(&self, label: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        if sealed.len() < 1 + IV_LEN || sealed[0] != SEALED_VERSION {
            return Err(CryptoError::Failed);
        }
        aead::open(
            self.key.0.as_ref(),
            &sealed[1..1 + IV_LEN],
            label,
            &sealed[1 + IV_LEN..],
        )
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
}
