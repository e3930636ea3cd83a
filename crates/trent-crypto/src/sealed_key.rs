//! The sealed form of asymmetric and HMAC key material, format version 1
//! (see `docs/key-material-format.md`).
//!
//! ```text
//! offset  size  field
//! 0       1     format version, 0x01
//! 1       1     material kind: the key spec (table in the doc)
//! 2       1     payload encoding: 0x01 PKCS#8 v1 DER, 0x02 ML-KEM dk ‖ ek,
//!               0x03 raw HMAC secret
//! 3       n     the root-key provider's sealing of the payload
//! ```
//!
//! The provider binds the label `trent/key-material/v2/<key id>/<version>`
//! followed by the three header bytes, so a blob moved to another key,
//! version, kind or encoding does not open. Symmetric material keeps its
//! own headerless form (`root_key::seal_key_material`, label `v1`).

use trent_core::id::KeyId;
use trent_core::key::KeySpec;
use trent_core::sealed::SealedKeyMaterial;

use crate::asymmetric::{Encoding, PrivateKey};
use crate::mac::HmacKey;
use crate::root_key::RootKeyProvider;
use crate::CryptoError;

/// The only format version this build writes and reads.
pub const FORMAT_VERSION: u8 = 0x01;
const HEADER_LEN: usize = 3;

/// The kind byte of each key spec with sealed material of this form. Never
/// renumber: stored blobs carry these values.
const KINDS: &[(KeySpec, u8)] = &[
    (KeySpec::Rsa2048, 0x01),
    (KeySpec::Rsa3072, 0x02),
    (KeySpec::Rsa4096, 0x03),
    (KeySpec::EccNistP256, 0x10),
    (KeySpec::EccNistP384, 0x11),
    (KeySpec::EccNistP521, 0x12),
    (KeySpec::EccSecgP256k1, 0x13),
    (KeySpec::EccNistEdwards25519, 0x14),
    (KeySpec::MlDsa44, 0x20),
    (KeySpec::MlDsa65, 0x21),
    (KeySpec::MlDsa87, 0x22),
    (KeySpec::MlKem512, 0x30),
    (KeySpec::MlKem768, 0x31),
    (KeySpec::MlKem1024, 0x32),
    (KeySpec::Hmac224, 0x40),
    (KeySpec::Hmac256, 0x41),
    (KeySpec::Hmac384, 0x42),
    (KeySpec::Hmac512, 0x43),
];

fn kind_of(spec: KeySpec) -> Result<u8, CryptoError> {
    KINDS
        .iter()
        .find(|(known, _)| *known == spec)
        .map(|(_, kind)| *kind)
        .ok_or(CryptoError::InvalidInput)
}

fn encoding_of(byte: u8) -> Option<Encoding> {
    [
        Encoding::Pkcs8,
        Encoding::MlKemExpanded,
        Encoding::RawSecret,
    ]
    .into_iter()
    .find(|encoding| *encoding as u8 == byte)
}

fn label(key_id: &KeyId, version: u32, header: &[u8; HEADER_LEN]) -> Vec<u8> {
    let mut label = format!("trent/key-material/v2/{key_id}/{version}").into_bytes();
    label.extend_from_slice(header);
    label
}

fn seal(
    provider: &dyn RootKeyProvider,
    key_id: &KeyId,
    version: u32,
    spec: KeySpec,
    encoding: Encoding,
    payload: &[u8],
) -> Result<SealedKeyMaterial, CryptoError> {
    let header = [FORMAT_VERSION, kind_of(spec)?, encoding as u8];
    let sealed = provider.seal(&label(key_id, version, &header), payload)?;
    let mut out = Vec::with_capacity(HEADER_LEN + sealed.len());
    out.extend_from_slice(&header);
    out.extend_from_slice(&sealed);
    Ok(SealedKeyMaterial::from_bytes(out))
}

/// Checks the header against the expected spec and opens the payload.
fn open(
    provider: &dyn RootKeyProvider,
    key_id: &KeyId,
    version: u32,
    spec: KeySpec,
    sealed: &SealedKeyMaterial,
) -> Result<(Encoding, zeroize::Zeroizing<Vec<u8>>), CryptoError> {
    let bytes = sealed.as_bytes();
    let (header, body) = bytes
        .split_at_checked(HEADER_LEN)
        .ok_or(CryptoError::Failed)?;
    let header: [u8; HEADER_LEN] = header.try_into().map_err(|_| CryptoError::Failed)?;
    let expected_kind = kind_of(spec).map_err(|_| CryptoError::Failed)?;
    if header[0] != FORMAT_VERSION || header[1] != expected_kind {
        return Err(CryptoError::Failed);
    }
    let encoding = encoding_of(header[2]).ok_or(CryptoError::Failed)?;
    let payload = provider.open(&label(key_id, version, &header), body)?;
    Ok((encoding, payload))
}

/// Re-seals one version of an asymmetric or HMAC key under the current root
/// key, header unchanged; `None` when it already is. The header must say
/// `spec`.
pub fn reseal(
    keys: &crate::root_key::RootKeys,
    key_id: &KeyId,
    version: u32,
    spec: KeySpec,
    sealed: &SealedKeyMaterial,
) -> Result<Option<SealedKeyMaterial>, CryptoError> {
    let (header, body) = sealed
        .as_bytes()
        .split_at_checked(HEADER_LEN)
        .ok_or(CryptoError::Failed)?;
    let header: [u8; HEADER_LEN] = header.try_into().map_err(|_| CryptoError::Failed)?;
    if header[0] != FORMAT_VERSION || Some(header[1]) != kind_of(spec).ok() {
        return Err(CryptoError::Failed);
    }
    Ok(keys
        .reseal(&label(key_id, version, &header), body)?
        .map(|body| {
            let mut out = Vec::with_capacity(HEADER_LEN + body.len());
            out.extend_from_slice(&header);
            out.extend_from_slice(&body);
            SealedKeyMaterial::from_bytes(out)
        }))
}

/// The root key that sealed an asymmetric or HMAC key's blob.
pub fn sealed_by(sealed: &SealedKeyMaterial) -> Option<crate::root_key::SealedBy> {
    crate::root_key::SealedBy::of(sealed.as_bytes().get(HEADER_LEN..)?)
}

/// The key spec a sealed blob says it holds, before it is authenticated:
/// use it to report or route, trust it only once the blob opens.
pub fn peek_spec(sealed: &SealedKeyMaterial) -> Option<KeySpec> {
    match sealed.as_bytes() {
        [FORMAT_VERSION, kind, ..] => KINDS
            .iter()
            .find(|(_, known)| known == kind)
            .map(|(spec, _)| *spec),
        _ => None,
    }
}

/// Seals one version of an asymmetric key's private key.
pub fn seal_private_key(
    provider: &dyn RootKeyProvider,
    key_id: &KeyId,
    version: u32,
    key: &PrivateKey,
) -> Result<SealedKeyMaterial, CryptoError> {
    let (encoding, payload) = key.encoded();
    seal(provider, key_id, version, key.spec(), encoding, payload)
}

/// Opens one version of an asymmetric key's private key, which must be of
/// `spec`. Any mismatch or changed byte is [`CryptoError::Failed`].
pub fn open_private_key(
    provider: &dyn RootKeyProvider,
    key_id: &KeyId,
    version: u32,
    spec: KeySpec,
    sealed: &SealedKeyMaterial,
) -> Result<PrivateKey, CryptoError> {
    let (encoding, payload) = open(provider, key_id, version, spec, sealed)?;
    PrivateKey::decode(spec, encoding, &payload)
}

/// Seals one version of an HMAC key's secret.
pub fn seal_hmac_key(
    provider: &dyn RootKeyProvider,
    key_id: &KeyId,
    version: u32,
    key: &HmacKey,
) -> Result<SealedKeyMaterial, CryptoError> {
    seal(
        provider,
        key_id,
        version,
        key.spec(),
        Encoding::RawSecret,
        key.secret(),
    )
}

/// Opens one version of an HMAC key, which must be of `spec`.
pub fn open_hmac_key(
    provider: &dyn RootKeyProvider,
    key_id: &KeyId,
    version: u32,
    spec: KeySpec,
    sealed: &SealedKeyMaterial,
) -> Result<HmacKey, CryptoError> {
    let (encoding, payload) = open(provider, key_id, version, spec, sealed)?;
    if encoding != Encoding::RawSecret {
        return Err(CryptoError::Failed);
    }
    HmacKey::from_secret(spec, payload)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::asymmetric::ASYMMETRIC_SPECS;
    use crate::root_key::FileRootKeyProvider;
    use std::path::Path;

    fn provider_with(dir: &Path, byte: u8) -> FileRootKeyProvider {
        let path = dir.join(format!("root-{byte}"));
        std::fs::write(&path, [byte; 32]).unwrap();
        FileRootKeyProvider::open_or_create(&path, false).unwrap()
    }

    #[test]
    fn sealed_keys_open_only_for_their_key_version_and_spec() {
        let dir = tempfile::tempdir().unwrap();
        let provider = provider_with(dir.path(), 1);
        let other_root = provider_with(dir.path(), 2);
        let key_id = KeyId::from_bytes([3; 16]);
        for spec in [KeySpec::EccNistP256, KeySpec::MlKem512, KeySpec::Rsa2048] {
            let key = PrivateKey::generate(spec).unwrap();
            let sealed = seal_private_key(&provider, &key_id, 1, &key).unwrap();
            assert_eq!(peek_spec(&sealed), Some(spec));
            let (_, payload) = key.encoded();
            assert!(!sealed
                .as_bytes()
                .windows(32)
                .any(|w| payload.windows(32).any(|p| p == w)));
            let opened = open_private_key(&provider, &key_id, 1, spec, &sealed).unwrap();
            assert_eq!(opened.public_key().unwrap(), key.public_key().unwrap());
            let fails = [
                open_private_key(&provider, &key_id, 2, spec, &sealed),
                open_private_key(&provider, &KeyId::from_bytes([4; 16]), 1, spec, &sealed),
                open_private_key(&provider, &key_id, 1, KeySpec::EccNistP384, &sealed),
                open_private_key(&other_root, &key_id, 1, spec, &sealed),
            ];
            for result in fails {
                assert_eq!(result.unwrap_err(), CryptoError::Failed);
            }
            // Rewriting the kind byte (and so the label) fails authentication.
            let mut bytes = sealed.as_bytes().to_vec();
            bytes[1] = 0x11;
            let forged = SealedKeyMaterial::from_bytes(bytes);
            assert!(
                open_private_key(&provider, &key_id, 1, KeySpec::EccNistP384, &forged).is_err()
            );
        }
        let hmac = HmacKey::generate(KeySpec::Hmac384).unwrap();
        let sealed = seal_hmac_key(&provider, &key_id, 7, &hmac).unwrap();
        let opened = open_hmac_key(&provider, &key_id, 7, KeySpec::Hmac384, &sealed).unwrap();
        assert_eq!(opened.secret(), hmac.secret());
        assert!(open_hmac_key(&provider, &key_id, 7, KeySpec::Hmac512, &sealed).is_err());
        assert!(open_private_key(&provider, &key_id, 7, KeySpec::Hmac384, &sealed).is_err());
        assert_eq!(peek_spec(&SealedKeyMaterial::from_bytes(vec![1])), None);
    }

    #[test]
    fn a_root_key_rotation_reseals_the_payload_and_keeps_the_header() {
        use crate::root_key::{RootKeyProvider, RootKeys, SealedBy};
        use std::sync::Arc;
        let dir = tempfile::tempdir().unwrap();
        let old: Arc<dyn RootKeyProvider> = Arc::new(provider_with(dir.path(), 1));
        let new: Arc<dyn RootKeyProvider> = Arc::new(provider_with(dir.path(), 2));
        let keys = RootKeys::new(old.clone());
        let key_id = KeyId::from_bytes([3; 16]);
        let key = PrivateKey::generate(KeySpec::EccNistP256).unwrap();
        let sealed = seal_private_key(&keys, &key_id, 1, &key).unwrap();
        // Sealed by the provider itself, as before root keys had ids.
        let unnamed = seal_hmac_key(
            &*old,
            &key_id,
            2,
            &HmacKey::generate(KeySpec::Hmac256).unwrap(),
        )
        .unwrap();
        assert_eq!(sealed_by(&sealed), Some(SealedBy::Key(old.id())));
        assert_eq!(sealed_by(&unnamed), Some(SealedBy::Unnamed));
        keys.begin_rotation(new.clone()).unwrap();
        let moved = reseal(&keys, &key_id, 1, KeySpec::EccNistP256, &sealed)
            .unwrap()
            .unwrap();
        let moved_hmac = reseal(&keys, &key_id, 2, KeySpec::Hmac256, &unnamed)
            .unwrap()
            .unwrap();
        assert_eq!(
            reseal(&keys, &key_id, 1, KeySpec::EccNistP256, &moved).unwrap(),
            None
        );
        assert!(reseal(&keys, &key_id, 1, KeySpec::EccNistP384, &sealed).is_err());
        assert!(reseal(&keys, &key_id, 9, KeySpec::EccNistP256, &sealed).is_err());
        assert_eq!(
            moved.as_bytes()[..HEADER_LEN],
            sealed.as_bytes()[..HEADER_LEN]
        );
        assert_eq!(sealed_by(&moved), Some(SealedBy::Key(new.id())));
        let alone = RootKeys::new(new);
        let opened = open_private_key(&alone, &key_id, 1, KeySpec::EccNistP256, &moved).unwrap();
        assert_eq!(opened.public_key().unwrap(), key.public_key().unwrap());
        assert!(open_hmac_key(&alone, &key_id, 2, KeySpec::Hmac256, &moved_hmac).is_ok());
        assert!(open_private_key(&alone, &key_id, 1, KeySpec::EccNistP256, &sealed).is_err());
    }

    #[test]
    fn every_asymmetric_spec_has_a_kind() {
        for spec in ASYMMETRIC_SPECS {
            assert!(kind_of(*spec).is_ok(), "{spec}");
        }
        let mut codes: Vec<u8> = KINDS.iter().map(|(_, kind)| *kind).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), KINDS.len());
    }
}

#[cfg(test)]
mod known_answer {
    use super::*;
    use crate::asymmetric::{PublicKey, ASYMMETRIC_SPECS};
    use crate::mac::{self, HmacKey};
    use crate::root_key::FileRootKeyProvider;
    use crate::sign::{self, Message};
    use crate::{kem, oaep, Verification};
    use std::path::{Path, PathBuf};
    use trent_core::algorithm::{EncapsulationAlgorithm, EncryptionAlgorithm};
    use trent_core::key::KeyUsage;

    /// Blobs written by format version 1 under the root key `0x42 × 32`
    /// (`root-key`) for key id `07070707-…` version 1, one per kind, with
    /// the public key each must give back (`<spec>.spki`), an ML-KEM
    /// ciphertext and its secret, and an HMAC tag of `trent v1`. Any change
    /// that stops these from opening breaks every stored key.
    fn fixtures() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/sealed-key-material/v1")
    }

    fn read(name: &str) -> Vec<u8> {
        std::fs::read(fixtures().join(name)).unwrap()
    }

    #[test]
    fn version_1_blobs_written_earlier_still_open() {
        let provider =
            FileRootKeyProvider::open_or_create(&fixtures().join("root-key"), false).unwrap();
        let key_id = KeyId::from_bytes([7; 16]);
        for spec in ASYMMETRIC_SPECS {
            let sealed = SealedKeyMaterial::from_bytes(read(&format!("{spec}.sealed")));
            assert_eq!(
                sealed.as_bytes()[..2],
                [FORMAT_VERSION, kind_of(*spec).unwrap()]
            );
            assert_eq!(peek_spec(&sealed), Some(*spec));
            let key = open_private_key(&provider, &key_id, 1, *spec, &sealed).unwrap();
            let public = key.public_key().unwrap();
            assert_eq!(public.der(), &read(&format!("{spec}.spki"))[..], "{spec}");
            assert_eq!(PublicKey::from_der(*spec, public.der()).unwrap(), public);
            if let Some(algorithms) = spec.algorithms(KeyUsage::SignVerify) {
                // The first algorithm that signs RAW messages (not Ed25519ph).
                let algorithm = algorithms
                    .signing
                    .iter()
                    .copied()
                    .find(|algorithm| algorithm.accepts(trent_core::algorithm::MessageType::Raw))
                    .unwrap();
                let signature = sign::sign(&key, algorithm, Message::Raw(b"trent v1")).unwrap();
                assert_eq!(
                    sign::verify(&public, algorithm, Message::Raw(b"trent v1"), &signature),
                    Ok(Verification::Valid)
                );
            }
            if spec.algorithms(KeyUsage::EncryptDecrypt).is_some() {
                let ciphertext =
                    oaep::encrypt(&public, EncryptionAlgorithm::RsaesOaepSha256, b"v1").unwrap();
                assert_eq!(
                    &oaep::decrypt(&key, EncryptionAlgorithm::RsaesOaepSha256, &ciphertext)
                        .unwrap()[..],
                    b"v1"
                );
            }
            if spec.algorithms(KeyUsage::EncapsulateDecapsulate).is_some() {
                let ciphertext = read(&format!("{spec}.kem-ciphertext"));
                let secret =
                    kem::decapsulate(&key, EncapsulationAlgorithm::MlKem, &ciphertext).unwrap();
                assert_eq!(secret.expose(), &read(&format!("{spec}.kem-secret"))[..]);
            }
        }
        for spec in [
            KeySpec::Hmac224,
            KeySpec::Hmac256,
            KeySpec::Hmac384,
            KeySpec::Hmac512,
        ] {
            let sealed = SealedKeyMaterial::from_bytes(read(&format!("{spec}.sealed")));
            let key: HmacKey = open_hmac_key(&provider, &key_id, 1, spec, &sealed).unwrap();
            let tag = read(&format!("{spec}.tag"));
            assert_eq!(
                mac::verify_mac(&key, key.algorithm(), b"trent v1", &tag),
                Ok(Verification::Valid)
            );
        }
    }
}
